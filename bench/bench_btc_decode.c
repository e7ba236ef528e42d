/*
 * Raw Bitcoin block decoding speed (issue 6 goal: import >= 1,000,000
 * transactions/s from raw blocks on one core).
 *
 *  1. the real mainnet blocks in data/crypto/bitcoin_blocks_js-bitcoin-block
 *     (1,454 transactions, 1.3 MB), decoded over and over from memory;
 *  2. a generated Bitcoin Core blocks directory (blk00000.dat.., xor.dat,
 *     1 MB blocks of SegWit/legacy/Taproot transactions), indexed with
 *     tp_btc_chain_open and decoded in height order with
 *     tp_btc_chain_decode: file reads and de-obfuscation included.
 *
 * Txids alone are timed first: nettle against two at a time (sha256d.c).
 * Both are timed with and without formatting address strings
 * (TP_BTC_NO_ADDRESS): an importer that keys addresses in binary needs no
 * strings. The real blocks are also decoded with TP_BTC_CHECK_MERKLE. Single-threaded; the files
 *are in the page cache (just written). Rates are per CPU second of this process (the per-core
 *figure, which a busy shared machine distorts less than wall time); wall rates follow.
 *
 *	build/release/bench/bench_btc_decode [BLOCKS] [SOURCE_DIR]
 *	(BLOCKS: generated blocks, default 150; SOURCE_DIR: default ".")
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace/btc_codec.h"
#include "trace/sha256d.h"
#include "tripact/btc.h"
#include "bench.h"

static enum tp_err count_tx(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	uint64_t *n = ctx;
	(void)h;
	n[0]++;
	n[1] += tx->n_in + tx->n_out;
	for (size_t i = 0; i < tx->n_out; i++) {
		uint8_t key[TP_BTC_KEY_MAX]; /* what an importer keys its dictionary by */
		n[2] += tp_btc_txout_key(&tx->out[i], key) + key[2] +
			(unsigned char)tx->out[i].address[0];
	}
	return TP_OK;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : 0;
}

static uint8_t *load_hex(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *t = malloc((size_t)n + 1);
	uint8_t *b = malloc((size_t)n / 2 + 1);
	if (!t || !b || fread(t, 1, (size_t)n, f) != (size_t)n) {
		free(t);
		free(b);
		fclose(f);
		return NULL;
	}
	fclose(f);
	size_t m = 0;
	while (m < (size_t)n && t[m] != '\n' && t[m] != '\r')
		m++;
	for (size_t i = 0; i < m / 2; i++)
		b[i] = (uint8_t)(hexval(t[2 * i]) << 4 | hexval(t[2 * i + 1]));
	*len = m / 2;
	free(t);
	return b;
}

static void real_blocks(const char *top)
{
	static const char *names[] = {
		"00000000000000001af039232e90a88e6750556525ccedf80d0cc5c42402b82a",
		"000000000000000000008c31945b2012258366cc600a3e9a3ee0598e8f797731",
		"0000000000000115020104600c9689785b8fe8d684b6be343f7849f2d9946106",
	};
	uint8_t *raw[3];
	size_t len[3];
	for (int i = 0; i < 3; i++) {
		char path[1024];
		snprintf(path, sizeof path, "%s/data/crypto/bitcoin_blocks_js-bitcoin-block/%s.hex",
			 top, names[i]);
		if (!(raw[i] = load_hex(path, &len[i]))) {
			printf("real blocks: cannot read %s (pass the source directory)\n", path);
			return;
		}
	}
	static const unsigned flags[] = {0, TP_BTC_NO_ADDRESS,
					 TP_BTC_NO_ADDRESS | TP_BTC_CHECK_MERKLE};
	static const char *const label[] = {":", " (no addresses):", " (+merkle check):"};
	for (int mode = 0; mode < 3; mode++) {
		struct tp_btc_decoder *dec;
		struct tp_diag d = {0};
		uint64_t n[3] = {0};
		size_t bytes = 0;
		if (tp_btc_decoder_new(TP_BTC_MAINNET, flags[mode], &dec))
			return;
		double t0 = tp_bench_wall(), c0 = tp_bench_cpu(), t;
		int rounds = 0;
		do {
			for (int i = 0; i < 3; i++) {
				if (tp_btc_block_decode(dec, raw[i], len[i], -1, count_tx, n, NULL,
							&d)) {
					printf("decode failed: %s\n", d.message);
					return;
				}
				bytes += len[i];
			}
			rounds++;
		} while ((t = tp_bench_wall() - t0) < 2.0);
		double tc = tp_bench_cpu() - c0;
		printf("real blocks%-16s %8.0f tx/s  %7.1f MB/s per CPU second  (wall: %.0f tx/s; "
		       "%d rounds of 3 blocks, %llu tx, %.2f s CPU)\n",
		       label[mode], (double)n[0] / tc, (double)bytes / tc / 1e6, (double)n[0] / t,
		       rounds, (unsigned long long)n[0], tc);
		tp_btc_decoder_free(dec);
	}
	for (int i = 0; i < 3; i++)
		free(raw[i]);
}

/* ---- a generated blocks directory ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct out {
	uint8_t *p;
};

static void put(struct out *o, const void *p, size_t n)
{
	memcpy(o->p, p, n);
	o->p += n;
}

static void put8(struct out *o, uint8_t v)
{
	*o->p++ = v;
}

static void put32(struct out *o, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		*o->p++ = (uint8_t)(v >> (8 * i));
}

static void put64(struct out *o, uint64_t v)
{
	put32(o, (uint32_t)v);
	put32(o, (uint32_t)(v >> 32));
}

static void rand_bytes(struct out *o, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = next();
		memcpy(o->p + i, &r, n - i < 8 ? n - i : 8);
	}
	o->p += n;
}

/* One transaction shaped like today's traffic: 1-3 inputs, 1-3 outputs. */
static void gen_tx(struct out *o, int coinbase)
{
	int segwit = coinbase || next() % 10 < 7;
	int n_in = coinbase ? 1 : 1 + (int)(next() % 3), n_out = 1 + (int)(next() % 3);
	put32(o, 2);
	if (segwit) {
		put8(o, 0);
		put8(o, 1);
	}
	put8(o, (uint8_t)n_in);
	for (int i = 0; i < n_in; i++) {
		if (coinbase) {
			memset(o->p, 0, 32);
			o->p += 32;
			put32(o, 0xffffffffu);
			put8(o, 8);
			rand_bytes(o, 8);
		} else {
			rand_bytes(o, 32);
			put32(o, (uint32_t)(next() % 4));
			if (segwit) {
				put8(o, 0);
			} else {
				put8(o, 106); /* signature + compressed key */
				rand_bytes(o, 106);
			}
		}
		put32(o, 0xfffffffdu);
	}
	put8(o, (uint8_t)n_out);
	for (int i = 0; i < n_out; i++) {
		put64(o, next() % 100000000000ull);
		switch (next() % 8) {
		case 0:
		case 1:
			put8(o, 25);
			put8(o, 0x76);
			put8(o, 0xa9);
			put8(o, 20);
			rand_bytes(o, 20);
			put8(o, 0x88);
			put8(o, 0xac);
			break;
		case 2:
			put8(o, 23);
			put8(o, 0xa9);
			put8(o, 20);
			rand_bytes(o, 20);
			put8(o, 0x87);
			break;
		case 3:
		case 4:
			put8(o, 34);
			put8(o, 0x51);
			put8(o, 32);
			rand_bytes(o, 32);
			break;
		default:
			put8(o, 22);
			put8(o, 0);
			put8(o, 20);
			rand_bytes(o, 20);
			break;
		}
	}
	if (segwit) {
		for (int i = 0; i < n_in; i++) {
			if (coinbase) {
				put8(o, 1);
				put8(o, 32);
				memset(o->p, 0, 32);
				o->p += 32;
			} else {
				put8(o, 2);
				put8(o, 71);
				rand_bytes(o, 71);
				put8(o, 33);
				rand_bytes(o, 33);
			}
		}
	}
	put32(o, 0);
}

static const uint8_t KEY[8] = {0x3c, 0x91, 0x07, 0xe2, 0x5d, 0xaa, 0x18, 0x64};

/* Writes dir/blk0000N.dat (about 128 MB each, like Core) and xor.dat. */
static int gen_dir(const char *dir, int blocks, uint64_t *bytes_out)
{
	size_t cap = 1100000;
	uint8_t *blk = malloc(cap + 8), prev[32] = {0};
	FILE *f = NULL;
	int fileno = -1;
	uint64_t in_file = 0, pos = 0, bytes = 0;
	char path[1024];
	snprintf(path, sizeof path, "%s/xor.dat", dir);
	FILE *k = fopen(path, "wb");
	if (!blk || !k)
		return -1;
	fwrite(KEY, 1, 8, k);
	fclose(k);
	for (int b = 0; b < blocks; b++) {
		if (!f || in_file > 128000000) {
			if (f)
				fclose(f);
			snprintf(path, sizeof path, "%s/blk%05d.dat", dir, ++fileno);
			if (!(f = fopen(path, "wb")))
				return -1;
			in_file = pos = 0;
		}
		struct out o = {blk + 8};
		put32(&o, 0x20000000);
		put(&o, prev, 32);
		rand_bytes(&o, 32);
		put32(&o, 1700000000u + (uint32_t)b * 600);
		put32(&o, 0x1d00ffff);
		put32(&o, (uint32_t)b);
		uint8_t *count = o.p;
		o.p += 3;
		int n = 0;
		while ((size_t)(o.p - blk) < 1000000) {
			gen_tx(&o, n == 0);
			n++;
		}
		count[0] = 0xfd;
		count[1] = (uint8_t)n;
		count[2] = (uint8_t)(n >> 8);
		size_t len = (size_t)(o.p - blk) - 8;
		tp_btc_sha256d(blk + 8, 80, prev);
		blk[0] = 0xf9, blk[1] = 0xbe, blk[2] = 0xb4, blk[3] = 0xd9;
		blk[4] = (uint8_t)len, blk[5] = (uint8_t)(len >> 8), blk[6] = (uint8_t)(len >> 16),
		blk[7] = 0;
		for (size_t i = 0; i < len + 8; i++)
			blk[i] ^= KEY[(pos + i) & 7];
		if (fwrite(blk, 1, len + 8, f) != len + 8)
			return -1;
		pos += len + 8;
		in_file += len + 8;
		bytes += len;
	}
	fclose(f);
	free(blk);
	*bytes_out = bytes;
	return fileno + 1;
}

static void generated(int blocks)
{
	char dir[] = "/tmp/tripact-bench-btc-XXXXXX";
	uint64_t bytes = 0;
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return;
	}
	double t0 = tp_bench_wall();
	int files = gen_dir(dir, blocks, &bytes);
	if (files < 0) {
		printf("cannot write the generated blocks under %s\n", dir);
		return;
	}
	printf("generated: %d blocks, %.1f MB in %d blk files (xor.dat), %.1f s to write\n", blocks,
	       (double)bytes / 1e6, files, tp_bench_wall() - t0);
	for (int mode = 0; mode < 2; mode++) {
		double best = 0, best_open = 0, best_all = 0, best_wall = 0;
		uint64_t n[3] = {0};
		for (int round = 0; round < 3; round++) {
			struct tp_btc_chain *c;
			struct tp_btc_decoder *dec;
			struct tp_diag d = {0};
			memset(n, 0, sizeof n);
			t0 = tp_bench_wall();
			if (tp_btc_chain_open(dir, TP_BTC_MAINNET, &c, &d) != TP_OK) {
				printf("open failed: %s\n", d.message);
				goto out;
			}
			double t_open = tp_bench_wall() - t0;
			if (tp_btc_decoder_new(TP_BTC_MAINNET, mode ? TP_BTC_NO_ADDRESS : 0, &dec))
				goto out;
			double t1 = tp_bench_wall(), c1 = tp_bench_cpu();
			if (tp_btc_chain_decode(c, dec, 0, -1, count_tx, n, &d) != TP_OK) {
				printf("decode failed: %s\n", d.message);
				goto out;
			}
			double t_dec = tp_bench_cpu() - c1, t_wall = tp_bench_wall() - t1, t_all = tp_bench_wall() - t0;
			if (tp_btc_chain_tip(c) != blocks - 1)
				printf("  unexpected tip %lld\n", (long long)tp_btc_chain_tip(c));
			tp_btc_decoder_free(dec);
			tp_btc_chain_free(c);
			if (best == 0 || t_dec < best) {
				best = t_dec;
				best_open = t_open;
				best_all = t_all;
				best_wall = t_wall;
			}
		}
		printf("blk files%-18s %8.0f tx/s  %7.1f MB/s per CPU second  (wall: %.0f tx/s; "
		       "%llu tx, %llu in+out; index %.3f s, decode %.2f s CPU, best of 3; "
		       "wall counting the index: %.0f tx/s)\n",
		       mode ? " (no addresses):" : ":", (double)n[0] / best,
		       (double)bytes / best / 1e6, (double)n[0] / best_wall,
		       (unsigned long long)n[0], (unsigned long long)n[1], best_open, best,
		       (double)n[0] / best_all);
	}
out:
	for (int i = 0; i < files; i++) {
		char path[1100];
		snprintf(path, sizeof path, "%s/blk%05d.dat", dir, i);
		unlink(path);
	}
	char path[1100];
	snprintf(path, sizeof path, "%s/xor.dat", dir);
	unlink(path);
	rmdir(dir);
}

/*
 * Txids alone: SHA-256d of 1,000,000 messages of 150 to 450 bytes (one
 * to eight blocks, split as a SegWit txid is: version, body, locktime),
 * through nettle one at a time and through sha256d.c two at a time.
 */
static volatile uint8_t sink;

static void txids(void)
{
	enum { N = 1000000, BUF = 1 << 16 };
	uint8_t *buf = malloc(BUF), id[2][32], sum = 0;
	if (!buf)
		return;
	for (size_t i = 0; i < BUF; i++)
		buf[i] = (uint8_t)next();
	struct tp_btc_msg m[2];
	double per[2];
	for (int way = 0; way < 2; way++) {
		double c0 = tp_bench_cpu();
		for (size_t i = 0; i < N; i += 2) {
			for (int k = 0; k < 2; k++) {
				size_t len = 150 + (i + k) * 7919 % 301, at = (i + k) * 104729 % (BUF - len);
				struct tp_btc_msg x = {{buf + at, buf + at + 6, buf + at + len - 4},
						       {4, len - 10, 4}};
				m[k] = x;
			}
			if (way == 0) {
				tp_btc_sha256d_nettle(&m[0], id[0]);
				tp_btc_sha256d_nettle(&m[1], id[1]);
			} else {
				tp_btc_sha256d_two(&m[0], &m[1], id[0], id[1]);
			}
			sum ^= id[0][0] ^ id[1][31];
		}
		per[way] = N / (tp_bench_cpu() - c0);
	}
	printf("txids (150-450 bytes)          nettle %8.0f /s, two at a time %8.0f /s per CPU "
	       "second (%s; %.2fx)\n",
	       per[0], per[1], tp_btc_sha256_ni() ? "SHA-NI" : "no SHA-NI: nettle both",
	       per[1] / per[0]);
	sink = sum; /* the hashes are used */
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: bench_btc_decode [BLOCKS] [SOURCE_DIR]\n"
		       "  BLOCKS      1 MB blocks to generate in a temporary blocks directory "
		       "(default 150)\n"
		       "  SOURCE_DIR  the tripact source tree, for the real blocks in data/ "
		       "(default $TP_SOURCE_DIR or .)\n");
		return 0;
	}
	int blocks = argc > 1 ? atoi(argv[1]) : 150;
	const char *top = argc > 2 ? argv[2] : getenv("TP_SOURCE_DIR");
	if (!top)
		top = ".";
	if (blocks < 1)
		blocks = 1;
	printf("bench_btc_decode: raw Bitcoin blocks to transactions (one core)\n");
	txids();
	real_blocks(top);
	generated(blocks);
	printf("goal (issue 6): >= 1,000,000 tx/s from raw blocks on one core. Shared 2-core "
	       "machine: figures are noisy.\n"
	       "rerun: build/release/bench/bench_btc_decode [BLOCKS] [SOURCE_DIR]\n");
	return 0;
}
