#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tripact/buf.h"
#include "tripact/json.h"

static void test_cap(void **state)
{
	struct tp_buf b;
	tp_buf_init(&b, 10);
	assert_int_equal(tp_buf_puts(&b, "0123456789"), TP_OK);
	assert_int_equal(tp_buf_putc(&b, 'x'), TP_ELIMIT);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	tp_buf_reset(&b);
	assert_int_equal(tp_buf_printf(&b, "%d-%s", 42, "ab"), TP_OK);
	assert_string_equal(b.data, "42-ab");
	assert_int_equal(tp_buf_printf(&b, "%s", "toolong"), TP_ELIMIT);
	char *s = tp_buf_steal(&b);
	assert_string_equal(s, "42-ab");
	free(s);
	tp_buf_free(&b);
}

static void test_json_errors(void **state)
{
	json_t *v = NULL;
	struct tp_diag d = {0};
	const char *dup = "{\"a\":1,\n \"a\":2}";
	assert_int_equal(tp_json_load(dup, strlen(dup), &v, &d), TP_EPARSE);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.message, "duplicate"));

	const char bad_utf8[] = "{\"a\":\"\xff\"}";
	assert_int_equal(tp_json_load(bad_utf8, sizeof bad_utf8 - 1, &v, &d), TP_EPARSE);

	char deep[5000];
	memset(deep, '[', sizeof deep);
	assert_int_equal(tp_json_load(deep, sizeof deep, &v, &d), TP_ELIMIT);

	assert_int_equal(tp_json_load("{\"a\":[1]}", 9, &v, &d), TP_OK);
	char *s = tp_json_dump(v);
	assert_string_equal(s, "{\"a\":[1]}");
	free(s);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_json_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
