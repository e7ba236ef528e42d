/*
 * Appending newer blocks to a graph: a chain imported in three parts
 * gives the same graph, section for section, as one import of the whole
 * (UTXO from a synthetic chain whose spends cross the parts; account from
 * CSV rows whose addresses recur across the parts), and an append that
 * fails (a bad row after good ones, blocks that are not newer) leaves the
 * previous file as it was, still opening, and so does a save that died
 * halfway (the half-written temporary file beside the graph is ignored).
 * An append in place stopped after each of its steps, or whose new header
 * is damaged, leaves the graph before it, and the next append recovers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "graph_compare.h"
#include "tp_test.h"
#include "tripact/trace.h"

static char scratch[] = "/tmp/tp_graph_append_XXXXXX";

#define ETH_HEADER                                                                                 \
	"hash,nonce,block_number,transaction_index,from_address,to_address,value,gas,gas_price,"   \
	"block_timestamp,receipt_gas_used,receipt_status\n"

static const char *path_in(const char *name)
{
	static char p[16][4300]; /* a test keeps at most 16 at once */
	static int k;
	char *out = p[k++ % 16];
	snprintf(out, sizeof p[0], "%s/%s", scratch, name);
	return out;
}

static void write_file(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

/* The bytes of DIR/graph.tpg (caller frees). */
static char *graph_bytes(const char *dir, size_t *n)
{
	char p[4300];
	snprintf(p, sizeof p, "%s/graph.tpg", dir);
	char *b = tp_test_slurp(p, n);
	assert_non_null(b);
	return b;
}

static void import_ok(const char *dir, const char *chain, const char *file)
{
	struct tp_diag d = {0};
	enum tp_err e = tp_trace_import(dir, chain, &file, 1, NULL, NULL, &d);
	if (e != TP_OK)
		fail_msg("import of %s: %s", file, d.message);
}

/* Splits JSON lines into three files at the first lines of blocks b1 and b2. */
static void split_json(const char *text, long b1, long b2, const char *out[3])
{
	const char *cut[4] = {text, NULL, NULL, text + strlen(text)};
	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		const char *bn = strstr(l, "\"block_number\":");
		assert_non_null(bn);
		long b = strtol(bn + 15, NULL, 10);
		if (!cut[1] && b >= b1)
			cut[1] = l;
		if (!cut[2] && b >= b2)
			cut[2] = l;
	}
	assert_non_null(cut[1]);
	assert_non_null(cut[2]);
	assert_true(cut[1] > cut[0] && cut[2] > cut[1] && cut[3] > cut[2]);
	const char *names[3] = {"part0.json", "part1.json", "part2.json"};
	for (int i = 0; i < 3; i++) {
		out[i] = path_in(names[i]);
		write_file(out[i], cut[i], (size_t)(cut[i + 1] - cut[i]));
	}
}

/* A synthetic UTXO chain whose spends cross its parts: the whole file
 * (returned) and three parts of it. */
static const char *utxo_parts(long b1, long b2, const char *parts[3], uint64_t *ntx)
{
	const char *sdir = path_in("synth");
	struct tp_trace_synth_opts so = {.chain = "btc", .txs = 3000, .per_block = 100, .seed = 7};
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_synth(sdir, &so, ntx, &d), TP_OK);
	const char *whole = path_in("synth/transactions.json");
	size_t n;
	char *text = tp_test_slurp(whole, &n);
	assert_non_null(text);
	split_json(text, b1, b2, parts);
	free(text);
	return whole;
}

static void test_utxo_parts_equal_one_import(void **state)
{
	(void)state;
	const char *parts[3];
	uint64_t ntx;
	const char *whole = utxo_parts(10, 25, parts, &ntx);
	const char *one = path_in("utxo_one"), *three = path_in("utxo_three");
	import_ok(one, "btc", whole);
	for (int i = 0; i < 3; i++)
		import_ok(three, "btc", parts[i]);
	tp_test_same_graph(one, three);
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_graph_open(three, &g, &d), TP_OK);
	struct tp_trace_graph_info info;
	tp_trace_graph_info(g, &info);
	assert_int_equal(info.txs, ntx);
	tp_trace_graph_free(g);
}

/* Flips bits of byte at of DIR/graph.tpg (flipping again restores it). */
static void flip_byte(const char *dir, long at)
{
	char p[4300];
	snprintf(p, sizeof p, "%s/graph.tpg", dir);
	FILE *f = fopen(p, "r+b");
	assert_non_null(f);
	assert_int_equal(fseek(f, at, SEEK_SET), 0);
	int c = fgetc(f);
	assert_int_equal(fseek(f, at, SEEK_SET), 0);
	fputc(c ^ 0x5a, f);
	assert_int_equal(fclose(f), 0);
}

#define SLOT_B 1024 /* the newest state's header after one append */
#define SLOT_P 2048 /* the pending record */

/*
 * An append of parts[1] to parts[0] (tag names its directories) stopped
 * after each of its steps as if the process died there (after the
 * pending record; after the data, what it wrote past the old end of the
 * file then lost), or finished and then its new header damaged: the
 * graph reads as before it, the ids it was adding are not found, and the
 * next appends clear what it left and give the graph of one import of
 * whole.
 */
static void crash_each_step(const char *chain, const char *const parts[3], const char *whole,
			    const char *tag)
{
	char name[64];
	snprintf(name, sizeof name, "%s_ref0", tag);
	const char *ref0 = path_in(name);
	snprintf(name, sizeof name, "%s_ref01", tag);
	const char *ref01 = path_in(name);
	snprintf(name, sizeof name, "%s_whole", tag);
	const char *one = path_in(name);
	import_ok(ref0, chain, parts[0]);
	import_ok(ref01, chain, parts[0]);
	import_ok(ref01, chain, parts[1]);
	import_ok(one, chain, whole);
	for (int k = 1; k <= 3; k++) {
		snprintf(name, sizeof name, "%s_crash%d", tag, k);
		const char *dir = path_in(name);
		import_ok(dir, chain, parts[0]);
		char file[4300];
		snprintf(file, sizeof file, "%s/graph.tpg", dir);
		struct stat before;
		assert_int_equal(stat(file, &before), 0);
		if (k < 3) {
			struct tp_diag d = {0};
			tpg_append_stop_after = k;
			enum tp_err e = tp_trace_import(dir, chain, &parts[1], 1, NULL, NULL, &d);
			tpg_append_stop_after = 0;
			assert_int_equal(e, TP_EIO);
			assert_non_null(strstr(d.message, "test hook"));
			/* what a small append left in place (hash slots, spenders)
			 * is damage without its pending record */
			if (k == 2 && strstr(tag, "small")) {
				flip_byte(dir, SLOT_P + 40);
				struct tp_trace_graph *g;
				assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_EPARSE);
				assert_non_null(strstr(d.message, "damaged graph file"));
				flip_byte(dir, SLOT_P + 40);
			}
			/* and what it wrote past the old end may be lost */
			assert_int_equal(truncate(file, before.st_size), 0);
		} else {
			import_ok(dir, chain, parts[1]);
			flip_byte(dir, SLOT_B + 40);
		}
		tp_test_same_reads(dir, ref0);
		struct tp_trace_graph *g = tp_test_open_graph(dir),
				      *next = tp_test_open_graph(ref01);
		for (uint32_t t = g->ntx; t < next->ntx; t++)
			assert_int_equal(tpg_tx_find(g, next->txid[t], 32), TPG_NONE);
		for (uint32_t a = g->naddr; a < next->naddr; a++)
			assert_int_equal(
				tpg_addr_find(g, tpg_addr(next, a), strlen(tpg_addr(next, a))),
				TPG_NONE);
		assert_true(next->ntx > g->ntx);
		tp_trace_graph_free(g);
		tp_trace_graph_free(next);
		import_ok(dir, chain, parts[1]);
		import_ok(dir, chain, parts[2]);
		tp_test_same_graph(dir, one);
	}
}

static void test_utxo_crash_at_each_step(void **state)
{
	(void)state;
	const char *parts[3];
	uint64_t ntx;
	/* a block that fits in the sections' spare room, then 15 that do not */
	crash_each_step("btc", parts, utxo_parts(10, 11, parts, &ntx), "btc_small");
	crash_each_step("btc", parts, utxo_parts(10, 25, parts, &ntx), "btc_big");
}

/* Account rows for blocks first..last, five a block, among eleven addresses. */
static const char *eth_rows(const char *name, int first, int last)
{
	size_t cap = 256 + (size_t)(last - first + 1) * 5 * 256, n = 0;
	char *t = malloc(cap);
	assert_non_null(t);
	n += (size_t)snprintf(t, cap, ETH_HEADER);
	for (int b = first; b <= last; b++)
		for (int i = 0; i < 5; i++) {
			int k = b * 5 + i;
			n += (size_t)snprintf(
				t + n, cap - n,
				"0x%064x,0,%d,%d,0x%040x,0x%040x,%d,21000,10,%d,21000,1\n", k + 1,
				b, i, k % 11 + 1, (k * 7) % 11 + 1, k % 4 ? k : 0,
				1600000000 + b * 12);
		}
	const char *p = path_in(name);
	write_file(p, t, n);
	free(t);
	return p;
}

static void test_account_parts_equal_one_import(void **state)
{
	(void)state;
	const char *one = path_in("acct_one"), *three = path_in("acct_three");
	import_ok(one, "eth", eth_rows("all.csv", 1, 60));
	import_ok(three, "eth", eth_rows("a.csv", 1, 20));
	import_ok(three, "eth", eth_rows("b.csv", 21, 21));
	import_ok(three, "eth", eth_rows("c.csv", 22, 60));
	tp_test_same_graph(one, three);
}

static void test_account_crash_at_each_step(void **state)
{
	(void)state;
	const char *small[3] = {eth_rows("k1.csv", 1, 20), eth_rows("k2.csv", 21, 21),
				eth_rows("k3.csv", 22, 60)};
	const char *whole = eth_rows("k123.csv", 1, 60);
	crash_each_step("eth", small, whole, "eth_small");
	const char *big[3] = {eth_rows("l1.csv", 1, 20), eth_rows("l2.csv", 21, 40),
			      eth_rows("l3.csv", 41, 60)};
	crash_each_step("eth", big, whole, "eth_big");
}

static void test_failed_append_keeps_old_graph(void **state)
{
	(void)state;
	const char *dir = path_in("failed");
	import_ok(dir, "eth", eth_rows("first.csv", 1, 10));
	size_t n0;
	char *before = graph_bytes(dir, &n0);

	/* good newer rows, then one with a stray character in its value */
	char bad[8192];
	int n = snprintf(bad, sizeof bad, ETH_HEADER);
	for (int b = 11; b <= 13; b++)
		n += snprintf(bad + n, sizeof bad - (size_t)n,
			      "0x%064x,0,%d,0,0x%040x,0x%040x,%s,21000,10,%d,21000,1\n", 900 + b, b,
			      1, 2, b == 13 ? "12x" : "5", 1600000000 + b * 12);
	const char *bp = path_in("bad.csv");
	write_file(bp, bad, (size_t)n);
	struct tp_diag d = {0};
	assert_int_not_equal(tp_trace_import(dir, "eth", &bp, 1, NULL, NULL, &d), TP_OK);
	assert_non_null(strstr(d.message, "bad.csv:4"));

	/* blocks that are not newer */
	const char *old = eth_rows("old.csv", 5, 6);
	assert_int_equal(tp_trace_import(dir, "eth", &old, 1, NULL, NULL, &d), TP_ECONFLICT);

	size_t n1;
	char *after = graph_bytes(dir, &n1);
	assert_int_equal(n0, n1);
	assert_memory_equal(before, after, n0);
	free(before);
	free(after);
	struct tp_trace_graph *g;
	assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_OK);
	tp_trace_graph_free(g);
	/* and it still takes the next append */
	import_ok(dir, "eth", eth_rows("next.csv", 11, 12));
}

/* A save killed before its rename leaves graph.tpg.tmp.PID half written:
 * the graph is the previous one and later appends are unaffected. */
static void test_crashed_save_keeps_old_graph(void **state)
{
	(void)state;
	const char *dir = path_in("crashed"), *one = path_in("crashed_one");
	import_ok(dir, "eth", eth_rows("c1.csv", 1, 10));
	size_t n;
	char *bytes = graph_bytes(dir, &n);
	char tmp[4400];
	snprintf(tmp, sizeof tmp, "%s/graph.tpg.tmp.999999", dir);
	write_file(tmp, bytes, n / 2);
	free(bytes);
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_OK);
	tp_trace_graph_free(g);
	import_ok(dir, "eth", eth_rows("c2.csv", 11, 30));
	import_ok(one, "eth", eth_rows("c12.csv", 1, 30));
	tp_test_same_graph(one, dir);
	/* the dead save's temporary file is cleaned up by the next save */
	if (kill(999999, 0) != 0)
		assert_int_not_equal(access(tmp, F_OK), 0);
}

/* 1 if DIR/graph.tpg can be flocked with how | LOCK_NB right now (from a
 * file description of its own, so this process's own locks count too). */
static int can_lock(const char *dir, int how)
{
	char p[4400];
	snprintf(p, sizeof p, "%s/graph.tpg", dir);
	int fd = open(p, O_RDONLY);
	assert_true(fd >= 0);
	int ok = flock(fd, how | LOCK_NB) == 0;
	if (!ok)
		assert_int_equal(errno, EWOULDBLOCK);
	close(fd);
	return ok;
}

/* An append writes the file in place: it waits for the traces reading
 * the file, and traces wait for it. */
static void test_readers_and_writers_lock(void **state)
{
	(void)state;
	const char *parts[3];
	uint64_t ntx;
	const char *whole = utxo_parts(10, 25, parts, &ntx);
	const char *dir = path_in("locked"), *two = path_in("locked_two");
	import_ok(dir, "btc", parts[0]);
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_OK);
	assert_false(can_lock(dir, LOCK_EX));
	assert_true(can_lock(dir, LOCK_SH)); /* other readers go on */
	/* an import in another process waits for this reader */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the inherited descriptor and mapping would keep the
		 * parent's shared lock alive in this process */
		tp_trace_graph_free(g);
		struct tp_diag cd = {0};
		_exit(tp_trace_import(dir, "btc", &parts[1], 1, NULL, NULL, &cd) == TP_OK ? 0 : 1);
	}
	usleep(300 * 1000);
	int status;
	assert_int_equal(waitpid(pid, &status, WNOHANG), 0); /* still waiting */
	struct tp_trace_graph_info info;
	tp_trace_graph_info(g, &info);
	uint64_t before = info.txs;
	tp_trace_graph_free(g);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(can_lock(dir, LOCK_EX)); /* nothing held any more */
	assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_OK);
	tp_trace_graph_info(g, &info);
	assert_true(info.txs > before);
	tp_trace_graph_free(g);
	/* while the writer lock is held, readers wait */
	int fds[2];
	assert_int_equal(tpg_writer_lock(dir, fds, &d), TP_OK);
	assert_false(can_lock(dir, LOCK_SH));
	tpg_writer_unlock(fds);
	assert_true(can_lock(dir, LOCK_SH));
	import_ok(dir, "btc", parts[2]);
	import_ok(two, "btc", whole);
	tp_test_same_graph(two, dir);
}

int main(void)
{
	assert_non_null(mkdtemp(scratch));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utxo_parts_equal_one_import),
		cmocka_unit_test(test_account_parts_equal_one_import),
		cmocka_unit_test(test_utxo_crash_at_each_step),
		cmocka_unit_test(test_account_crash_at_each_step),
		cmocka_unit_test(test_failed_append_keeps_old_graph),
		cmocka_unit_test(test_crashed_save_keeps_old_graph),
		cmocka_unit_test(test_readers_and_writers_lock),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[4400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		r = r ? r : 1;
	return r;
}
