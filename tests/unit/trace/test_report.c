/*
 * Reports: the STIX bundle passes the STIX 2.1 validator (no errors,
 * references resolve) under every model, wallet ids are deterministic v5
 * ids, and the JSON report has the documented shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/trace.h"
#include "tripact/validate.h"

static char scratch[] = "/tmp/tp_trace_report_XXXXXX";
static struct tp_trace_graph *g;
static struct tp_trace_labels *l;

static json_t *report(enum tp_trace_model m, enum tp_report_format fmt,
		      const struct tp_report_opts *ro)
{
	struct tp_trace_seed s = {.kind = TP_SEED_ADDRESS, .address = "1Thief"};
	struct tp_trace_opts o = {.model = m};
	struct tp_trace_result *r;
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_run(g, l, &s, 1, &o, &r, &d), TP_OK);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_int_equal(tp_trace_report_write(r, fmt, ro, f, &d), TP_OK);
	fclose(f);
	tp_trace_result_free(r);
	json_t *j = NULL;
	if (tp_json_load(buf, len, &j, &d) != TP_OK)
		fail_msg("report is not JSON: %s", d.message);
	free(buf);
	return j;
}

static void problem(void *ctx, const struct tp_stix_problem *p)
{
	int *errors = ctx;
	if (p->severity == TP_STIX_ERROR) {
		print_error("STIX error %s at %s %s: %s\n", p->check, p->object_id, p->path, p->message);
		(*errors)++;
	}
}

static void test_stix_valid(void **state)
{
	(void)state;
	struct tp_report_opts ro = {
		.intrusion_set_id = "intrusion-set--c93fccb1-e8e8-42cf-ae33-2ad1d183913a",
		.intrusion_set_name = "Lazarus Group",
	};
	for (int m = TP_MODEL_POISON; m <= TP_MODEL_TIHO; m++) {
		json_t *b = report(m, TP_REPORT_STIX, &ro);
		struct tp_stix_validate_opts vo = {.enforce_refs = 1};
		struct tp_stix_validator *v;
		struct tp_stix_validate_set *set;
		struct tp_diag d = {0};
		assert_int_equal(tp_stix_validator_new(&vo, &v, &d), TP_OK);
		assert_int_equal(tp_stix_validate_set_new(v, 0, &set), TP_OK);
		int errors = 0;
		struct tp_stix_counts c = {0};
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(b, "objects"), i, o)
		{
			enum tp_err e = tp_stix_validate_set_add(set, o, 0, problem, &errors, &c);
			assert_true(e == TP_OK || e == TP_EVALIDATE);
		}
		enum tp_err e = tp_stix_validate_set_finish(set, problem, &errors, &c);
		assert_true(e == TP_OK || e == TP_EVALIDATE);
		assert_int_equal(errors, 0);
		assert_true(c.objects >= 8);
		/* wallet ids are name-based (v5), the same in every report */
		int wallets = 0;
		json_array_foreach(json_object_get(b, "objects"), i, o)
		{
			if (strcmp(tp_json_str(o, "type"), "cryptocurrency-wallet"))
				continue;
			const char *id = tp_json_str(o, "id");
			assert_int_equal(id[strlen("cryptocurrency-wallet--") + 14], '5');
			if (!strcmp(tp_json_str(o, "value"), "1Thief"))
				assert_string_equal(id, "cryptocurrency-wallet--0ce8ab53-8c2a-5dbe-a403-30aa214c8f19");
			wallets++;
		}
		assert_true(wallets >= 2);
		tp_stix_validate_set_free(set);
		tp_stix_validator_free(v);
		json_decref(b);
	}
}

static void test_json_shape(void **state)
{
	(void)state;
	json_t *j = report(TP_MODEL_HAIRCUT, TP_REPORT_JSON, NULL);
	json_t *t = json_object_get(j, "totals");
	assert_string_equal(tp_json_str(t, "seed"), "99000");
	assert_string_equal(tp_json_str(t, "endpoints"), "43585");
	assert_string_equal(tp_json_str(t, "held"), "54170");
	assert_string_equal(tp_json_str(t, "fees"), "1245");
	assert_true(json_is_true(json_object_get(t, "conserved")));
	json_t *e = json_array_get(json_object_get(j, "endpoints"), 0);
	static const char *const keys[] = {"address", "label",	   "category", "asset",
					   "amount",  "first_seen", "last_seen", "stop"};
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
		assert_true(json_is_string(json_object_get(e, keys[k])));
	assert_true(json_is_integer(json_object_get(e, "hops")));
	assert_true(json_is_array(json_object_get(e, "path")));
	assert_string_equal(tp_json_str(e, "category"), "exchange");
	json_decref(j);
}

/* More than 16 seed addresses: found by a scan, not the lists; same answer. */
static void test_many_seeds(void **state)
{
	(void)state;
	struct tp_trace_seed s[20];
	for (int i = 0; i < 20; i++)
		s[i] = (struct tp_trace_seed){.kind = TP_SEED_ADDRESS, .address = i % 2 ? "1Thief" : "1Clean"};
	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT};
	struct tp_trace_result *r;
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_run(g, l, s, 20, &o, &r, &d), TP_OK);
	struct tp_trace_totals t;
	tp_trace_result_totals(r, &t);
	char seed[TP_U256_DECSZ], fees[TP_U256_DECSZ];
	tp_u256_format(&t.seed, seed);
	tp_u256_format(&t.fees, fees);
	/* 1Thief 99000 and 1Clean 60000 both stolen: everything in t2 on is tainted */
	assert_string_equal(seed, "159000");
	assert_string_equal(fees, "2000");
	assert_true(tp_trace_result_conserved(r));
	tp_trace_result_free(r);
	/* the same two seeds once each take the list path: the same totals */
	assert_int_equal(tp_trace_run(g, l, s, 2, &o, &r, &d), TP_OK);
	struct tp_trace_totals t2;
	tp_trace_result_totals(r, &t2);
	assert_int_equal(tp_u256_cmp(&t.seed, &t2.seed), 0);
	assert_int_equal(tp_u256_cmp(&t.endpoints, &t2.endpoints), 0);
	assert_int_equal(tp_u256_cmp(&t.held, &t2.held), 0);
	tp_trace_result_free(r);
}

int main(void)
{
	if (!mkdtemp(scratch))
		return 1;
	struct tp_diag d = {0};
	char dir[200];
	snprintf(dir, sizeof dir, "%s/g", scratch);
	const char *f = tp_test_path("tests/data/trace/peel.json");
	if (tp_trace_import(dir, "btc", &f, 1, NULL, NULL, &d) != TP_OK ||
	    tp_trace_graph_open(dir, &g, &d) != TP_OK || tp_trace_labels_new(&l) != TP_OK ||
	    tp_trace_labels_load(l, tp_test_path("tests/data/trace/labels.csv"), NULL, &d) != TP_OK) {
		fprintf(stderr, "setup: %s\n", d.message);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stix_valid),
		cmocka_unit_test(test_json_shape),
		cmocka_unit_test(test_many_seeds),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	tp_trace_graph_free(g);
	tp_trace_labels_free(l);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	if (system(cmd) != 0 && rc == 0)
		rc = 1;
	return rc;
}
