/*
 * bench_etl_scan: the bitcoin-etl JSON-lines front end of the UTXO import
 * alone, without the graph: reading lines, then reading and scanning them.
 *
 *	bench_etl_scan [--txs N] [--dir DIR] [--file FILE]
 *
 * Generates N (default 2,000,000) transactions with tripact trace synth
 * into DIR (default /tmp/bench_etl_scan), or takes FILE (a real export),
 * then prints MB/s of JSON and CPU seconds for each pass: reading alone,
 * reading and scanning with the general path only, and with the fast path
 * for lines in bitcoin-etl's shape (the import's way). bench_trace
 * --only utxo gives the whole import (graph building and saving
 * included) on the same input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "trace/etl_scan.h"
#include "trace/reader.h"
#include "tripact/trace.h"

static void die(const char *what, const struct tp_diag *d)
{
	fprintf(stderr, "bench_etl_scan: %s: %s\n", what, d->message);
	exit(2);
}

/* One pass over path; with sc, every line is scanned too. Returns bytes. */
static uint64_t pass(const char *path, struct tpe_scan *sc, uint64_t *sum, uint64_t *lines)
{
	struct tpr r = {0};
	struct tp_diag d = {0};
	uint64_t bytes = 0;
	if (tpr_open(&r, path, &d) != TP_OK)
		die("open", &d);
	int rc;
	while ((rc = tpr_next(&r, &d)) > 0) {
		bytes += r.len + 1;
		(*lines)++;
		if (!sc)
			continue;
		const struct tpe_tx *t;
		char msg[300];
		if (tpe_scan_line(sc, r.line, r.len, &t, msg, sizeof msg) != TP_OK) {
			fprintf(stderr, "bench_etl_scan: %s:%ld: %s\n", path, r.lineno, msg);
			exit(2);
		}
		*sum += t->nin + t->nout + (uint64_t)t->block_number.i;
	}
	if (rc < 0)
		die("read", &d);
	tpr_close(&r);
	return bytes;
}

int main(int argc, char **argv)
{
	uint64_t txs = 2000000;
	const char *dir = "/tmp/bench_etl_scan", *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--txs") && i + 1 < argc)
			txs = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else {
			fprintf(stderr,
				"usage: bench_etl_scan [--txs N] [--dir DIR] [--file FILE]\n");
			return 2;
		}
	}
	char path[600];
	uint64_t n = 0;
	if (file) {
		printf("bench_etl_scan: rerun with: bench_etl_scan --file %s\n", file);
		snprintf(path, sizeof path, "%s", file);
	} else {
		printf("bench_etl_scan: rerun with: bench_etl_scan --txs %llu --dir %s\n",
		       (unsigned long long)txs, dir);
		struct tp_diag d = {0};
		struct tp_trace_synth_opts so = {
			.chain = "btc", .txs = txs, .thefts = 10, .seed = 1};
		if (tp_trace_synth(dir, &so, &n, &d) != TP_OK)
			die("synth", &d);
		snprintf(path, sizeof path, "%s/transactions.json", dir);
	}
	struct tpe_scan *sc;
	if (tpe_scan_new(&sc) != TP_OK)
		return 2;
	uint64_t sum = 0, lines = 0;
	static const char *const what[] = {"read lines", "+ scan, general", "+ scan"};
	for (int scan = 0; scan < 3; scan++) {
		tpe_scan_set_fast(sc, scan == 2);
		double w0 = tp_bench_wall(), c0 = tp_bench_cpu();
		lines = 0;
		uint64_t bytes = pass(path, scan ? sc : NULL, &sum, &lines);
		double w = tp_bench_wall() - w0, c = tp_bench_cpu() - c0;
		printf("  %-18s %7.1f MB/s per core  %8.0f tx/s per core  (%.2f s wall, %.2f s "
		       "CPU, "
		       "%.1f MB)\n",
		       what[scan], (double)bytes / 1e6 / c, (double)(n ? n : lines) / c, w, c,
		       (double)bytes / 1e6);
	}
	printf("  (checksum %llu; %llu of %llu lines read by the fast path)\n",
	       (unsigned long long)sum, (unsigned long long)tpe_scan_fast_lines(sc),
	       (unsigned long long)lines);
	tpe_scan_free(sc);
	return 0;
}
