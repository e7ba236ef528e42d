/*
 * bench_trace: the tracer on synthetic chains (tripact trace synth).
 *
 *	bench_trace [--txs N] [--transfers N] [--dir DIR] [--only utxo|raw|account]
 *		    [--raw-threads 1|2] [--etl-threads 1|2] [--raw-format hex|blk]
 *
 * Defaults: 20,000,000 UTXO transactions and 20,000,000 account
 * transfers, generated at run time into a scratch directory (several GB:
 * pass smaller sizes for a quick look). Prints import rate (transactions/s
 * and MB/s of JSON/CSV input), graph bytes per transaction: the core graph
 * a trace reads, the dictionaries (txids, addresses) and the whole file
 * on disk, a full pass touching every input and output, and trace times for
 * the 10 planted thefts and from 10 busy addresses at 1, 10 and 100
 * hops under each model (as `tripact trace run` makes them for any
 * report but DOT, without the flow graph; one row with it), and the
 * import rate from raw blocks (a generated
 * chain with the UTXO chain's size, once as getblock hex and once as the
 * blk*.dat files Bitcoin Core keeps, one row each; `--raw-format hex|blk`
 * writes and runs one of them; both give the same graph file). `--etl-threads 1`
 * keeps the JSON-lines import on one thread (its MB per CPU second is the
 * per-core figure); by default it scans lines on a second thread. The
 * reference is BlockSci (C++), about 93 bytes per transaction and 3.6e7
 * transactions/s per core for a full pass, quoted from its paper, not
 * re-measured here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace/btc_codec.h"
#include "trace/graph.h"
#include "trace/import_raw.h"
#include "trace/import_utxo.h"
#include "tripact/trace.h"
#include "bench.h"

static uint64_t file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
}

/* The bytes a file takes on disk: a graph's spare room is a hole. */
static uint64_t disk_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (uint64_t)st.st_blocks * 512 : 0;
}

static void die(const char *what, const struct tp_diag *d)
{
	fprintf(stderr, "bench_trace: %s: %s\n", what, d->message);
	exit(2);
}

static size_t read_seeds(const char *dir, struct tp_trace_seed *s, char **texts, char *token)
{
	char p[600], line[256];
	snprintf(p, sizeof p, "%s/seeds.txt", dir);
	FILE *f = fopen(p, "r");
	size_t n = 0;
	struct tp_diag d = {0};
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "# token ", 8)) {
			snprintf(token, 64, "%.42s", line + 8);
			continue;
		}
		if (n == 10)
			continue;
		texts[n] = strdup(line);
		if (tp_trace_seed_parse(texts[n], &s[n], &d) != TP_OK)
			die("seed", &d);
		n++;
	}
	if (f)
		fclose(f);
	return n;
}

static void traces(const struct tp_trace_graph *g, const char *dir, const char *asset)
{
	struct tp_trace_seed seeds[10];
	char *texts[10], token[64] = "";
	size_t n = read_seeds(dir, seeds, texts, token);
	struct tp_trace_labels *l;
	struct tp_diag d = {0};
	char p[600];
	snprintf(p, sizeof p, "%s/labels.csv", dir);
	if (tp_trace_labels_new(&l) != TP_OK || tp_trace_labels_load(l, p, NULL, &d) != TP_OK)
		die("labels", &d);
	static const char *const models[] = {"poison", "haircut", "fifo", "tiho"};
	static const uint32_t hops[] = {1, 10, 100};
	printf("  trace, %zu planted thefts%-7s (ms):  1 hop   10 hops  100 hops\n", n, asset ? ", token" : "");
	for (int m = 0; m < 4; m++) {
		printf("    %-8s              ", models[m]);
		for (int h = 0; h < 3; h++) {
			struct tp_trace_opts o = {.model = tp_trace_model_parse(models[m]),
						  .max_hops = hops[h], .no_flow = 1};
			o.asset = asset ? token : NULL;
			struct tp_trace_result *r;
			double t0 = tp_bench_wall();
			if (tp_trace_run(g, l, seeds, n, &o, &r, &d) != TP_OK)
				die("trace", &d);
			double ms = (tp_bench_wall() - t0) * 1e3;
			tp_trace_result_free(r);
			printf(" %9.2f", ms);
		}
		printf("\n");
	}
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	tp_trace_labels_free(l);
}

/*
 * Traces from 10 background addresses spread over the dictionary: taint
 * that mixes with ordinary traffic, the hard case (poison explodes).
 */
static void background(const struct tp_trace_graph *g, const char *dir)
{
	struct tp_trace_seed seeds[10];
	struct tp_trace_graph_info info;
	tp_trace_graph_info(g, &info);
	struct tp_trace_labels *l;
	struct tp_diag d = {0};
	char p[600];
	snprintf(p, sizeof p, "%s/labels.csv", dir);
	if (tp_trace_labels_new(&l) != TP_OK || tp_trace_labels_load(l, p, NULL, &d) != TP_OK)
		die("labels", &d);
	/* unlabelled recipients of transfers / outputs spread over the chain */
	uint64_t items = g->kind == TP_TRACE_UTXO ? g->nout : g->nxfer;
	for (uint64_t i = 0; i < 10; i++) {
		const char *a = tpg_addr(g, 0), *name;
		for (uint64_t k = items / 10 * i; k < items; k++) {
			uint32_t id = g->kind == TP_TRACE_UTXO ? tpg_out_addr(g, k) : g->xfer[k].to;
			if (id == TPG_NONE || (g->kind == TP_TRACE_ACCOUNT && g->xfer[k].asset))
				continue;
			a = tpg_addr(g, id);
			if (tp_trace_labels_get(l, info.chain, a, &name) == TP_CAT_NONE)
				break;
		}
		seeds[i] = (struct tp_trace_seed){.kind = TP_SEED_ADDRESS, .address = a};
	}
	static const char *const models[] = {"poison", "haircut", "fifo", "tiho"};
	static const uint32_t hops[] = {1, 10, 100};
	printf("  trace, 10 background addresses (ms, transactions visited at 100 hops):\n");
	for (int m = 0; m < 4; m++) {
		printf("    %-8s              ", models[m]);
		uint64_t visited = 0;
		for (int h = 0; h < 3; h++) {
			struct tp_trace_opts o = {.model = tp_trace_model_parse(models[m]),
						  .max_hops = hops[h], .no_flow = 1};
			struct tp_trace_result *r;
			double t0 = tp_bench_wall();
			if (tp_trace_run(g, l, seeds, 10, &o, &r, &d) != TP_OK)
				die("trace", &d);
			double ms = (tp_bench_wall() - t0) * 1e3;
			struct tp_trace_totals t;
			tp_trace_result_totals(r, &t);
			visited = t.txs_visited;
			tp_trace_result_free(r);
			printf(" %9.2f", ms);
		}
		printf("  (%llu)\n", (unsigned long long)visited);
	}
	/* the same with the flow graph the DOT report draws */
	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT, .max_hops = 10};
	struct tp_trace_result *r;
	double t0 = tp_bench_wall();
	if (tp_trace_run(g, l, seeds, 10, &o, &r, &d) != TP_OK)
		die("trace", &d);
	printf("    haircut, 10 hops, with the flow graph (DOT)  %9.2f\n",
	       (tp_bench_wall() - t0) * 1e3);
	tp_trace_result_free(r);
	tp_trace_labels_free(l);
}

static void utxo(const char *top, uint64_t txs, int threads)
{
	char dir[600], gdir[700], in[700];
	struct tp_diag d = {0};
	snprintf(dir, sizeof dir, "%s/btc", top);
	snprintf(gdir, sizeof gdir, "%s/graph", dir);
	snprintf(in, sizeof in, "%s/transactions.json", dir);
	struct tp_trace_synth_opts so = {.chain = "btc", .txs = txs, .thefts = 10, .seed = 1};
	uint64_t n;
	double t0 = tp_bench_wall();
	if (tp_trace_synth(dir, &so, &n, &d) != TP_OK)
		die("synth", &d);
	double tsyn = tp_bench_wall() - t0;
	uint64_t bytes = file_size(in);
	printf("UTXO chain: %llu transactions, %.1f MB of bitcoin-etl JSON (generated in %.1f s)\n",
	       (unsigned long long)n, (double)bytes / 1e6, tsyn);
	const char *files[] = {in};
	struct tp_trace_import_stats st;
	char cmd[800];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", gdir); /* a fresh graph, not an append */
	if (system(cmd) != 0)
		exit(2);
	long rss0 = tp_bench_peak_rss_kib();
	tpi_utxo_threads(threads);
	t0 = tp_bench_wall();
	double c0 = tp_bench_cpu(), m0 = tp_bench_thread_cpu();
	if (tp_trace_import(gdir, "btc", files, 1, NULL, &st, &d) != TP_OK)
		die("import", &d);
	double timp = tp_bench_wall() - t0, cimp = tp_bench_cpu() - c0;
	double cmain = tp_bench_thread_cpu() - m0;
	long rss1 = tp_bench_peak_rss_kib();
	printf("  import (JSON lines)    %10.0f tx/s  %7.1f MB/s  (%.1f s, %.1f CPU s, %.1f MB per "
	       "CPU s, %s; peak RSS %.0f MB)\n",
	       (double)n / timp, (double)bytes / 1e6 / timp, timp, cimp, (double)bytes / 1e6 / cimp,
	       threads == 1 ? "1 thread" : "2 threads if 2 cores",
	       (double)(rss1 > rss0 ? rss1 : rss0) / 1024);
	/* the calling thread builds the graph; the others scan lines and
	 * write the file (the bigger part of a save) */
	printf("  import CPU by thread   %10.1f CPU s building the graph, %.1f in the other threads\n",
	       cmain, cimp - cmain);
	char gf[800];
	snprintf(gf, sizeof gf, "%s/graph.tpg", gdir);
	uint64_t gsize = disk_size(gf);
	struct tp_trace_graph *g;
	t0 = tp_bench_wall();
	if (tp_trace_graph_open(gdir, &g, &d) != TP_OK)
		die("open", &d);
	double topen = tp_bench_wall() - t0;
	uint64_t core, dict;
	tpg_sizes(g, &core, &dict);
	printf("  graph, core            %10.1f bytes/tx (transactions, outputs, inputs, address "
	       "lists: what a trace reads; BlockSci's ~93 counts the same)\n",
	       (double)core / (double)n);
	printf("  graph, dictionaries    %10.1f bytes/tx (txids, address strings, hash tables)\n",
	       (double)dict / (double)n);
	printf("  graph, file            %10.1f bytes/tx on disk and mapped in memory "
	       "(%llu inputs, %llu outputs, %u addresses)\n",
	       (double)gsize / (double)n, (unsigned long long)g->nin, (unsigned long long)g->nout,
	       g->naddr);
	printf("  open (map + checks)    %10.1f ms\n", topen * 1e3);
	/* a full pass: every input (through its spent output) and output;
	 * one pass takes tens of ms, so the best CPU time of several */
	uint64_t sum = 0, touched = 0;
	double tpass = 0;
	for (int rep = 0; rep < 10; rep++) {
		sum = touched = 0;
		t0 = tp_bench_cpu();
		for (uint32_t t = 0; t < g->ntx; t++) {
			for (uint64_t i = tpg_tx_first_in(g, t); i < tpg_tx_first_in(g, t + 1); i++)
				sum += tpg_out_value(g, tpg_in_out(g, i));
			for (uint64_t k = tpg_tx_first_out(g, t); k < tpg_tx_first_out(g, t + 1); k++)
				sum -= tpg_out_value(g, k), touched += tpg_out_addr(g, k);
		}
		double dt = tp_bench_cpu() - t0;
		if (rep == 0 || dt < tpass)
			tpass = dt;
	}
	/* both sums printed, so no read is optimised away */
	printf("  full pass              %10.3g tx/s  (%.4f CPU s, best of 10; checksum %llu/%llu; "
	       "BlockSci: 3.6e7 tx/s/core)\n",
	       (double)g->ntx / tpass, tpass, (unsigned long long)sum, (unsigned long long)touched);
	traces(g, dir, NULL);
	background(g, dir);
	tp_trace_graph_free(g);
}

/* ---- raw blocks: a generated chain of getblock hex ------------------------ */

struct wbuf {
	uint8_t *p;
	size_t n, cap;
};

static void wput(struct wbuf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			exit(2);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void w32(struct wbuf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	wput(b, x, 4);
}

static void w64(struct wbuf *b, uint64_t v)
{
	w32(b, (uint32_t)v);
	w32(b, (uint32_t)(v >> 32));
}

static void wvar(struct wbuf *b, uint64_t v)
{
	uint8_t c = (uint8_t)v;
	if (v < 0xfd) {
		wput(b, &c, 1);
	} else {
		uint8_t m = 0xfd;
		wput(b, &m, 1);
		uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
		wput(b, x, 2);
	}
}

static uint64_t xs = 88172645463325252ULL;
static uint64_t rnd(void)
{
	xs ^= xs << 13;
	xs ^= xs >> 7;
	xs ^= xs << 17;
	return xs;
}

struct coin {
	uint8_t txid[32];
	uint32_t vout;
	uint64_t value;
};

/* P2PKH to one of `naddr` keys */
static void p2pkh(struct wbuf *b, uint64_t key)
{
	uint8_t s[25] = {0x76, 0xa9, 0x14};
	for (int i = 0; i < 20; i++)
		s[3 + i] = (uint8_t)((key * 0x9e3779b97f4a7c15ULL) >> ((i % 8) * 8)) ^ (uint8_t)i;
	s[23] = 0x88;
	s[24] = 0xac;
	wvar(b, 25);
	wput(b, s, 25);
}

/*
 * Where the generated blocks go: getblock hex (one block a line) and a
 * Bitcoin Core blocks directory (blk?????.dat records of network magic,
 * size and block, a new file before one would pass 128 MiB, as Core does);
 * hex NULL or blkdir NULL: not that one.
 */
struct raw_sink {
	FILE *hex;
	char *line;
	size_t linecap;
	const char *blkdir;
	FILE *blk;
	unsigned blk_no;
	uint64_t blk_bytes;
};

/* Closes f once its bytes are on disk, so that writing them back does not
 * overlap the import that is timed. */
static int close_synced(FILE *f)
{
	int e = fflush(f) != 0 || fsync(fileno(f)) != 0;
	return fclose(f) != 0 || e ? -1 : 0;
}

static void sink_hex(struct raw_sink *s, const struct wbuf *blk)
{
	static const char hex[] = "0123456789abcdef";
	if (blk->n * 2 + 2 > s->linecap) {
		s->linecap = blk->n * 2 + 2;
		s->line = realloc(s->line, s->linecap);
		if (!s->line)
			exit(2);
	}
	for (size_t i = 0; i < blk->n; i++) {
		s->line[2 * i] = hex[blk->p[i] >> 4];
		s->line[2 * i + 1] = hex[blk->p[i] & 15];
	}
	s->line[2 * blk->n] = '\n';
	fwrite(s->line, 1, 2 * blk->n + 1, s->hex);
}

static void sink_blk(struct raw_sink *s, const struct wbuf *blk)
{
	static const uint8_t mainnet[4] = {0xf9, 0xbe, 0xb4, 0xd9};
	if (!s->blk || s->blk_bytes + 8 + blk->n > (uint64_t)128 << 20) {
		char p[700];
		if (s->blk && close_synced(s->blk) != 0)
			exit(2);
		snprintf(p, sizeof p, "%s/blk%05u.dat", s->blkdir, s->blk_no++);
		if (!(s->blk = fopen(p, "wb")))
			exit(2);
		s->blk_bytes = 0;
	}
	uint8_t size[4] = {(uint8_t)blk->n, (uint8_t)(blk->n >> 8), (uint8_t)(blk->n >> 16),
			   (uint8_t)(blk->n >> 24)};
	fwrite(mainnet, 1, 4, s->blk);
	fwrite(size, 1, 4, s->blk);
	fwrite(blk->p, 1, blk->n, s->blk);
	s->blk_bytes += 8 + blk->n;
}

/*
 * Writes `txs` transactions (2000 a block, each block's header naming the
 * one before): coinbases with ten outputs, then payments spending one or
 * two earlier outputs into two. The same blocks go to both sinks.
 */
static uint64_t gen_raw(struct raw_sink *s, uint64_t txs, uint64_t *bytes)
{
	size_t cap = 1 << 20, npool = 0;
	struct coin *pool = malloc(cap * sizeof *pool);
	struct wbuf blk = {0}, tx = {0};
	uint64_t made = 0, naddr = txs / 2 + 10;
	uint8_t prev[32] = {0};
	*bytes = 0;
	for (uint32_t height = 0; made < txs; height++) {
		blk.n = 0;
		w32(&blk, 1);
		wput(&blk, prev, 32);
		uint8_t zero[32] = {0};
		wput(&blk, zero, 32);
		w32(&blk, 1600000000 + height * 600);
		w32(&blk, 0x1d00ffff);
		w32(&blk, height);
		uint64_t n = txs - made < 2000 ? txs - made : 2000;
		wvar(&blk, n);
		for (uint64_t k = 0; k < n; k++) {
			tx.n = 0;
			w32(&tx, 1);
			int cb = k == 0 || npool < 2;
			size_t nin = cb ? 1 : 1 + (size_t)(rnd() % 2);
			uint64_t total = 0;
			wvar(&tx, nin);
			for (size_t i = 0; i < nin; i++) {
				if (cb) {
					uint8_t nul[36];
					memset(nul, 0, 32);
					memset(nul + 32, 0xff, 4);
					wput(&tx, nul, 36);
					uint8_t sc[6] = {5, 3, (uint8_t)height, (uint8_t)(height >> 8),
							 (uint8_t)(height >> 16), (uint8_t)made};
					wput(&tx, sc, 6);
				} else {
					size_t j = (size_t)(rnd() % npool);
					struct coin c = pool[j];
					pool[j] = pool[--npool];
					wput(&tx, c.txid, 32);
					w32(&tx, c.vout);
					wvar(&tx, 0);
					total += c.value;
				}
				w32(&tx, 0xffffffff);
			}
			size_t nout = cb ? 10 : 2;
			uint64_t v[10];
			if (cb) {
				for (size_t o = 0; o < nout; o++)
					v[o] = 500000000;
			} else {
				uint64_t fee = total > 2000 ? 1000 : 0, left = total - fee;
				v[0] = left / 3 + rnd() % (left / 3 + 1);
				v[1] = left - v[0];
			}
			wvar(&tx, nout);
			for (size_t o = 0; o < nout; o++) {
				w64(&tx, v[o]);
				p2pkh(&tx, rnd() % naddr);
			}
			w32(&tx, 0);
			struct coin c;
			tp_btc_sha256d(tx.p, tx.n, c.txid);
			for (size_t o = 0; o < nout; o++) {
				if (npool == cap) {
					cap *= 2;
					pool = realloc(pool, cap * sizeof *pool);
					if (!pool)
						exit(2);
				}
				c.vout = (uint32_t)o;
				c.value = v[o];
				pool[npool++] = c;
			}
			wput(&blk, tx.p, tx.n);
			made++;
		}
		tp_btc_sha256d(blk.p, 80, prev);
		if (s->hex)
			sink_hex(s, &blk);
		if (s->blkdir)
			sink_blk(s, &blk);
		*bytes += blk.n;
	}
	free(pool);
	free(blk.p);
	free(tx.p);
	return made;
}

/* The clocks at the import's last progress call: the graph is built, the
 * save not begun. */
struct built {
	double wall, cpu, thread;
};

static void on_progress(void *ctx, uint64_t done, uint64_t total, uint64_t txs)
{
	struct built *b = ctx;
	(void)done, (void)total, (void)txs;
	b->wall = tp_bench_wall();
	b->cpu = tp_bench_cpu();
	b->thread = tp_bench_thread_cpu();
}

/* Whether two files hold the same bytes. */
static int same_file(const char *a, const char *b)
{
	FILE *fa = fopen(a, "rb"), *fb = fopen(b, "rb");
	int same = fa && fb;
	char x[65536], y[65536];
	size_t n, m;
	while (same && (n = fread(x, 1, sizeof x, fa)) + (m = fread(y, 1, sizeof y, fb)) > 0)
		same = n == m && memcmp(x, y, n) == 0;
	if (fa)
		fclose(fa);
	if (fb)
		fclose(fb);
	return same;
}

/* Imports `src` (hex file or blocks directory) into a fresh graph in gdir
 * and prints its row. */
static void raw_import(const char *src, const char *gdir, const char *what, uint64_t bytes,
		       int threads)
{
	const char *files[] = {src};
	struct tp_trace_import_stats st;
	struct tp_diag d = {0};
	char cmd[800];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", gdir); /* a fresh graph, not a resumed one */
	if (system(cmd) != 0)
		exit(2);
	struct built b = {0};
	struct tp_trace_import_opts o = {.progress = on_progress, .progress_ctx = &b};
	double t0 = tp_bench_wall(), c0 = tp_bench_cpu(), th0 = tp_bench_thread_cpu();
	if (tp_trace_import(gdir, "btc", files, 1, &o, &st, &d) != TP_OK)
		die("raw import", &d);
	double t = tp_bench_wall() - t0, c = tp_bench_cpu() - c0;
	double tb = b.wall - t0, cb = b.cpu - c0;
	printf("Raw blocks (%s, %.1f MB of blocks): %llu transactions\n", what, (double)bytes / 1e6,
	       (unsigned long long)st.txs);
	printf("  import (decode + graph) %9.0f tx/s  (%.2f s wall, %s; %.0f tx per CPU second; "
	       "goal >= 1,000,000 tx/s)\n",
	       (double)st.txs / t, t,
	       threads > 1 ? "2 threads: decoding beside the graph" : "1 thread", (double)st.txs / c);
	printf("    of which graph built %9.0f tx/s  (%.2f s wall; %.0f tx per CPU second), "
	       "then saved in %.2f s\n",
	       (double)st.txs / tb, tb, (double)st.txs / cb, t - tb);
	/* on an idle machine the wall time is about the busier thread's CPU time */
	if (threads > 1)
		printf("    CPU seconds while building: %.2f graph thread, %.2f decoding thread\n",
		       b.thread - th0, cb - (b.thread - th0));
}

/*
 * threads: 1 decodes and builds the graph on one thread, 2 decodes on a
 * second thread (the default when there are two cores). format: "hex"
 * (getblock hex), "blk" (blk*.dat as Bitcoin Core stores blocks) or NULL
 * for both, one row each; both import the same blocks into the same graph.
 */
static void raw(const char *top, uint64_t txs, int threads, const char *format)
{
	char path[600], blkdir[600], gdir[700], bdir[700];
	snprintf(path, sizeof path, "%s/blocks.hex", top);
	snprintf(blkdir, sizeof blkdir, "%s/blocks", top);
	snprintf(gdir, sizeof gdir, "%s/rawgraph", top);
	snprintf(bdir, sizeof bdir, "%s/blkgraph", top);
	int hex = !format || !strcmp(format, "hex"), blk = !format || !strcmp(format, "blk");
	char cmd[1300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", blkdir, blkdir);
	/* only the format imported is written (the scratch of a large run) */
	struct raw_sink s = {.hex = hex ? fopen(path, "w") : NULL, .blkdir = blk ? blkdir : NULL};
	if (system(cmd) != 0 || (hex && !s.hex)) {
		fprintf(stderr, "bench_trace: cannot write %s\n", path);
		exit(2);
	}
	uint64_t bytes;
	uint64_t n = gen_raw(&s, txs, &bytes);
	free(s.line);
	if ((s.hex && close_synced(s.hex) != 0) || (s.blk && close_synced(s.blk) != 0) || !n) {
		fprintf(stderr, "bench_trace: cannot write %s or %s\n", path, blkdir);
		exit(2);
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	threads = threads ? threads : cpus > 1 ? 2 : 1;
	tpi_raw_threads(threads);
	if (hex)
		raw_import(path, gdir, "getblock hex", bytes, threads);
	if (blk)
		raw_import(blkdir, bdir, "blk*.dat files", bytes, threads);
	if (hex && blk) {
		char a[800], c[800];
		snprintf(a, sizeof a, "%s/graph.tpg", gdir);
		snprintf(c, sizeof c, "%s/graph.tpg", bdir);
		if (!same_file(a, c)) {
			fprintf(stderr, "bench_trace: the graphs from hex and blk*.dat differ\n");
			exit(1);
		}
		printf("  (the two graph files are byte for byte the same)\n");
	}
	unlink(path);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", blkdir);
	if (system(cmd) != 0)
		exit(2);
}

static void account(const char *top, uint64_t transfers)
{
	char dir[600], gdir[700], f1[700], f2[700];
	struct tp_diag d = {0};
	snprintf(dir, sizeof dir, "%s/eth", top);
	snprintf(gdir, sizeof gdir, "%s/graph", dir);
	snprintf(f1, sizeof f1, "%s/transactions.csv", dir);
	snprintf(f2, sizeof f2, "%s/token_transfers.csv", dir);
	/* about 1.15 transfers per transaction in the background (fees too) */
	struct tp_trace_synth_opts so = {.chain = "eth", .txs = transfers / 2, .thefts = 10,
					 .seed = 1};
	uint64_t n;
	if (tp_trace_synth(dir, &so, &n, &d) != TP_OK)
		die("synth", &d);
	uint64_t bytes = file_size(f1) + file_size(f2);
	const char *files[] = {f1, f2};
	struct tp_trace_import_stats st;
	double t0 = tp_bench_wall();
	if (tp_trace_import(gdir, "eth", files, 2, NULL, &st, &d) != TP_OK)
		die("import", &d);
	double timp = tp_bench_wall() - t0;
	printf("Account chain: %llu transactions, %llu transfers, %.1f MB of ethereum-etl CSV\n",
	       (unsigned long long)st.txs, (unsigned long long)st.transfers, (double)bytes / 1e6);
	printf("  import (CSV)           %10.0f transfers/s  %7.1f MB/s  (%.1f s)\n",
	       (double)st.transfers / timp, (double)bytes / 1e6 / timp, timp);
	char gf[800];
	snprintf(gf, sizeof gf, "%s/graph.tpg", gdir);
	struct tp_trace_graph *g;
	t0 = tp_bench_wall();
	if (tp_trace_graph_open(gdir, &g, &d) != TP_OK)
		die("open", &d);
	double topen = tp_bench_wall() - t0;
	uint64_t core, dict;
	tpg_sizes(g, &core, &dict);
	printf("  graph, core            %10.1f bytes/transfer (transfers, blocks, address lists)\n",
	       (double)core / (double)st.transfers);
	printf("  graph, dictionaries    %10.1f bytes/transfer (txids, address strings, hash "
	       "tables)\n",
	       (double)dict / (double)st.transfers);
	printf("  graph, file            %10.1f bytes/transfer on disk\n",
	       (double)disk_size(gf) / (double)st.transfers);
	printf("  open (map + checks)    %10.1f ms\n", topen * 1e3);
	traces(g, dir, NULL);
	traces(g, dir, "token");
	background(g, dir);
	tp_trace_graph_free(g);
}

int main(int argc, char **argv)
{
	uint64_t txs = 20000000, transfers = 20000000;
	const char *dir = NULL, *only = NULL;
	int raw_threads = 0, etl_threads = 0;
	const char *raw_format = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--txs") && i + 1 < argc)
			txs = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--transfers") && i + 1 < argc)
			transfers = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--only") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--raw-threads") && i + 1 < argc)
			raw_threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--etl-threads") && i + 1 < argc)
			etl_threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--raw-format") && i + 1 < argc &&
			 (!strcmp(argv[i + 1], "hex") || !strcmp(argv[i + 1], "blk")))
			raw_format = argv[++i];
		else {
			fprintf(stderr, "usage: bench_trace [--txs N] [--transfers N] [--dir DIR] "
					"[--only utxo|raw|account] [--raw-threads 1|2] [--etl-threads 1|2] "
					"[--raw-format hex|blk]\n");
			return 2;
		}
	}
	char tmpl[] = "/tmp/bench_trace_XXXXXX";
	if (!dir && !(dir = mkdtemp(tmpl))) {
		perror("mkdtemp");
		return 2;
	}
	printf("bench_trace: rerun with: bench_trace --txs %llu --transfers %llu\n"
	       "(2 shared cores: figures are noisy; goals: <= 64 bytes/tx, full pass >= 4e7 tx/s/core,\n"
	       " >= 300 MB/s/core from JSON lines, 10-hop haircut trace < 100 ms; BlockSci: ~93 "
	       "bytes/tx)\n",
	       (unsigned long long)txs, (unsigned long long)transfers);
	if (txs && (!only || !strcmp(only, "utxo")))
		utxo(dir, txs, etl_threads);
	if (txs && (!only || !strcmp(only, "raw")))
		raw(dir, txs, raw_threads, raw_format);
	if (transfers && (!only || !strcmp(only, "account")))
		account(dir, transfers);
	if (dir == tmpl) {
		char cmd[200];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
