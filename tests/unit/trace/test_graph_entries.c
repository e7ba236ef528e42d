/*
 * The entries of account address lists (graph.h, struct tpg_acct_ent):
 * direction, counterparty and value held in the entry, values and fees
 * that fall back to the transfer, each address's native transfers then
 * each token's in chain order, the same lists after an append in place,
 * and files whose entries are damaged refused when opened.
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
#include "graph_compare.h"

TP_TEST_SCRATCH("tp_trace_entries");

static const char *dir_named(const char *name)
{
	return tp_test_subdir(scratch, name);
}

static uint32_t tx(struct tp_trace_graph *g, uint8_t n, uint32_t block)
{
	uint8_t id[32] = {n, 0xcd};
	uint32_t t;
	assert_int_equal(tpg_tx_add(g, id, 32, 1000 + block, block, &t), TP_OK);
	return t;
}

static void xfer(struct tp_trace_graph *g, uint32_t t, const char *from, const char *to,
		 const char *token, uint64_t lo, uint64_t hi, uint32_t kind)
{
	struct tp_u256 v = {{lo, hi, 0, 0}};
	uint32_t f = from ? tp_test_addr(g, from) : TPG_NONE;
	uint32_t r = to ? tp_test_addr(g, to) : TPG_NONE;
	uint32_t asset = token ? tp_test_addr(g, token) + 1 : 0;
	assert_int_equal(tpg_xfer_add(g, t, f, r, asset, &v, kind), TP_OK);
}

/* Blocks first .. last of a chain among A, B and C with two tokens, T and U. */
static void blocks(struct tp_trace_graph *g, int first, int last)
{
	/* T's asset id is below U's */
	tp_test_addr(g, "T");
	tp_test_addr(g, "U");
	for (int b = first; b <= last; b++) {
		uint32_t t = tx(g, (uint8_t)(2 * b), (uint32_t)b);
		xfer(g, t, "A", NULL, NULL, 21 + b, 0, TPG_FEE);
		xfer(g, t, "A", "B", NULL, 100 + b, 0, TPG_VALUE);
		xfer(g, t, "B", "C", "U", 5, 0, TPG_TOKEN);
		xfer(g, t, "C", "B", "T", 7, 0, TPG_TOKEN);
		t = tx(g, (uint8_t)(2 * b + 1), (uint32_t)b);
		xfer(g, t, "B", "A", NULL, 0, 64, TPG_TRACE);			  /* 2^70 */
		xfer(g, t, "B", "C", NULL, 9, 0, TPG_FEE);			  /* a fee paid to C */
		xfer(g, t, "C", "C", NULL, 3, 0, TPG_VALUE);			  /* to itself */
		xfer(g, t, "A", "B", NULL, (1ULL << 61) - 1, 0, TPG_VALUE); /* the largest inline */
		xfer(g, t, "A", "B", NULL, 1ULL << 61, 0, TPG_VALUE);	  /* falls back */
		xfer(g, t, NULL, "B", "T", 11, 0, TPG_TOKEN);		  /* minted */
	}
}

static struct tp_trace_graph *saved(struct tp_trace_graph *g, const char *dir)
{
	struct tp_diag d = {0};
	if (tpg_save(g, dir, &d) != TP_OK)
		fail_msg("%s", d.message);
	tp_trace_graph_free(g);
	return tp_test_open_graph(dir);
}

static struct tp_trace_graph *chain(const char *dir, int blocks_)
{
	struct tp_trace_graph *g;
	assert_int_equal(tpg_new("eth", TP_TRACE_ACCOUNT, &g), TP_OK);
	blocks(g, 1, blocks_);
	return saved(g, dir);
}

/* What entry i of a's list reads as, checked against its transfer. */
static void expect_entry(const struct tp_trace_graph *g, uint32_t a, uint64_t i, int full)
{
	const struct tpg_acct_ent *e = tpg_acct_entry(g, i);
	const struct tpg_xfer *x = &g->xfer[e->x];
	uint32_t from, to;
	struct tp_u256 v, want;
	int gone = tpg_ent_read(g, a, e, &from, &to, &v);
	tpg_xfer_value(g, x, &want);
	assert_true(x->from == a || x->to == a);
	assert_int_equal(from, x->from);
	assert_int_equal(to, x->to);
	assert_int_equal(tp_u256_cmp(&v, &want), 0);
	assert_int_equal(gone, x->kind == TPG_FEE || x->to == TPG_NONE);
	assert_int_equal((e->v & TPG_ENT_SEND) != 0, x->from == a);
	assert_int_equal((e->v & TPG_ENT_TOKEN) != 0, x->asset != 0);
	assert_int_equal((e->v & TPG_ENT_FULL) != 0, full);
	uint32_t other = x->from == a ? (x->kind == TPG_FEE ? TPG_NONE : x->to) : x->from;
	assert_int_equal(e->other, other);
}

/* Every list: the native coin's run then each token's, each in chain
 * order, found by tpg_acct_run; entries that fall back exactly where a
 * value needs more than 61 bits or a fee has a recipient. */
static void expect_lists(const struct tp_trace_graph *g)
{
	uint32_t assets[] = {0, tpg_addr_find(g, "T", 1) + 1, tpg_addr_find(g, "U", 1) + 1, 999};
	for (uint32_t a = 0; a < g->naddr; a++) {
		uint64_t at = g->acct_off[a];
		for (int k = 0; k < 4; k++) {
			uint64_t first, end;
			tpg_acct_run(g, a, assets[k], &first, &end);
			assert_int_equal(first, at);
			for (uint64_t i = first; i < end; i++) {
				const struct tpg_xfer *x = &g->xfer[tpg_acct_entry(g, i)->x];
				assert_int_equal(x->asset, assets[k]);
				if (i > first)
					assert_true(tpg_acct_entry(g, i)->x > tpg_acct_entry(g, i - 1)->x);
				struct tp_u256 v;
				tpg_xfer_value(g, x, &v);
				int fits = !v.w[1] && !v.w[2] && !v.w[3] && v.w[0] < (1ULL << 61);
				expect_entry(g, a, i, !fits || (x->kind == TPG_FEE && x->to != TPG_NONE));
			}
			at = end;
		}
		assert_int_equal(at, g->acct_off[a + 1]);
	}
}

static void test_entries(void **state)
{
	(void)state;
	struct tp_trace_graph *g = chain(dir_named("entries"), 2);
	expect_lists(g);
	/* B: per block 5 native entries (three receipts, the 2^70 send and
	 * the fee), then T's two receipts a block, then U's send a block */
	uint32_t b = tpg_addr_find(g, "B", 1);
	uint64_t first, end;
	tpg_acct_run(g, b, 0, &first, &end);
	assert_int_equal(end - first, 10);
	tpg_acct_run(g, b, tpg_addr_find(g, "T", 1) + 1, &first, &end);
	assert_int_equal(end - first, 4);
	tpg_acct_run(g, b, tpg_addr_find(g, "U", 1) + 1, &first, &end);
	assert_int_equal(end - first, 2);
	assert_int_equal(end, g->acct_off[b + 1]);
	/* C's transfer to itself: one entry, a send to C */
	uint32_t c = tpg_addr_find(g, "C", 1);
	tpg_acct_run(g, c, 0, &first, &end);
	int self = 0;
	for (uint64_t i = first; i < end; i++) {
		const struct tpg_acct_ent *e = tpg_acct_entry(g, i);
		if (g->xfer[e->x].from == c && g->xfer[e->x].to == c) {
			assert_true(e->v & TPG_ENT_SEND);
			assert_int_equal(e->other, c);
			assert_int_equal(e->v & TPG_ENT_VALUE, 3);
			self++;
		}
	}
	assert_int_equal(self, 2);
	tp_trace_graph_free(g);
}

/* Lists merged by an append in place equal those of one import. */
static void test_append(void **state)
{
	(void)state;
	tp_trace_graph_free(chain(dir_named("one"), 5));
	for (int split = 1; split <= 4; split++) {
		const char *dir = dir_named("parts");
		struct tp_trace_graph *g = chain(dir, split);
		assert_int_equal(tpg_make_mutable(g), TP_OK);
		blocks(g, split + 1, 5);
		struct tp_diag d = {0};
		if (tpg_append_save(g, dir, &d) != TP_OK)
			fail_msg("%s", d.message);
		tp_trace_graph_free(g);
		g = tp_test_open_graph(dir);
		expect_lists(g);
		tp_trace_graph_free(g);
		char one[4300];
		snprintf(one, sizeof one, "%s/one", scratch);
		tp_test_same_graph(dir, one);
	}
}

/* Overwrites the 4 bytes at `at` of dir's graph file with v. */
static void put_word(const char *dir, long at, uint32_t v)
{
	char path[4300];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	int fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &v, 4, at), 4);
	close(fd);
}

/* Opening after damage: refused as damaged lists, or (a word the check
 * cannot tell) every entry still names a transfer and an address. */
static int open_damaged(const char *dir)
{
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	enum tp_err e = tp_trace_graph_open(dir, &g, &d);
	if (e != TP_OK) {
		assert_int_equal(e, TP_EPARSE);
		assert_non_null(strstr(d.message, "damaged graph file (address lists)"));
		return 1;
	}
	for (uint64_t i = 0; i < g->nacct; i++) {
		assert_true(g->acct_ent[i].x < g->nxfer);
		assert_true(g->acct_ent[i].other == TPG_NONE || g->acct_ent[i].other < g->naddr);
	}
	tp_trace_graph_free(g);
	return 0;
}

/* Each word of the entries overwritten with a large index; two entries
 * of a list swapped (its transfers out of chain order, a native one after
 * a token's). */
static void test_damaged(void **state)
{
	(void)state;
	const char *dir = dir_named("damaged");
	struct tp_trace_graph *g = chain(dir, 2);
	long at = (long)((const char *)g->acct_ent - (const char *)g->map);
	uint64_t n = g->nacct;
	uint32_t b = tpg_addr_find(g, "B", 1);
	uint64_t bfirst = g->acct_off[b], blast = g->acct_off[b + 1] - 1;
	struct tpg_acct_ent ents[64];
	assert_true(n <= 64);
	memcpy(ents, g->acct_ent, n * sizeof *ents);
	tp_trace_graph_free(g);
	int refused = 0;
	for (long w = 0; w < (long)(n * sizeof *ents / 4); w++) {
		uint32_t old;
		memcpy(&old, (const char *)ents + w * 4, 4);
		put_word(dir, at + w * 4, 0xfffffff0u);
		refused += open_damaged(dir);
		put_word(dir, at + w * 4, old);
	}
	/* per entry: x, other, and the flags word refused; the low value
	 * word of an entry that falls back too */
	assert_true(refused >= (int)(3 * n));
	static const uint64_t swaps[][2] = {{0, 1}, {0, 1000}};
	for (int k = 0; k < 2; k++) {
		uint64_t i = bfirst + swaps[k][0], j = swaps[k][1] == 1000 ? blast : i + 1;
		put_word(dir, at + (long)(i * 16), ents[j].x);
		put_word(dir, at + (long)(j * 16), ents[i].x);
		assert_int_equal(open_damaged(dir), 1);
		put_word(dir, at + (long)(i * 16), ents[i].x);
		put_word(dir, at + (long)(j * 16), ents[j].x);
	}
	/* native flag after a token's: the last entry of B made native */
	uint32_t hi;
	memcpy(&hi, (const char *)&ents[blast].v + 4, 4);
	put_word(dir, at + (long)(blast * 16 + 12), hi & ~(uint32_t)(TPG_ENT_TOKEN >> 32));
	assert_int_equal(open_damaged(dir), 1);
	put_word(dir, at + (long)(blast * 16 + 12), hi);
	assert_int_equal(open_damaged(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_damaged),
	};
	return cmocka_run_group_tests(tests, tp_scratch_make, tp_scratch_remove);
}
