/*
 * tripact trace: follow stolen cryptocurrency (docs/trace.md).
 *
 *	tripact trace import --chain btc --out g transactions.json
 *	tripact trace labels add --graph g exchanges.yaml
 *	tripact trace run --graph g --seed 1Thief... --model haircut --max-hops 10
 *	tripact trace info --graph g
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "tripact/trace.h"

static const char usage_text[] =
	"usage: tripact trace import --chain CHAIN --out DIR [--skip-bad] [--external-inputs]\n"
	"                 [--height N] [--no-default-labels] [--quiet] FILE...\n"
	"       tripact trace labels add --graph DIR FILE...\n"
	"       tripact trace labels defaults --graph DIR\n"
	"       tripact trace labels list --graph DIR\n"
	"       tripact trace run --graph DIR (--seed SEED... | --seeds FILE) --model MODEL\n"
	"                 [--labels FILE]... [--max-hops N] [--min-value V] [--since T]\n"
	"                 [--until T] [--stop-at CATS] [--asset TOKEN] [--format FORMAT]\n"
	"                 [--output FILE] [--indicator-min V] [--intrusion-set ID]\n"
	"                 [--intrusion-set-name NAME]\n"
	"       tripact trace info --graph DIR\n"
	"       tripact trace synth --out DIR [--chain btc|eth] [--txs N] [--thefts K] [--seed S]\n"
	"\n"
	"CHAIN     btc ltc bch doge (UTXO: bitcoin-etl transactions JSON lines;\n"
	"          btc also raw blocks: a node's blocks or data directory, blk*.dat,\n"
	"          or getblock hex, one block a line, from height --height N);\n"
	"          btc-test btc-testnet4 btc-signet btc-regtest (the same, for\n"
	"          Bitcoin's test networks);\n"
	"          eth etc bsc polygon arb (ethereum-etl transactions, traces,\n"
	"          token_transfers, blocks: CSV or JSON lines)\n"
	"SEED      ADDR (all it receives), TXID:N (one output), ADDR:AMOUNT@TIME\n"
	"MODEL     poison, haircut, fifo, tiho (docs/taint-models.md)\n"
	"CATS      comma-separated categories where taint stops (default\n"
	"          exchange,service): exchange mixer bridge service sanctioned theft\n"
	"          other, or none\n"
	"FORMAT    text (default), json, csv, dot, stix\n"
	"T         RFC 3339 date-time or YYYY-MM-DD (UTC)\n";

struct progress {
	int on;
	double start;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void show_progress(void *ctx, uint64_t done, uint64_t total, uint64_t txs)
{
	struct progress *p = ctx;
	if (!p->on)
		return;
	double el = now_s() - p->start;
	double rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 && total > done ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\rimporting %7.1f / %.1f MB (%3.0f%%)  %6.1f MB/s  %llu tx  ETA %d:%02d ",
		(double)done / 1e6, (double)total / 1e6, total ? 100.0 * (double)done / (double)total : 0,
		rate / 1e6, (unsigned long long)txs, (int)eta / 60, (int)eta % 60);
}

static int fail_diag(const struct tp_diag *d, enum tp_err e)
{
	return tp_cli_fail("%s", d->message[0] ? d->message : tp_strerror(e));
}

static int labels_path(const char *graph, char *out, size_t cap)
{
	return snprintf(out, cap, "%s/labels.csv", graph) < (int)cap;
}

static int save_labels(const char *graph, const struct tp_trace_labels *l)
{
	char path[4096], tmp[4200];
	if (!labels_path(graph, path, sizeof path))
		return tp_cli_fail("path too long");
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return tp_cli_fail("%s: cannot write", tmp);
	enum tp_err e = tp_trace_labels_write_csv(l, f);
	if (fclose(f) != 0 || e != TP_OK || rename(tmp, path) != 0) {
		unlink(tmp);
		return tp_cli_fail("%s: write error", path);
	}
	return TP_EXIT_OK;
}

/* The stored label set of the graph (empty if none yet). */
static int load_stored(const char *graph, struct tp_trace_labels *l)
{
	char path[4096];
	struct stat st;
	if (!labels_path(graph, path, sizeof path))
		return tp_cli_fail("path too long");
	if (stat(path, &st) != 0)
		return TP_EXIT_OK;
	struct tp_diag d = {0};
	enum tp_err e = tp_trace_labels_load(l, path, NULL, &d);
	return e == TP_OK ? TP_EXIT_OK : fail_diag(&d, e);
}

static int do_import(int argc, char **argv)
{
	static const struct option opts[] = {{"chain", required_argument, NULL, 'c'},
					     {"out", required_argument, NULL, 'o'},
					     {"skip-bad", no_argument, NULL, 's'},
					     {"no-default-labels", no_argument, NULL, 'n'},
					     {"external-inputs", no_argument, NULL, 'e'},
					     {"height", required_argument, NULL, 'H'},
					     {"quiet", no_argument, NULL, 'q'},
					     {NULL, 0, NULL, 0}};
	const char *chain = NULL, *out = NULL;
	int skip = 0, nodef = 0, quiet = 0, ext = 0, c;
	long long height = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			chain = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 's':
			skip = 1;
			break;
		case 'n':
			nodef = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'e':
			ext = 1;
			break;
		case 'H': {
			char *end;
			height = strtoll(optarg, &end, 10);
			if (*end || end == optarg || height < 0 || height > 4000000000LL)
				return tp_cli_fail("--height '%s' must be a block height", optarg);
			break;
		}
		default:
			return TP_EXIT_ERROR;
		}
	}
	if (!chain || !out || optind >= argc)
		return tp_cli_fail("trace import needs --chain, --out and input files");
	char path[4096];
	snprintf(path, sizeof path, "%s/graph.tpg", out);
	struct stat st;
	int fresh = stat(path, &st) != 0;
	struct progress p = {!quiet && isatty(2), now_s()};
	struct tp_trace_import_opts io = {.skip_bad = skip,
					  .external_inputs = ext,
					  .first_height = height,
					  .have_first_height = height >= 0,
					  .progress = show_progress,
					  .progress_ctx = &p};
	struct tp_trace_import_stats s;
	struct tp_diag d = {0};
	double t0 = now_s();
	enum tp_err e = tp_trace_import(out, chain, (const char *const *)argv + optind,
					(size_t)(argc - optind), &io, &s, &d);
	if (p.on)
		fputc('\n', stderr);
	if (e != TP_OK)
		return fail_diag(&d, e);
	double el = now_s() - t0;
	fprintf(stderr,
		"tripact: imported %llu transactions (%llu inputs, %llu outputs, %llu transfers) "
		"from %.1f MB in %.2f s\n",
		(unsigned long long)s.txs, (unsigned long long)s.inputs,
		(unsigned long long)s.outputs, (unsigned long long)s.transfers, (double)s.bytes / 1e6,
		el);
	if (s.external)
		fprintf(stderr,
			"tripact: %llu inputs spend outputs from before the imported blocks "
			"(kept as external outputs)\n",
			(unsigned long long)s.external);
	if (s.skipped)
		fprintf(stderr, "tripact: warning: skipped %llu bad rows (--skip-bad); first: %s\n",
			(unsigned long long)s.skipped, s.first_skip);
	if (fresh && !nodef) {
		struct tp_trace_labels *l;
		size_t n = 0;
		if (tp_trace_labels_new(&l) != TP_OK)
			return tp_cli_fail("out of memory");
		e = tp_trace_labels_load_defaults(l, &n, &d);
		int rc = e == TP_OK ? save_labels(out, l) : fail_diag(&d, e);
		tp_trace_labels_free(l);
		if (rc)
			return rc;
		fprintf(stderr, "tripact: stored the default label set (%zu labels)\n", n);
	}
	return TP_EXIT_OK;
}

static int do_labels(int argc, char **argv)
{
	static const struct option opts[] = {{"graph", required_argument, NULL, 'g'},
					     {NULL, 0, NULL, 0}};
	const char *graph = NULL;
	int c;
	if (argc < 2)
		return tp_cli_fail("trace labels needs add, defaults or list");
	const char *verb = argv[1];
	optind = 1;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		if (c != 'g')
			return TP_EXIT_ERROR;
		graph = optarg;
	}
	if (!graph)
		return tp_cli_fail("trace labels needs --graph DIR");
	struct tp_trace_labels *l;
	if (tp_trace_labels_new(&l) != TP_OK)
		return tp_cli_fail("out of memory");
	int rc = load_stored(graph, l);
	struct tp_diag d = {0};
	if (rc == TP_EXIT_OK && !strcmp(verb, "list")) {
		if (tp_trace_labels_write_csv(l, stdout) != TP_OK)
			rc = tp_cli_fail("write error");
	} else if (rc == TP_EXIT_OK && (!strcmp(verb, "add") || !strcmp(verb, "defaults"))) {
		size_t total = 0, n = 0;
		enum tp_err e = TP_OK;
		if (!strcmp(verb, "defaults")) {
			e = tp_trace_labels_load_defaults(l, &total, &d);
		} else {
			if (optind + 1 >= argc)
				e = tp_diag_set(&d, TP_EINVAL, "trace labels add needs label files");
			for (int i = optind + 1; i < argc && e == TP_OK; i++) {
				e = tp_trace_labels_load(l, argv[i], &n, &d);
				total += n;
			}
		}
		rc = e == TP_OK ? save_labels(graph, l) : fail_diag(&d, e);
		if (rc == TP_EXIT_OK)
			fprintf(stderr, "tripact: added %zu labels (%zu addresses labelled)\n", total,
				tp_trace_labels_count(l));
	} else if (rc == TP_EXIT_OK) {
		rc = tp_cli_fail("unknown 'trace labels %s' (add, defaults, list)", verb);
	}
	tp_trace_labels_free(l);
	return rc;
}

static int parse_when(const char *s, int64_t *out)
{
	char buf[64];
	if (strlen(s) == 10) {
		snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
		s = buf;
	}
	tp_time_us t;
	if (tp_time_parse(s, strlen(s), TP_TIME_ANY_OFFSET, &t, NULL, NULL) != TP_OK)
		return 0;
	*out = t / 1000000;
	return 1;
}

static int parse_stops(char *s, unsigned *mask)
{
	*mask = 0;
	if (!strcmp(s, "none")) {
		*mask = 1u << TP_CAT_COUNT; /* a bit no category uses */
		return 1;
	}
	for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ",")) {
		enum tp_label_cat c = tp_label_cat_parse(tok);
		if (!c)
			return 0;
		*mask |= 1u << c;
	}
	return *mask != 0;
}

struct seeds {
	struct tp_trace_seed *v;
	size_t n;
	char **owned;
	size_t nowned;
};

static int add_seed(struct seeds *s, char *text)
{
	struct tp_trace_seed one;
	struct tp_diag d = {0};
	char *copy = strdup(text);
	char **o = realloc(s->owned, (s->nowned + 1) * sizeof *o);
	if (!copy || !o) {
		free(copy);
		if (o)
			s->owned = o;
		return tp_cli_fail("out of memory");
	}
	s->owned = o;
	s->owned[s->nowned++] = copy;
	enum tp_err e = tp_trace_seed_parse(copy, &one, &d);
	if (e != TP_OK)
		return fail_diag(&d, e);
	struct tp_trace_seed *v = realloc(s->v, (s->n + 1) * sizeof *v);
	if (!v)
		return tp_cli_fail("out of memory");
	s->v = v;
	s->v[s->n++] = one;
	return TP_EXIT_OK;
}

static int read_seeds(struct seeds *s, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return tp_cli_fail("%s: cannot open", path);
	char line[1024];
	int rc = TP_EXIT_OK;
	while (rc == TP_EXIT_OK && fgets(line, sizeof line, f)) {
		char *p = line + strspn(line, " \t");
		p[strcspn(p, " \t\r\n#")] = '\0';
		if (*p)
			rc = add_seed(s, p);
	}
	fclose(f);
	return rc;
}

static int parse_amount(const char *s, struct tp_u256 *out, const char *what)
{
	if (tp_u256_parse(s, SIZE_MAX, out) != TP_OK) {
		tp_cli_fail("%s '%s' must be a non-negative integer in base units", what, s);
		return 0;
	}
	return 1;
}

/* A trace whose seeds received nothing (in the --since/--until window, or at
 * all) reports no endpoints: say why instead of an empty report alone. */
static void warn_if_nothing_stolen(const struct tp_trace_result *r, const struct tp_trace_opts *o)
{
	struct tp_trace_totals t;
	tp_trace_result_totals(r, &t);
	if (!tp_u256_is_zero(&t.seed))
		return;
	fprintf(stderr, "tripact: warning: the seeds received nothing to trace%s\n",
		o->since || o->until ? " between --since and --until" : "");
}

static int do_run(int argc, char **argv)
{
	static const struct option opts[] = {{"graph", required_argument, NULL, 'g'},
					     {"seed", required_argument, NULL, 's'},
					     {"seeds", required_argument, NULL, 'S'},
					     {"model", required_argument, NULL, 'm'},
					     {"labels", required_argument, NULL, 'l'},
					     {"max-hops", required_argument, NULL, 'h'},
					     {"min-value", required_argument, NULL, 'v'},
					     {"since", required_argument, NULL, 'a'},
					     {"until", required_argument, NULL, 'b'},
					     {"stop-at", required_argument, NULL, 'x'},
					     {"asset", required_argument, NULL, 't'},
					     {"format", required_argument, NULL, 'f'},
					     {"output", required_argument, NULL, 'o'},
					     {"indicator-min", required_argument, NULL, 'i'},
					     {"intrusion-set", required_argument, NULL, 'I'},
					     {"intrusion-set-name", required_argument, NULL, 'N'},
					     {NULL, 0, NULL, 0}};
	const char *graph = NULL, *output = NULL;
	struct tp_trace_opts o = {0};
	struct tp_report_opts ro = {0};
	enum tp_report_format fmt = TP_REPORT_TEXT;
	struct seeds seeds = {0};
	const char **label_files = NULL;
	size_t nlabel = 0;
	int c, rc = TP_EXIT_OK;
	optind = 1;
	while (rc == TP_EXIT_OK && (c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'g':
			graph = optarg;
			break;
		case 's':
			rc = add_seed(&seeds, optarg);
			break;
		case 'S':
			rc = read_seeds(&seeds, optarg);
			break;
		case 'm':
			if (!(o.model = tp_trace_model_parse(optarg)))
				rc = tp_cli_fail("unknown model '%s' (poison, haircut, fifo, tiho)",
						 optarg);
			break;
		case 'l': {
			const char **q = realloc(label_files, (nlabel + 1) * sizeof *q);
			if (!q)
				rc = tp_cli_fail("out of memory");
			else
				(label_files = q)[nlabel++] = optarg;
			break;
		}
		case 'h': {
			unsigned long n = strtoul(optarg, &end, 10);
			if (*end || end == optarg || n > 1000000)
				rc = tp_cli_fail("--max-hops '%s' must be a number (0: no limit)", optarg);
			o.max_hops = (uint32_t)n;
			break;
		}
		case 'v':
			if (!parse_amount(optarg, &o.min_value, "--min-value"))
				rc = TP_EXIT_ERROR;
			break;
		case 'a':
			if (!parse_when(optarg, &o.since))
				rc = tp_cli_fail("--since '%s' is not a date", optarg);
			break;
		case 'b':
			if (!parse_when(optarg, &o.until))
				rc = tp_cli_fail("--until '%s' is not a date", optarg);
			break;
		case 'x':
			if (!parse_stops(optarg, &o.stop_mask))
				rc = tp_cli_fail("--stop-at: unknown category in '%s'", optarg);
			break;
		case 't':
			o.asset = optarg;
			break;
		case 'f':
			if (!(fmt = tp_report_format_parse(optarg)))
				rc = tp_cli_fail("unknown format '%s' (text, json, csv, dot, stix)",
						 optarg);
			break;
		case 'o':
			output = optarg;
			break;
		case 'i':
			if (!parse_amount(optarg, &ro.indicator_min, "--indicator-min"))
				rc = TP_EXIT_ERROR;
			break;
		case 'I':
			ro.intrusion_set_id = optarg;
			break;
		case 'N':
			ro.intrusion_set_name = optarg;
			break;
		default:
			rc = TP_EXIT_ERROR;
		}
	}
	if (rc == TP_EXIT_OK && optind < argc)
		rc = tp_cli_fail("unexpected argument '%s'", argv[optind]);
	if (rc == TP_EXIT_OK && (!graph || !seeds.n || !o.model))
		rc = tp_cli_fail("trace run needs --graph, at least one seed and --model");
	struct tp_trace_graph *g = NULL;
	struct tp_trace_labels *l = NULL;
	struct tp_trace_result *r = NULL;
	struct tp_diag d = {0};
	enum tp_err e;
	if (rc == TP_EXIT_OK && (e = tp_trace_graph_open(graph, &g, &d)) != TP_OK)
		rc = fail_diag(&d, e);
	if (rc == TP_EXIT_OK && tp_trace_labels_new(&l) != TP_OK)
		rc = tp_cli_fail("out of memory");
	if (rc == TP_EXIT_OK)
		rc = load_stored(graph, l);
	for (size_t i = 0; rc == TP_EXIT_OK && i < nlabel; i++)
		if ((e = tp_trace_labels_load(l, label_files[i], NULL, &d)) != TP_OK)
			rc = fail_diag(&d, e);
	o.no_flow = fmt != TP_REPORT_DOT; /* only the picture needs the edges */
	if (rc == TP_EXIT_OK && (e = tp_trace_run(g, l, seeds.v, seeds.n, &o, &r, &d)) != TP_OK)
		rc = fail_diag(&d, e);
	if (rc == TP_EXIT_OK)
		warn_if_nothing_stolen(r, &o);
	FILE *f = stdout;
	if (rc == TP_EXIT_OK && output && !(f = fopen(output, "w"))) {
		f = stdout;
		rc = tp_cli_fail("%s: cannot write", output);
	}
	if (rc == TP_EXIT_OK && (e = tp_trace_report_write(r, fmt, &ro, f, &d)) != TP_OK)
		rc = fail_diag(&d, e);
	if (f != stdout && fclose(f) != 0 && rc == TP_EXIT_OK)
		rc = tp_cli_fail("%s: write error", output);
	if (rc == TP_EXIT_OK && o.model != TP_MODEL_POISON && !tp_trace_result_conserved(r))
		rc = tp_cli_fail("internal error: endpoints + held + fees != seed; the totals are "
				 "wrong, please report this trace");
	tp_trace_result_free(r);
	tp_trace_labels_free(l);
	tp_trace_graph_free(g);
	for (size_t i = 0; i < seeds.nowned; i++)
		free(seeds.owned[i]);
	free(seeds.owned);
	free(seeds.v);
	free(label_files);
	return rc;
}

static int do_info(int argc, char **argv)
{
	static const struct option opts[] = {{"graph", required_argument, NULL, 'g'},
					     {NULL, 0, NULL, 0}};
	const char *graph = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c != 'g')
			return TP_EXIT_ERROR;
		graph = optarg;
	}
	if (!graph)
		return tp_cli_fail("trace info needs --graph DIR");
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	enum tp_err e = tp_trace_graph_open(graph, &g, &d);
	if (e != TP_OK)
		return fail_diag(&d, e);
	struct tp_trace_graph_info i;
	tp_trace_graph_info(g, &i);
	printf("chain         %s (%s)\n", i.chain, i.kind == TP_TRACE_UTXO ? "UTXO" : "account");
	printf("last block    %u\n", i.last_block);
	printf("addresses     %llu\n", (unsigned long long)i.addresses);
	printf("transactions  %llu\n", (unsigned long long)i.txs);
	if (i.kind == TP_TRACE_UTXO)
		printf("inputs        %llu\noutputs       %llu\n", (unsigned long long)i.inputs,
		       (unsigned long long)i.outputs);
	else
		printf("transfers     %llu\n", (unsigned long long)i.transfers);
	printf("graph file    %llu bytes (%.1f bytes per transaction)\n",
	       (unsigned long long)i.file_bytes,
	       i.txs ? (double)i.file_bytes / (double)i.txs : 0.0);
	tp_trace_graph_free(g);
	return TP_EXIT_OK;
}

static int do_synth(int argc, char **argv)
{
	static const struct option opts[] = {{"chain", required_argument, NULL, 'c'},
					     {"out", required_argument, NULL, 'o'},
					     {"txs", required_argument, NULL, 'n'},
					     {"thefts", required_argument, NULL, 't'},
					     {"seed", required_argument, NULL, 's'},
					     {NULL, 0, NULL, 0}};
	struct tp_trace_synth_opts so = {.chain = "btc"};
	const char *out = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *end = NULL;
		unsigned long long v = 0;
		if (c == 'n' || c == 't' || c == 's') {
			v = strtoull(optarg, &end, 10);
			if (*end || end == optarg)
				return tp_cli_fail("'%s' is not a number", optarg);
		}
		switch (c) {
		case 'c':
			so.chain = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'n':
			so.txs = v;
			break;
		case 't':
			if (v < 1 || v > 1000)
				return tp_cli_fail("--thefts must be 1..1000");
			so.thefts = (uint32_t)v;
			break;
		case 's':
			so.seed = v;
			break;
		default:
			return TP_EXIT_ERROR;
		}
	}
	if (!out || optind < argc)
		return tp_cli_fail("trace synth needs --out DIR (and takes no other arguments)");
	struct tp_diag d = {0};
	uint64_t n = 0;
	enum tp_err e = tp_trace_synth(out, &so, &n, &d);
	if (e != TP_OK)
		return fail_diag(&d, e);
	fprintf(stderr, "tripact: wrote %llu %s transactions with %u planted thefts to %s\n",
		(unsigned long long)n, so.chain, so.thefts ? so.thefts : 3, out);
	return TP_EXIT_OK;
}

int cmd_trace(int argc, char **argv)
{
	if (argc < 2 || (tp_cli_wants_help(argc, argv) && argc < 3) ||
	    !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, argc < 2 ? stderr : stdout);
		return argc < 2 ? TP_EXIT_ERROR : TP_EXIT_OK;
	}
	if (tp_cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return TP_EXIT_OK;
	}
	const char *sub = argv[1];
	if (!strcmp(sub, "import"))
		return do_import(argc - 1, argv + 1);
	if (!strcmp(sub, "labels"))
		return do_labels(argc - 1, argv + 1);
	if (!strcmp(sub, "run"))
		return do_run(argc - 1, argv + 1);
	if (!strcmp(sub, "info"))
		return do_info(argc - 1, argv + 1);
	if (!strcmp(sub, "synth"))
		return do_synth(argc - 1, argv + 1);
	return tp_cli_fail("unknown 'trace %s' (import, labels, run, info)", sub);
}
