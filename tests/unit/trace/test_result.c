/*
 * Trace results and the engines' state: the u64 -> u32 map, the state
 * index in both its forms (flat array, hash map), endpoints that get
 * their example path once, per-address label categories, and traces
 * seeded at the busiest addresses of synthetic chains (taint conserved,
 * the same report twice).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tp_test.h"
#include "trace/prelabel.h"
#include "trace/result.h"

TP_TEST_SCRATCH("tp_trace_result");

static uint64_t key_of(uint64_t i)
{
	return i * 0x9e3779b97f4a7c15ULL;
}

static void test_map(void **state)
{
	(void)state;
	struct tpt_map m = {0};
	assert_int_equal(tpt_map_get(&m, 0), UINT32_MAX);
	for (uint64_t i = 0; i < 5000; i++)
		assert_int_equal(tpt_map_put(&m, key_of(i), (uint32_t)i), TP_OK);
	assert_int_equal(m.n, 5000);
	assert_int_equal(tpt_map_put(&m, key_of(7), 70), TP_OK);
	assert_int_equal(m.n, 5000);
	for (uint64_t i = 0; i < 5000; i++)
		assert_int_equal(tpt_map_get(&m, key_of(i)), i == 7 ? 70 : i);
	assert_int_equal(tpt_map_get(&m, key_of(5000)), UINT32_MAX);
	tpt_map_free(&m);
	assert_int_equal(tpt_map_get(&m, key_of(1)), UINT32_MAX);
}

static void index_round_trip(struct tpt_index *x, uint64_t n)
{
	assert_int_equal(tpt_index_get(x, 0), UINT32_MAX);
	assert_int_equal(tpt_index_get(x, n - 1), UINT32_MAX);
	for (uint64_t k = 0; k < 3000; k++)
		assert_int_equal(tpt_index_put(x, k * 3 % n, (uint32_t)k), TP_OK);
	assert_int_equal(tpt_index_put(x, n - 1, 0), TP_OK);
	for (uint64_t k = 1; k < 3000; k++)
		assert_int_equal(tpt_index_get(x, k * 3 % n), k);
	assert_int_equal(tpt_index_get(x, n - 1), 0);
	assert_int_equal(tpt_index_get(x, 1), UINT32_MAX);
}

static void test_index(void **state)
{
	(void)state;
	struct tpt_index x;
	/* a map while small: a trace touching few keys pays no fresh pages */
	tpt_index_init(&x, 10000);
	assert_int_equal(tpt_index_put(&x, 9999, 7), TP_OK);
	assert_null(x.dense);
	assert_int_equal(tpt_index_get(&x, 9999), 7);
	tpt_index_free(&x);
	/* then a flat array, every entry carried over (3000 > TPT_DENSE_AFTER) */
	tpt_index_init(&x, 10000);
	index_round_trip(&x, 10000);
	assert_non_null(x.dense);
	assert_int_equal(x.mapped, 0);
	tpt_index_free(&x);
	/* large enough for its own mapping */
	tpt_index_init(&x, 2000000);
	index_round_trip(&x, 2000000);
	assert_non_null(x.dense);
	assert_true(x.mapped >= 2000000 * sizeof *x.dense);
	tpt_index_free(&x);
	/* past the flat array's limit: the hash map, same answers */
	tpt_index_init(&x, TPT_DENSE_MAX + 1);
	index_round_trip(&x, TPT_DENSE_MAX + 1);
	assert_null(x.dense);
	tpt_index_free(&x);
}

static void test_endpoints(void **state)
{
	(void)state;
	char path[400];
	struct tp_diag d = {0};
	snprintf(path, sizeof path, "%s/labels.csv", scratch);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("chain,address,category,name,source\nbtc,1Exchange,exchange,Some Exchange,test\n", f);
	fclose(f);
	struct tp_trace_labels *l;
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	assert_int_equal(tp_trace_labels_load(l, path, NULL, &d), TP_OK);
	struct tp_trace_graph *g;
	assert_int_equal(tpg_new("btc", TP_TRACE_UTXO, &g), TP_OK);
	uint32_t plain, exch;
	assert_int_equal(tpg_addr_intern(g, "1Plain", 6, &plain), TP_OK);
	assert_int_equal(tpg_addr_intern(g, "1Exchange", 9, &exch), TP_OK);

	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT};
	struct tp_trace_result *r;
	assert_int_equal(tpt_result_new(g, &o, &r), TP_OK);
	r->labels = l;
	assert_int_equal(tpt_cat(r, exch), TP_CAT_EXCHANGE);
	assert_int_equal(r->labcat[exch], TP_CAT_EXCHANGE + 1);
	assert_int_equal(tpt_cat(r, exch), TP_CAT_EXCHANGE); /* from the cache */
	assert_int_equal(tpt_cat(r, plain), TP_CAT_NONE);
	assert_int_equal(tpt_cat(r, TPG_NONE), TP_CAT_NONE);

	struct tp_u256 five, seven;
	tp_u256_from_u64(&five, 5);
	tp_u256_from_u64(&seven, 7);
	uint32_t fresh, p1[] = {1, 2, 3}, p2[] = {9};
	assert_int_equal(tpt_end_add(r, exch, STOP_LABEL, &five, 3, 200, &fresh), TP_OK);
	assert_int_equal(fresh, 0);
	assert_int_equal(tpt_end_path(r, fresh, p1, 3), TP_OK);
	assert_int_equal(tpt_end_add(r, plain, STOP_UNSPENT, &five, 1, 100, &fresh), TP_OK);
	assert_int_equal(fresh, 1);
	assert_int_equal(tpt_end_path(r, fresh, p2, 1), TP_OK);
	/* the same endpoint again: added up, no new path */
	assert_int_equal(tpt_end_add(r, exch, STOP_LABEL, &seven, 2, 150, &fresh), TP_OK);
	assert_int_equal(fresh, UINT32_MAX);
	/* the same address, another stop: another endpoint */
	assert_int_equal(tpt_end_add(r, exch, STOP_MAX_HOPS, &five, 4, 300, &fresh), TP_OK);
	assert_int_equal(fresh, 2);
	assert_int_equal(tpt_end_path(r, fresh, NULL, 0), TP_OK);
	assert_int_equal(tpt_finish(r), TP_OK);
	assert_null(r->labcat);

	assert_int_equal(tp_trace_result_count(r), 3);
	struct tp_trace_endpoint e;
	tp_trace_result_endpoint(r, 0, &e);
	assert_string_equal(e.address, "1Exchange");
	assert_string_equal(e.stop, "label");
	assert_string_equal(e.label, "Some Exchange");
	assert_int_equal(e.category, TP_CAT_EXCHANGE);
	assert_int_equal(e.amount.w[0], 12);
	assert_int_equal(e.hops, 2);
	assert_int_equal(e.first_seen, 150);
	assert_int_equal(e.last_seen, 200);
	assert_int_equal(e.path_len, 3);
	assert_memory_equal(r->path + r->ends[0].path_off, p1, sizeof p1);
	tp_trace_result_endpoint(r, 1, &e);
	assert_string_equal(e.address, "1Exchange");
	assert_string_equal(e.stop, "max_hops");
	assert_int_equal(e.path_len, 0);
	tp_trace_result_endpoint(r, 2, &e);
	assert_string_equal(e.address, "1Plain");
	assert_string_equal(e.label, "");
	assert_int_equal(e.category, TP_CAT_NONE);
	assert_int_equal(e.path_len, 1);
	assert_int_equal(r->path[r->ends[2].path_off], 9);
	struct tp_trace_totals t;
	tp_trace_result_totals(r, &t);
	assert_int_equal(t.endpoints.w[0], 12);
	assert_int_equal(t.held.w[0], 10);
	tp_trace_result_free(r);
	tp_trace_graph_free(g);
	tp_trace_labels_free(l);
}

/* The unlabelled address with the most outputs or transfers. */
static const char *busiest(const struct tp_trace_graph *g, const struct tp_trace_labels *l)
{
	uint32_t best = TPG_NONE;
	uint64_t most = 0;
	for (uint32_t a = 0; a < g->naddr; a++) {
		uint64_t n = g->acct_off[a + 1] - g->acct_off[a];
		if (n > most &&
		    tp_trace_labels_get(l, g->chain, tpg_addr(g, a), NULL) == TP_CAT_NONE)
			best = a, most = n;
	}
	assert_true(most > 20);
	return tpg_addr(g, best);
}

/* The JSON report, and the DOT one too when `dot`. */
static char *report(const struct tp_trace_result *r, size_t *len, int dot)
{
	char *buf = NULL;
	struct tp_diag d = {0};
	FILE *f = open_memstream(&buf, len);
	assert_non_null(f);
	assert_int_equal(tp_trace_report_write(r, TP_REPORT_JSON, NULL, f, &d), TP_OK);
	if (dot)
		assert_int_equal(tp_trace_report_write(r, TP_REPORT_DOT, NULL, f, &d), TP_OK);
	fclose(f);
	return buf;
}

/* r1 and r2 report the same (with the DOT one when `dot`); frees r2. */
static void same_reports(const struct tp_trace_result *r1, struct tp_trace_result *r2, int dot)
{
	size_t n1, n2;
	char *a = report(r1, &n1, dot), *b = report(r2, &n2, dot);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	free(a);
	free(b);
	tp_trace_result_free(r2);
}

static void busy(const char *chain)
{
	char dir[300], gdir[320], f1[400], f2[400], lp[400];
	struct tp_diag d = {0};
	snprintf(dir, sizeof dir, "%s/%s", scratch, chain);
	snprintf(gdir, sizeof gdir, "%s/g", dir);
	struct tp_trace_synth_opts so = {.chain = chain, .txs = 3000, .seed = 5, .per_block = 50};
	assert_int_equal(tp_trace_synth(dir, &so, NULL, &d), TP_OK);
	int eth = !strcmp(chain, "eth");
	snprintf(f1, sizeof f1, "%s/%s", dir, eth ? "transactions.csv" : "transactions.json");
	snprintf(f2, sizeof f2, "%s/token_transfers.csv", dir);
	const char *files[] = {f1, f2};
	if (tp_trace_import(gdir, chain, files, eth ? 2 : 1, NULL, NULL, &d) != TP_OK)
		fail_msg("import: %s", d.message);
	struct tp_trace_graph *g;
	struct tp_trace_labels *l;
	assert_int_equal(tp_trace_graph_open(gdir, &g, &d), TP_OK);
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	snprintf(lp, sizeof lp, "%s/labels.csv", dir);
	assert_int_equal(tp_trace_labels_load(l, lp, NULL, &d), TP_OK);
	struct tp_trace_seed s = {.kind = TP_SEED_ADDRESS, .address = busiest(g, l)};
	static const uint32_t hops[] = {1, 3, 0};
	for (int m = TP_MODEL_POISON; m <= TP_MODEL_TIHO; m++) {
		for (int h = 0; h < 3; h++) {
			struct tp_trace_opts o = {.model = (enum tp_trace_model)m,
						  .max_hops = hops[h]};
			struct tp_trace_result *r1, *r2;
			if (tp_trace_run(g, l, &s, 1, &o, &r1, &d) != TP_OK ||
			    tp_trace_run(g, l, &s, 1, &o, &r2, &d) != TP_OK)
				fail_msg("%s %s: %s", chain, tp_trace_model_name(o.model),
					 d.message);
			assert_true(tp_trace_result_count(r1) > 0);
			if (m != TP_MODEL_POISON && !tp_trace_result_conserved(r1))
				fail_msg("%s %s %u hops: taint not conserved", chain,
					 tp_trace_model_name(o.model), hops[h]);
			same_reports(r1, r2, 1);
			/* labels looked up ahead on a second thread (from the
			 * first pool, from the 100th) or not at all: the same */
			static const size_t after[] = {1, 100, SIZE_MAX};
			for (size_t k = 0; k < 3 && !strcmp(chain, "eth"); k++) {
				tpt_prelabel_after = after[k];
				if (tp_trace_run(g, l, &s, 1, &o, &r2, &d) != TP_OK)
					fail_msg("%s prelabel: %s", chain, d.message);
				same_reports(r1, r2, 1);
			}
			tpt_prelabel_after = 4096;
			/* without the flow graph: the same JSON, and no DOT */
			o.no_flow = 1;
			struct tp_trace_result *r3;
			if (tp_trace_run(g, l, &s, 1, &o, &r2, &d) != TP_OK ||
			    tp_trace_run(g, l, &s, 1, &o, &r3, &d) != TP_OK)
				fail_msg("%s no_flow: %s", chain, d.message);
			same_reports(r1, r3, 0);
			FILE *f = fopen("/dev/null", "w");
			assert_non_null(f);
			assert_int_equal(tp_trace_report_write(r2, TP_REPORT_DOT, NULL, f, &d), TP_EINVAL);
			fclose(f);
			assert_non_null(strstr(d.message, "flow graph"));
			tp_trace_result_free(r1);
			tp_trace_result_free(r2);
		}
	}
	tp_trace_labels_free(l);
	tp_trace_graph_free(g);
}

static void test_busy_utxo(void **state)
{
	(void)state;
	busy("btc");
}

static void test_busy_account(void **state)
{
	(void)state;
	busy("eth");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map),	     cmocka_unit_test(test_index),
		cmocka_unit_test(test_endpoints),    cmocka_unit_test(test_busy_utxo),
		cmocka_unit_test(test_busy_account),
	};
	return cmocka_run_group_tests(tests, tp_scratch_make, tp_scratch_remove);
}
