/* The streaming reader: every input shape, positions, limits, and bad
 * input (truncated, garbage, too deep, too big). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tripact/buf.h"
#include "tripact/json.h"
#include "tripact/reader.h"

struct seen {
	int n;
	char text[16][256];
	long line[16], col[16];
	enum tp_reader_where where[16];
	size_t index[16];
	enum tp_err end;
	struct tp_diag d;
};

static void read_all(const char *in, size_t max, struct seen *s)
{
	memset(s, 0, sizeof *s);
	FILE *f = fmemopen((void *)in, strlen(in), "r");
	assert_non_null(f);
	struct tp_reader *r;
	assert_int_equal(tp_reader_new(f, "t", max, &r), TP_OK);
	struct tp_reader_item it;
	enum tp_err e;
	while ((e = tp_reader_next(r, &it, &s->d)) == TP_OK) {
		if (s->n < 16) {
			snprintf(s->text[s->n], sizeof s->text[0], "%.*s", (int)it.len, it.text);
			s->line[s->n] = it.line;
			s->col[s->n] = it.column;
			s->where[s->n] = it.where;
			s->index[s->n] = it.index;
		}
		s->n++;
	}
	s->end = e;
	tp_reader_free(r);
	fclose(f);
}

static void test_bundle(void **state)
{
	struct seen s;
	read_all("{\n \"type\": \"bundle\",\n \"id\": \"bundle--1\",\n \"objects\": [\n  {\"a\": 1},\n"
		 "  {\"b\": \"}]\\\"{\"}\n ]\n}\n",
		 0, &s);
	assert_int_equal(s.end, TP_ENOTFOUND);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.text[0], "{\"a\": 1}");
	assert_int_equal(s.line[0], 5);
	assert_int_equal(s.col[0], 3);
	assert_int_equal(s.where[0], TP_READER_OBJECTS);
	assert_string_equal(s.text[1], "{\"b\": \"}]\\\"{\"}");
	assert_int_equal(s.index[1], 1);
	assert_int_equal(s.where[2], TP_READER_BUNDLE);
	assert_int_equal(s.line[2], 1);
	json_t *env;
	assert_int_equal(tp_json_load(s.text[2], strlen(s.text[2]), &env, NULL), TP_OK);
	assert_string_equal(tp_json_str(env, "id"), "bundle--1");
	assert_null(json_object_get(env, "objects"));
	json_decref(env);
}

static void test_bundle_objects_first(void **state)
{
	struct seen s;
	read_all("{\"objects\":[{\"a\":1}],\"type\":\"bundle\",\"id\":\"bundle--2\"}", 0, &s);
	assert_int_equal(s.end, TP_ENOTFOUND);
	assert_int_equal(s.n, 2);
	json_t *env;
	assert_int_equal(tp_json_load(s.text[1], strlen(s.text[1]), &env, NULL), TP_OK);
	assert_string_equal(tp_json_str(env, "type"), "bundle");
	json_decref(env);
	read_all("{\"objects\":[]}", 0, &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.text[0], "{}");
}

static void test_array_single_lines(void **state)
{
	struct seen s;
	read_all(" [ {\"a\":1} , {\"b\":[1,{\"c\":2}]} ] ", 0, &s);
	assert_int_equal(s.end, TP_ENOTFOUND);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.where[1], TP_READER_ARRAY);
	assert_string_equal(s.text[1], "{\"b\":[1,{\"c\":2}]}");
	read_all("{\"type\":\"indicator\",\"objects\":{\"x\":[1]}}", 0, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.where[0], TP_READER_TOP);
	read_all("{\"a\":1}\n{\"a\":2}\r\n\n{\"a\":3}\n", 0, &s);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.line[2], 4);
	assert_int_equal(s.where[2], TP_READER_TOP);
	read_all("\xef\xbb\xbf{\"a\":1}", 0, &s);
	assert_int_equal(s.n, 1);
	read_all("   \n ", 0, &s);
	assert_int_equal(s.n, 0);
	assert_int_equal(s.end, TP_ENOTFOUND);
}

static void expect_error(const char *in, size_t max, enum tp_err code, long line, const char *part)
{
	struct seen s;
	read_all(in, max, &s);
	assert_int_equal(s.end, code);
	assert_int_equal(s.d.line, line);
	if (!strstr(s.d.message, part))
		fail_msg("message '%s' lacks '%s'", s.d.message, part);
}

static void test_bad_input(void **state)
{
	expect_error("{\"type\":\"bundle\",\"objects\":[{\"a\":1},\n{\"b\":", 0, TP_EPARSE, 2, "not closed");
	expect_error("[{\"a\":1} {\"b\":2}]", 0, TP_EPARSE, 1, "expected ','");
	expect_error("hello", 0, TP_EPARSE, 1, "expected a STIX object");
	expect_error("[{\"a\":1},", 0, TP_EPARSE, 1, "end of input");
	expect_error("{\"type\":\"bundle\",\"objects\":[]", 0, TP_EPARSE, 1, "not closed");
	char deep[1000];
	size_t n = 0;
	deep[n++] = '[';
	for (int i = 0; i < 300; i++)
		deep[n++] = '[';
	deep[n] = '\0';
	expect_error(deep, 0, TP_ELIMIT, 1, "nesting deeper");
	char big[6000];
	memset(big, 'x', sizeof big);
	memcpy(big, "[{\"a\":\"", 7);
	memcpy(big + sizeof big - 4, "\"}]", 4);
	expect_error(big, 2048, TP_ELIMIT, 1, "larger than 2048");
}

/* Many objects across many read-buffer refills, each handed over whole. */
static void test_large_stream(void **state)
{
	struct tp_buf b;
	tp_buf_init(&b, 0);
	assert_int_equal(tp_buf_puts(&b, "{\"type\":\"bundle\",\"id\":\"bundle--3\",\"objects\":[\n"), TP_OK);
	for (int i = 0; i < 20000; i++)
		assert_int_equal(tp_buf_printf(&b, "%s{\"i\":%d,\"s\":\"%*s\"}\n", i ? "," : "", i,
					       i % 97, ""),
				 TP_OK);
	assert_int_equal(tp_buf_puts(&b, "]}"), TP_OK);
	FILE *f = fmemopen(b.data, b.len, "r");
	struct tp_reader *r;
	assert_int_equal(tp_reader_new(f, "big", 0, &r), TP_OK);
	struct tp_reader_item it;
	int n = 0;
	while (tp_reader_next(r, &it, NULL) == TP_OK) {
		if (it.where == TP_READER_BUNDLE)
			continue;
		json_t *o;
		assert_int_equal(tp_json_load(it.text, it.len, &o, NULL), TP_OK);
		assert_int_equal(json_integer_value(json_object_get(o, "i")), n);
		assert_int_equal(it.line, n + 2);
		json_decref(o);
		n++;
	}
	assert_int_equal(n, 20000);
	assert_true(tp_reader_offset(r) == b.len);
	tp_reader_free(r);
	fclose(f);
	tp_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle),
		cmocka_unit_test(test_bundle_objects_first),
		cmocka_unit_test(test_array_single_lines),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_large_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
