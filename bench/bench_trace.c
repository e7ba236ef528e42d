/*
 * bench_trace: the tracer on synthetic chains (tripact trace synth).
 *
 *	bench_trace [--txs N] [--transfers N] [--dir DIR]
 *
 * Defaults: 20,000,000 UTXO transactions and 20,000,000 account
 * transfers, generated at run time into a scratch directory (several GB:
 * pass smaller sizes for a quick look). Prints import rate (transactions/s
 * and MB/s of JSON/CSV input), graph bytes per transaction on disk and in
 * memory, a full pass touching every input and output, and trace times for
 * the 10 planted thefts at 1, 10 and 100 hops under each model. The
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

#include "trace/graph.h"
#include "tripact/trace.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long peak_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static uint64_t file_size(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 ? (uint64_t)st.st_size : 0;
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
						  .max_hops = hops[h]};
			o.asset = asset ? token : NULL;
			struct tp_trace_result *r;
			double t0 = now();
			if (tp_trace_run(g, l, seeds, n, &o, &r, &d) != TP_OK)
				die("trace", &d);
			double ms = (now() - t0) * 1e3;
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
			uint32_t id = g->kind == TP_TRACE_UTXO ? g->out[k].addr : g->xfer[k].to;
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
						  .max_hops = hops[h]};
			struct tp_trace_result *r;
			double t0 = now();
			if (tp_trace_run(g, l, seeds, 10, &o, &r, &d) != TP_OK)
				die("trace", &d);
			double ms = (now() - t0) * 1e3;
			struct tp_trace_totals t;
			tp_trace_result_totals(r, &t);
			visited = t.txs_visited;
			tp_trace_result_free(r);
			printf(" %9.2f", ms);
		}
		printf("  (%llu)\n", (unsigned long long)visited);
	}
	tp_trace_labels_free(l);
}

static void utxo(const char *top, uint64_t txs)
{
	char dir[600], gdir[700], in[700];
	struct tp_diag d = {0};
	snprintf(dir, sizeof dir, "%s/btc", top);
	snprintf(gdir, sizeof gdir, "%s/graph", dir);
	snprintf(in, sizeof in, "%s/transactions.json", dir);
	struct tp_trace_synth_opts so = {.chain = "btc", .txs = txs, .thefts = 10, .seed = 1};
	uint64_t n;
	double t0 = now();
	if (tp_trace_synth(dir, &so, &n, &d) != TP_OK)
		die("synth", &d);
	double tsyn = now() - t0;
	uint64_t bytes = file_size(in);
	printf("UTXO chain: %llu transactions, %.1f MB of bitcoin-etl JSON (generated in %.1f s)\n",
	       (unsigned long long)n, (double)bytes / 1e6, tsyn);
	const char *files[] = {in};
	struct tp_trace_import_stats st;
	long rss0 = peak_rss_kb();
	t0 = now();
	if (tp_trace_import(gdir, "btc", files, 1, NULL, &st, &d) != TP_OK)
		die("import", &d);
	double timp = now() - t0;
	long rss1 = peak_rss_kb();
	printf("  import (JSON lines)    %10.0f tx/s  %7.1f MB/s  (%.1f s, 1 core; peak RSS %.0f MB)\n",
	       (double)n / timp, (double)bytes / 1e6 / timp, timp,
	       (double)(rss1 > rss0 ? rss1 : rss0) / 1024);
	char gf[800];
	snprintf(gf, sizeof gf, "%s/graph.tpg", gdir);
	uint64_t gsize = file_size(gf);
	struct tp_trace_graph *g;
	t0 = now();
	if (tp_trace_graph_open(gdir, &g, &d) != TP_OK)
		die("open", &d);
	double topen = now() - t0;
	printf("  graph                  %10.1f bytes/tx on disk and mapped in memory "
	       "(%llu inputs, %llu outputs, %u addresses)\n",
	       (double)gsize / (double)n, (unsigned long long)g->nin, (unsigned long long)g->nout,
	       g->naddr);
	printf("  open (map + checks)    %10.1f ms\n", topen * 1e3);
	/* a full pass: every input (through its spent output) and output */
	uint64_t sum = 0, touched = 0;
	t0 = now();
	for (uint32_t t = 0; t < g->ntx; t++) {
		for (uint32_t i = g->tx[t].first_in; i < g->tx[t + 1].first_in; i++)
			sum += g->out[g->in[i]].value;
		for (uint64_t k = g->tx[t].first_out; k < g->tx[t + 1].first_out; k++)
			sum -= g->out[k].value, touched += g->out[k].addr;
	}
	double tpass = now() - t0;
	printf("  full pass              %10.3g tx/s  (%.3f s; checksum %llu; BlockSci: 3.6e7 tx/s/core)\n",
	       (double)g->ntx / tpass, tpass, (unsigned long long)sum);
	(void)touched;
	traces(g, dir, NULL);
	background(g, dir);
	tp_trace_graph_free(g);
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
	double t0 = now();
	if (tp_trace_import(gdir, "eth", files, 2, NULL, &st, &d) != TP_OK)
		die("import", &d);
	double timp = now() - t0;
	printf("Account chain: %llu transactions, %llu transfers, %.1f MB of ethereum-etl CSV\n",
	       (unsigned long long)st.txs, (unsigned long long)st.transfers, (double)bytes / 1e6);
	printf("  import (CSV)           %10.0f transfers/s  %7.1f MB/s  (%.1f s)\n",
	       (double)st.transfers / timp, (double)bytes / 1e6 / timp, timp);
	char gf[800];
	snprintf(gf, sizeof gf, "%s/graph.tpg", gdir);
	printf("  graph                  %10.1f bytes/transfer\n",
	       (double)file_size(gf) / (double)st.transfers);
	struct tp_trace_graph *g;
	if (tp_trace_graph_open(gdir, &g, &d) != TP_OK)
		die("open", &d);
	traces(g, dir, NULL);
	traces(g, dir, "token");
	background(g, dir);
	tp_trace_graph_free(g);
}

int main(int argc, char **argv)
{
	uint64_t txs = 20000000, transfers = 20000000;
	const char *dir = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--txs") && i + 1 < argc)
			txs = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--transfers") && i + 1 < argc)
			transfers = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench_trace [--txs N] [--transfers N] [--dir DIR]\n");
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
	if (txs)
		utxo(dir, txs);
	if (transfers)
		account(dir, transfers);
	if (dir == tmpl) {
		char cmd[200];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
		if (system(cmd) != 0)
			return 1;
	}
	return 0;
}
