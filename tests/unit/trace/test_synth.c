/*
 * Synthetic chains: generate small UTXO and account chains with planted
 * thefts, import them, trace under every model and compare with the
 * answers the generator derived from the model definitions
 * (expected.csv): each planted endpoint, each planted holding, the seed,
 * endpoint and fee totals, and conservation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "tp_test.h"
#include "tripact/trace.h"

static char scratch[] = "/tmp/tp_trace_synth_XXXXXX";

static void check(const char *chain, uint64_t txs, uint64_t seed)
{
	char dir[300], gdir[320], path[400], line[512];
	struct tp_diag d = {0};
	snprintf(dir, sizeof dir, "%s/%s%llu", scratch, chain, (unsigned long long)seed);
	snprintf(gdir, sizeof gdir, "%s/g", dir);
	struct tp_trace_synth_opts so = {.chain = chain, .txs = txs, .thefts = 3, .seed = seed,
					 .per_block = 100};
	uint64_t n;
	assert_int_equal(tp_trace_synth(dir, &so, &n, &d), TP_OK);
	assert_true(n > txs);
	int eth = !strcmp(chain, "eth");
	char f1[400], f2[400];
	snprintf(f1, sizeof f1, "%s/%s", dir, eth ? "transactions.csv" : "transactions.json");
	snprintf(f2, sizeof f2, "%s/token_transfers.csv", dir);
	const char *files[] = {f1, f2};
	if (tp_trace_import(gdir, chain, files, eth ? 2 : 1, NULL, NULL, &d) != TP_OK)
		fail_msg("import: %s", d.message);
	struct tp_trace_graph *g;
	struct tp_trace_labels *l;
	assert_int_equal(tp_trace_graph_open(gdir, &g, &d), TP_OK);
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	snprintf(path, sizeof path, "%s/labels.csv", dir);
	assert_int_equal(tp_trace_labels_load(l, path, NULL, &d), TP_OK);

	/* seeds and the token's address */
	struct tp_trace_seed seeds[16];
	char *texts[16], token[64] = "";
	size_t ns = 0;
	snprintf(path, sizeof path, "%s/seeds.txt", dir);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "# token ", 8)) {
			snprintf(token, sizeof token, "%.42s", line + 8);
			continue;
		}
		texts[ns] = strdup(line);
		assert_int_equal(tp_trace_seed_parse(texts[ns], &seeds[ns], &d), TP_OK);
		ns++;
	}
	fclose(f);
	assert_int_equal(ns, 3);

	static const char *const models[] = {"haircut", "fifo", "tiho", "poison"};
	const char *assets[] = {chain, "token"};
	int checked = 0;
	for (int a = 0; a < (eth ? 2 : 1); a++) {
		for (int m = 0; m < 4; m++) {
			struct tp_trace_opts o = {.model = tp_trace_model_parse(models[m])};
			o.stop_mask = 1u << TP_CAT_EXCHANGE | 1u << TP_CAT_BRIDGE | 1u << TP_CAT_SERVICE;
			o.asset = a ? token : NULL;
			struct tp_trace_result *r;
			if (tp_trace_run(g, l, seeds, ns, &o, &r, &d) != TP_OK)
				fail_msg("run: %s", d.message);
			if (m != 3)
				assert_true(tp_trace_result_conserved(r));
			struct tp_trace_totals t;
			tp_trace_result_totals(r, &t);
			snprintf(path, sizeof path, "%s/expected.csv", dir);
			f = fopen(path, "r");
			assert_non_null(f);
			while (fgets(line, sizeof line, f)) {
				line[strcspn(line, "\n")] = '\0';
				char *as = strtok(line, ","), *mo = strtok(NULL, ","),
				     *kind = strtok(NULL, ","), *addr = strtok(NULL, ","),
				     *amt = strtok(NULL, ",");
				if (!amt || strcmp(as, assets[a]) || strcmp(mo, models[m]))
					continue;
				char got[TP_U256_DECSZ] = "(none)";
				if (!strcmp(addr, "totals")) {
					const struct tp_u256 *v = !strcmp(kind, "seed") ? &t.seed
								  : !strcmp(kind, "fees") ? &t.fees
											  : &t.endpoints;
					tp_u256_format(v, got);
				} else {
					const char *stop = !strcmp(kind, "endpoint") ? "label" : "unspent";
					for (size_t i = 0; i < tp_trace_result_count(r); i++) {
						struct tp_trace_endpoint e;
						tp_trace_result_endpoint(r, i, &e);
						if (!strcmp(e.address, addr) && !strcmp(e.stop, stop))
							tp_u256_format(&e.amount, got);
					}
				}
				if (strcmp(got, amt))
					fail_msg("%s %s %s %s %s: traced %s, expected %s", chain,
						 assets[a], models[m], kind, addr, got, amt);
				checked++;
			}
			fclose(f);
			tp_trace_result_free(r);
		}
	}
	assert_true(checked > 40);
	for (size_t i = 0; i < ns; i++)
		free(texts[i]);
	tp_trace_labels_free(l);
	tp_trace_graph_free(g);
}

static void test_utxo(void **state)
{
	(void)state;
	check("btc", 3000, 1);
	check("btc", 2000, 2);
}

static void test_account(void **state)
{
	(void)state;
	check("eth", 3000, 1);
	check("eth", 2000, 7);
}

static void test_deterministic(void **state)
{
	(void)state;
	char a[300], b[300];
	struct tp_diag d = {0};
	struct tp_trace_synth_opts so = {.chain = "btc", .txs = 500, .seed = 42};
	snprintf(a, sizeof a, "%s/da", scratch);
	snprintf(b, sizeof b, "%s/db", scratch);
	assert_int_equal(tp_trace_synth(a, &so, NULL, &d), TP_OK);
	assert_int_equal(tp_trace_synth(b, &so, NULL, &d), TP_OK);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "cmp -s %s/transactions.json %s/transactions.json", a, b);
	assert_int_equal(system(cmd), 0);
	so.chain = "ltc";
	assert_int_equal(tp_trace_synth(a, &so, NULL, &d), TP_EINVAL);
}

int main(void)
{
	if (!mkdtemp(scratch))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utxo),
		cmocka_unit_test(test_account),
		cmocka_unit_test(test_deterministic),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	if (system(cmd) != 0 && rc == 0)
		rc = 1;
	return rc;
}
