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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
