/* Exact 256-bit arithmetic: parse/format round trips, limits, muldiv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tripact/trace_u256.h"

#define MAX "115792089237316195423570985008687907853269984665640564039457584007913129639935"

static void roundtrip(const char *s)
{
	struct tp_u256 v;
	char out[TP_U256_DECSZ];
	assert_int_equal(tp_u256_parse(s, SIZE_MAX, &v), TP_OK);
	tp_u256_format(&v, out);
	assert_string_equal(out, s);
}

static void test_parse_format(void **state)
{
	(void)state;
	roundtrip("0");
	roundtrip("1");
	roundtrip("18446744073709551615");
	roundtrip("18446744073709551616");
	roundtrip("10000000000000000000");
	roundtrip("150188698577042438264952193024");
	roundtrip(MAX);
	struct tp_u256 v;
	assert_int_equal(tp_u256_parse(MAX "0", SIZE_MAX, &v), TP_EOVERFLOW);
	assert_int_equal(tp_u256_parse("115792089237316195423570985008687907853269984665640564039457584007913129639936", SIZE_MAX, &v), TP_EOVERFLOW);
	assert_int_equal(tp_u256_parse("-1", SIZE_MAX, &v), TP_EPARSE);
	assert_int_equal(tp_u256_parse("1.5", SIZE_MAX, &v), TP_EPARSE);
	assert_int_equal(tp_u256_parse("", SIZE_MAX, &v), TP_EPARSE);
	assert_int_equal(tp_u256_parse("1e18", SIZE_MAX, &v), TP_EPARSE);
	assert_int_equal(tp_u256_parse("0xff", SIZE_MAX, &v), TP_OK);
	char out[TP_U256_DECSZ];
	tp_u256_format(&v, out);
	assert_string_equal(out, "255");
	assert_int_equal(tp_u256_parse("0x1" "0000000000000000000000000000000000000000000000000000000000000000",
				       SIZE_MAX, &v),
			 TP_EOVERFLOW);
}

static void test_add_sub_mul(void **state)
{
	(void)state;
	struct tp_u256 max, one, v;
	assert_int_equal(tp_u256_parse(MAX, SIZE_MAX, &max), TP_OK);
	tp_u256_from_u64(&one, 1);
	assert_int_equal(tp_u256_add(&v, &max, &one), TP_EOVERFLOW);
	assert_int_equal(tp_u256_sub(&v, &one, &max), TP_EOVERFLOW);
	assert_int_equal(tp_u256_sub(&v, &max, &max), TP_OK);
	assert_true(tp_u256_is_zero(&v));
	struct tp_u256 a, b;
	assert_int_equal(tp_u256_parse("340282366920938463463374607431768211455", SIZE_MAX, &a), TP_OK); /* 2^128-1 */
	assert_int_equal(tp_u256_mul(&v, &a, &a), TP_OK);
	char out[TP_U256_DECSZ];
	tp_u256_format(&v, out);
	assert_string_equal(out, "115792089237316195423570985008687907852589419931798687112530834793049593217025");
	tp_u256_from_u64(&b, 2);
	assert_int_equal(tp_u256_mul(&v, &max, &b), TP_EOVERFLOW);
	/* carry across every limb */
	assert_int_equal(tp_u256_parse("340282366920938463463374607431768211456", SIZE_MAX, &a), TP_OK);
	assert_int_equal(tp_u256_sub(&v, &a, &one), TP_OK);
	tp_u256_format(&v, out);
	assert_string_equal(out, "340282366920938463463374607431768211455");
}

static void test_muldiv(void **state)
{
	(void)state;
	struct tp_u256 max, ten, q, r, c;
	assert_int_equal(tp_u256_parse(MAX, SIZE_MAX, &max), TP_OK);
	tp_u256_from_u64(&ten, 10);
	/* (2^256-1) * 10 / (2^256-1) = 10: the product needs 260 bits */
	assert_int_equal(tp_u256_muldiv(&max, &ten, &max, &q, &r), TP_OK);
	uint64_t x;
	assert_true(tp_u256_to_u64(&q, &x));
	assert_int_equal(x, 10);
	assert_true(tp_u256_is_zero(&r));
	/* quotient too large */
	tp_u256_from_u64(&c, 3);
	assert_int_equal(tp_u256_muldiv(&max, &ten, &c, &q, &r), TP_EOVERFLOW);
	tp_u256_from_u64(&c, 0);
	assert_int_equal(tp_u256_muldiv(&max, &ten, &c, &q, &r), TP_EINVAL);
	/* 5 * 4 / 9 = 2 rem 2 */
	struct tp_u256 a, b;
	tp_u256_from_u64(&a, 5);
	tp_u256_from_u64(&b, 4);
	tp_u256_from_u64(&c, 9);
	assert_int_equal(tp_u256_muldiv(&a, &b, &c, &q, &r), TP_OK);
	assert_true(tp_u256_to_u64(&q, &x) && x == 2);
	assert_true(tp_u256_to_u64(&r, &x) && x == 2);
	/* 10^30 * 7 / 3: wide path, checked by multiplying back */
	assert_int_equal(tp_u256_parse("1000000000000000000000000000000", SIZE_MAX, &a), TP_OK);
	tp_u256_from_u64(&b, 7);
	tp_u256_from_u64(&c, 3);
	assert_int_equal(tp_u256_muldiv(&a, &b, &c, &q, &r), TP_OK);
	char out[TP_U256_DECSZ];
	tp_u256_format(&q, out);
	assert_string_equal(out, "2333333333333333333333333333333");
	assert_true(tp_u256_to_u64(&r, &x) && x == 1);
	assert_int_equal(tp_u256_div(&a, &c, &q, &r), TP_OK);
	tp_u256_format(&q, out);
	assert_string_equal(out, "333333333333333333333333333333");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_add_sub_mul),
		cmocka_unit_test(test_muldiv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
