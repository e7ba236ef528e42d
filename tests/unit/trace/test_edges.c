/*
 * Flow edges (edges.c): the log folds into one edge per (from, to) pair,
 * amounts summed, in the order pairs first appeared; the same as
 * aggregating as they come, however often the log is folded on the way;
 * an overflowing sum is an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "trace/result.h"

static struct tp_trace_graph *g;

static int setup(void **state)
{
	(void)state;
	return tpg_new("btc", TP_TRACE_UTXO, &g) == TP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tp_trace_graph_free(g);
	return 0;
}

static struct tp_trace_result *result(void)
{
	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT};
	struct tp_trace_result *r;
	assert_int_equal(tpt_result_new(g, &o, &r), TP_OK);
	return r;
}

static void add(struct tp_trace_result *r, uint32_t from, uint32_t to, uint64_t v)
{
	struct tp_u256 a;
	tp_u256_from_u64(&a, v);
	assert_int_equal(tpt_edge_add(r, from, to, &a), TP_OK);
}

static void edge_is(const struct tp_trace_result *r, size_t i, uint32_t from, uint32_t to,
		    uint64_t v)
{
	uint64_t got;
	assert_int_equal(r->edges[i].from, from);
	assert_int_equal(r->edges[i].to, to);
	assert_true(tp_u256_to_u64(&r->edges[i].amount, &got));
	assert_int_equal(got, v);
}

static void test_merge(void **state)
{
	(void)state;
	struct tp_trace_result *r = result();
	assert_int_equal(tpt_edges_merge(r), TP_OK); /* nothing yet */
	assert_int_equal(r->nedge, 0);
	add(r, 1, 2, 5);
	add(r, 3, 4, 1);
	add(r, 1, 2, 7);
	add(r, 7, 7, 0); /* nothing moved: no edge */
	add(r, TPG_NONE, 2, 1);
	add(r, 3, 4, 2);
	add(r, 2, 1, 9);
	assert_int_equal(tpt_edges_merge(r), TP_OK);
	assert_int_equal(r->nedge, 4);
	edge_is(r, 0, 1, 2, 12);
	edge_is(r, 1, 3, 4, 3);
	edge_is(r, 2, TPG_NONE, 2, 1);
	edge_is(r, 3, 2, 1, 9);
	/* merging again changes nothing; later adds join the merged edges */
	assert_int_equal(tpt_edges_merge(r), TP_OK);
	assert_int_equal(r->nedge, 4);
	add(r, 5, 6, 1);
	add(r, 3, 4, 10);
	assert_int_equal(tpt_edges_merge(r), TP_OK);
	assert_int_equal(r->nedge, 5);
	edge_is(r, 1, 3, 4, 13);
	edge_is(r, 4, 5, 6, 1);
	tp_trace_result_free(r);
}

/* Many adds over few pairs (the log folds itself as it grows) and over
 * many pairs, against a plain sum per pair in first-seen order. */
static void check_against_sums(uint32_t pairs, size_t adds)
{
	struct tp_trace_result *r = result();
	uint64_t *sum = calloc(pairs, sizeof *sum);
	uint32_t *order = calloc(pairs, sizeof *order);
	size_t norder = 0;
	uint64_t x = 12345;
	assert_non_null(sum);
	assert_non_null(order);
	for (size_t i = 0; i < adds; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		uint32_t p = (uint32_t)(x >> 33) % pairs;
		if (!sum[p])
			order[norder++] = p;
		sum[p] += i % 5 + 1;
		/* neither from nor to alone tells pairs apart */
		add(r, p % 251 << 16, p / 251, i % 5 + 1);
	}
	assert_int_equal(tpt_edges_merge(r), TP_OK);
	assert_int_equal(r->nedge, norder);
	for (size_t i = 0; i < norder; i++)
		edge_is(r, i, order[i] % 251 << 16, order[i] / 251, sum[order[i]]);
	free(sum);
	free(order);
	tp_trace_result_free(r);
}

static void test_many(void **state)
{
	(void)state;
	check_against_sums(37, 100000);
	check_against_sums(60000, 100000);
	check_against_sums(1, 5000);
}

static void test_overflow(void **state)
{
	(void)state;
	struct tp_trace_result *r = result();
	struct tp_u256 big = {{0, 0, 0, 1ull << 63}};
	assert_int_equal(tpt_edge_add(r, 1, 2, &big), TP_OK);
	assert_int_equal(tpt_edge_add(r, 1, 2, &big), TP_OK);
	assert_int_equal(tpt_edges_merge(r), TP_EOVERFLOW);
	tp_trace_result_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_overflow),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
