/*
 * Hostile input: huge and deeply nested patterns, invalid UTF-8, NUL
 * bytes, catastrophic regexes and combinatorial qualifiers must end in a
 * clear error or a bounded evaluation, never a crash, overflow or hang.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/pattern.h"

static enum tp_err parse(const char *s, size_t n, struct tp_diag *d)
{
	struct tp_pattern *p = NULL;
	enum tp_err e = tp_pattern_parse(s, n, 0, &p, d);
	tp_pattern_free(p);
	return e;
}

static void test_deep_parentheses(void **state)
{
	(void)state;
	size_t n = 10000;
	char *s = malloc(2 * n + 32);
	assert_non_null(s);
	/* 10,000 nested observation parentheses */
	memset(s, '(', n);
	strcpy(s + n, "[a:b = 1]");
	memset(s + n + 9, ')', n);
	s[2 * n + 9] = 0;
	struct tp_diag d = {0};
	assert_int_equal(parse(s, strlen(s), &d), TP_ELIMIT);
	assert_non_null(strstr(d.message, "nesting deeper than"));
	assert_true(d.column > 0);
	/* and inside a comparison expression */
	s[0] = '[';
	memset(s + 1, '(', n);
	strcpy(s + n + 1, "a:b = 1");
	memset(s + n + 8, ')', n);
	strcpy(s + 2 * n + 8, "]");
	tp_diag_clear(&d);
	assert_int_equal(parse(s, strlen(s), &d), TP_ELIMIT);
	/* a legal depth still parses */
	strcpy(s, "((((((((([a:b = 1])))))))))");
	assert_int_equal(parse(s, strlen(s), &d), TP_OK);
	free(s);
}

static void test_long_flat_chains(void **state)
{
	(void)state;
	/* ~1 MB: 60,000 comparisons in one AND chain, then evaluate it */
	struct tp_buf b;
	tp_buf_init(&b, 0);
	assert_int_equal(tp_buf_puts(&b, "[mutex:name = 'x'"), TP_OK);
	for (int i = 0; i < 60000 && b.len < TP_PATTERN_MAX_LEN - 64; i++)
		assert_int_equal(tp_buf_puts(&b, " AND mutex:name != 'y'"), TP_OK);
	assert_int_equal(tp_buf_puts(&b, "]"), TP_OK);
	assert_true(b.len > 900000);
	struct tp_pattern *p = NULL;
	struct tp_diag d = {0};
	assert_int_equal(tp_pattern_parse(b.data, b.len, 0, &p, &d), TP_OK);
	json_t *root = NULL;
	const char *js = "[{\"type\":\"observed-data\",\"id\":\"observed-data--1\","
			 "\"first_observed\":\"2020-01-01T00:00:00Z\",\"last_observed\":"
			 "\"2020-01-01T00:00:00Z\",\"number_observed\":1,\"object_refs\":"
			 "[\"mutex--1\"]},{\"type\":\"mutex\",\"id\":\"mutex--1\",\"name\":\"x\"}]";
	assert_int_equal(tp_json_load(js, strlen(js), &root, &d), TP_OK);
	struct tp_pattern_data *data = NULL;
	assert_int_equal(tp_pattern_data_new(root, &data, &d), TP_OK);
	struct tp_pattern_result r = {0};
	assert_int_equal(tp_pattern_match(p, data, &r, &d), TP_OK);
	assert_int_equal(r.matched, 1);
	tp_pattern_result_clear(&r);
	tp_pattern_free(p);
	/* the same as observation expressions joined by FOLLOWEDBY */
	tp_buf_reset(&b);
	for (int i = 0; i < 40000; i++)
		assert_int_equal(tp_buf_puts(&b, i ? " FOLLOWEDBY [a:b = 1]" : "[a:b = 1]"), TP_OK);
	assert_int_equal(tp_pattern_parse(b.data, b.len, 0, &p, &d), TP_OK);
	assert_int_equal(tp_pattern_match(p, data, &r, &d), TP_OK);
	assert_int_equal(r.matched, 0);
	tp_pattern_free(p);
	tp_pattern_data_free(data);
	json_decref(root);
	tp_buf_free(&b);
}

static void test_long_path(void **state)
{
	(void)state;
	struct tp_buf b;
	tp_buf_init(&b, 0);
	assert_int_equal(tp_buf_puts(&b, "[x-deep:a"), TP_OK);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(tp_buf_puts(&b, i % 2 ? ".k" : "[*]"), TP_OK);
	assert_int_equal(tp_buf_puts(&b, " = 1]"), TP_OK);
	struct tp_diag d = {0};
	assert_int_equal(parse(b.data, b.len, &d), TP_ELIMIT);
	assert_non_null(strstr(d.message, "object path longer than"));
	/* 255 steps after the first property are fine */
	tp_buf_reset(&b);
	assert_int_equal(tp_buf_puts(&b, "[x-deep:a"), TP_OK);
	for (int i = 0; i < TP_PATTERN_MAX_PATH - 1; i++)
		assert_int_equal(tp_buf_puts(&b, ".k"), TP_OK);
	assert_int_equal(tp_buf_puts(&b, " = 1]"), TP_OK);
	assert_int_equal(parse(b.data, b.len, &d), TP_OK);
	tp_buf_free(&b);
}

static void test_too_long(void **state)
{
	(void)state;
	size_t n = TP_PATTERN_MAX_LEN + 1;
	char *s = malloc(n);
	assert_non_null(s);
	memset(s, ' ', n);
	struct tp_diag d = {0};
	assert_int_equal(parse(s, n, &d), TP_ELIMIT);
	assert_non_null(strstr(d.message, "limit"));
	free(s);
}

static void test_bad_bytes(void **state)
{
	(void)state;
	struct tp_diag d = {0};
	const char bad[] = "[file:name = 'a\xff']";
	assert_int_equal(parse(bad, sizeof bad - 1, &d), TP_EPARSE);
	assert_int_equal(d.column, 16);
	assert_non_null(strstr(d.message, "invalid UTF-8"));
	const char overlong[] = "[file:name = '\xc0\xaf']";
	assert_int_equal(parse(overlong, sizeof overlong - 1, &d), TP_EPARSE);
	const char surrogate[] = "[file:name = '\xed\xa0\x80']";
	assert_int_equal(parse(surrogate, sizeof surrogate - 1, &d), TP_EPARSE);
	const char truncated[] = "[file:name = 'a'] \xe3\x80";
	assert_int_equal(parse(truncated, sizeof truncated - 1, &d), TP_EPARSE);
	const char nul[] = "[file:name = 'a\0b']";
	tp_diag_clear(&d);
	assert_int_equal(parse(nul, sizeof nul - 1, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "NUL"));
	assert_int_equal(parse("", 0, &d), TP_EPARSE);
	assert_int_equal(parse("   /* only a comment */ ", 24, &d), TP_EPARSE);
	const char ok[] = "[file:name = '\xed\x95\x9c\xea\xb5\xad']"; /* Korean */
	assert_int_equal(parse(ok, sizeof ok - 1, &d), TP_OK);
}

static struct tp_pattern_data *one_mutex(const char *name, int number, json_t **root)
{
	json_t *od = json_pack("{s:s,s:s,s:s,s:s,s:i,s:[s]}", "type", "observed-data", "id",
			       "observed-data--1", "first_observed", "2020-01-01T00:00:00Z",
			       "last_observed", "2020-01-01T00:00:00Z", "number_observed", number,
			       "object_refs", "mutex--1");
	json_t *mx = json_pack("{s:s,s:s,s:s}", "type", "mutex", "id", "mutex--1", "name", name);
	*root = json_pack("[o,o]", od, mx);
	struct tp_pattern_data *data = NULL;
	struct tp_diag d = {0};
	assert_int_equal(tp_pattern_data_new(*root, &data, &d), TP_OK);
	return data;
}

static void test_catastrophic_regex(void **state)
{
	(void)state;
	char name[64];
	memset(name, 'a', 40);
	strcpy(name + 40, "!");
	json_t *root;
	struct tp_pattern_data *data = one_mutex(name, 1, &root);
	struct tp_pattern *p = NULL;
	struct tp_diag d = {0};
	const char *pat = "[mutex:name MATCHES '^(a+)+$']";
	assert_int_equal(tp_pattern_parse(pat, strlen(pat), 0, &p, &d), TP_OK);
	struct tp_pattern_result r = {0};
	enum tp_err e = tp_pattern_match(p, data, &r, &d);
	assert_int_equal(e, TP_ELIMIT);
	assert_non_null(strstr(d.message, "match limit"));
	assert_int_equal(r.matched, 0);
	tp_pattern_free(p);
	tp_pattern_data_free(data);
	json_decref(root);
}

static void test_combinatorial_repeats(void **state)
{
	(void)state;
	/* 2,000 observations of one observed-data; REPEATS of disjoint pairs
	 * of an AND explodes combinatorially and must stop at the bound. */
	json_t *root;
	struct tp_pattern_data *data = one_mutex("m", 2000, &root);
	struct tp_pattern *p = NULL;
	struct tp_diag d = {0};
	const char *pat = "([mutex:name = 'm'] AND [mutex:name = 'm'] AND [mutex:name = 'm']) "
			  "REPEATS 600 TIMES";
	assert_int_equal(tp_pattern_parse(pat, strlen(pat), 0, &p, &d), TP_OK);
	struct tp_pattern_result r = {0};
	assert_int_equal(tp_pattern_match(p, data, &r, &d), TP_ELIMIT);
	tp_pattern_free(p);
	/* a huge REPEATS count against few observations is simply no match */
	pat = "[mutex:name = 'm'] REPEATS 1000000000 TIMES";
	assert_int_equal(tp_pattern_parse(pat, strlen(pat), 0, &p, &d), TP_OK);
	assert_int_equal(tp_pattern_match(p, data, &r, &d), TP_OK);
	assert_int_equal(r.matched, 0);
	tp_pattern_free(p);
	/* and 2000 REPEATS are satisfied by number_observed 2000 */
	pat = "[mutex:name = 'm'] REPEATS 2000 TIMES";
	assert_int_equal(tp_pattern_parse(pat, strlen(pat), 0, &p, &d), TP_OK);
	assert_int_equal(tp_pattern_match(p, data, &r, &d), TP_OK);
	assert_int_equal(r.matched, 1);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.ids[0], "observed-data--1");
	tp_pattern_result_clear(&r);
	tp_pattern_free(p);
	tp_pattern_data_free(data);
	json_decref(root);
}

static void test_validate_hook(void **state)
{
	(void)state;
	struct tp_diag d = {0};
	const char *ok = "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb4']";
	assert_int_equal(tp_pattern_validate(ok, strlen(ok), &d), TP_OK);
	const char *bad = "[file:hashes.MD5 = '79054025255fb1a26e4bc422aef54eb']";
	assert_int_equal(tp_pattern_validate(bad, strlen(bad), &d), TP_EVALIDATE);
	assert_non_null(strstr(d.message, "MD5"));
	const char *rep = "[a:b = 1] REPEATS 2 TIMES REPEATS 2 TIMES";
	assert_int_equal(tp_pattern_validate(rep, strlen(rep), &d), TP_EVALIDATE);
	assert_int_equal(tp_pattern_validate("[a:b =", 6, &d), TP_EPARSE);
	assert_int_equal(d.column, 7);
	assert_int_equal(tp_pattern_validate(NULL, 0, &d), TP_EINVAL);
}

static void test_explain_tree(void **state)
{
	(void)state;
	const char *pat = "([file:name = 'a'] AND [url:value LIKE '%x%']) WITHIN 60 SECONDS";
	struct tp_pattern *p = NULL;
	struct tp_diag d = {0};
	assert_int_equal(tp_pattern_parse(pat, strlen(pat), 0, &p, &d), TP_OK);
	struct tp_buf b;
	tp_buf_init(&b, 0);
	assert_int_equal(tp_pattern_explain(p, TP_PATTERN_EXPLAIN_TREE, &b), TP_OK);
	assert_string_equal(b.data, "WITHIN 60 SECONDS\n"
				    "  AND (distinct observations)\n"
				    "    OBSERVATION (one observed-data)\n"
				    "      file:name = 'a'  [string]\n"
				    "    OBSERVATION (one observed-data)\n"
				    "      url:value LIKE '%x%'  [string]\n");
	tp_buf_free(&b);
	tp_pattern_free(p);
}

static void test_data_errors(void **state)
{
	(void)state;
	struct tp_diag d = {0};
	struct tp_pattern_data *data = NULL;
	json_t *v = json_pack("[{s:s,s:s,s:s,s:i,s:[]}]", "type", "observed-data", "id",
			      "observed-data--9", "last_observed", "2020-01-01T00:00:00Z",
			      "number_observed", 1, "object_refs");
	assert_int_equal(tp_pattern_data_new(v, &data, &d), TP_EVALIDATE);
	assert_string_equal(d.object_id, "observed-data--9");
	assert_string_equal(d.path, "first_observed");
	json_decref(v);
	v = json_pack("[i]", 5);
	assert_int_equal(tp_pattern_data_new(v, &data, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "[0]"));
	json_decref(v);
	v = json_pack("{s:s,s:[{s:s,s:[]}]}", "type", "bundle", "objects", "type", "bundle",
		      "objects");
	assert_int_equal(tp_pattern_data_new(v, &data, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "bundle inside a bundle"));
	json_decref(v);
	assert_null(data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deep_parentheses),
		cmocka_unit_test(test_long_flat_chains),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_catastrophic_regex),
		cmocka_unit_test(test_combinatorial_repeats),
		cmocka_unit_test(test_validate_hook),
		cmocka_unit_test(test_explain_tree),
		cmocka_unit_test(test_data_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
