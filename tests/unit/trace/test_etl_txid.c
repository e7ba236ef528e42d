/*
 * tpe_txid_parse against a plain reference: every byte value at every one
 * of the 64 places (only 0-9, a-f and A-F are digits), and random ids in
 * mixed case, with and without "0x".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "trace/etl_scan.h"

static int digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The reference: 32 and the bytes, or 0. */
static size_t reference(const char *s, uint8_t out[32])
{
	for (int i = 0; i < 64; i++)
		if (digit((unsigned char)s[i]) < 0)
			return 0;
	for (int i = 0; i < 32; i++)
		out[i] = (uint8_t)(digit((unsigned char)s[2 * i]) << 4 |
				   digit((unsigned char)s[2 * i + 1]));
	return 32;
}

static uint64_t rng = 88172645463325252ULL;
static unsigned rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)rng;
}

static void random_id(char s[65])
{
	static const char d[] = "0123456789abcdefABCDEF";
	for (int i = 0; i < 64; i++)
		s[i] = d[rnd() % 22];
	s[64] = '\0';
}

static void test_every_byte_everywhere(void **state)
{
	(void)state;
	char s[65];
	uint8_t got[32], want[32];
	for (int at = 0; at < 64; at++) {
		random_id(s);
		for (int c = 0; c < 256; c++) {
			s[at] = (char)c;
			size_t w = reference(s, want);
			assert_int_equal(tpe_txid_parse(s, 64, got), w);
			if (w)
				assert_memory_equal(got, want, 32);
		}
	}
}

static void test_random_ids(void **state)
{
	(void)state;
	char s[67] = "0x";
	uint8_t got[32], want[32];
	for (int k = 0; k < 10000; k++) {
		random_id(s + 2);
		assert_int_equal(reference(s + 2, want), 32);
		assert_int_equal(tpe_txid_parse(s + 2, 64, got), 32);
		assert_memory_equal(got, want, 32);
		memset(got, 0, sizeof got);
		assert_int_equal(tpe_txid_parse(s, 66, got), 32);
		assert_memory_equal(got, want, 32);
	}
	assert_int_equal(tpe_txid_parse(s, 65, got), 0);
	assert_int_equal(tpe_txid_parse(s + 2, 63, got), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_byte_everywhere),
		cmocka_unit_test(test_random_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
