#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tripact/time.h"

static tp_time_us parse_ok(const char *s, unsigned flags)
{
	tp_time_us t = 0;
	assert_int_equal(tp_time_parse(s, strlen(s), flags, &t, NULL, NULL), TP_OK);
	return t;
}

static void test_epoch_and_known(void **state)
{
	assert_true(parse_ok("1970-01-01T00:00:00Z", 0) == 0);
	assert_true(parse_ok("2016-05-12T08:17:27.000Z", 0) == 1463041047000000LL);
	assert_true(parse_ok("2016-05-12T08:17:27.123456789Z", 0) == 1463041047123456LL);
	assert_true(parse_ok("1969-12-31T23:59:59.5Z", 0) == -500000);
	assert_true(parse_ok("2000-02-29T00:00:00Z", 0) == 951782400000000LL);
}

static void test_offsets(void **state)
{
	assert_true(parse_ok("2016-05-12T17:17:27+09:00", TP_TIME_ANY_OFFSET) ==
		    1463041047000000LL);
	tp_time_us t;
	struct tp_diag d = {0};
	const char *s = "2016-05-12T17:17:27+09:00";
	assert_int_equal(tp_time_parse(s, strlen(s), 0, &t, NULL, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "'Z'"));
}

static void test_rejects(void **state)
{
	const char *bad[] = {"2016-05-12", "2016-13-01T00:00:00Z", "2015-02-29T00:00:00Z",
			     "2016-05-12T24:00:00Z", "2016-05-12T08:17:27.Z",
			     "2016-05-12T08:17:27Zx", "2016-05-12t08:17:27Z", "", "abc"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		tp_time_us t;
		assert_int_equal(tp_time_parse(bad[i], strlen(bad[i]), 0, &t, NULL, NULL),
				 TP_EPARSE);
	}
}

static void test_format_roundtrip(void **state)
{
	char buf[TP_TIME_BUFSZ];
	tp_time_format(1463041047000000LL, -1, buf);
	assert_string_equal(buf, "2016-05-12T08:17:27.000Z");
	tp_time_format(1463041047123456LL, -1, buf);
	assert_string_equal(buf, "2016-05-12T08:17:27.123456Z");
	tp_time_format(-500000, 3, buf);
	assert_string_equal(buf, "1969-12-31T23:59:59.500Z");
	tp_time_format(0, 0, buf);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	/* Every ~997 days from 0001-01-01 to 9999-12-31. */
	for (tp_time_us t = -62135596800000000LL; t < 253402300799000000LL;
	     t += 86400000000LL * 997 + 1234567) {
		tp_time_format(t, 6, buf);
		assert_true(parse_ok(buf, 0) == t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_and_known),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_format_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
