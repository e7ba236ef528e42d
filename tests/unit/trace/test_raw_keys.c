/*
 * The raw import's key numbers (raw_keys.c) survive the table doubling in
 * place: after several doublings every key, short (held in its slot) or
 * long (held outside it), still has the number it was given first, and a
 * key never added is not found.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "trace/raw_keys.h"
#include "tripact/btc.h"

/* Key k: 20 bytes (a hash-based address) or, for every third, 32 (a
 * witness program held outside the slot); its bytes name k. */
static size_t key(uint32_t k, uint8_t out[32])
{
	size_t n = k % 3 ? 20 : 32;
	memset(out, 0xc3, 32);
	memcpy(out + 1, &k, sizeof k);
	out[0] = (uint8_t)n;
	return n;
}

static uint32_t id_of(struct tpi_keys *ks, uint32_t k, int *added)
{
	uint8_t b[32];
	size_t n = key(k, b);
	uint32_t id = UINT32_MAX;
	assert_int_equal(tpi_keys_id(ks, b, n, tpi_key_hash(b, n), &id, added), TP_OK);
	return id;
}

static void test_numbers_survive_doubling(void **state)
{
	(void)state;
	struct tpi_keys ks;
	assert_int_equal(tpi_keys_init(&ks), TP_OK);
	const uint32_t n = 300000;
	uint64_t cap = ks.cap;
	int added, growths = 0;
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(id_of(&ks, k, &added), k);
		assert_true(added);
		if (ks.cap != cap) {
			cap = ks.cap;
			growths++;
			/* right after a doubling, every key so far keeps its number */
			for (uint32_t j = 0; j <= k; j += 7) {
				assert_int_equal(id_of(&ks, j, &added), j);
				assert_false(added);
			}
		}
	}
	assert_true(growths >= 3);
	for (uint32_t k = 0; k < n; k++) {
		assert_int_equal(id_of(&ks, k, &added), k);
		assert_false(added);
	}
	assert_int_equal(ks.n, n);
	/* a new key is the next number */
	assert_int_equal(id_of(&ks, n + 5, &added), n);
	assert_true(added);
	tpi_keys_free(&ks);
	assert_null(ks.slot);
}

/* The table doubles only past three quarters full, keeping every number. */
static void test_grows_at_three_quarters(void **state)
{
	(void)state;
	struct tpi_keys ks;
	assert_int_equal(tpi_keys_init(&ks), TP_OK);
	const uint64_t cap = ks.cap;
	int added;
	uint32_t k = 0;
	for (; k < cap * 3 / 4; k++)
		assert_int_equal(id_of(&ks, k, &added), k);
	assert_int_equal(ks.cap, cap);
	assert_int_equal(id_of(&ks, k, &added), k);
	assert_true(added);
	assert_int_equal(ks.cap, 2 * cap);
	for (uint32_t j = 0; j <= k; j++) {
		assert_int_equal(id_of(&ks, j, &added), j);
		assert_false(added);
	}
	tpi_keys_free(&ks);
}

/*
 * Keys filed under one hash (so every lookup compares against all the
 * others): every length from 1 to TP_BTC_KEY_MAX, and each with one byte
 * changed at every place, are all different keys, and each is found again.
 */
static void test_one_byte_apart(void **state)
{
	(void)state;
	struct tpi_keys ks;
	assert_int_equal(tpi_keys_init(&ks), TP_OK);
	uint8_t base[TP_BTC_KEY_MAX], b[TP_BTC_KEY_MAX];
	for (size_t i = 0; i < sizeof base; i++)
		base[i] = (uint8_t)(i * 37 + 11);
	uint32_t id, next = 0;
	int added;
	for (int round = 0; round < 2; round++) {
		uint32_t want = 0;
		for (size_t n = 1; n <= TP_BTC_KEY_MAX; n++) {
			for (size_t pos = 0; pos <= n; pos++) {
				memcpy(b, base, n);
				if (pos < n) /* pos == n: the key unchanged */
					b[pos] ^= 0x40;
				assert_int_equal(tpi_keys_id(&ks, b, n, 42, &id, &added), TP_OK);
				assert_int_equal(added, round == 0);
				assert_int_equal(id, want++);
			}
		}
		if (round == 0)
			next = want;
		assert_int_equal(ks.n, next);
	}
	tpi_keys_free(&ks);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers_survive_doubling),
		cmocka_unit_test(test_grows_at_three_quarters),
		cmocka_unit_test(test_one_byte_apart),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
