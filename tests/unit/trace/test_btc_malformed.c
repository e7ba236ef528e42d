/*
 * Malformed blocks: every kind of damage gives TP_EPARSE with the byte
 * offset of the problem (in the message and as column = offset + 1),
 * never a crash or a read past the buffer (ASan watches). Based on real
 * block 50002 (216 bytes, one coinbase) and block 549400 (123 kB) cut at
 * many points.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "tp_test.h"
#include "trace/sha256d.h"
#include "tripact/btc.h"

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Line `which` (0-based) of a hex file, as bytes; caller frees. */
static uint8_t *load_line(const char *rel, int which, size_t *len)
{
	char *t = tp_test_slurp(tp_test_path(rel), NULL);
	assert_non_null(t);
	char *p = t;
	for (int i = 0; i < which; i++) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	size_t n = strcspn(p, "\r\n") / 2;
	uint8_t *b = malloc(n + 16);
	assert_non_null(b);
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(hexval(p[2 * i]) << 4 | hexval(p[2 * i + 1]));
	free(t);
	*len = n;
	return b;
}

static struct tp_btc_decoder *dec;

static int setup(void **state)
{
	(void)state;
	return tp_btc_decoder_new(TP_BTC_MAINNET, 0, &dec) == TP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tp_btc_decoder_free(dec);
	return 0;
}

static void expect(const uint8_t *raw, size_t len, size_t offset, const char *what)
{
	struct tp_diag d = {0};
	char at[64];
	assert_int_equal(tp_btc_block_decode(dec, raw, len, -1, NULL, NULL, NULL, &d), TP_EPARSE);
	snprintf(at, sizeof at, "block byte offset %zu: ", offset);
	if (!strstr(d.message, at) || !strstr(d.message, what))
		fail_msg("got \"%s\", want offset %zu and \"%s\"", d.message, offset, what);
	if (offset > 0)
		assert_int_equal(d.column, (long)offset + 1);
}

static void test_damaged_fields(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *good = load_line("tests/data/btc/blocks_50001_50002.hex", 1, &len);
	uint8_t b[256];
	assert_int_equal(len, 216);
	assert_int_equal(tp_btc_block_decode(dec, good, len, -1, NULL, NULL, NULL, NULL), TP_OK);

	expect(good, 79, 0, "truncated header");
	expect(good, 80, 80, "truncated: transaction count runs past the end");

#define DAMAGE(stmt) (memcpy(b, good, len), stmt)
	DAMAGE(memcpy(b + 80, "\xff\xff\xff\xff\xff\xff\xff\xff\xff", 9));
	expect(b, len, 80, "transaction count 18446744073709551615 is larger than any block");
	DAMAGE(memcpy(b + 80, "\xfe\x00\x00\x01\x00", 5));
	expect(b, len, 80, "transaction count 65536 cannot fit in the");
	DAMAGE(memcpy(b + 80, "\xfd\x01\x00", 3));
	expect(b, len, 80, "non-canonical CompactSize for transaction count");
	DAMAGE(b[80] = 0);
	expect(b, len, 81, "block has no transactions");
	DAMAGE(b[85] = 0xfd);
	expect(b, len, 85, "input count");
	DAMAGE(b[85] = 0x00);
	expect(b, len, 85, "unknown transaction serialization flag");
	DAMAGE(b[122] = 0xfc);
	expect(b, len, 122, "scriptSig of 252 bytes runs past the end");
	DAMAGE(memset(b + 136, 0xff, 8));
	expect(b, len, 136, "output value exceeds 21,000,000 BTC");
	DAMAGE(b[144] = 0xfd);
	expect(b, len, 144, "scriptPubKey of 1089 bytes runs past the end");
	DAMAGE(b[135] = 0x40);
	expect(b, len, 135, "output count 64 cannot fit");
	DAMAGE(b[216] = 0);
	expect(b, len + 1, 216, "1 bytes after the last transaction");
	expect(good, len - 1, 212, "truncated: transaction locktime");
#undef DAMAGE
	free(good);
}

static enum tp_err stop_at_first(void *ctx, const struct tp_btc_header *h,
				 const struct tp_btc_tx *tx)
{
	int *calls = ctx;
	(void)h;
	(void)tx;
	(*calls)++;
	return TP_ELIMIT;
}

static void test_callback_stops(void **state)
{
	(void)state;
	size_t len = 0;
	uint8_t *raw = load_line("tests/data/btc/blocks_50001_50002.hex", 0, &len);
	int calls = 0;
	assert_int_equal(tp_btc_block_decode(dec, raw, len, -1, stop_at_first, &calls, NULL, NULL),
			 TP_ELIMIT);
	assert_int_equal(calls, 1);
	free(raw);
}

static void test_every_cut_of_a_real_block(void **state)
{
	(void)state;
	size_t n = 0;
	char *t = tp_test_slurp(
		tp_test_path("data/crypto/bitcoin_blocks_js-bitcoin-block/"
			     "000000000000000000008c31945b2012258366cc600a3e9a3ee0598e"
			     "8f797731.hex"),
		&n);
	assert_non_null(t);
	size_t len = strcspn(t, "\r\n") / 2;
	uint8_t *raw = malloc(len);
	assert_non_null(raw);
	for (size_t i = 0; i < len; i++)
		raw[i] = (uint8_t)(hexval(t[2 * i]) << 4 | hexval(t[2 * i + 1]));
	free(t);
	assert_int_equal(tp_btc_block_decode(dec, raw, len, -1, NULL, NULL, NULL, NULL), TP_OK);
	size_t cuts = 0;
	for (size_t cut = 0; cut < len; cut += cut < 400 ? 1 : 611) {
		/* a fresh copy of exactly `cut` bytes, so ASan sees any overread */
		uint8_t *p = malloc(cut ? cut : 1);
		assert_non_null(p);
		memcpy(p, raw, cut);
		struct tp_diag d = {0};
		enum tp_err e = tp_btc_block_decode(dec, p, cut, -1, NULL, NULL, NULL, &d);
		if (e != TP_EPARSE || !strstr(d.message, "offset"))
			fail_msg("cut at %zu: %d \"%s\"", cut, (int)e, d.message);
		free(p);
		cuts++;
	}
	assert_true(cuts > 500);
	free(raw);
}

static enum tp_err count_calls(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	(void)h;
	(void)tx;
	(*(int *)ctx)++;
	return TP_OK;
}

static void test_merkle_check(void **state)
{
	(void)state;
	size_t len;
	uint8_t *raw = load_line("tests/data/btc/blocks_50001_50002.hex", 0, &len);
	struct tp_btc_decoder *chk;
	struct tp_diag d = {0};
	int calls = 0;
	assert_int_equal(tp_btc_decoder_new(TP_BTC_MAINNET, TP_BTC_CHECK_MERKLE, &chk), TP_OK);
	assert_int_equal(tp_btc_block_decode(chk, raw, len, -1, count_calls, &calls, NULL, &d),
			 TP_OK);
	assert_int_equal(calls, 3);
	tp_btc_sha256_use_ni(0); /* the tree's pairs through nettle, one at a time */
	assert_int_equal(tp_btc_block_decode(chk, raw, len, -1, count_calls, &calls, NULL, &d),
			 TP_OK);
	tp_btc_sha256_use_ni(1);
	assert_int_equal(calls, 6);

	/* one changed output value: parses, but the merkle root gives it away */
	raw[136] ^= 1; /* the coinbase's output value (tx at 81, value at 136) */
	calls = 0;
	assert_int_equal(tp_btc_block_decode(dec, raw, len, -1, count_calls, &calls, NULL, &d),
			 TP_OK);
	assert_int_equal(calls, 3);
	calls = 0;
	assert_int_equal(tp_btc_block_decode(chk, raw, len, -1, count_calls, &calls, NULL, &d),
			 TP_EPARSE);
	assert_int_equal(calls, 0); /* nothing delivered from a corrupt block */
	assert_non_null(strstr(d.message, "block byte offset 36: the merkle root"));
	raw[136] ^= 1;

	/* CVE-2012-2459: the last transaction twice keeps the root */
	struct tp_btc_header h;
	uint8_t *m = malloc(2 * len);
	assert_non_null(m);
	/* sizes of block 50001's transactions, from bitcoin-etl's export */
	const size_t sz[3] = {135, 273, 158};
	size_t tx2 = 81 + sz[0] + sz[1];
	assert_int_equal(tx2 + sz[2], len);
	memcpy(m, raw, len);
	memcpy(m + len, raw + tx2, sz[2]);
	m[80] = 4;
	assert_int_equal(tp_btc_block_decode(dec, m, len + sz[2], -1, NULL, NULL, &h, &d), TP_OK);
	assert_int_equal(h.n_tx, 4);
	assert_int_equal(tp_btc_block_decode(chk, m, len + sz[2], -1, NULL, NULL, &h, &d),
			 TP_EPARSE);
	assert_non_null(strstr(d.message, "CVE-2012-2459"));
	free(m);
	tp_btc_decoder_free(chk);
	free(raw);
}

struct seen {
	int calls;
	uint8_t id[4][32];
};

static enum tp_err keep_id(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	struct seen *s = ctx;
	(void)h;
	if (tx->index < 4)
		memcpy(s->id[tx->index], tx->txid, 32);
	s->calls++;
	return TP_OK;
}

/*
 * Transactions are decoded two at a time (their txids hashed together),
 * yet an error in the second of a pair comes after the first was handed
 * over with its right id, as decoding one at a time gives; a callback
 * that stops at the first wins over the error after it, which then
 * leaves the diagnostics alone.
 */
static void test_error_in_a_pair(void **state)
{
	(void)state;
	size_t len;
	uint8_t *raw = load_line("tests/data/btc/blocks_50001_50002.hex", 0, &len);
	struct seen good = {0};
	assert_int_equal(tp_btc_block_decode(dec, raw, len, -1, keep_id, &good, NULL, NULL), TP_OK);
	assert_int_equal(good.calls, 3);
	/* transactions at 81, 216 (the second of the first pair) and 489 */
	const size_t input_count[2] = {220, 493};
	for (int k = 0; k < 2; k++) {
		uint8_t was = raw[input_count[k]];
		raw[input_count[k]] = 0xfd; /* a CompactSize cut short */
		struct seen got = {0};
		struct tp_diag d = {0};
		assert_int_equal(tp_btc_block_decode(dec, raw, len, -1, keep_id, &got, NULL, &d),
				 TP_EPARSE);
		assert_int_equal(got.calls, k + 1);
		for (int i = 0; i <= k; i++)
			assert_memory_equal(got.id[i], good.id[i], 32);
		assert_non_null(strstr(d.message, "input count"));
		assert_int_equal(d.column, (long)input_count[k] + 1);
		int calls = 0;
		struct tp_diag quiet = {0};
		assert_int_equal(
			tp_btc_block_decode(dec, raw, len, -1, stop_at_first, &calls, NULL, &quiet),
			TP_ELIMIT);
		assert_int_equal(calls, 1);
		assert_int_equal(quiet.code, TP_OK);
		assert_int_equal(quiet.column, 0);
		assert_string_equal(quiet.message, "");
		raw[input_count[k]] = was;
	}
	free(raw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_damaged_fields),
		cmocka_unit_test(test_callback_stops),
		cmocka_unit_test(test_every_cut_of_a_real_block),
		cmocka_unit_test(test_merkle_check),
		cmocka_unit_test(test_error_in_a_pair),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
