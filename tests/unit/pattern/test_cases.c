/*
 * Runs every record of the tests/data/pattern/NAME.test files (jq style):
 *
 *	# comment
 *	%%strict                 (optional) parse with TP_PATTERN_STRICT
 *	%%data data/basic.json   (sticky) evaluate the following records
 *	[file:name = 'a']        the pattern (one line)
 *	[(= file:name 'a')]      expected: compact tree, "error: TEXT",
 *	                         "match: ID ID..." or "nomatch"
 *	warning: TEXT            (optional) a warning that must be reported
 *	                         (blank line ends the record)
 *
 * "error: TEXT" passes when the parse (or, with %%data, the evaluation)
 * fails and its message contains TEXT. One new record = one new case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <string.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/pattern.h"

struct run {
	const char *file;
	int failures, cases;
	struct tp_pattern_data *data;
	json_t *root;
};

static void fail_case(struct run *r, int line, const char *fmt, const char *a, const char *b)
{
	fprintf(stderr, "%s:%d: ", r->file, line);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	r->failures++;
}

static void load_data(struct run *r, const char *rel, int line)
{
	tp_pattern_data_free(r->data);
	json_decref(r->root);
	r->data = NULL;
	r->root = NULL;
	char path[600];
	snprintf(path, sizeof path, "tests/data/pattern/%s", rel);
	struct tp_diag d = {0};
	if (tp_json_load_file(tp_test_path(path), &r->root, &d) != TP_OK)
		return fail_case(r, line, "cannot load %s: %s", path, d.message);
	enum tp_err e = tp_pattern_data_new(r->root, &r->data, &d);
	if (e != TP_OK) {
		/* kept as an error record target: "error:" on the next case */
		r->data = NULL;
	}
}

static void check_record(struct run *r, int line, int strict, const char *pat, char **exp, int nexp)
{
	r->cases++;
	struct tp_pattern *p = NULL;
	struct tp_diag d = {0};
	enum tp_err e = tp_pattern_parse(pat, strlen(pat), strict ? TP_PATTERN_STRICT : 0, &p, &d);
	const char *want = exp[0];
	if (strncmp(want, "error: ", 7) == 0 && (e != TP_OK)) {
		char full[600];
		if (d.column > 0)
			snprintf(full, sizeof full, "column %ld: %s", d.column, d.message);
		else
			snprintf(full, sizeof full, "%s", d.message);
		if (!strstr(full, want + 7))
			fail_case(r, line, "wrong error: got '%s', want '%s'", full, want + 7);
		return;
	}
	if (e != TP_OK)
		return fail_case(r, line, "parse failed: %s (pattern %s)", d.message, pat);
	for (int i = 1; i < nexp; i++) {
		if (strncmp(exp[i], "warning: ", 9) != 0)
			continue;
		int found = 0;
		for (size_t k = 0; k < tp_pattern_warning_count(p); k++)
			found |= strstr(tp_pattern_warning(p, k), exp[i] + 9) != NULL;
		if (!found)
			fail_case(r, line, "missing warning '%s'%s", exp[i] + 9, "");
	}
	if (strncmp(want, "match:", 6) == 0 || strcmp(want, "nomatch") == 0 ||
	    strncmp(want, "error: ", 7) == 0) {
		if (!r->root) {
			fail_case(r, line, "no %%data loaded for '%s'%s", pat, "");
		} else if (!r->data) {
			/* data itself is invalid: the expected error is its message */
			struct tp_pattern_data *dd = NULL;
			struct tp_diag dd_d = {0};
			if (tp_pattern_data_new(r->root, &dd, &dd_d) == TP_OK)
				tp_pattern_data_free(dd);
			if (strncmp(want, "error: ", 7) != 0 || !strstr(dd_d.message, want + 7))
				fail_case(r, line, "data error '%s', want '%s'", dd_d.message,
					  want);
		} else {
			struct tp_pattern_result res = {0};
			e = tp_pattern_match(p, r->data, &res, &d);
			if (strncmp(want, "error: ", 7) == 0) {
				if (e == TP_OK || !strstr(d.message, want + 7))
					fail_case(r, line, "wanted evaluation error '%s', got '%s'",
						  want + 7, e ? d.message : "success");
			} else if (e != TP_OK) {
				fail_case(r, line, "evaluation failed: %s%s", d.message, "");
			} else {
				char got[2048] = "nomatch";
				if (res.matched) {
					strcpy(got, "match:");
					for (size_t i = 0; i < res.n; i++) {
						strncat(got, " ", sizeof got - strlen(got) - 1);
						strncat(got, res.ids[i],
							sizeof got - strlen(got) - 1);
					}
				}
				if (strcmp(got, want) != 0)
					fail_case(r, line, "got '%s', want '%s'", got, want);
			}
			tp_pattern_result_clear(&res);
		}
		tp_pattern_free(p);
		return;
	}
	struct tp_buf b;
	tp_buf_init(&b, 0);
	if (tp_pattern_explain(p, TP_PATTERN_EXPLAIN_COMPACT, &b) != TP_OK)
		fail_case(r, line, "explain failed%s%s", "", "");
	else if (strcmp(b.data, want) != 0)
		fail_case(r, line, "got   %s\n      want  %s", b.data, want);
	tp_buf_free(&b);
	tp_pattern_free(p);
}

static void run_file(struct run *r, const char *path)
{
	char *text = tp_test_slurp(path, NULL);
	assert_non_null(text);
	int lineno = 0, strict = 0, patline = 0;
	char *pat = NULL;
	char *exp[16];
	int nexp = 0;
	char *ln = text;
	for (;;) {
		char *nl = ln ? strchr(ln, '\n') : NULL;
		if (nl)
			*nl = 0;
		lineno++;
		int end = !ln || (!nl && !*ln);
		if ((end || !*ln) && pat) {
			if (nexp == 0)
				fail_case(r, patline, "record without an expected line%s%s", "",
					  "");
			else
				check_record(r, patline, strict, pat, exp, nexp);
			pat = NULL;
			nexp = 0;
			strict = 0;
		}
		if (end)
			break;
		if (!*ln || ln[0] == '#') {
			/* blank or comment */
		} else if (!pat && strcmp(ln, "%%strict") == 0) {
			strict = 1;
		} else if (!pat && strncmp(ln, "%%data ", 7) == 0) {
			load_data(r, ln + 7, lineno);
		} else if (!pat) {
			pat = ln;
			patline = lineno;
		} else if (nexp < 16) {
			exp[nexp++] = ln;
		}
		ln = nl ? nl + 1 : NULL;
	}
	free(text);
	tp_pattern_data_free(r->data);
	json_decref(r->root);
	r->data = NULL;
	r->root = NULL;
}

static void test_all_files(void **state)
{
	(void)state;
	const char *dir = tp_test_path("tests/data/pattern");
	DIR *dp = opendir(dir);
	assert_non_null(dp);
	struct dirent *de;
	int files = 0, failures = 0, cases = 0;
	while ((de = readdir(dp))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".test") != 0)
			continue;
		char path[4200];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct run r = {.file = de->d_name};
		run_file(&r, path);
		fprintf(stderr, "%s: %d cases, %d failures\n", de->d_name, r.cases, r.failures);
		files++;
		failures += r.failures;
		cases += r.cases;
	}
	closedir(dp);
	assert_true(files >= 3);
	assert_true(cases >= 100);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
