/*
 * The graph file format: a graph built through the builder functions
 * reads back the same through the accessors after a save and an open, in
 * the narrow (u32 index) form and the wide (u64) one; appending to a
 * mapped graph keeps what was there; an old-format file and every
 * damaged word of a file are refused with a clear error, never read.
 *
 * The small UTXO chain used throughout (block, time):
 *	t0 (1, 100)  coinbase   -> o0 50 "A"
 *	t1 (1, 100)  coinbase   -> o1 25 "B", o2 7 (no address)
 *	t2 (2, 200)  spends o0, o1 -> o3 70 "C", o4 4 "A"
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp_test.h"
#include "trace/graph.h"
#include "trace/graph_file.h"
#include "graph_compare.h"

TP_TEST_SCRATCH("tp_trace_graph");

static const char *dir_named(const char *name)
{
	return tp_test_subdir(scratch, name);
}

static uint32_t tx(struct tp_trace_graph *g, uint8_t n, int64_t time, uint32_t block)
{
	uint8_t id[32] = {n, 0xab};
	uint32_t t;
	assert_int_equal(tpg_tx_add(g, id, 32, time, block, &t), TP_OK);
	return t;
}

static void spend(struct tp_trace_graph *g, uint32_t t, uint64_t out)
{
	assert_int_equal(tpg_in_add(g, out), TP_OK);
	tpg_out_set_spent_by(g, out, t);
}

/* The chain above; wide_after >= 0 widens it after that many txs. */
static struct tp_trace_graph *build(int wide_after)
{
	struct tp_trace_graph *g;
	assert_int_equal(tpg_new("btc", TP_TRACE_UTXO, &g), TP_OK);
	uint32_t a = tp_test_addr(g, "A"), b = tp_test_addr(g, "B"), c = tp_test_addr(g, "C");
	if (wide_after == 0)
		assert_int_equal(tpg_widen(g), TP_OK);
	tx(g, 0, 100, 1);
	assert_int_equal(tpg_out_add(g, 50, a), TP_OK);
	if (wide_after == 1)
		assert_int_equal(tpg_widen(g), TP_OK);
	tx(g, 1, 100, 1);
	assert_int_equal(tpg_out_add(g, 25, b), TP_OK);
	assert_int_equal(tpg_out_add(g, 7, TPG_NONE), TP_OK);
	if (wide_after == 2)
		assert_int_equal(tpg_widen(g), TP_OK);
	uint32_t t2 = tx(g, 2, 200, 2);
	spend(g, t2, 0);
	spend(g, t2, 1);
	assert_int_equal(tpg_out_add(g, 70, c), TP_OK);
	assert_int_equal(tpg_out_add(g, 4, a), TP_OK);
	tpg_seal(g);
	return g;
}

static void expect_chain(const struct tp_trace_graph *g)
{
	assert_int_equal(g->ntx, 3);
	assert_int_equal(g->nout, 5);
	assert_int_equal(g->nin, 2);
	static const uint64_t first_out[] = {0, 1, 3, 5}, first_in[] = {0, 0, 0, 2};
	for (uint32_t t = 0; t <= 3; t++) {
		assert_int_equal(tpg_tx_first_out(g, t), first_out[t]);
		assert_int_equal(tpg_tx_first_in(g, t), first_in[t]);
	}
	assert_int_equal(tpg_tx_nout(g, 1), 2);
	assert_int_equal(tpg_tx_block(g, 0), 1);
	assert_int_equal(tpg_tx_block(g, 1), 1);
	assert_int_equal(tpg_tx_block(g, 2), 2);
	assert_int_equal(tpg_tx_time(g, 1), 100);
	assert_int_equal(tpg_tx_time(g, 2), 200);
	assert_int_equal(g->nblk, 2); /* one entry per run of a block */
	static const uint64_t value[] = {50, 25, 7, 70, 4};
	static const char *const name[] = {"A", "B", "", "C", "A"};
	static const uint32_t spent[] = {2, 2, TPG_NONE, TPG_NONE, TPG_NONE};
	for (uint64_t o = 0; o < 5; o++) {
		assert_int_equal(tpg_out_value(g, o), value[o]);
		assert_string_equal(tpg_addr(g, tpg_out_addr(g, o)), name[o]);
		assert_int_equal(tpg_out_spent_by(g, o), spent[o]);
	}
	assert_int_equal(tpg_out_addr(g, 2), TPG_NONE);
	assert_int_equal(tpg_in_out(g, 0), 0);
	assert_int_equal(tpg_in_out(g, 1), 1);
	uint8_t id[32] = {2, 0xab};
	assert_int_equal(tpg_tx_find(g, id, 32), 2);
	assert_int_equal(tpg_addr_find(g, "C", 1), 2);
}

static struct tp_trace_graph *save_and_open(struct tp_trace_graph *g, const char *dir)
{
	struct tp_diag d = {0};
	if (tpg_save(g, dir, &d) != TP_OK)
		fail_msg("%s", d.message);
	tp_trace_graph_free(g);
	if (tp_trace_graph_open(dir, &g, &d) != TP_OK)
		fail_msg("%s", d.message);
	return g;
}

/* Fills section sect of a saved graph with id (a valid one): a table with
 * no empty slot, where a probe for an absent key would never stop. */
static void fill_table(const char *path, int sect, uint32_t id)
{
	struct header h;
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &h, sizeof h, 0), sizeof h);
	for (uint64_t at = 0; at < h.len[sect]; at += 4)
		assert_int_equal(pwrite(fd, &id, 4, (off_t)(h.off[sect] + at)), 4);
	close(fd);
}

/* A hash table without an empty slot is refused when the graph opens. */
static void test_full_table(void **state)
{
	(void)state;
	static const struct {
		int sect;
		const char *what;
	} tables[] = {{S_TX_HASH, "transaction hash"}, {S_ADDR_HASH, "address hash"}};
	for (int k = 0; k < 2; k++) {
		const char *dir = dir_named(k ? "full_addr" : "full_tx");
		tp_trace_graph_free(save_and_open(build(-1), dir));
		char path[4300];
		snprintf(path, sizeof path, "%s/graph.tpg", dir);
		fill_table(path, tables[k].sect, 1);
		struct tp_trace_graph *g;
		struct tp_diag d = {0};
		assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_EPARSE);
		assert_non_null(strstr(d.message, tables[k].what));
	}
}

static void test_narrow(void **state)
{
	(void)state;
	struct tp_trace_graph *g = build(-1);
	expect_chain(g);
	g = save_and_open(g, dir_named("narrow"));
	assert_false(g->wide);
	expect_chain(g);
	/* u32 columns: 4 + 4 bytes of ranges and 4 of block index per tx */
	uint64_t core, dict;
	tpg_sizes(g, &core, &dict);
	uint64_t want = 4 * 4 + 4 * 4 + 3 * 4 + 2 * sizeof(struct tpg_block) + 5 * (8 + 4 + 4) +
			2 * 4 + (3 + 1) * 8 + 4 * 4;
	assert_int_equal(core, want);
	assert_int_equal(dict, 3 * 32 + g->tx_hcap * 4 + 6 + 3 * 8 + g->addr_hcap * 4);
	assert_true(core + dict < g->maplen);
	tp_trace_graph_free(g);
}

static void test_wide(void **state)
{
	(void)state;
	for (int at = 0; at <= 2; at++) {
		struct tp_trace_graph *g = build(at);
		assert_true(g->wide);
		expect_chain(g);
		g = save_and_open(g, dir_named("wide"));
		assert_true(g->wide);
		expect_chain(g);
		tp_trace_graph_free(g);
	}
}

/* A mapped graph made mutable takes more blocks and keeps the old ones,
 * saved whole or in place, narrow, wide, or widened while appending. */
static void test_append(void **state)
{
	(void)state;
	for (int k = 0; k < 6; k++) {
		int wide = k & 1, in_place = k >= 2, widen = k >= 4;
		const char *dir = dir_named("append");
		struct tp_trace_graph *g = save_and_open(build(wide ? 1 : -1), dir);
		assert_int_equal(tpg_make_mutable(g), TP_OK);
		expect_chain(g);
		if (widen) {
			assert_int_equal(tpg_widen(g), TP_OK);
			expect_chain(g);
			wide = 1;
		}
		uint32_t t3 = tx(g, 3, 300, 3);
		spend(g, t3, 3);
		assert_int_equal(tpg_out_add(g, 69, tp_test_addr(g, "D")), TP_OK);
		tpg_seal(g);
		struct tp_diag d = {0};
		if (in_place) {
			if (tpg_append_save(g, dir, &d) != TP_OK)
				fail_msg("%s", d.message);
			tp_trace_graph_free(g);
			g = tp_test_open_graph(dir);
		} else {
			g = save_and_open(g, dir);
		}
		assert_int_equal(g->wide, wide);
		assert_int_equal(g->ntx, 4);
		assert_int_equal(tpg_tx_first_out(g, 3), 5);
		assert_int_equal(tpg_tx_first_in(g, 3), 2);
		assert_int_equal(tpg_tx_first_in(g, 4), 3);
		assert_int_equal(tpg_in_out(g, 2), 3);
		assert_int_equal(tpg_out_spent_by(g, 3), 3);
		assert_int_equal(tpg_tx_time(g, 3), 300);
		assert_int_equal(tpg_tx_block(g, 2), 2);
		assert_string_equal(tpg_addr(g, tpg_out_addr(g, 5)), "D");
		/* the per-address list of "A": outputs 0 and 4 */
		uint32_t a = tpg_addr_find(g, "A", 1);
		assert_int_equal(g->acct_off[a + 1] - g->acct_off[a], 2);
		assert_int_equal(g->acct_x[g->acct_off[a]], 0);
		assert_int_equal(g->acct_x[g->acct_off[a] + 1], 4);
		tp_trace_graph_free(g);
	}
}

static char *slurp(const char *dir, size_t *len)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	char *b = malloc(*len ? *len : 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

/* The sections are written by two threads: a save that fails names the
 * file, and two saves of one graph give the same bytes. */
static void test_save(void **state)
{
	(void)state;
	struct tp_trace_graph *g = build(-1);
	struct tp_diag d = {0};
	char missing[4300];
	snprintf(missing, sizeof missing, "%s/no/such/dir", scratch);
	assert_int_equal(tpg_save(g, missing, &d), TP_EIO);
	assert_non_null(strstr(d.message, "no/such/dir/graph.tpg"));
	assert_int_equal(tpg_save(g, dir_named("save1"), &d), TP_OK);
	assert_int_equal(tpg_save(g, dir_named("save2"), &d), TP_OK);
	tp_trace_graph_free(g);
	size_t n1, n2;
	char *a = slurp(dir_named("save1"), &n1), *b = slurp(dir_named("save2"), &n2);
	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	free(a);
	free(b);
	g = save_and_open(build(-1), dir_named("save1"));
	expect_chain(g);
	tp_trace_graph_free(g);
}

/* A chain of n transactions, each paying one of 1000 addresses and the
 * odd ones spending the output before: its txids take 32n bytes. */
static struct tp_trace_graph *build_long(uint32_t n)
{
	struct tp_trace_graph *g;
	assert_int_equal(tpg_new("btc", TP_TRACE_UTXO, &g), TP_OK);
	for (uint32_t i = 0; i < n; i++) {
		uint8_t id[32] = {(uint8_t)i, (uint8_t)(i >> 8), (uint8_t)(i >> 16), 0xcd};
		uint32_t t;
		assert_int_equal(tpg_tx_add(g, id, 32, 100 + i, 1 + i / 100, &t), TP_OK);
		if (i & 1)
			spend(g, t, i - 1);
		char name[16];
		snprintf(name, sizeof name, "addr%u", i % 1000);
		assert_int_equal(tpg_out_add(g, i, tp_test_addr(g, name)), TP_OK);
	}
	tpg_seal(g);
	return g;
}

/* Does the file system under dir take O_DIRECT? */
static int takes_direct(const char *dir)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/probe", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_DIRECT, 0644);
	if (fd >= 0)
		close(fd);
	unlink(path);
	return fd >= 0;
}

/*
 * The sections a trace's opening does not read are written direct, the
 * rest through the page cache; where the file system refuses O_DIRECT,
 * at open or at the first write, all of it through the page cache. The
 * bytes are the same each way (txids of 1.3 MB: more than one piece of
 * the direct writes' buffer).
 */
static void test_save_direct(void **state)
{
	(void)state;
	struct tp_trace_graph *g = build_long(40000);
	struct tp_diag d = {0};
	static const char *const name[] = {"direct", "refused_open", "refused_write"};
	uint64_t direct[3];
	for (int i = 0; i < 3; i++) {
		tpg_direct_refuse = i;
		assert_int_equal(tpg_save(g, dir_named(name[i]), &d), TP_OK);
		direct[i] = tpg_direct_written;
	}
	tpg_direct_refuse = 0;
	if (takes_direct(scratch))
		assert_true(direct[0] > 32u * 40000 - 8192);
	assert_int_equal(direct[1], 0);
	assert_int_equal(direct[2], 0);
	size_t n[3];
	char *file[3];
	for (int i = 0; i < 3; i++)
		file[i] = slurp(dir_named(name[i]), &n[i]);
	for (int i = 1; i < 3; i++) {
		assert_int_equal(n[i], n[0]);
		assert_memory_equal(file[i], file[0], n[0]);
	}
	for (int i = 0; i < 3; i++)
		free(file[i]);
	tp_trace_graph_free(g);
	g = tp_test_open_graph(dir_named("direct"));
	uint8_t id[32] = {0x3f, 0x9c, 0, 0xcd}; /* transaction 39999 */
	assert_int_equal(tpg_tx_find(g, id, 32), 39999);
	assert_int_equal(tpg_out_value(g, 39999), 39999);
	assert_string_equal(tpg_addr(g, tpg_out_addr(g, 39999)), "addr999");
	tp_trace_graph_free(g);
}

/* Transfer values round-trip at the edges of the inline form (2^92). */
static void test_xfer_values(void **state)
{
	(void)state;
	struct tp_trace_graph *g;
	assert_int_equal(tpg_new("eth", TP_TRACE_ACCOUNT, &g), TP_OK);
	uint32_t a = tp_test_addr(g, "0xa"), b = tp_test_addr(g, "0xb");
	uint32_t t = tx(g, 9, 1000, 7);
	static const struct tp_u256 v[] = {
		{{0, 0, 0, 0}},
		{{UINT64_MAX, 0, 0, 0}},
		{{0, 1, 0, 0}},			      /* 2^64 */
		{{UINT64_MAX, (1u << 28) - 1, 0, 0}}, /* 2^92 - 1: the largest inline */
		{{0, 1u << 28, 0, 0}},		      /* 2^92: in bigv */
		{{5, 0, 0, 1}},			      /* past 2^192 */
	};
	for (uint32_t i = 0; i < 6; i++)
		assert_int_equal(tpg_xfer_add(g, t, a, b, i % 2, &v[i], TPG_FEE + i % 4), TP_OK);
	assert_int_equal(tpg_xfer_add(g, t, a, b, 0, &v[0], 0), TP_EINVAL);
	assert_int_equal(tpg_xfer_add(g, t, a, b, 0, &v[0], TPG_TOKEN + 1), TP_EINVAL);
	assert_int_equal(sizeof(struct tpg_xfer), 28);
	g = save_and_open(g, dir_named("xfer"));
	assert_int_equal(g->nxfer, 6);
	assert_int_equal(g->nbig, 2);
	assert_null(g->tx_out);
	assert_int_equal(tpg_tx_block(g, 0), 7);
	assert_int_equal(tpg_tx_time(g, 0), 1000);
	for (uint32_t i = 0; i < 6; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		struct tp_u256 got;
		tpg_xfer_value(g, x, &got);
		assert_int_equal(tp_u256_cmp(&got, &v[i]), 0);
		assert_int_equal(x->kind, TPG_FEE + i % 4);
		assert_int_equal(x->asset, i % 2);
		assert_int_equal(x->from, a);
		assert_int_equal(x->to, b);
		assert_int_equal(x->tx, t);
	}
	tp_trace_graph_free(g);
}

/*
 * Lookups by a hash worked out beforehand find what the plain ones find,
 * through a rehash too, and the prefetch helpers change nothing, also
 * for ids not in the graph.
 */
static void test_hashed_lookups(void **state)
{
	(void)state;
	struct tp_trace_graph *g;
	assert_int_equal(tpg_new("btc", TP_TRACE_UTXO, &g), TP_OK);
	char name[16];
	uint32_t id;
	for (uint32_t i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof name, "a%u", i);
		uint64_t h = tpg_addr_hash(name, (size_t)n);
		tpg_addr_prefetch(g, h);
		tpg_addr_prefetch_off(g, h);
		tpg_addr_prefetch_str(g, h);
		assert_int_equal(tpg_addr_intern_hashed(g, name, (size_t)n, h, &id), TP_OK);
		assert_int_equal(id, i);
		assert_int_equal(tpg_addr_intern_hashed(g, name, (size_t)n, h, &id), TP_OK);
		assert_int_equal(id, i);
	}
	for (uint32_t i = 0; i < 5000; i++) {
		int n = snprintf(name, sizeof name, "a%u", i);
		assert_int_equal(tpg_addr_find(g, name, (size_t)n), i);
		assert_int_equal(tpg_addr_intern(g, name, (size_t)n, &id), TP_OK);
		assert_int_equal(id, i);
	}
	assert_int_equal(g->naddr, 5000);
	uint32_t t = tx(g, 3, 100, 1);
	uint8_t known[32] = {3, 0xab}, unknown[32] = {4, 0xab};
	tpg_tx_prefetch_entry(g, known);
	tpg_tx_prefetch_entry(g, unknown);
	assert_int_equal(tpg_tx_find(g, known, 32), t);
	assert_int_equal(tpg_tx_find(g, unknown, 32), TPG_NONE);
	tp_trace_graph_free(g);
}

static void txid_of(uint32_t n, uint8_t id[32])
{
	memset(id, 0, 32);
	for (int k = 0; k < 32; k += 4) {
		uint32_t w = (n + 1) * 2654435761u + (uint32_t)k * 40503u;
		memcpy(id + k, &w, 4);
	}
}

static void expect_txs(const struct tp_trace_graph *g, uint32_t n);

/* Adds transactions and addresses from .. to - 1; after each doubling of
 * a table, every entry must be found (the next doubling would mend a
 * misplaced one). */
static void add_txs(struct tp_trace_graph *g, uint32_t from, uint32_t to)
{
	uint8_t id[32];
	int doublings = 0;
	for (uint32_t n = from; n < to; n++) {
		uint32_t tx_cap = g->tx_hcap, addr_cap = g->addr_hcap;
		txid_of(n, id);
		uint32_t t;
		assert_int_equal(tpg_tx_add(g, id, 32, 100, 1, &t), TP_OK);
		assert_int_equal(t, n);
		char name[16];
		int len = snprintf(name, sizeof name, "addr%u", n);
		assert_int_equal(tpg_addr_append(g, name, (size_t)len, &t), TP_OK);
		assert_int_equal(t, n);
		if (g->tx_hcap != tx_cap || g->addr_hcap != addr_cap) {
			expect_txs(g, n + 1);
			doublings++;
		}
	}
	assert_true(doublings > 0);
	tpg_seal(g);
}

static void expect_txs(const struct tp_trace_graph *g, uint32_t n)
{
	uint8_t id[32];
	for (uint32_t k = 0; k < n + 100; k++) {
		txid_of(k, id);
		assert_int_equal(tpg_tx_find(g, id, 32), k < n ? k : TPG_NONE);
		char name[16];
		int len = snprintf(name, sizeof name, "addr%u", k);
		assert_int_equal(tpg_addr_find(g, name, (size_t)len), k < n ? k : TPG_NONE);
	}
	assert_true((uint64_t)g->ntx * 4 <= (uint64_t)g->tx_hcap * 3);
	assert_true((uint64_t)g->naddr * 4 <= (uint64_t)g->addr_hcap * 3);
}

/*
 * The hash tables double in place many times, on the heap and from a
 * mapped file (copied out first, untagged): every id is still found from
 * its hash (so no hole cuts its run), no absent one is, and a rebuild
 * (what forgetting an unfinished append does) finds the same.
 */
static void test_table_doubling(void **state)
{
	(void)state;
	struct tp_trace_graph *g;
	assert_int_equal(tpg_new("btc", TP_TRACE_UTXO, &g), TP_OK);
	add_txs(g, 0, 30000);
	expect_txs(g, 30000);
	const char *dir = dir_named("doubling");
	g = save_and_open(g, dir);
	expect_txs(g, 30000);
	assert_int_equal(tpg_make_mutable(g), TP_OK);
	add_txs(g, 30000, 70000);
	expect_txs(g, 70000);
	tpg_tables_rebuild(g);
	expect_txs(g, 70000);
	tp_trace_graph_free(g);
}

/* Writes a file of n bytes starting with magic and version (u32). */
static void old_file(const char *dir, const char *magic, uint32_t version, size_t n)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	char *file = calloc(1, n);
	assert_non_null(file);
	memcpy(file, magic, 8);
	memcpy(file + 8, &version, 4);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(file, 1, n, f), n);
	fclose(f);
	free(file);
}

/* The row layout (TPGRAPH1) and the columnar one with one header
 * (TPGRAPH2 version 3) are refused with a message that says what to do. */
static void test_old_format(void **state)
{
	(void)state;
	const char *dir = dir_named("old");
	for (int k = 0; k < 2; k++) {
		old_file(dir, k ? "TPGRAPH2" : "TPGRAPH1", k ? 3 : 2, k ? 8192 : 1024);
		struct tp_trace_graph *g;
		struct tp_diag d = {0};
		assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_EPARSE);
		assert_non_null(strstr(d.message, "older format"));
		assert_non_null(strstr(d.message, "import the chain again"));
	}
}

static void put_word(const char *path, long at, uint32_t v)
{
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &v, 4, at), 4);
	close(fd);
}

/* Puts v at byte at of the header slot at the start of path, with the
 * slot's checksum made right again (so the checks behind it are reached). */
static void put_header_word(const char *path, long at, uint32_t v)
{
	char slot[1024];
	int fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, slot, sizeof slot, 0), sizeof slot);
	memcpy(slot + at, &v, 4);
	tpg_header_reseal(slot);
	assert_int_equal(pwrite(fd, slot, sizeof slot, 0), sizeof slot);
	close(fd);
}

/* Opens a damaged graph: an error that says so (its kind marked in seen),
 * or a graph whose indices stay in range. */
static void open_damaged(const char *dir, const char *const want[7], int seen[7])
{
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	enum tp_err e = tp_trace_graph_open(dir, &g, &d);
	if (e == TP_OK) {
		for (uint32_t t = 0; t < g->ntx; t++)
			assert_true(g->tx_blk[t] < g->nblk);
		for (uint64_t i = 0; i < g->nin; i++)
			assert_true(tpg_in_out(g, i) < g->nout);
		for (uint64_t o = 0; o < g->nout; o++)
			assert_true(tpg_out_spent_by(g, o) == TPG_NONE ||
				    tpg_out_spent_by(g, o) < g->ntx);
		tp_trace_graph_free(g);
		return;
	}
	assert_int_equal(e, TP_EPARSE);
	for (int k = 0; k < 7; k++)
		seen[k] |= strstr(d.message, want[k]) != NULL;
}

/*
 * Overwrites each 4-byte word of the file in turn with a large index
 * (in the header with its checksum made right, and once without):
 * every open must then fail with a "damaged" error or give a graph whose
 * indices all stay in range; and the checks of inputs, ranges, outputs
 * and blocks must each have caught one.
 */
static void test_damaged(void **state)
{
	(void)state;
	for (int wide = 0; wide <= 1; wide++) {
		const char *dir = dir_named(wide ? "damage_wide" : "damage");
		tp_trace_graph_free(save_and_open(build(wide ? 0 : -1), dir));
		char path[4300];
		snprintf(path, sizeof path, "%s/graph.tpg", dir);
		size_t len;
		char *orig = tp_test_slurp(path, &len);
		assert_non_null(orig);
		static const char *const seen_want[] = {"(inputs)",	  "(transaction ranges)",
							"(outputs)",	  "(transaction blocks)",
							"(header)",	  "(section bounds)",
							"(address lists)"};
		int seen[7] = {0};
		for (long at = 0; at + 4 <= (long)len; at += 4) {
			uint32_t old;
			memcpy(&old, orig + at, 4);
			put_word(path, at, 0xfffffff0u);
			if (at < 1024) { /* slot A: its checksum refuses it */
				struct tp_trace_graph *g;
				struct tp_diag d = {0};
				enum tp_err e = tp_trace_graph_open(dir, &g, &d);
				/* (the slot's last bytes are unused) */
				if (e == TP_OK && at >= 512)
					tp_trace_graph_free(g);
				else if (old != 0xfffffff0u) {
					assert_int_equal(e, TP_EPARSE);
					assert_non_null(strstr(d.message, "(header)"));
				}
				put_header_word(path, at, 0xfffffff0u);
			}
			open_damaged(dir, seen_want, seen);
			if (at < 1024)
				put_header_word(path, at, old);
			else
				put_word(path, at, old);
		}
		for (int k = 0; k < 7; k++)
			if (!seen[k])
				fail_msg("no damage was reported as %s", seen_want[k]);
		free(orig);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_narrow),	cmocka_unit_test(test_wide),
		cmocka_unit_test(test_append),	cmocka_unit_test(test_old_format),
		cmocka_unit_test(test_damaged), cmocka_unit_test(test_xfer_values),
		cmocka_unit_test(test_save),	cmocka_unit_test(test_hashed_lookups),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_table_doubling),
		cmocka_unit_test(test_save_direct),
	};
	return cmocka_run_group_tests(tests, tp_scratch_make, tp_scratch_remove);
}
