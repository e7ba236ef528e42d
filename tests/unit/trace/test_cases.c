/*
 * Data-driven trace cases: every tests/data/trace/cases/NAME.case is one
 * trace with its worked answer (docs/taint-models.md). A case reads
 *
 *	graph btc peel.json            chain and input files (tests/data/trace)
 *	labels labels.csv              label files (any number)
 *	seed 1Thief                    seeds (any number)
 *	model haircut
 *	option max-hops 1              max-hops, min-value, asset, since, until
 *	totals seed=.. endpoints=.. held=.. fees=..
 *	end ADDRESS STOP AMOUNT HOPS   every endpoint, exactly (no others)
 *	path ADDRESS STOP TX...        the example path of one endpoint
 *
 * and the test also checks conservation for haircut, FIFO and TIHO.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tp_test.h"
#include "tripact/time.h"
#include "tripact/trace.h"

static char scratch[] = "/tmp/tp_trace_cases_XXXXXX";

static void check_u256(const struct tp_u256 *v, const char *want, const char *what,
		       const char *file)
{
	char got[TP_U256_DECSZ];
	tp_u256_format(v, got);
	if (strcmp(got, want) != 0)
		fail_msg("%s: %s is %s, expected %s", file, what, got, want);
}

static void run_case(const char *name)
{
	char path[4096], line[4096];
	snprintf(path, sizeof path, "%s/%s", tp_test_path("tests/data/trace/cases"), name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct tp_trace_opts o = {0};
	struct tp_trace_seed seeds[8];
	char *seed_text[8];
	size_t nseeds = 0;
	struct tp_trace_labels *l;
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	struct tp_trace_graph *g = NULL;
	struct tp_trace_result *r = NULL;
	struct tp_diag d = {0};
	char graphdir[4200];
	char *lines[64];
	size_t nl = 0;
	while (fgets(line, sizeof line, f) && nl < 64) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] && line[0] != '#')
			lines[nl++] = strdup(line);
	}
	fclose(f);
	for (size_t i = 0; i < nl; i++) {
		char *w = strtok(lines[i], " ");
		if (!strcmp(w, "graph")) {
			const char *chain = strtok(NULL, " ");
			const char *files[8];
			size_t nf = 0;
			static char fb[8][4096];
			for (char *t; (t = strtok(NULL, " ")) && nf < 8; nf++) {
				snprintf(fb[nf], sizeof fb[nf], "%s/%s", tp_test_path("tests/data/trace"), t);
				files[nf] = fb[nf];
			}
			snprintf(graphdir, sizeof graphdir, "%s/%s", scratch, name);
			enum tp_err e = tp_trace_import(graphdir, chain, files, nf, NULL, NULL, &d);
			if (e != TP_OK)
				fail_msg("%s: import: %s", name, d.message);
			assert_int_equal(tp_trace_graph_open(graphdir, &g, &d), TP_OK);
		} else if (!strcmp(w, "labels")) {
			snprintf(path, sizeof path, "%s/%s", tp_test_path("tests/data/trace"), strtok(NULL, " "));
			if (tp_trace_labels_load(l, path, NULL, &d) != TP_OK)
				fail_msg("%s: labels: %s", name, d.message);
		} else if (!strcmp(w, "seed")) {
			seed_text[nseeds] = strtok(NULL, " ");
			if (tp_trace_seed_parse(seed_text[nseeds], &seeds[nseeds], &d) != TP_OK)
				fail_msg("%s: seed: %s", name, d.message);
			nseeds++;
		} else if (!strcmp(w, "model")) {
			o.model = tp_trace_model_parse(strtok(NULL, " "));
			assert_true(o.model != 0);
		} else if (!strcmp(w, "option")) {
			const char *k = strtok(NULL, " "), *v = strtok(NULL, " ");
			if (!strcmp(k, "max-hops"))
				o.max_hops = (uint32_t)atoi(v);
			else if (!strcmp(k, "min-value"))
				assert_int_equal(tp_u256_parse(v, SIZE_MAX, &o.min_value), TP_OK);
			else if (!strcmp(k, "asset"))
				o.asset = v;
			else if (!strcmp(k, "since") || !strcmp(k, "until")) {
				tp_time_us t;
				assert_int_equal(tp_time_parse(v, strlen(v), 0, &t, NULL, NULL), TP_OK);
				*(!strcmp(k, "since") ? &o.since : &o.until) = t / 1000000;
			}
			else
				fail_msg("%s: unknown option %s", name, k);
		} else if (!strcmp(w, "totals")) {
			if (!r) {
				enum tp_err e = tp_trace_run(g, l, seeds, nseeds, &o, &r, &d);
				if (e != TP_OK)
					fail_msg("%s: run: %s", name, d.message);
			}
			struct tp_trace_totals t;
			tp_trace_result_totals(r, &t);
			for (char *kv; (kv = strtok(NULL, " "));) {
				char *eq = strchr(kv, '=');
				*eq = '\0';
				const struct tp_u256 *v = !strcmp(kv, "seed")	   ? &t.seed
							  : !strcmp(kv, "endpoints") ? &t.endpoints
							  : !strcmp(kv, "held")	   ? &t.held
										   : &t.fees;
				check_u256(v, eq + 1, kv, name);
			}
			if (o.model != TP_MODEL_POISON && !tp_trace_result_conserved(r))
				fail_msg("%s: endpoints + held + fees != seed", name);
		} else if (!strcmp(w, "end") || !strcmp(w, "path")) {
			const char *addr = strtok(NULL, " "), *stop = strtok(NULL, " ");
			size_t n = tp_trace_result_count(r), k;
			struct tp_trace_endpoint e;
			for (k = 0; k < n; k++) {
				tp_trace_result_endpoint(r, k, &e);
				if (!strcmp(e.address, addr) && !strcmp(e.stop, stop))
					break;
			}
			if (k == n)
				fail_msg("%s: no endpoint %s (%s)", name, addr, stop);
			if (!strcmp(w, "end")) {
				check_u256(&e.amount, strtok(NULL, " "), addr, name);
				assert_int_equal(e.hops, atoi(strtok(NULL, " ")));
			} else {
				size_t j = 0;
				for (char *tx; (tx = strtok(NULL, " ")); j++) {
					const char *got = tp_trace_result_path(r, k, j);
					if (!got || strcmp(got, tx))
						fail_msg("%s: path of %s step %zu is %s, expected %s", name,
							 addr, j, got ? got : "(none)", tx);
				}
				assert_int_equal(j, e.path_len);
			}
		} else {
			fail_msg("%s: unknown line '%s'", name, w);
		}
	}
	/* every endpoint listed: count the "end" lines */
	size_t ends = 0;
	for (size_t i = 0; i < nl; i++)
		ends += !strcmp(lines[i], "end");
	if (r && ends != tp_trace_result_count(r))
		fail_msg("%s: %zu endpoints, the case lists %zu", name, tp_trace_result_count(r), ends);
	for (size_t i = 0; i < nl; i++)
		free(lines[i]);
	tp_trace_result_free(r);
	tp_trace_graph_free(g);
	tp_trace_labels_free(l);
}

static void test_all_cases(void **state)
{
	(void)state;
	DIR *dh = opendir(tp_test_path("tests/data/trace/cases"));
	assert_non_null(dh);
	struct dirent *de;
	int n = 0;
	while ((de = readdir(dh))) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".case"))
			continue;
		print_message("case %s\n", de->d_name);
		run_case(de->d_name);
		n++;
	}
	closedir(dh);
	assert_true(n >= 10);
}

int main(void)
{
	if (!mkdtemp(scratch))
		return 1;
	const struct CMUnitTest tests[] = {cmocka_unit_test(test_all_cases)};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		rc = rc ? rc : 1;
	return rc;
}
