/*
 * The per-address lists (a counting sort by address): the transfers of
 * each address (account) or the outputs paid to it (UTXO; skipped past
 * 2^32 outputs, when seeds are found by a scan instead). count_lists()
 * counts and allocates, so the file's layout is known; fill_lists(), which
 * cannot fail, fills them while the other sections are being written.
 * An account list holds the native coin's transfers, then each token's
 * in turn: fill_lists() places the transfers in that order, the tokens'
 * from acct_order (by_asset()).
 *
 * Both passes store at random into tables as long as the address
 * dictionary (at 20,000,000 transactions, 40 million stores into 78 and
 * 160 MB): on a big graph a second thread takes the upper part of the
 * addresses and the calling thread the lower, each reading every item and
 * storing only its own addresses', so no two threads store in one place
 * and each list keeps its order.
 */
#include <pthread.h>
#include <stdlib.h>

#include "graph_file.h"

uint64_t tpg_lists_split_at = (uint64_t)1 << 20;

static void drop_lists(struct tp_trace_graph *g)
{
	free(g->acct_off);
	free(g->acct_x);
	free(g->acct_ent);
	free(g->acct_order);
	g->acct_off = NULL;
	g->acct_x = NULL;
	g->acct_ent = NULL;
	g->acct_order = NULL;
	g->nacct = g->norder = 0;
}

/* acct_order: the transfers of tokens, by (asset, transfer) (a counting
 * sort by asset; assets are at most naddr). */
static enum tp_err by_asset(struct tp_trace_graph *g)
{
	uint64_t n = 0;
	for (uint64_t i = 0; i < g->nxfer; i++)
		n += g->xfer[i].asset != 0;
	if (!n)
		return TP_OK;
	uint32_t *at = calloc((size_t)g->naddr + 2, sizeof *at);
	uint32_t *order = malloc((size_t)n * sizeof *order);
	if (!at || !order) {
		free(at);
		free(order);
		return TP_ENOMEM;
	}
	for (uint64_t i = 0; i < g->nxfer; i++)
		if (g->xfer[i].asset)
			at[g->xfer[i].asset + 1]++;
	for (uint64_t a = 2; a < (uint64_t)g->naddr + 2; a++)
		at[a] += at[a - 1];
	for (uint64_t i = 0; i < g->nxfer; i++)
		if (g->xfer[i].asset)
			order[at[g->xfer[i].asset]++] = (uint32_t)i;
	free(at);
	g->acct_order = order;
	g->norder = n;
	return TP_OK;
}

/* One thread's share of a pass: addresses lo .. hi - 1. */
struct part {
	struct tp_trace_graph *g;
	uint32_t lo, hi;
	void (*pass)(struct tp_trace_graph *g, uint32_t lo, uint32_t hi);
};

static int mine(uint32_t a, uint32_t lo, uint32_t hi)
{
	return a - lo < hi - lo; /* TPG_NONE is never below hi <= naddr */
}

/* off[a + 2] counts address a's entries. */
static void count_part(struct tp_trace_graph *g, uint32_t lo, uint32_t hi)
{
	uint64_t *off = g->acct_off;
	if (g->kind == TP_TRACE_UTXO) {
		for (uint64_t i = 0; i < g->nout; i++)
			if (mine(g->out_addr[i], lo, hi))
				off[g->out_addr[i] + 2]++;
		return;
	}
	for (uint64_t i = 0; i < g->nxfer; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		if (mine(x->from, lo, hi))
			off[x->from + 2]++;
		if (x->to != x->from && mine(x->to, lo, hi))
			off[x->to + 2]++;
	}
}

/* Appends transfer i to the lists of its addresses among lo .. hi - 1
 * (off[a + 1] is the fill cursor of address a). */
static void place(struct tp_trace_graph *g, uint64_t i, uint32_t lo, uint32_t hi)
{
	uint64_t *off = g->acct_off;
	const struct tpg_xfer *x = &g->xfer[i];
	if (mine(x->from, lo, hi))
		g->acct_ent[off[x->from + 1]++] = tpg_acct_ent_make(g, i, x->from);
	if (x->to != x->from && mine(x->to, lo, hi))
		g->acct_ent[off[x->to + 1]++] = tpg_acct_ent_make(g, i, x->to);
}

static void fill_part(struct tp_trace_graph *g, uint32_t lo, uint32_t hi)
{
	uint64_t *off = g->acct_off;
	if (g->kind == TP_TRACE_UTXO) {
		for (uint64_t i = 0; i < g->nout; i++)
			if (mine(g->out_addr[i], lo, hi))
				g->acct_x[off[g->out_addr[i] + 1]++] = (uint32_t)i;
		return;
	}
	for (uint64_t i = 0; i < g->nxfer; i++)
		if (g->xfer[i].asset == 0)
			place(g, i, lo, hi);
	for (uint64_t k = 0; k < g->norder; k++)
		place(g, g->acct_order[k], lo, hi);
}

static void *part_thread(void *arg)
{
	struct part *p = arg;
	p->pass(p->g, p->lo, p->hi);
	return NULL;
}

/* Runs pass over all addresses: the ones from mid on on a second thread
 * when the graph is big and a thread can be had. */
static void split(struct tp_trace_graph *g, uint32_t mid,
		  void (*pass)(struct tp_trace_graph *g, uint32_t lo, uint32_t hi))
{
	uint64_t items = g->kind == TP_TRACE_UTXO ? g->nout : g->nxfer;
	struct part upper = {.g = g, .lo = mid, .hi = g->naddr, .pass = pass};
	pthread_t th;
	if (items < tpg_lists_split_at || pthread_create(&th, NULL, part_thread, &upper) != 0) {
		pass(g, 0, g->naddr);
		return;
	}
	pass(g, 0, mid);
	pthread_join(th, NULL);
}

static enum tp_err count_lists(struct tp_trace_graph *g)
{
	drop_lists(g);
	int account = g->kind == TP_TRACE_ACCOUNT;
	uint64_t items = account ? g->nxfer : g->nout;
	if (items >= UINT32_MAX)
		return account ? TP_ELIMIT : TP_OK;
	if (!account && items == 0)
		return TP_OK;
	uint64_t *off = calloc((size_t)g->naddr + 2, sizeof *off);
	if (!off)
		return TP_ENOMEM;
	g->acct_off = off;
	split(g, g->naddr / 2, count_part);
	for (uint64_t a = 2; a < (uint64_t)g->naddr + 2; a++)
		off[a] += off[a - 1];
	uint64_t n = off[g->naddr + 1];
	size_t size = account ? sizeof *g->acct_ent : sizeof *g->acct_x;
	void *list = malloc((n ? n : 1) * size);
	if (!list || (account && by_asset(g) != TP_OK)) {
		free(list);
		drop_lists(g);
		return TP_ENOMEM;
	}
	if (account)
		g->acct_ent = list;
	else
		g->acct_x = list;
	g->nacct = n;
	return TP_OK;
}

enum tp_err tpg_count_lists(struct tp_trace_graph *g, struct tp_diag *d)
{
	enum tp_err e = count_lists(g);
	if (e != TP_OK)
		return tp_diag_set(d, e,
				   e == TP_ELIMIT ? "more than 2^32 transfers in one graph"
						  : "out of memory");
	return TP_OK;
}

/* The first address whose list starts in the second half of the entries:
 * where the fill is split, so both threads store about as many. */
static uint32_t half_of_entries(const struct tp_trace_graph *g)
{
	const uint64_t *off = g->acct_off; /* off[a + 1]: where a's list starts */
	uint32_t lo = 0, hi = g->naddr;
	while (lo < hi) {
		uint32_t m = lo + (hi - lo) / 2;
		if (off[(uint64_t)m + 1] < g->nacct / 2)
			lo = m + 1;
		else
			hi = m;
	}
	return lo;
}

void tpg_fill_lists(struct tp_trace_graph *g)
{
	if (!g->acct_off)
		return;
	/* off[a + 1] is the fill cursor of address a; afterwards off[a] its start */
	split(g, half_of_entries(g), fill_part);
	free(g->acct_order);
	g->acct_order = NULL;
	g->norder = 0;
}
