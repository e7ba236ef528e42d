/*
 * bitcoin-etl JSON-lines import with the lines scanned on a thread of
 * their own: the graph file must be byte for byte the one a
 * single-threaded import writes, and so must every error, every skip,
 * the statistics and the progress reports, for a generated chain of
 * 12,000 transactions (many batches of lines) that spends coins at random,
 * with blank lines, CRLF line ends and one very long line among them. Also:
 * an import resumed in two parts equals one import.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph_compare.h"
#include "tp_test.h"
#include "trace/import_utxo.h"
#include "tripact/trace.h"

static char scratch[] = "/tmp/tp_trace_etlpipe_XXXXXX";

#define NTX   12000
#define BLOCK 20 /* transactions a block */

static uint64_t rng;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

struct coin {
	unsigned tx, vout;
	uint64_t value;
};

/* What is wrong with the one bad line (transaction bad_at), if anything. */
enum bad { NONE, TRUNCATED, BAD_HASH, DUP, UNKNOWN, SPENT, EXCEED, ORDER };

struct gen {
	FILE *f;
	struct coin pool[4096], spent[64];
	size_t npool, nspent;
	char last[4096]; /* the previous line, for DUP */
};

static void txid(unsigned t, char out[65])
{
	uint64_t x = (t + 1) * 0x9e3779b97f4a7c15ULL;
	snprintf(out, 65, "%016llx%016llx%016llx%016llx", (unsigned long long)x,
		 (unsigned long long)(x ^ 0xabcdefULL), (unsigned long long)t,
		 (unsigned long long)~x);
}

static struct coin take(struct gen *g)
{
	size_t j = (size_t)(rnd() % g->npool);
	struct coin c = g->pool[j];
	g->pool[j] = g->pool[--g->npool];
	g->spent[g->nspent++ % 64] = c;
	return c;
}

/* One transaction's line (without newline) into out. */
static void tx_line(struct gen *g, unsigned t, enum bad bad, char *out, size_t cap)
{
	char id[65], sid[65];
	unsigned block = t / BLOCK + 1;
	int cb = t % BLOCK == 0 || g->npool < 8;
	txid(t, id);
	if (bad == BAD_HASH)
		id[5] = 'z';
	if (bad == ORDER)
		block -= 1;
	size_t n = (size_t)snprintf(out, cap,
				    "{\"hash\":\"%s\",\"block_number\":%u,\"block_timestamp\":%u,"
				    "\"is_coinbase\":%s,\"inputs\":[",
				    id, block, 1600000000u + block * 600, cb ? "true" : "false");
	uint64_t total = 0;
	size_t nin = cb ? 0 : 1 + (size_t)(rnd() % 2);
	for (size_t i = 0; i < nin; i++) {
		struct coin c = bad == SPENT && i == 0 ? g->spent[0] : take(g);
		txid(c.tx, sid);
		if (bad == UNKNOWN && i == 0)
			sid[0] = sid[0] == 'f' ? 'e' : 'f';
		total += c.value;
		n += (size_t)snprintf(out + n, cap - n,
				      "%s{\"index\":%zu,\"spent_transaction_hash\":\"%s\","
				      "\"spent_output_index\":%u,\"value\":%llu}",
				      i ? "," : "", i, sid, c.vout, (unsigned long long)c.value);
	}
	n += (size_t)snprintf(out + n, cap - n, "],\"outputs\":[");
	size_t nout = 1 + (size_t)(rnd() % 3);
	for (size_t o = 0; o < nout; o++) {
		uint64_t v = cb ? 5000000000ULL : total / nout;
		if (bad == EXCEED && o == 0)
			v += total + 1;
		unsigned a = (unsigned)(rnd() % 50);
		char addrs[64];
		if (a < 5)
			snprintf(addrs, sizeof addrs, "[]"); /* no address */
		else if (a < 8)
			snprintf(addrs, sizeof addrs, "[\"1Multi%u\",\"1Other%u\"]", a, a);
		else
			snprintf(addrs, sizeof addrs, "[\"1Addr%u\"]", a);
		n += (size_t)snprintf(out + n, cap - n,
				      "%s{\"index\":%zu,\"addresses\":%s,\"value\":%llu}",
				      o ? "," : "", o, addrs, (unsigned long long)v);
		if (g->npool < 4096)
			g->pool[g->npool++] = (struct coin){t, (unsigned)o, v};
	}
	snprintf(out + n, cap - n, "]}");
	if (bad == TRUNCATED)
		out[n / 2] = '\0';
	if (bad == DUP)
		snprintf(out, cap, "%s", g->last);
}

/* Writes transactions [from, to) to path; transaction bad_at is bad. Blank
 * lines, CRLF ends and a line padded to 200 KB are mixed in. */
static const char *chain_file(const char *name, unsigned from, unsigned to, enum bad bad,
			      unsigned bad_at)
{
	static char path[4200];
	static struct gen g;
	memset(&g, 0, sizeof g);
	rng = 0x2545f4914f6cdd1dULL;
	snprintf(path, sizeof path, "%s/%s", scratch, name);
	g.f = fopen(path, "w");
	assert_non_null(g.f);
	char line[4096];
	for (unsigned t = 0; t < to; t++) {
		tx_line(&g, t, t == bad_at ? bad : NONE, line, sizeof line);
		snprintf(g.last, sizeof g.last, "%s", line);
		if (t < from)
			continue;
		if (t % 997 == 0)
			fputs("\n\n", g.f);
		if (t == 5000) { /* longer than a batch holds: whitespace inside the object */
			fputs("{ ", g.f);
			for (int k = 0; k < 200000; k++)
				fputc(' ', g.f);
			fputs(line + 1, g.f);
		} else {
			fputs(line, g.f);
		}
		fputs(t % 13 == 0 ? "\r\n" : "\n", g.f);
	}
	assert_int_equal(fclose(g.f), 0);
	return path;
}

struct progress {
	unsigned calls;
	uint64_t sum; /* of every call's arguments, mixed */
};

static void on_progress(void *ctx, uint64_t done, uint64_t total, uint64_t txs)
{
	struct progress *p = ctx;
	p->calls++;
	p->sum = p->sum * 31 + done + total * 7 + txs * 13;
}

struct run {
	enum tp_err e;
	struct tp_diag d;
	struct tp_trace_import_stats st;
	struct progress pr;
	char dir[4200];
};

static void import_files(struct run *r, const char *name, const char **paths, size_t n, int threads,
			 int skip)
{
	memset(r, 0, sizeof *r);
	struct tp_trace_import_opts o = {
		.skip_bad = skip, .progress = on_progress, .progress_ctx = &r->pr};
	snprintf(r->dir, sizeof r->dir, "%s/%s", scratch, name);
	tpi_utxo_threads(threads);
	r->e = tp_trace_import(r->dir, "btc", paths, n, &o, &r->st, &r->d);
	tpi_utxo_threads(0);
}

static void import(struct run *r, const char *name, const char *path, int threads, int skip)
{
	import_files(r, name, &path, 1, threads, skip);
}

static void same_file(const char *a, const char *b)
{
	char pa[4300], pb[4300];
	snprintf(pa, sizeof pa, "%s/graph.tpg", a);
	snprintf(pb, sizeof pb, "%s/graph.tpg", b);
	size_t na, nb;
	char *x = tp_test_slurp(pa, &na), *y = tp_test_slurp(pb, &nb);
	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(na, nb);
	assert_memory_equal(x, y, na);
	free(x);
	free(y);
}

static void same_stats(const struct run *one, const struct run *two)
{
	assert_int_equal(one->e, two->e);
	assert_string_equal(one->d.message, two->d.message);
	assert_int_equal(one->d.line, two->d.line);
	assert_int_equal(one->st.txs, two->st.txs);
	assert_int_equal(one->st.inputs, two->st.inputs);
	assert_int_equal(one->st.outputs, two->st.outputs);
	assert_int_equal(one->st.rows, two->st.rows);
	assert_int_equal(one->st.bytes, two->st.bytes);
	assert_int_equal(one->st.skipped, two->st.skipped);
	assert_string_equal(one->st.first_skip, two->st.first_skip);
	assert_int_equal(one->pr.calls, two->pr.calls);
	assert_true(one->pr.sum == two->pr.sum);
}

static void rm(const char *name)
{
	char cmd[4400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s/%s'", scratch, name);
	assert_int_equal(system(cmd), 0);
}

/* One thread and two give the same graph file, statistics and progress. */
static void test_threads_same_graph(void **state)
{
	(void)state;
	const char *p = chain_file("good.json", 0, NTX, NONE, 0);
	struct run one, two;
	import(&one, "good1", p, 1, 0);
	import(&two, "good2", p, 2, 0);
	assert_int_equal(one.e, TP_OK);
	assert_int_equal(one.st.txs, NTX);
	assert_true(one.st.rows > NTX);
	same_stats(&one, &two);
	same_file(one.dir, two.dir);
	rm("good1");
	rm("good2");
}

/* Progress every 65,536 lines: blank lines make enough of them cheaply. */
static void test_progress(void **state)
{
	(void)state;
	char path[4300];
	snprintf(path, sizeof path, "%s/blank.json", scratch);
	const char *p = chain_file("blank0.json", 0, 2000, NONE, 0);
	char *text = tp_test_slurp(p, NULL);
	assert_non_null(text);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int k = 0; k < 140000; k++)
		fputc('\n', f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	free(text);
	const char *q = path;
	struct run one, two;
	import(&one, "blank1", q, 1, 0);
	import(&two, "blank2", q, 2, 0);
	assert_int_equal(one.e, TP_OK);
	assert_int_equal(one.pr.calls, 3); /* lines 65,536 and 131,072, then the end */
	same_stats(&one, &two);
	same_file(one.dir, two.dir);
	rm("blank1");
	rm("blank2");
}

/* A bad transaction at line about `at`: the same error word for word both
 * ways, and skipped instead the same graph, count and first reason. */
static void bad_chain(enum bad bad, unsigned at, enum tp_err want, const char *what)
{
	char name[32];
	snprintf(name, sizeof name, "bad%d-%u.json", (int)bad, at);
	const char *p = chain_file(name, 0, NTX, bad, at);
	struct run one, two;
	import(&one, "bad1", p, 1, 0);
	import(&two, "bad2", p, 2, 0);
	assert_int_equal(one.e, want);
	same_stats(&one, &two);
	assert_non_null(strstr(one.d.message, what));
	assert_non_null(strstr(one.d.message, p)); /* file and line named */
	assert_true(one.d.line > (long)at);
	import(&one, "skip1", p, 1, 1);
	import(&two, "skip2", p, 2, 1);
	assert_int_equal(one.e, TP_OK);
	assert_true(one.st.skipped >= 1);
	assert_non_null(strstr(one.st.first_skip, what));
	same_stats(&one, &two);
	same_file(one.dir, two.dir);
	rm("bad1");
	rm("bad2");
	rm("skip1");
	rm("skip2");
}

static void test_truncated(void **state)
{
	(void)state;
	bad_chain(TRUNCATED, 7001, TP_EPARSE, "not a JSON object");
	bad_chain(TRUNCATED, 0, TP_EPARSE, "not a JSON object");
	bad_chain(TRUNCATED, NTX - 1, TP_EPARSE, "not a JSON object");
}

static void test_bad_hash(void **state)
{
	(void)state;
	bad_chain(BAD_HASH, 3333, TP_EPARSE, "\"hash\" must be a 64-digit hex");
}

static void test_duplicate(void **state)
{
	(void)state;
	bad_chain(DUP, 8191, TP_EEXIST, "duplicate transaction");
}

static void test_unknown_output(void **state)
{
	(void)state;
	bad_chain(UNKNOWN, 4097, TP_ENOTFOUND, "spends unknown output");
}

static void test_spent_twice(void **state)
{
	(void)state;
	bad_chain(SPENT, 9001, TP_ECONFLICT, "already spent");
}

static void test_exceed(void **state)
{
	(void)state;
	bad_chain(EXCEED, 6543, TP_EVALIDATE, "exceed inputs");
}

static void test_order(void **state)
{
	(void)state;
	bad_chain(ORDER, 200 * BLOCK + 5, TP_EPARSE, "sorted by block");
}

/* Two files in one import, and the second appended to the first's graph
 * in a later import, give the graph of one file. */
static void test_resume(void **state)
{
	(void)state;
	unsigned cut = 300 * BLOCK; /* a block boundary */
	char a[4200], b[4200];
	snprintf(a, sizeof a, "%s", chain_file("part1.json", 0, cut, NONE, NTX));
	snprintf(b, sizeof b, "%s", chain_file("part2.json", cut, NTX, NONE, NTX));
	const char *whole = chain_file("whole.json", 0, NTX, NONE, NTX);
	struct run one, two, parts;
	import(&one, "whole1", whole, 1, 0);
	assert_int_equal(one.e, TP_OK);
	const char *both[] = {a, b};
	import_files(&two, "both2", both, 2, 2, 0);
	assert_int_equal(two.e, TP_OK);
	same_file(one.dir, two.dir);
	import(&parts, "parts2", a, 2, 0);
	assert_int_equal(parts.e, TP_OK);
	import(&parts, "parts2", b, 2, 0);
	assert_int_equal(parts.e, TP_OK);
	assert_int_equal(parts.st.txs, NTX - cut);
	/* appended in place: the same sections, in other places of the file */
	tp_test_same_graph(one.dir, parts.dir);
	/* and the same part again is refused, the same way both ways */
	struct run again1, again2;
	import(&again1, "parts2", b, 1, 0);
	import(&again2, "parts2", b, 2, 0);
	assert_int_equal(again1.e, TP_ECONFLICT);
	same_stats(&again1, &again2);
	rm("whole1");
	rm("both2");
	rm("parts2");
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_same_graph),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_hash),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_unknown_output),
		cmocka_unit_test(test_spent_twice),
		cmocka_unit_test(test_exceed),
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_resume),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
