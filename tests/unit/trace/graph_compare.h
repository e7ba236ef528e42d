/*
 * For the trace tests: do two graph directories hold the same graph?
 * Counts and every section's live bytes are compared, not the files: an
 * append in place leaves its sections where they had room, with spare
 * room and a second header slot a single import does not have.
 * Include after cmocka.h.
 */
#ifndef TP_TEST_GRAPH_COMPARE_H
#define TP_TEST_GRAPH_COMPARE_H

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "trace/graph.h"
#include "tripact/trace.h"

/* scratch/name, made (a static buffer: the next call overwrites it). */
static inline const char *tp_test_subdir(const char *scratch, const char *name)
{
	static char dir[4200];
	snprintf(dir, sizeof dir, "%s/%s", scratch, name);
	mkdir(dir, 0755);
	return dir;
}

/* The id of address s in g, added if new. */
static inline uint32_t tp_test_addr(struct tp_trace_graph *g, const char *s)
{
	uint32_t id;
	assert_int_equal(tpg_addr_intern(g, s, strlen(s), &id), TP_OK);
	return id;
}

static inline struct tp_trace_graph *tp_test_open_graph(const char *dir)
{
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	if (tp_trace_graph_open(dir, &g, &d) != TP_OK)
		fail_msg("%s: %s", dir, d.message);
	return g;
}

static inline void tp_test_graph_counts(const struct tp_trace_graph *g, uint64_t c[15])
{
	const uint64_t v[15] = {g->kind,       g->ntx,
				g->naddr,      g->nout,
				g->nin,	       g->nxfer,
				g->nbig,       g->nblk,
				g->nacct,      g->addr_len,
				g->tx_hcap,    g->addr_hcap,
				g->last_block, g->have_last_block,
				g->wide};
	memcpy(c, v, sizeof v);
}

static inline void tp_test_same_graph(const char *a, const char *b)
{
	struct tp_trace_graph *x = tp_test_open_graph(a), *y = tp_test_open_graph(b);
	assert_string_equal(x->chain, y->chain);
	uint64_t cx[15], cy[15];
	tp_test_graph_counts(x, cx);
	tp_test_graph_counts(y, cy);
	for (size_t i = 0; i < sizeof cx / sizeof *cx; i++)
		if (cx[i] != cy[i])
			fail_msg("%s and %s: count %zu differs: %llu, %llu", a, b, i,
				 (unsigned long long)cx[i], (unsigned long long)cy[i]);
	for (int i = 0; i < 64; i++) {
		uint64_t nx, ny;
		const void *px = tpg_section_bytes(x, i, &nx), *py = tpg_section_bytes(y, i, &ny);
		assert_int_equal(nx, ny);
		if (nx && memcmp(px, py, nx) != 0)
			fail_msg("%s and %s: section %d differs", a, b, i);
	}
	tp_trace_graph_free(x);
	tp_trace_graph_free(y);
}

/*
 * Does the graph in dir read as the one in ref? Every section as stored,
 * but the hash tables and spenders through the lookups: an append that
 * was interrupted leaves ids past the counts there, read as absent.
 */
static inline void tp_test_same_reads(const char *dir, const char *ref)
{
	struct tp_trace_graph *x = tp_test_open_graph(dir), *y = tp_test_open_graph(ref);
	assert_int_equal(x->ntx, y->ntx);
	assert_int_equal(x->naddr, y->naddr);
	assert_int_equal(x->nout, y->nout);
	assert_int_equal(x->nxfer, y->nxfer);
	for (int i = 0; i < 64; i++) {
		uint64_t nx, ny;
		const void *px = tpg_section_bytes(x, i, &nx), *py = tpg_section_bytes(y, i, &ny);
		assert_int_equal(nx, ny);
		if (px == (void *)x->tx_hash || px == (void *)x->addr_hash ||
		    px == (void *)x->out_spent)
			continue;
		if (nx && memcmp(px, py, nx) != 0)
			fail_msg("%s and %s: section %d differs", dir, ref, i);
	}
	for (uint64_t o = 0; o < x->nout; o++)
		assert_int_equal(tpg_out_spent_by(x, o), tpg_out_spent_by(y, o));
	for (uint32_t t = 0; t < x->ntx; t++)
		assert_int_equal(tpg_tx_find(x, x->txid[t], 32), t);
	for (uint32_t a = 0; a < x->naddr; a++)
		assert_int_equal(tpg_addr_find(x, tpg_addr(x, a), strlen(tpg_addr(x, a))), a);
	tp_trace_graph_free(x);
	tp_trace_graph_free(y);
}

#endif
