/*
 * The validator against data: every file in tests/data/stix/valid and
 * tests/data/stix/invalid is one case (a STIX object or bundle). A sidecar
 * NAME.expect lists what must be reported, one problem a line:
 *
 *	option strict-properties          (validator options first, if any)
 *	error required-property valid_from
 *	warning indicator-types indicator_types[0]
 *
 * ("." is the object itself). The problems reported must be exactly
 * those: each expected line matched once, nothing else. A valid case
 * without a sidecar must produce no problem at all; an invalid case must
 * produce at least one error.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/validate.h"

#define MAXP 64

struct got {
	char lines[MAXP][400];
	int used[MAXP];
	int n, errors;
};

static void collect(void *ctx, const struct tp_stix_problem *p)
{
	struct got *g = ctx;
	if (p->severity == TP_STIX_ERROR)
		g->errors++;
	if (g->n < MAXP)
		snprintf(g->lines[g->n++], sizeof g->lines[0], "%s %s %s",
			 p->severity == TP_STIX_ERROR ? "error" : "warning", p->check,
			 *p->path ? p->path : ".");
}

static char *chomp(char *s)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		s[--n] = '\0';
	return s;
}

static int run_dir(const char *rel, int must_fail)
{
	const char *dir = tp_test_path(rel);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int cases = 0, failures = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		char path[4096], xpath[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		snprintf(xpath, sizeof xpath, "%s/%.*s.expect", dir, (int)(len - 5), e->d_name);
		struct tp_stix_validate_opts o = {0};
		char want[MAXP][400], optbuf[8][100];
		int nwant = 0, nopt = 0;
		FILE *x = fopen(xpath, "r");
		char line[400];
		while (x && fgets(line, sizeof line, x) && nwant < MAXP) {
			chomp(line);
			if (!*line)
				continue;
			if (strncmp(line, "option ", 7) == 0 && nopt < 8) {
				const char *opt = line + 7;
				if (strcmp(opt, "strict") == 0)
					o.strict = 1;
				else if (strcmp(opt, "strict-types") == 0)
					o.strict_types = 1;
				else if (strcmp(opt, "strict-properties") == 0)
					o.strict_properties = 1;
				else if (strcmp(opt, "interop") == 0)
					o.interop = 1;
				else if (strncmp(opt, "disable=", 8) == 0)
					o.disabled = strcpy(optbuf[nopt++], opt + 8);
				else if (strncmp(opt, "enable=", 7) == 0)
					o.enabled = strcpy(optbuf[nopt++], opt + 7);
				else
					fail_msg("%s: unknown option '%s'", xpath, opt);
				continue;
			}
			strcpy(want[nwant++], line);
		}
		if (x)
			fclose(x);
		json_t *obj;
		struct tp_diag diag = {0};
		if (tp_json_load_file(path, &obj, &diag) != TP_OK)
			fail_msg("%s: %s", e->d_name, diag.message);
		struct tp_stix_validator *v;
		assert_int_equal(tp_stix_validator_new(&o, &v, &diag), TP_OK);
		struct got g = {0};
		enum tp_err err = tp_stix_validate_object(v, obj, collect, &g, NULL);
		int bad = 0;
		for (int i = 0; i < nwant; i++) {
			int found = 0;
			for (int j = 0; j < g.n && !found; j++)
				if (!g.used[j] && strcmp(g.lines[j], want[i]) == 0)
					g.used[j] = found = 1;
			if (!found) {
				print_error("%s: expected '%s', not reported\n", e->d_name, want[i]);
				bad = 1;
			}
		}
		for (int j = 0; j < g.n; j++)
			if (!g.used[j]) {
				print_error("%s: unexpected '%s'\n", e->d_name, g.lines[j]);
				bad = 1;
			}
		if (must_fail && (g.errors == 0 || err != TP_EVALIDATE) &&
		    !(o.strict == 0 && g.errors == 0 && nwant > 0 && strncmp(want[0], "warning", 7) == 0)) {
			print_error("%s: an invalid case must produce an error\n", e->d_name);
			bad = 1;
		}
		if (!must_fail && g.errors) {
			print_error("%s: a valid case produced errors\n", e->d_name);
			bad = 1;
		}
		failures += bad;
		cases++;
		tp_stix_validator_free(v);
		json_decref(obj);
	}
	closedir(d);
	if (failures)
		fail_msg("%d of %d cases in %s failed", failures, cases, rel);
	return cases;
}

static void test_valid(void **state)
{
	assert_true(run_dir("tests/data/stix/valid", 0) >= 40);
}

static void test_invalid(void **state)
{
	assert_true(run_dir("tests/data/stix/invalid", 1) >= 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
