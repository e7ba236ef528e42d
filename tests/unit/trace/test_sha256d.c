/*
 * Double SHA-256 two at a time (sha256d.c) against nettle: every length
 * from 0 to 300 bytes and random longer ones, whole and split in three
 * pieces the way a SegWit txid is (version, body, locktime), paired with
 * messages of other lengths (so one lane runs on alone), with the SHA-NI
 * path on (where the CPU has it) and off. Plus two known answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/sha256d.h"

#define MAXLEN 5000

static uint8_t data[2][MAXLEN];

static uint64_t rnd(uint64_t *x)
{
	*x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
	return *x;
}

/* data[which][0..len) as one piece, or three with cuts at a and b. */
static struct tp_btc_msg msg(int which, size_t len, size_t a, size_t b)
{
	struct tp_btc_msg m = {{data[which], data[which] + a, data[which] + b}, {a, b - a, len - b}};
	return m;
}

static void check(const struct tp_btc_msg *x, const struct tp_btc_msg *y)
{
	uint8_t want[2][32], got[2][32], one[32];
	tp_btc_sha256d_nettle(x, want[0]);
	tp_btc_sha256d_nettle(y, want[1]);
	tp_btc_sha256d_two(x, y, got[0], got[1]);
	assert_memory_equal(got[0], want[0], 32);
	assert_memory_equal(got[1], want[1], 32);
	tp_btc_sha256d_msg(x, one);
	assert_memory_equal(one, want[0], 32);
}

/* Lengths 0..300 and random ones to MAXLEN, whole and split, each paired
 * with another length. */
static void all_lengths(void)
{
	uint64_t x = 0x243f6a8885a308d3ULL;
	for (int w = 0; w < 2; w++)
		for (size_t i = 0; i < MAXLEN; i++)
			data[w][i] = (uint8_t)rnd(&x);
	for (size_t len = 0; len <= 300 + 200; len++) {
		size_t n = len <= 300 ? len : 301 + rnd(&x) % (MAXLEN - 301);
		size_t other = rnd(&x) % (n + 130);
		if (other >= MAXLEN)
			other = MAXLEN - 1;
		struct tp_btc_msg a = msg(0, n, n, n), b = msg(1, other, 0, other);
		check(&a, &b);
		check(&b, &a);
		if (n >= 8) { /* version (4), body, locktime (4) */
			struct tp_btc_msg s = msg(0, n, 4, n - 4);
			check(&s, &b);
			check(&b, &s);
		}
		size_t c1 = n ? rnd(&x) % (n + 1) : 0, c2 = c1 + (n - c1 ? rnd(&x) % (n - c1 + 1) : 0);
		struct tp_btc_msg r = msg(0, n, c1, c2), same = msg(1, n, n, n);
		check(&r, &same); /* equal lengths: both lanes to the end */
	}
}

static void test_matches_nettle(void **state)
{
	(void)state;
	int ni = tp_btc_sha256_ni();
	print_message("SHA-NI %s\n", ni ? "present: two-way path tested" : "absent: nettle only");
	all_lengths();
	tp_btc_sha256_use_ni(0);
	assert_false(tp_btc_sha256_ni());
	all_lengths();
	tp_btc_sha256_use_ni(1);
	assert_int_equal(tp_btc_sha256_ni(), ni);
}

static void hex(const char *s, uint8_t *out)
{
	for (size_t i = 0; s[2 * i]; i++) {
		unsigned v;
		assert_int_equal(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* SHA-256d("") and SHA-256d("abc"), from the FIPS 180 vectors hashed again. */
static void test_known_answers(void **state)
{
	(void)state;
	uint8_t want[2][32], got[2][32];
	hex("5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456", want[0]);
	hex("4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358", want[1]);
	const uint8_t abc[] = "abc";
	struct tp_btc_msg e = {{abc, abc, abc}, {0, 0, 0}}, a = {{abc, abc + 1, abc + 1}, {1, 0, 2}};
	tp_btc_sha256d_two(&e, &a, got[0], got[1]);
	assert_memory_equal(got[0], want[0], 32);
	assert_memory_equal(got[1], want[1], 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_nettle),
		cmocka_unit_test(test_known_answers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
