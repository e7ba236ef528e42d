/*
 * The blocks-directory reader on a synthetic regtest node directory built
 * here: blocks out of height order across two blk files, a stale branch,
 * a duplicate record, zero padding, a record cut short at the end, and the
 * xor.dat obfuscation key of Bitcoin Core 28+. Also a branch that is
 * shorter but has more work, a pruned directory (heights from BIP-34), the
 * wrong network, and a corrupt block.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp_test.h"
#include "trace/btc_codec.h"
#include "tripact/btc.h"
#include "tripact/trace.h"

#define EASY 0x207fffffu /* regtest bits: work 2 */
#define HARD 0x1f00ffffu /* work 65537 */

struct blk {
	uint8_t raw[200];
	size_t len;
	uint8_t hash[32];
};

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A block with one coinbase paying 50 BTC; BIP-34 height push + tag. */
static void make_block(struct blk *b, const uint8_t prev[32], uint32_t height, uint32_t bits,
		       uint8_t tag)
{
	uint8_t *p = b->raw;
	memset(b->raw, 0, sizeof b->raw);
	put32(p, 0x20000000);
	if (prev)
		memcpy(p + 4, prev, 32);
	put32(p + 68, 1700000000 + height * 600 + tag);
	put32(p + 72, bits);
	put32(p + 76, tag);
	size_t n = 80;
	p[n++] = 1; /* one tx */
	uint8_t *tx = p + n;
	put32(p + n, 1);
	n += 4;
	p[n++] = 1; /* one input: null prevout */
	n += 32;
	put32(p + n, 0xffffffffu);
	n += 4;
	p[n++] = 6; /* scriptSig: push 4-byte height, push tag */
	p[n++] = 4;
	put32(p + n, height);
	n += 4;
	p[n++] = tag;
	put32(p + n, 0xffffffffu);
	n += 4;
	p[n++] = 1; /* one output */
	put32(p + n, 5000000000u % 4294967296u);
	put32(p + n + 4, (uint32_t)(5000000000ull >> 32));
	n += 8;
	static const uint8_t spk[] = {0x76, 0xa9, 0x14, 1,  2,	3,  4,	5,  6,	7,  8,	  9,   10,
				      11,   12,	  13,	14, 15, 16, 17, 18, 19, 20, 0x88, 0xac};
	p[n++] = sizeof spk;
	memcpy(p + n, spk, sizeof spk);
	n += sizeof spk;
	put32(p + n, 0);
	n += 4;
	uint8_t txid[32];
	tp_btc_sha256d(tx, (size_t)(p + n - tx), txid);
	memcpy(p + 36, txid, 32); /* merkle root of one tx */
	b->len = n;
	tp_btc_sha256d(p, 80, b->hash);
}

static const uint8_t REGTEST_MAGIC[4] = {0xfa, 0xbf, 0xb5, 0xda};
static const uint8_t KEY[8] = {0x5a, 0x13, 0xc4, 0x07, 0xee, 0x01, 0x99, 0x42};

struct file {
	uint8_t data[4096];
	size_t len;
};

static void add_rec(struct file *f, const struct blk *b)
{
	memcpy(f->data + f->len, REGTEST_MAGIC, 4);
	put32(f->data + f->len + 4, (uint32_t)b->len);
	memcpy(f->data + f->len + 8, b->raw, b->len);
	f->len += 8 + b->len;
}

static void write_file(const char *dir, const char *name, const struct file *f, int xor)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	for (size_t i = 0; i < f->len; i++) {
		uint8_t c = f->data[i];
		fputc(xor? c ^ KEY[i % 8] : c, fp);
	}
	fclose(fp);
}

static char made[12][128];
static size_t n_made;

/* A fresh directory in the test's working directory, removed at exit. */
static const char *scratch(const char *name)
{
	assert_true(n_made < 12);
	char *path = made[n_made++];
	snprintf(path, sizeof made[0], "btc_chain_%s_%d", name, (int)getpid());
	mkdir(path, 0700);
	return path;
}

static void remove_scratch(void)
{
	for (size_t i = n_made; i-- > 0;) {
		DIR *dh = opendir(made[i]);
		struct dirent *de;
		char p[1536];
		while (dh && (de = readdir(dh)) != NULL) {
			snprintf(p, sizeof p, "%s/%s", made[i], de->d_name);
			if (de->d_name[0] != '.')
				unlink(p);
		}
		if (dh)
			closedir(dh);
		rmdir(made[i]);
	}
}

struct seen {
	int64_t height[16];
	uint8_t hash[16][32];
	size_t n;
};

static enum tp_err record(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	struct seen *s = ctx;
	assert_true(tx->is_coinbase);
	assert_int_equal(tx->n_out, 1);
	assert_int_equal(tx->out[0].value, 5000000000ull);
	assert_string_equal(tx->out[0].address, "mfcHP2WMCVLsVZA8yrovmhMgxNFW9r98xw");
	assert_true(s->n < 16);
	s->height[s->n] = h->height;
	memcpy(s->hash[s->n], h->hash, 32);
	s->n++;
	return TP_OK;
}

/* G <- B1 <- B2 <- B3 <- B4, and B2 <- S3 (stale) */
static struct blk G, B1, B2, B3, B4, S3;

static void build_chain(void)
{
	make_block(&G, NULL, 0, EASY, 0);
	make_block(&B1, G.hash, 1, EASY, 1);
	make_block(&B2, B1.hash, 2, EASY, 2);
	make_block(&B3, B2.hash, 3, EASY, 3);
	make_block(&B4, B3.hash, 4, EASY, 4);
	make_block(&S3, B2.hash, 3, EASY, 99);
}

static void test_directory_best_chain(void **state)
{
	(void)state;
	build_chain();
	const char *dir = scratch("main");
	struct file f0 = {0}, f1 = {0};
	add_rec(&f0, &G);
	add_rec(&f0, &B2); /* before its parent */
	add_rec(&f0, &S3);
	f0.len += 1000; /* preallocated zeros */
	add_rec(&f1, &B1);
	add_rec(&f1, &B4);
	add_rec(&f1, &B3);
	add_rec(&f1, &B1); /* duplicate */
	add_rec(&f1, &B4);
	f1.len -= 30; /* the last record cut short */
	write_file(dir, "blk00000.dat", &f0, 1);
	write_file(dir, "blk00001.dat", &f1, 1);
	struct file key = {0};
	memcpy(key.data, KEY, 8);
	key.len = 8;
	write_file(dir, "xor.dat", &key, 0);
	write_file(dir, "rev00000.dat", &key, 0); /* ignored */

	struct tp_btc_chain *c;
	struct tp_btc_decoder *dec;
	struct tp_diag d = {0};
	assert_int_equal(tp_btc_chain_open(dir, TP_BTC_REGTEST, &c, &d), TP_OK);
	assert_int_equal(tp_btc_chain_tip(c), 4);
	assert_int_equal(tp_btc_chain_root(c), 0);
	assert_int_equal(tp_btc_chain_records(c), 7);
	assert_int_equal(tp_btc_chain_truncated(c), 1);
	assert_int_equal(tp_btc_decoder_new(TP_BTC_REGTEST, 0, &dec), TP_OK);

	struct seen s = {0};
	assert_int_equal(tp_btc_chain_decode(c, dec, 0, -1, record, &s, &d), TP_OK);
	const struct blk *want[] = {&G, &B1, &B2, &B3, &B4};
	assert_int_equal(s.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(s.height[i], (int64_t)i);
		assert_memory_equal(s.hash[i], want[i]->hash, 32);
	}
	/* resume from height 3 */
	memset(&s, 0, sizeof s);
	assert_int_equal(tp_btc_chain_decode(c, dec, 3, -1, record, &s, &d), TP_OK);
	assert_int_equal(s.n, 2);
	assert_memory_equal(s.hash[0], B3.hash, 32);
	/* a range */
	memset(&s, 0, sizeof s);
	assert_int_equal(tp_btc_chain_decode(c, dec, 1, 2, record, &s, &d), TP_OK);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.height[1], 2);

	const uint8_t *raw;
	size_t len;
	struct tp_btc_header h;
	assert_int_equal(tp_btc_chain_block(c, 2, &raw, &len, &h, &d), TP_OK);
	assert_int_equal(len, B2.len);
	assert_memory_equal(raw, B2.raw, len);
	assert_int_equal(h.height, 2);
	assert_int_equal(tp_btc_chain_bytes(c, 0, -1), G.len + B1.len + B2.len + B3.len + B4.len);
	assert_int_equal(tp_btc_chain_bytes(c, 3, 3), B3.len);
	assert_int_equal(tp_btc_chain_bytes(c, 5, -1), 0);
	uint8_t hash[32];
	assert_int_equal(tp_btc_chain_hash(c, 3, hash), TP_OK);
	assert_memory_equal(hash, B3.hash, 32); /* not the stale S3 */
	assert_int_equal(tp_btc_chain_hash(c, 5, hash), TP_ENOTFOUND);
	assert_int_equal(tp_btc_chain_hash(c, -1, hash), TP_ENOTFOUND);
	assert_int_equal(tp_btc_chain_block(c, 5, &raw, &len, &h, &d), TP_ENOTFOUND);
	assert_non_null(strstr(d.message, "0..4"));
	tp_btc_decoder_free(dec);
	tp_btc_chain_free(c);

	/* without xor.dat the framing is unreadable: a clear error */
	char path[600];
	snprintf(path, sizeof path, "%s/xor.dat", dir);
	unlink(path);
	assert_int_equal(tp_btc_chain_open(dir, TP_BTC_REGTEST, &c, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "blk00000.dat: file offset 0"));
	assert_non_null(strstr(d.message, "xor.dat"));
}

static void test_most_work_wins(void **state)
{
	(void)state;
	build_chain();
	struct blk X3;
	make_block(&X3, B2.hash, 3, HARD, 77); /* one hard block beats B3+B4 */
	const char *dir = scratch("work");
	struct file f = {0};
	add_rec(&f, &G);
	add_rec(&f, &B1);
	add_rec(&f, &B2);
	add_rec(&f, &B3);
	add_rec(&f, &B4);
	add_rec(&f, &X3);
	write_file(dir, "blk00000.dat", &f, 0);
	struct tp_btc_chain *c;
	struct tp_diag d = {0};
	const uint8_t *raw;
	size_t len;
	struct tp_btc_header h;
	assert_int_equal(tp_btc_chain_open(dir, TP_BTC_REGTEST, &c, &d), TP_OK);
	assert_int_equal(tp_btc_chain_tip(c), 3);
	assert_int_equal(tp_btc_chain_block(c, 3, &raw, &len, &h, &d), TP_OK);
	assert_memory_equal(h.hash, X3.hash, 32);
	/* an import that stopped at B3 sees the reorganisation, and where the chains meet */
	uint8_t at[32];
	assert_int_equal(tp_btc_chain_hash(c, 3, at), TP_OK);
	assert_memory_not_equal(at, B3.hash, 32);
	assert_int_equal(tp_btc_chain_hash(c, 2, at), TP_OK);
	assert_memory_equal(at, B2.hash, 32);
	tp_btc_chain_free(c);

	/* equal work: the tip seen first wins (Bitcoin Core keeps the first) */
	struct blk Y4;
	make_block(&Y4, B3.hash, 4, EASY, 55);
	dir = scratch("tie");
	memset(&f, 0, sizeof f);
	add_rec(&f, &G);
	add_rec(&f, &B1);
	add_rec(&f, &B2);
	add_rec(&f, &B3);
	add_rec(&f, &Y4);
	add_rec(&f, &B4);
	write_file(dir, "blk00000.dat", &f, 0);
	assert_int_equal(tp_btc_chain_open(dir, TP_BTC_REGTEST, &c, &d), TP_OK);
	assert_int_equal(tp_btc_chain_block(c, 4, &raw, &len, &h, &d), TP_OK);
	assert_memory_equal(h.hash, Y4.hash, 32);
	tp_btc_chain_free(c);
}

static void test_pruned_and_single_file(void **state)
{
	(void)state;
	build_chain();
	const char *dir = scratch("pruned");
	struct file f = {0};
	add_rec(&f, &B3);
	add_rec(&f, &B2);
	add_rec(&f, &B4);
	write_file(dir, "blk00007.dat", &f, 0);
	struct tp_btc_chain *c;
	struct tp_btc_decoder *dec;
	struct tp_diag d = {0};
	struct seen s = {0};
	assert_int_equal(tp_btc_decoder_new(TP_BTC_REGTEST, 0, &dec), TP_OK);
	assert_int_equal(tp_btc_chain_open(dir, TP_BTC_REGTEST, &c, &d), TP_OK);
	assert_int_equal(tp_btc_chain_root(c), 2);
	assert_int_equal(tp_btc_chain_tip(c), 4);
	assert_int_equal(tp_btc_chain_decode(c, dec, 0, -1, record, &s, &d), TP_OK);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.height[0], 2);
	assert_memory_equal(s.hash[2], B4.hash, 32);
	tp_btc_chain_free(c);

	/* a pruned directory whose oldest block predates BIP-34 (version 1) */
	struct blk v1;
	make_block(&v1, B2.hash, 3, EASY, 5);
	v1.raw[0] = 1, v1.raw[1] = v1.raw[2] = v1.raw[3] = 0;
	const char *old = scratch("v1");
	memset(&f, 0, sizeof f);
	add_rec(&f, &v1);
	write_file(old, "blk00000.dat", &f, 0);
	assert_int_equal(tp_btc_chain_open(old, TP_BTC_REGTEST, &c, &d), TP_EUNSUPPORTED);
	assert_non_null(strstr(d.message, "is not the genesis block"));
	memset(&f, 0, sizeof f);
	add_rec(&f, &B3);
	add_rec(&f, &B2);
	add_rec(&f, &B4);

	/* one file named directly */
	char path[600];
	snprintf(path, sizeof path, "%s/blk00007.dat", dir);
	assert_int_equal(tp_btc_chain_open(path, TP_BTC_REGTEST, &c, &d), TP_OK);
	assert_int_equal(tp_btc_chain_tip(c), 4);
	tp_btc_chain_free(c);

	/* a node's data directory: blocks/ is used */
	const char *datadir = scratch("datadir");
	assert_true(n_made < 12);
	snprintf(made[n_made], sizeof made[0], "%s/blocks", datadir);
	assert_int_equal(mkdir(made[n_made], 0700), 0);
	write_file(made[n_made++], "blk00000.dat", &f, 0);
	assert_int_equal(tp_btc_chain_open(datadir, TP_BTC_REGTEST, &c, &d), TP_OK);
	assert_int_equal(tp_btc_chain_tip(c), 4);
	tp_btc_chain_free(c);

	/* the wrong network */
	assert_int_equal(tp_btc_chain_open(dir, TP_BTC_MAINNET, &c, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "main network magic f9beb4d9, found fabfb5da"));

	/* a missing directory, an empty one */
	assert_int_equal(tp_btc_chain_open("no/such/dir", TP_BTC_MAINNET, &c, &d), TP_ENOTFOUND);
	assert_int_equal(tp_btc_chain_open(scratch("empty"), TP_BTC_MAINNET, &c, &d), TP_ENOTFOUND);
	tp_btc_decoder_free(dec);
}

static void test_bad_records(void **state)
{
	(void)state;
	build_chain();
	struct tp_btc_chain *c;
	struct tp_btc_decoder *dec;
	struct tp_diag d = {0};
	assert_int_equal(tp_btc_decoder_new(TP_BTC_REGTEST, 0, &dec), TP_OK);

	/* a record size no block can have */
	const char *dir = scratch("size");
	struct file f = {0};
	add_rec(&f, &G);
	put32(f.data + f.len, 0xdab5bffa);
	put32(f.data + f.len + 4, 50);
	f.len += 8 + 50;
	write_file(dir, "blk00000.dat", &f, 0);
	assert_int_equal(tp_btc_chain_open(dir, TP_BTC_REGTEST, &c, &d), TP_EPARSE);
	char want[80];
	snprintf(want, sizeof want, "file offset %zu: block record of 50 bytes", 8 + G.len + 4);
	assert_non_null(strstr(d.message, want));

	/* a corrupt transaction: found when decoding, with file and height */
	dir = scratch("corrupt");
	memset(&f, 0, sizeof f);
	add_rec(&f, &G);
	struct blk bad = B1;
	bad.raw[81 + 4] = 0xff; /* input count 0xff: a huge CompactSize */
	add_rec(&f, &bad);
	write_file(dir, "blk00000.dat", &f, 0);
	struct seen s = {0};
	assert_int_equal(tp_btc_chain_open(dir, TP_BTC_REGTEST, &c, &d), TP_OK);
	assert_int_equal(tp_btc_chain_tip(c), 1);
	assert_int_equal(tp_btc_chain_decode(c, dec, 0, -1, record, &s, &d), TP_EPARSE);
	assert_int_equal(s.n, 1);
	snprintf(want, sizeof want, "blk00000.dat: block at file offset %zu (height 1)",
		 8 + G.len + 8);
	assert_non_null(strstr(d.message, want));
	assert_non_null(strstr(d.message, "block byte offset 85"));
	tp_btc_chain_free(c);
	tp_btc_decoder_free(dec);
}

/*
 * `trace import` from a blocks directory resumes after the graph's last
 * block, and first checks that block is still on the node's best chain.
 */
static void test_import_resume_and_reorg(void **state)
{
	(void)state;
	build_chain();
	const char *dir = scratch("resume");
	char graph[256];
	snprintf(graph, sizeof graph, "%s/graph", dir);
	struct file f = {0};
	add_rec(&f, &G);
	add_rec(&f, &B1);
	add_rec(&f, &B2);
	add_rec(&f, &B3);
	write_file(dir, "blk00000.dat", &f, 0);
	struct tp_diag d = {0};
	struct tp_trace_import_stats st;
	const char *in = dir;
	assert_int_equal(tp_trace_import(graph, "btc-regtest", &in, 1, NULL, &st, &d), TP_OK);
	assert_int_equal(st.txs, 4);
	/* the node adds B4: only B4 is imported */
	add_rec(&f, &B4);
	write_file(dir, "blk00000.dat", &f, 0);
	assert_int_equal(tp_trace_import(graph, "btc-regtest", &in, 1, NULL, &st, &d), TP_OK);
	assert_int_equal(st.txs, 1);
	/* nothing new: nothing imported */
	assert_int_equal(tp_trace_import(graph, "btc-regtest", &in, 1, NULL, &st, &d), TP_OK);
	assert_int_equal(st.txs, 0);
	/* one hard block X3 on B2 replaces B3 and B4 */
	struct blk X3;
	make_block(&X3, B2.hash, 3, HARD, 77);
	add_rec(&f, &X3);
	write_file(dir, "blk00000.dat", &f, 0);
	memset(&d, 0, sizeof d);
	assert_int_equal(tp_trace_import(graph, "btc-regtest", &in, 1, NULL, &st, &d),
			 TP_ECONFLICT);
	assert_non_null(strstr(d.message, "reorganised"));
	assert_non_null(strstr(d.message, "block 3 (it agrees up to block 2)"));
	/* and the graph is as it was */
	struct tp_trace_graph *g;
	struct tp_trace_graph_info info;
	assert_int_equal(tp_trace_graph_open(graph, &g, &d), TP_OK);
	tp_trace_graph_info(g, &info);
	assert_int_equal(info.txs, 5);
	assert_int_equal(info.last_block, 4);
	tp_trace_graph_free(g);
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", graph);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory_best_chain),
		cmocka_unit_test(test_most_work_wins),
		cmocka_unit_test(test_pruned_and_single_file),
		cmocka_unit_test(test_bad_records),
		cmocka_unit_test(test_import_resume_and_reorg),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	remove_scratch();
	return rc;
}
