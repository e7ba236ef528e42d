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

/*
 * Reference: the shift-subtract long division tp_u256 used before
 * algorithm D, one bit at a time, and the schoolbook product. Slow and
 * obviously right; the fast routines must agree with it exactly.
 */
typedef unsigned __int128 u128;

static void ref_mul512(const struct tp_u256 *a, const struct tp_u256 *b, uint64_t p[8])
{
	memset(p, 0, 8 * sizeof p[0]);
	for (int i = 0; i < 4; i++) {
		uint64_t carry = 0;
		for (int j = 0; j < 4; j++) {
			u128 t = (u128)a->w[i] * b->w[j] + p[i + j] + carry;
			p[i + j] = (uint64_t)t;
			carry = (uint64_t)(t >> 64);
		}
		p[i + 4] = carry;
	}
}

static void ref_divmod(const uint64_t *n, int limbs, const struct tp_u256 *d, uint64_t *qw,
		       struct tp_u256 *r)
{
	struct tp_u256 rem = {{0}};
	memset(qw, 0, (size_t)limbs * sizeof qw[0]);
	for (int bit = limbs * 64 - 1; bit >= 0; bit--) {
		uint64_t spill = rem.w[3] >> 63;
		for (int i = 3; i > 0; i--)
			rem.w[i] = rem.w[i] << 1 | rem.w[i - 1] >> 63;
		rem.w[0] = rem.w[0] << 1 | ((n[bit / 64] >> (bit % 64)) & 1);
		if (spill || tp_u256_cmp(&rem, d) >= 0) {
			uint64_t borrow = 0;
			for (int i = 0; i < 4; i++) {
				u128 t = (u128)rem.w[i] - d->w[i] - borrow;
				rem.w[i] = (uint64_t)t;
				borrow = (uint64_t)(t >> 64) ? 1 : 0;
			}
			qw[bit / 64] |= (uint64_t)1 << (bit % 64);
		}
	}
	*r = rem;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* splitmix64: fixed seed, so a failure reproduces */
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * A value shaped to reach the corners of algorithm D: a random number of
 * limbs, each limb random or one of 0, 1, 2^63, 2^64-1 (quotient digit
 * estimates off by one or two, add-back steps), sometimes shifted so the
 * top limb has few bits (normalisation shifts of every size).
 */
static void rnd_u256(struct tp_u256 *v)
{
	static const uint64_t edge[] = {0, 1, 0x8000000000000000ULL, ~0ULL, 0x7fffffffffffffffULL,
					0xffffffff00000000ULL};
	int n = (int)(rnd() % 5);
	memset(v, 0, sizeof *v);
	for (int i = 0; i < n; i++)
		v->w[i] = rnd() % 3 ? rnd() : edge[rnd() % 6];
	if (n && rnd() % 2)
		v->w[n - 1] >>= rnd() % 64;
}

static void check_muldiv(const struct tp_u256 *a, const struct tp_u256 *b, const struct tp_u256 *c)
{
	struct tp_u256 q, r, rr;
	enum tp_err e = tp_u256_muldiv(a, b, c, &q, &r);
	if (tp_u256_is_zero(c)) {
		assert_int_equal(e, TP_EINVAL);
		return;
	}
	uint64_t p[8], qw[8];
	ref_mul512(a, b, p);
	ref_divmod(p, 8, c, qw, &rr);
	if (qw[4] | qw[5] | qw[6] | qw[7]) {
		assert_int_equal(e, TP_EOVERFLOW);
		return;
	}
	assert_int_equal(e, TP_OK);
	assert_memory_equal(q.w, qw, sizeof q.w);
	assert_memory_equal(r.w, rr.w, sizeof r.w);
	/* div agrees too, on a alone */
	assert_int_equal(tp_u256_div(a, c, &q, &r), TP_OK);
	ref_divmod(a->w, 4, c, qw, &rr);
	assert_memory_equal(q.w, qw, sizeof q.w);
	assert_memory_equal(r.w, rr.w, sizeof r.w);
}

static void test_muldiv_matches_reference(void **state)
{
	(void)state;
	struct tp_u256 a, b, c;
	for (int i = 0; i < 200000; i++) {
		rnd_u256(&a);
		rnd_u256(&b);
		rnd_u256(&c);
		check_muldiv(&a, &b, &c);
		/* the haircut shape: value * taint / balance, taint <= balance */
		if (tp_u256_cmp(&b, &c) > 0)
			check_muldiv(&a, &c, &b);
	}
}

/*
 * Hand-picked cases: the estimate q^ = 2^64 (top digits equal), a
 * multiply-subtract that goes negative and adds back, remainder c - 1.
 */
static void test_muldiv_edges(void **state)
{
	(void)state;
	struct tp_u256 a, b, c;
	static const uint64_t limb[] = {0, 1, 2, 0x8000000000000000ULL, 0x8000000000000001ULL,
					0x7fffffffffffffffULL, ~0ULL - 1, ~0ULL};
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 8; j++)
			for (int k = 0; k < 8; k++) {
				/* every limb pattern of three two-limb values, at each width */
				for (int w = 1; w < 4; w++) {
					memset(&a, 0, sizeof a);
					memset(&b, 0, sizeof b);
					memset(&c, 0, sizeof c);
					a.w[w] = limb[i];
					a.w[w - 1] = limb[j];
					b.w[3] = limb[k];
					b.w[0] = limb[j];
					c.w[w] = limb[k];
					c.w[w - 1] = limb[i];
					check_muldiv(&a, &b, &c);
					memset(&b, 0, sizeof b);
					b.w[0] = limb[k];
					check_muldiv(&a, &b, &c);
					for (int x = 0; x < 4; x++)
						a.w[x] = ~0ULL;
					check_muldiv(&a, &b, &c);
				}
			}
	/* Knuth's add-back example, scaled to 64-bit digits: 2^255 + .. / (2^191 + ..) */
	tp_u256_from_u64(&b, 1);
	a = (struct tp_u256){{0, 0xfffffffffffffffeULL, 0, 0x8000000000000000ULL}};
	c = (struct tp_u256){{~0ULL, 0, 0x8000000000000000ULL, 0}};
	check_muldiv(&a, &b, &c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_format),
		cmocka_unit_test(test_add_sub_mul),
		cmocka_unit_test(test_muldiv),
		cmocka_unit_test(test_muldiv_matches_reference),
		cmocka_unit_test(test_muldiv_edges),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
