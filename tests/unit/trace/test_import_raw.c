/*
 * Raw block import keys addresses by their binary form and makes the
 * string only for a new one: every output must still get exactly the
 * address string the decoder gives it, for every script type (short keys
 * held in the dictionary slot, long witness programs held outside it),
 * and an import into an existing graph must find the addresses already
 * there instead of adding them again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tp_test.h"
#include "trace/graph.h"
#include "tripact/btc.h"
#include "tripact/trace.h"

static char scratch[] = "/tmp/tp_trace_raw_XXXXXX";

struct blk {
	uint8_t p[8192];
	size_t n;
};

static void put(struct blk *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof b->p);
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put32(struct blk *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(b, x, 4);
}

static void put8(struct blk *b, uint8_t v)
{
	put(b, &v, 1);
}

/* fills n bytes at p from seed */
static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 37 + i * 11 + 1);
}

/* Writes output script k (of NSCRIPT kinds) with key material from seed. */
#define NSCRIPT 12
static void script(struct blk *b, int k, unsigned seed)
{
	uint8_t s[80], h[40];
	size_t n = 0;
	fill(h, sizeof h, seed);
	switch (k) {
	case 0: /* P2PKH */
		memcpy(s, "\x76\xa9\x14", 3), memcpy(s + 3, h, 20), memcpy(s + 23, "\x88\xac", 2);
		n = 25;
		break;
	case 1: /* P2SH */
		memcpy(s, "\xa9\x14", 2), memcpy(s + 2, h, 20), s[22] = 0x87;
		n = 23;
		break;
	case 2: /* P2WPKH */
		memcpy(s, "\x00\x14", 2), memcpy(s + 2, h, 20);
		n = 22;
		break;
	case 3: /* P2WSH: a 34-byte key, kept outside the slot */
		memcpy(s, "\x00\x20", 2), memcpy(s + 2, h, 32);
		n = 34;
		break;
	case 4: /* P2TR */
		memcpy(s, "\x51\x20", 2), memcpy(s + 2, h, 32);
		n = 34;
		break;
	case 5: /* witness v2, 40-byte program (the longest key) */
		memcpy(s, "\x52\x28", 2), memcpy(s + 2, h, 40);
		n = 42;
		break;
	case 6: /* witness v16, 2-byte program (a short key) */
		memcpy(s, "\x60\x02", 2), memcpy(s + 2, h, 2);
		n = 4;
		break;
	case 7: /* anchor */
		memcpy(s, "\x51\x02\x4e\x73", 4);
		n = 4;
		break;
	case 8: /* P2PK, compressed key */
		s[0] = 0x21, s[1] = 0x02, memcpy(s + 2, h, 32), s[34] = 0xac;
		n = 35;
		break;
	case 9: /* OP_RETURN */
		memcpy(s, "\x6a\x04", 2), memcpy(s + 2, h, 4);
		n = 6;
		break;
	case 10: /* bare 1-of-1 multisig */
		s[0] = 0x51, s[1] = 0x21, s[2] = 0x03, memcpy(s + 3, h, 32);
		s[35] = 0x51, s[36] = 0xae;
		n = 37;
		break;
	default: /* nonstandard */
		s[0] = 0x51, s[1] = 0x75, s[2] = (uint8_t)seed;
		n = 3;
		break;
	}
	put8(b, (uint8_t)n);
	put(b, s, n);
}

/*
 * A block of coinbase-only transactions (heights are taken from order):
 * transaction t pays one output of every script kind, key material from
 * seed0 + (t + kind) % 3, so keys repeat within and across blocks.
 */
static void block(FILE *f, unsigned tag, unsigned seed0, int ntx)
{
	struct blk b = {.n = 0};
	put32(&b, 1);
	uint8_t z[32] = {0};
	put(&b, z, 32);
	put(&b, z, 32);
	put32(&b, 1600000000 + tag);
	put32(&b, 0x1d00ffff);
	put32(&b, tag);
	put8(&b, (uint8_t)ntx);
	for (int t = 0; t < ntx; t++) {
		put32(&b, 1);
		put8(&b, 1);
		put(&b, z, 32);
		put32(&b, 0xffffffff);
		uint8_t cb[4] = {3, (uint8_t)tag, (uint8_t)t, 0x51};
		put(&b, cb, 4);
		put32(&b, 0xffffffff);
		put8(&b, NSCRIPT);
		for (int k = 0; k < NSCRIPT; k++) {
			uint8_t v[8] = {0xe8, 0x03};
			put(&b, v, 8);
			script(&b, k, seed0 + (unsigned)(t + k) % 3);
		}
		put32(&b, 0);
	}
	for (size_t i = 0; i < b.n; i++)
		fprintf(f, "%02x", b.p[i]);
	fputc('\n', f);
}

static const char *hexfile(const char *name, unsigned tag, unsigned seed0)
{
	static char path[2][4200];
	static int k;
	char *p = path[k++ % 2];
	snprintf(p, sizeof path[0], "%s/%s", scratch, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	block(f, tag, seed0, 4);
	assert_int_equal(fclose(f), 0);
	return p;
}

struct want {
	char (*addr)[TP_BTC_ADDR_MAX];
	size_t n, cap;
};

static enum tp_err keep(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	(void)h;
	struct want *w = ctx;
	for (size_t i = 0; i < tx->n_out; i++) {
		assert_true(w->n < w->cap);
		memcpy(w->addr[w->n++], tx->out[i].address, TP_BTC_ADDR_MAX);
	}
	return TP_OK;
}

/* Appends the decoder's address strings for every output of path to w. */
static void decoded_net(const char *path, enum tp_btc_network net, struct want *w)
{
	struct tp_btc_decoder *dec;
	struct tp_diag d = {0};
	assert_int_equal(tp_btc_decoder_new(net, 0, &dec), TP_OK);
	assert_int_equal(tp_btc_hex_decode_file(dec, path, -1, keep, w, &d), TP_OK);
	tp_btc_decoder_free(dec);
}

static void decoded(const char *path, struct want *w)
{
	decoded_net(path, TP_BTC_MAINNET, w);
}

/* Every output's address in the graph equals the decoder's; no address twice. */
static void check(const char *dir, const struct want *w)
{
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_OK);
	assert_int_equal(g->nout, w->n);
	for (uint64_t o = 0; o < g->nout; o++) {
		assert_int_not_equal(tpg_out_addr(g, o), TPG_NONE);
		assert_string_equal(tpg_addr(g, tpg_out_addr(g, o)), w->addr[o]);
	}
	for (uint32_t a = 0; a < g->naddr; a++)
		for (uint32_t b = a + 1; b < g->naddr; b++)
			assert_string_not_equal(tpg_addr(g, a), tpg_addr(g, b));
	tp_trace_graph_free(g);
}

static void test_addresses_match_decoder(void **state)
{
	(void)state;
	static char buf[2 * 4 * NSCRIPT][TP_BTC_ADDR_MAX];
	struct want w = {.addr = buf, .cap = 2 * 4 * NSCRIPT};
	const char *a = hexfile("a.hex", 1, 10);
	decoded(a, &w);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/one", scratch);
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_import(dir, "btc", &a, 1, NULL, NULL, &d), TP_OK);
	check(dir, &w);
	/* a second import: seeds 11, 12 are in the graph already, 13 is new */
	const char *b = hexfile("b.hex", 2, 11);
	decoded(b, &w);
	assert_int_equal(tp_trace_import(dir, "btc", &b, 1, NULL, NULL, &d), TP_OK);
	check(dir, &w);
}

/* The same outputs imported in one go give the same dictionary. */
static void test_one_import_two_files(void **state)
{
	(void)state;
	static char buf[2 * 4 * NSCRIPT][TP_BTC_ADDR_MAX];
	struct want w = {.addr = buf, .cap = 2 * 4 * NSCRIPT};
	const char *f[2];
	f[0] = hexfile("c.hex", 1, 10);
	decoded(f[0], &w);
	f[1] = hexfile("d.hex", 2, 11);
	decoded(f[1], &w);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/two", scratch);
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_import(dir, "btc", f, 2, NULL, NULL, &d), TP_OK);
	check(dir, &w);
}

/* The network comes from the chain name: btc-regtest gets bcrt1... */
static void test_network(void **state)
{
	(void)state;
	static char buf[4 * NSCRIPT][TP_BTC_ADDR_MAX];
	struct want w = {.addr = buf, .cap = 4 * NSCRIPT};
	const char *a = hexfile("n.hex", 1, 10);
	decoded_net(a, TP_BTC_REGTEST, &w);
	char dir[4200];
	snprintf(dir, sizeof dir, "%s/regtest", scratch);
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_import(dir, "btc-regtest", &a, 1, NULL, NULL, &d), TP_OK);
	check(dir, &w);
	assert_non_null(strstr(w.addr[2], "bcrt1"));
	/* a regtest graph takes no mainnet blocks */
	assert_int_equal(tp_trace_import(dir, "btc", &a, 1, NULL, NULL, &d), TP_ECONFLICT);
}

/* A getblock JSON-RPC reply per line is raw input too. */
static void test_rpc_reply_lines(void **state)
{
	(void)state;
	static char buf[4 * NSCRIPT][TP_BTC_ADDR_MAX];
	struct want w = {.addr = buf, .cap = 4 * NSCRIPT};
	const char *a = hexfile("e.hex", 1, 10);
	decoded(a, &w);
	size_t n;
	char *hex = tp_test_slurp(a, &n);
	assert_non_null(hex);
	hex[strcspn(hex, "\n")] = '\0';
	char path[4200], dir[4200];
	snprintf(path, sizeof path, "%s/rpc.json", scratch);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "{\"jsonrpc\": \"2.0\", \"result\": \"%s\", \"error\": null, \"id\": 1}\n", hex);
	assert_int_equal(fclose(f), 0);
	free(hex);
	snprintf(dir, sizeof dir, "%s/rpc", scratch);
	struct tp_diag d = {0};
	const char *p = path;
	assert_int_equal(tp_trace_import(dir, "btc", &p, 1, NULL, NULL, &d), TP_OK);
	check(dir, &w);
}

/*
 * A first height of 0 is a height like any other: the blocks must then
 * chain (these do not), while unknown heights take them as they come.
 */
static void test_first_height_zero(void **state)
{
	(void)state;
	char path[4200], dir[4200];
	snprintf(path, sizeof path, "%s/two.hex", scratch);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	block(f, 1, 10, 2);
	block(f, 2, 11, 2);
	assert_int_equal(fclose(f), 0);
	const char *p = path;
	struct tp_diag d = {0};
	struct tp_trace_import_opts o = {.first_height = 0, .have_first_height = 1};
	snprintf(dir, sizeof dir, "%s/h0", scratch);
	assert_int_equal(tp_trace_import(dir, "btc", &p, 1, &o, NULL, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "parent"));
	o.have_first_height = 0;
	snprintf(dir, sizeof dir, "%s/hx", scratch);
	assert_int_equal(tp_trace_import(dir, "btc", &p, 1, &o, NULL, &d), TP_OK);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addresses_match_decoder),
		cmocka_unit_test(test_one_import_two_files),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_rpc_reply_lines),
		cmocka_unit_test(test_first_height_zero),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
