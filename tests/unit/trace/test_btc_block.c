/*
 * The block decoder against real mainnet blocks: every txid, every input's
 * prevout, every output's value, type and address compared with Bitcoin
 * Core's `getblock <hash> 2` for the same block (js-bitcoin-block
 * fixtures), the merkle root recomputed from our txids for a block without
 * JSON, and bitcoin-etl's normalized export of blocks 50001-50002 (blocks
 * rebuilt from the RPC response: header fields + transaction hex).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "tp_test.h"
#include "trace/btc_codec.h"
#include "tripact/btc.h"

#define JS  "data/crypto/bitcoin_blocks_js-bitcoin-block/"
#define ETL "data/crypto/bitcoin_etl_blocks_50001_50002/"

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Hex text (whitespace at the end ignored) to bytes; caller frees. */
static uint8_t *unhex(const char *s, size_t n, size_t *out_len)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	assert_int_equal(n % 2, 0);
	uint8_t *b = malloc(n / 2 + 1);
	assert_non_null(b);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		assert_true(hi >= 0 && lo >= 0);
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	*out_len = n / 2;
	return b;
}

static uint8_t *load_hex(const char *rel, size_t *len)
{
	size_t n = 0;
	char *t = tp_test_slurp(tp_test_path(rel), &n);
	assert_non_null(t);
	uint8_t *b = unhex(t, n, len);
	free(t);
	return b;
}

static json_t *load_json(const char *rel)
{
	json_error_t err;
	json_t *j = json_load_file(tp_test_path(rel), 0, &err);
	if (!j)
		fail_msg("%s:%d: %s", rel, err.line, err.text);
	return j;
}

static uint64_t btc_to_sat(json_t *v)
{
	return (uint64_t)llround(json_number_value(v) * 1e8);
}

/* ---- comparison with getblock verbosity 2 ---- */

struct cmp {
	json_t *txs;
	size_t seen, outs, ins, addrs;
};

static enum tp_err cmp_tx(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	struct cmp *c = ctx;
	(void)h;
	json_t *jt = json_array_get(c->txs, tx->index);
	char hex[TP_BTC_HASH_HEX];
	assert_non_null(jt);
	tp_btc_hash_to_hex(tx->txid, hex);
	assert_string_equal(hex, json_string_value(json_object_get(jt, "txid")));
	assert_int_equal(tx->size, json_integer_value(json_object_get(jt, "size")));
	assert_int_equal(tx->has_witness,
			 strcmp(json_string_value(json_object_get(jt, "hash")),
				json_string_value(json_object_get(jt, "txid"))) != 0);
	assert_int_equal(tx->locktime, json_integer_value(json_object_get(jt, "locktime")));
	assert_int_equal(tx->version, json_integer_value(json_object_get(jt, "version")));
	json_t *vin = json_object_get(jt, "vin"), *vout = json_object_get(jt, "vout");
	assert_int_equal(tx->is_coinbase,
			 json_object_get(json_array_get(vin, 0), "coinbase") != NULL);
	assert_int_equal(tx->n_in, tx->is_coinbase ? 0 : json_array_size(vin));
	for (size_t i = 0; i < tx->n_in; i++) {
		json_t *ji = json_array_get(vin, i);
		tp_btc_hash_to_hex(tx->in[i].prev_txid, hex);
		assert_string_equal(hex, json_string_value(json_object_get(ji, "txid")));
		assert_int_equal(tx->in[i].prev_index,
				 json_integer_value(json_object_get(ji, "vout")));
		c->ins++;
	}
	assert_int_equal(tx->n_out, json_array_size(vout));
	for (size_t i = 0; i < tx->n_out; i++) {
		json_t *jo = json_array_get(vout, i);
		json_t *spk = json_object_get(jo, "scriptPubKey");
		assert_int_equal(tx->out[i].value, btc_to_sat(json_object_get(jo, "value")));
		assert_string_equal(tp_btc_script_name(tx->out[i].type),
				    json_string_value(json_object_get(spk, "type")));
		json_t *a = json_object_get(spk, "address");
		if (!a)
			a = json_array_get(json_object_get(spk, "addresses"), 0);
		if (a) {
			assert_string_equal(tx->out[i].address, json_string_value(a));
			c->addrs++;
		}
		assert_true(tx->out[i].address[0] != '\0');
		c->outs++;
	}
	c->seen++;
	return TP_OK;
}

static void check_against_core(const char *hash, size_t n_tx, size_t n_in, size_t n_out,
			       int64_t height, unsigned flags)
{
	char rel[256];
	size_t len = 0;
	snprintf(rel, sizeof rel, JS "%s.hex", hash);
	uint8_t *raw = load_hex(rel, &len);
	snprintf(rel, sizeof rel, JS "%s.json", hash);
	json_t *j = load_json(rel);
	struct tp_btc_decoder *dec;
	struct tp_btc_header h;
	struct tp_diag d = {0};
	struct cmp c = {json_object_get(j, "tx"), 0, 0, 0, 0};
	char hex[TP_BTC_HASH_HEX];
	assert_int_equal(tp_btc_decoder_new(TP_BTC_MAINNET, flags, &dec), TP_OK);
	assert_int_equal(tp_btc_block_decode(dec, raw, len, height, cmp_tx, &c, &h, &d), TP_OK);
	tp_btc_hash_to_hex(h.hash, hex);
	assert_string_equal(hex, hash);
	tp_btc_hash_to_hex(h.prev_hash, hex);
	assert_string_equal(hex, json_string_value(json_object_get(j, "previousblockhash")));
	assert_int_equal(h.time, json_integer_value(json_object_get(j, "time")));
	assert_int_equal(h.nonce, json_integer_value(json_object_get(j, "nonce")));
	assert_int_equal(h.height, height);
	assert_int_equal(h.n_tx, n_tx);
	assert_int_equal(c.seen, n_tx);
	assert_int_equal(c.ins, n_in);
	assert_int_equal(c.outs, n_out);
	assert_true(c.addrs > n_out / 2);
	tp_btc_decoder_free(dec);
	json_decref(j);
	free(raw);
}

static void test_block_549400(void **state)
{
	(void)state;
	/* 198 txs; 551 inputs counted by getblock include 1 coinbase */
	check_against_core("000000000000000000008c31945b2012258366cc600a3e9a3ee0598e8f797731", 198,
			   550, 787, 549400, 0);
	/* the same with the merkle check on: txids come from its first pass */
	check_against_core("000000000000000000008c31945b2012258366cc600a3e9a3ee0598e8f797731", 198,
			   550, 787, 549400, TP_BTC_CHECK_MERKLE);
}

static void test_block_237500(void **state)
{
	(void)state;
	check_against_core("0000000000000115020104600c9689785b8fe8d684b6be343f7849f2d9946106", 352,
			   1002, 761, 237500, TP_BTC_CHECK_MERKLE);
}

/* ---- merkle root from our txids ---- */

struct ids {
	uint8_t (*id)[32];
	size_t n, cap;
};

static enum tp_err keep_txid(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	struct ids *s = ctx;
	(void)h;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->id = realloc(s->id, s->cap * 32);
		assert_non_null(s->id);
	}
	memcpy(s->id[s->n++], tx->txid, 32);
	return TP_OK;
}

static void merkle(struct ids *s, uint8_t root[32])
{
	size_t n = s->n;
	while (n > 1) {
		size_t m = 0;
		for (size_t i = 0; i < n; i += 2) {
			uint8_t pair[64];
			memcpy(pair, s->id[i], 32);
			memcpy(pair + 32, s->id[i + 1 < n ? i + 1 : i], 32);
			tp_btc_sha256d(pair, 64, s->id[m++]);
		}
		n = m;
	}
	memcpy(root, s->id[0], 32);
}

static void test_block_merkle_root(void **state)
{
	(void)state;
	static const char *hashes[] = {
		"00000000000000001af039232e90a88e6750556525ccedf80d0cc5c42402b82a",
		"000000000000000000008c31945b2012258366cc600a3e9a3ee0598e8f797731",
		"0000000000000115020104600c9689785b8fe8d684b6be343f7849f2d9946106",
	};
	for (size_t k = 0; k < 3; k++) {
		char rel[256], hex[TP_BTC_HASH_HEX];
		size_t len = 0;
		snprintf(rel, sizeof rel, JS "%s.hex", hashes[k]);
		uint8_t *raw = load_hex(rel, &len);
		struct tp_btc_decoder *dec;
		struct tp_btc_header h;
		struct ids s = {0};
		uint8_t root[32];
		assert_int_equal(tp_btc_decoder_new(TP_BTC_MAINNET, TP_BTC_NO_ADDRESS, &dec),
				 TP_OK);
		assert_int_equal(tp_btc_block_decode(dec, raw, len, -1, keep_txid, &s, &h, NULL),
				 TP_OK);
		tp_btc_hash_to_hex(h.hash, hex);
		assert_string_equal(hex, hashes[k]);
		assert_int_equal(s.n, h.n_tx);
		merkle(&s, root);
		assert_memory_equal(root, h.merkle_root, 32);
		if (k == 0)
			assert_int_equal(h.n_tx, 904);
		free(s.id);
		tp_btc_decoder_free(dec);
		free(raw);
	}
}

/* ---- bitcoin-etl export of blocks 50001 and 50002 ---- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Rebuilds the raw block from getblock verbosity 2 (header fields + tx hex). */
static uint8_t *block_from_rpc(json_t *b, size_t *len)
{
	json_t *txs = json_object_get(b, "tx");
	size_t cap = 81 + 9, n = 0;
	for (size_t i = 0; i < json_array_size(txs); i++)
		cap += strlen(json_string_value(json_object_get(json_array_get(txs, i), "hex")));
	uint8_t *raw = malloc(cap);
	assert_non_null(raw);
	put32(raw, (uint32_t)json_integer_value(json_object_get(b, "version")));
	assert_int_equal(
		tp_btc_hash_from_hex(json_string_value(json_object_get(b, "previousblockhash")),
				     raw + 4),
		TP_OK);
	assert_int_equal(
		tp_btc_hash_from_hex(json_string_value(json_object_get(b, "merkleroot")), raw + 36),
		TP_OK);
	put32(raw + 68, (uint32_t)json_integer_value(json_object_get(b, "time")));
	put32(raw + 72, (uint32_t)strtoul(json_string_value(json_object_get(b, "bits")), NULL, 16));
	put32(raw + 76, (uint32_t)json_integer_value(json_object_get(b, "nonce")));
	n = 80;
	assert_true(json_array_size(txs) < 0xfd);
	raw[n++] = (uint8_t)json_array_size(txs);
	for (size_t i = 0; i < json_array_size(txs); i++) {
		const char *hx = json_string_value(json_object_get(json_array_get(txs, i), "hex"));
		size_t tl = 0;
		uint8_t *t = unhex(hx, strlen(hx), &tl);
		memcpy(raw + n, t, tl);
		n += tl;
		free(t);
	}
	*len = n;
	return raw;
}

struct etl {
	json_t *expected; /* array of expected transactions */
	size_t next;
};

static enum tp_err cmp_etl(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	struct etl *e = ctx;
	json_t *x = json_array_get(e->expected, e->next++);
	char hex[TP_BTC_HASH_HEX];
	assert_non_null(x);
	tp_btc_hash_to_hex(tx->txid, hex);
	assert_string_equal(hex, json_string_value(json_object_get(x, "hash")));
	tp_btc_hash_to_hex(h->hash, hex);
	assert_string_equal(hex, json_string_value(json_object_get(x, "block_hash")));
	assert_int_equal(h->height, json_integer_value(json_object_get(x, "block_number")));
	assert_int_equal(h->time, json_integer_value(json_object_get(x, "block_timestamp")));
	assert_int_equal(tx->index, json_integer_value(json_object_get(x, "index")));
	assert_int_equal(tx->is_coinbase, json_is_true(json_object_get(x, "is_coinbase")));
	assert_int_equal(tx->size, json_integer_value(json_object_get(x, "size")));
	assert_int_equal(tx->locktime, json_integer_value(json_object_get(x, "lock_time")));
	json_t *ins = json_object_get(x, "inputs"), *outs = json_object_get(x, "outputs");
	assert_int_equal(tx->n_in, json_array_size(ins));
	for (size_t i = 0; i < tx->n_in; i++) {
		json_t *ji = json_array_get(ins, i);
		tp_btc_hash_to_hex(tx->in[i].prev_txid, hex);
		assert_string_equal(
			hex, json_string_value(json_object_get(ji, "spent_transaction_hash")));
		assert_int_equal(tx->in[i].prev_index,
				 json_integer_value(json_object_get(ji, "spent_output_index")));
		assert_int_equal(tx->in[i].sequence,
				 json_integer_value(json_object_get(ji, "sequence")));
	}
	assert_int_equal(tx->n_out, json_array_size(outs));
	for (size_t i = 0; i < tx->n_out; i++) {
		json_t *jo = json_array_get(outs, i);
		json_t *addrs = json_object_get(jo, "addresses");
		assert_int_equal(tx->out[i].value,
				 json_integer_value(json_object_get(jo, "value")));
		assert_string_equal(tp_btc_script_name(tx->out[i].type),
				    json_string_value(json_object_get(jo, "type")));
		assert_int_equal(json_array_size(addrs), 1);
		assert_string_equal(tx->out[i].address,
				    json_string_value(json_array_get(addrs, 0)));
	}
	return TP_OK;
}

static void test_bitcoin_etl_50001_50002(void **state)
{
	(void)state;
	static const char *files[] = {
		ETL "rpc_response_getblock_"
		    "000000001c920d495e1eeef2452b6d1c6c229a919b28196c103ecffebabee141_2.json",
		ETL "rpc_response_getblock_"
		    "000000002066d7f9b134c30b5005b7bf5fbfa52f279883f1fde793dcdc964266_2.json",
	};
	size_t n = 0;
	char *text = tp_test_slurp(tp_test_path(ETL "expected_transactions.json"), &n);
	assert_non_null(text);
	struct etl e = {json_array(), 0};
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		json_error_t err;
		json_t *x = json_loads(line, 0, &err);
		assert_non_null(x);
		json_array_append_new(e.expected, x);
	}
	free(text);
	assert_int_equal(json_array_size(e.expected), 4);
	struct tp_btc_decoder *dec;
	assert_int_equal(tp_btc_decoder_new(TP_BTC_MAINNET, 0, &dec), TP_OK);
	for (int k = 0; k < 2; k++) {
		json_t *b = load_json(files[k]);
		size_t len = 0;
		uint8_t *raw = block_from_rpc(b, &len);
		struct tp_btc_header h;
		char hex[TP_BTC_HASH_HEX];
		assert_int_equal(
			tp_btc_block_decode(dec, raw, len, 50001 + k, cmp_etl, &e, &h, NULL),
			TP_OK);
		tp_btc_hash_to_hex(h.hash, hex);
		assert_string_equal(hex, json_string_value(json_object_get(b, "hash")));
		assert_int_equal(h.size, json_integer_value(json_object_get(b, "size")));
		free(raw);
		json_decref(b);
	}
	assert_int_equal(e.next, 4);
	tp_btc_decoder_free(dec);
	json_decref(e.expected);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_block_549400),
		cmocka_unit_test(test_block_237500),
		cmocka_unit_test(test_block_merkle_root),
		cmocka_unit_test(test_bitcoin_etl_50001_50002),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
