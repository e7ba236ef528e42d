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
 * Splitting both passes over two threads by address (each reading every
 * item, storing only its own addresses') made the 20M raw-block graph's
 * save no faster (2.2-3.1 s against 2.0-2.2): the writing thread wants
 * the second core then.
 */
#include <stdlib.h>

#include "graph_file.h"

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

/* off[a + 2] counts address a's entries. */
static void count(struct tp_trace_graph *g)
{
	uint64_t *off = g->acct_off;
	for (uint64_t i = 0; g->kind == TP_TRACE_UTXO && i < g->nout; i++)
		if (g->out_addr[i] != TPG_NONE)
			off[g->out_addr[i] + 2]++;
	for (uint64_t i = 0; g->kind == TP_TRACE_ACCOUNT && i < g->nxfer; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		if (x->from != TPG_NONE)
			off[x->from + 2]++;
		if (x->to != TPG_NONE && x->to != x->from)
			off[x->to + 2]++;
	}
}

/* Appends transfer i to the lists of its addresses (off[a + 1] is the
 * fill cursor of address a). */
static void place(struct tp_trace_graph *g, uint64_t *off, uint64_t i)
{
	const struct tpg_xfer *x = &g->xfer[i];
	if (x->from != TPG_NONE)
		g->acct_ent[off[x->from + 1]++] = tpg_acct_ent_make(g, i, x->from);
	if (x->to != TPG_NONE && x->to != x->from)
		g->acct_ent[off[x->to + 1]++] = tpg_acct_ent_make(g, i, x->to);
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
	count(g);
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

void tpg_fill_lists(struct tp_trace_graph *g)
{
	uint64_t *off = g->acct_off;
	if (!off)
		return;
	/* off[a + 1] is the fill cursor of address a; afterwards off[a] its start */
	if (g->kind == TP_TRACE_UTXO) {
		for (uint64_t i = 0; i < g->nout; i++)
			if (g->out_addr[i] != TPG_NONE)
				g->acct_x[off[g->out_addr[i] + 1]++] = (uint32_t)i;
		return;
	}
	for (uint64_t i = 0; i < g->nxfer; i++)
		if (g->xfer[i].asset == 0)
			place(g, off, i);
	for (uint64_t k = 0; k < g->norder; k++)
		place(g, off, g->acct_order[k]);
	free(g->acct_order);
	g->acct_order = NULL;
	g->norder = 0;
}
