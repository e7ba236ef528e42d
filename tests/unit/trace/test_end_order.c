/*
 * The order of a trace's endpoints (tpt_finish): largest amount first,
 * then the address as strcmp orders it (short addresses, addresses that
 * share their first 8 bytes or more), then the stop reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/result.h"

static void test_order(void **state)
{
	(void)state;
	static const char *const addrs[] = {
		"1AAAAAAAz", "1AAAAAAAb", "1AAAAAAA", "1AAAAAA", "1AAAAAAAbb", "b", "",
		"1AAAAAAAB", "0xffffffff", "0xfffffff", "\xc3\xa9t\xc3\xa9", "1AAAAAAAa"};
	size_t n = sizeof addrs / sizeof *addrs;
	struct tp_trace_graph *g;
	struct tp_trace_result *r;
	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT};
	assert_int_equal(tpg_new("btc", TP_TRACE_UTXO, &g), TP_OK);
	assert_int_equal(tpt_result_new(g, &o, &r), TP_OK);
	uint32_t *id = calloc(n, sizeof *id);
	assert_non_null(id);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tpg_addr_intern(g, addrs[i], strlen(addrs[i]), &id[i]), TP_OK);
	struct tp_u256 one, two;
	tp_u256_from_u64(&one, 1);
	tp_u256_from_u64(&two, 2);
	uint32_t fresh;
	/* all with amount 1, one address twice (two stops), one larger */
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tpt_end_add(r, id[i], STOP_UNSPENT, &one, 1, 0, &fresh), TP_OK);
	assert_int_equal(tpt_end_add(r, id[1], STOP_LABEL, &one, 1, 0, &fresh), TP_OK);
	assert_int_equal(tpt_end_add(r, id[5], STOP_MAX_HOPS, &two, 1, 0, &fresh), TP_OK);
	assert_int_equal(tpt_finish(r), TP_OK);
	assert_int_equal(r->nend, n + 2);
	/* first the larger amount, then the rest by address, then stop */
	assert_string_equal(tpg_addr(g, r->ends[0].addr), "b");
	for (size_t i = 2; i < r->nend; i++) {
		const struct tpt_end *p = &r->ends[i - 1], *e = &r->ends[i];
		int c = strcmp(tpg_addr(g, p->addr), tpg_addr(g, e->addr));
		assert_true(c < 0 || (c == 0 && p->stop < e->stop));
	}
	tp_trace_result_free(r);
	tp_trace_graph_free(g);
	free(id);
}

/* Amounts that share their leading 56 bits or differ only in limbs
 * further down sort exactly, largest first, equal ones by address. */
static void test_amount_order(void **state)
{
	(void)state;
	/* limbs w[0..3] */
	static const uint64_t amounts[][4] = {
		{0, 0, 0, 0},
		{1, 0, 0, 0},
		{2, 0, 0, 0},
		{3, 0, 0, 0},
		{1ull << 55, 0, 0, 0},
		{(1ull << 56) + 1, 0, 0, 0},
		{1ull << 56, 0, 0, 0},
		{UINT64_MAX, 0, 0, 0},
		{UINT64_MAX - 1, 0, 0, 0},
		{0, 1, 0, 0},
		{1, 1, 0, 0},
		{UINT64_MAX, 1, 0, 0},
		{0, 1ull << 63, 0, 0},
		{1, 1ull << 63, 0, 0},
		{0, 0, 1, 0},
		{7, 0, 1, 0},
		{0, 1, 1, 0},
		{0, 0, 0, 1ull << 60}, /* (the totals must not overflow) */
		{1, 0, 0, 1ull << 60},
		{UINT64_MAX, UINT64_MAX, UINT64_MAX, (1ull << 60) - 1},
		{UINT64_MAX - 1, UINT64_MAX, UINT64_MAX, (1ull << 60) - 1},
		{1, 1, 0, 0},
		{1, 0, 0, 0},
	};
	size_t n = sizeof amounts / sizeof *amounts;
	struct tp_trace_graph *g;
	struct tp_trace_result *r;
	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT};
	assert_int_equal(tpg_new("btc", TP_TRACE_UTXO, &g), TP_OK);
	assert_int_equal(tpt_result_new(g, &o, &r), TP_OK);
	uint32_t id[sizeof amounts / sizeof *amounts];
	for (size_t i = 0; i < n; i++) {
		char a[16];
		snprintf(a, sizeof a, "1A%02zu", i);
		assert_int_equal(tpg_addr_intern(g, a, strlen(a), &id[i]), TP_OK);
	}
	for (size_t i = 0; i < n; i++) {
		/* added in an order unlike the sorted one */
		size_t j = (i * 7 + 3) % n;
		uint32_t fresh;
		struct tp_u256 v;
		memcpy(v.w, amounts[j], sizeof v.w);
		assert_int_equal(tpt_end_add(r, id[j], STOP_UNSPENT, &v, 1, 0, &fresh), TP_OK);
	}
	assert_int_equal(tpt_finish(r), TP_OK);
	assert_int_equal(r->nend, n);
	for (size_t i = 1; i < n; i++) {
		const struct tpt_end *p = &r->ends[i - 1], *e = &r->ends[i];
		int c = tp_u256_cmp(&p->amount, &e->amount);
		assert_true(c > 0 ||
			    (c == 0 && strcmp(tpg_addr(g, p->addr), tpg_addr(g, e->addr)) < 0));
	}
	tp_trace_result_free(r);
	tp_trace_graph_free(g);
}

/* Thousands of endpoints: amounts over every limb, long runs of equal
 * amounts and of equal leads, two stops for some addresses. */
static void test_many(void **state)
{
	(void)state;
	struct tp_trace_graph *g;
	struct tp_trace_result *r;
	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT};
	assert_int_equal(tpg_new("btc", TP_TRACE_UTXO, &g), TP_OK);
	assert_int_equal(tpt_result_new(g, &o, &r), TP_OK);
	uint64_t x = 88172645463325252ull;
	size_t n = 6000;
	/* the graph first: a trace's graph does not change under it */
	for (size_t i = 0; i < n; i++) {
		char a[24];
		uint32_t id;
		snprintf(a, sizeof a, "1Addr%05zu", i);
		assert_int_equal(tpg_addr_intern(g, a, strlen(a), &id), TP_OK);
		assert_int_equal(id, i);
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t id = (uint32_t)((i * 7919) % (n / 2)), fresh; /* each twice */
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		struct tp_u256 v = {{0}};
		int limb = (int)(x % 4);
		/* (x >> 20 keeps the totals within 256 bits) */
		v.w[limb] = i % 3 == 0 ? 1000 + x % 4 /* many equal */ : x >> 20;
		if (i % 5 == 0) /* equal leads, amounts apart below them */
			v.w[0] = (1ull << 60) | (x & 0xff), v.w[1] = v.w[2] = v.w[3] = 0;
		enum tpt_stop stop = i % 11 == 0 ? STOP_LABEL : STOP_UNSPENT;
		assert_int_equal(tpt_end_add(r, id, stop, &v, 1, 0, &fresh), TP_OK);
	}
	assert_int_equal(tpt_finish(r), TP_OK);
	assert_true(r->nend > n / 2);
	for (size_t i = 1; i < r->nend; i++) {
		const struct tpt_end *p = &r->ends[i - 1], *e = &r->ends[i];
		int c = tp_u256_cmp(&p->amount, &e->amount);
		int s = strcmp(tpg_addr(g, p->addr), tpg_addr(g, e->addr));
		assert_true(c > 0 || (c == 0 && (s < 0 || (s == 0 && p->stop < e->stop))));
	}
	tp_trace_result_free(r);
	tp_trace_graph_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_amount_order),
		cmocka_unit_test(test_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
