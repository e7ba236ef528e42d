/*
 * `tripact trace import`: picks the importer for the chain, appends to
 * the graph already in DIR (blocks must be newer than its last block) or
 * starts a new one. A new graph is written whole (temporary file, then
 * rename), an append in place (graph_append.c); either way a failed or
 * interrupted import leaves the previous graph as it was.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"
#include "tripact/btc.h"

/* Bitcoin's test networks are chains of their own ("btc-" + Core's name). */
static const char *const utxo_chains[] = {
	"btc", "btc-test", "btc-testnet4", "btc-signet", "btc-regtest", "ltc", "bch", "doge", NULL};
static const char *const account_chains[] = {"eth", "etc", "bsc", "polygon", "arb", NULL};

static int chain_kind(const char *chain)
{
	for (int i = 0; utxo_chains[i]; i++)
		if (!strcmp(chain, utxo_chains[i]))
			return TP_TRACE_UTXO;
	for (int i = 0; account_chains[i]; i++)
		if (!strcmp(chain, account_chains[i]))
			return TP_TRACE_ACCOUNT;
	return 0;
}

static enum tp_err import_locked(const char *dir, const char *chain, const char *const *files,
				 size_t nfiles, const struct tp_trace_import_opts *opts,
				 struct tp_trace_import_stats *stats, struct tp_diag *d);

/* One import at a time, and none while a trace reads the file it would
 * write in place (graph.h: tpg_writer_lock). */
enum tp_err tp_trace_import(const char *dir, const char *chain, const char *const *files,
			    size_t nfiles, const struct tp_trace_import_opts *opts,
			    struct tp_trace_import_stats *stats, struct tp_diag *d)
{
	if (!chain_kind(chain) || nfiles == 0)
		return import_locked(dir, chain, files, nfiles, opts, stats, d); /* the errors */
	if (tpr_mkdirs(dir) != 0)
		return tp_diag_set(d, TP_EIO, "%s: %s", dir, strerror(errno));
	int fds[2];
	enum tp_err e = tpg_writer_lock(dir, fds, d);
	if (e == TP_OK)
		e = import_locked(dir, chain, files, nfiles, opts, stats, d);
	tpg_writer_unlock(fds);
	return e;
}

static enum tp_err import_locked(const char *dir, const char *chain, const char *const *files,
				 size_t nfiles, const struct tp_trace_import_opts *opts,
				 struct tp_trace_import_stats *stats, struct tp_diag *d)
{
	int kind = chain_kind(chain);
	if (!kind)
		return tp_diag_set(d, TP_EINVAL,
				   "unknown chain '%s' (UTXO: btc btc-test btc-testnet4 btc-signet "
				   "btc-regtest ltc bch doge; account: eth etc bsc polygon arb)",
				   chain);
	if (nfiles == 0)
		return tp_diag_set(d, TP_EINVAL, "no input files");
	if (tpr_mkdirs(dir) != 0)
		return tp_diag_set(d, TP_EIO, "%s: %s", dir, strerror(errno));
	struct tp_trace_graph *g = NULL;
	struct tp_diag od = {0};
	enum tp_err e = tpg_open_unlocked(dir, &g, &od);
	uint32_t min_block = 0;
	if (e == TP_OK) {
		if (strcmp(g->chain, chain) != 0) {
			e = tp_diag_set(d, TP_ECONFLICT, "%s holds a %s graph, not %s", dir,
					g->chain, chain);
			tp_trace_graph_free(g);
			return e;
		}
		if (g->have_last_block)
			min_block = g->last_block + 1;
		if ((e = tpg_make_mutable(g)) != TP_OK) {
			tp_trace_graph_free(g);
			return tp_diag_set(d, e,
					   e == TP_EPARSE ? "%s/graph.tpg: damaged graph file "
							    "(capacities); re-import it"
					   : e == TP_EIO  ? "%s/graph.tpg: cannot map it writable"
							  : "out of memory",
					   dir);
		}
	} else if (e == TP_ENOTFOUND) {
		if ((e = tpg_new(chain, kind, &g)) != TP_OK)
			return tp_diag_set(d, e, "out of memory");
	} else {
		if (d)
			*d = od;
		return e;
	}
	struct tp_trace_import_stats local = {0};
	struct tpr r = {0};
	r.opts = opts;
	r.stats = stats ? stats : &local;
	memset(r.stats, 0, sizeof *r.stats);
	r.total = tpr_total_size(files, nfiles);
	if (kind == TP_TRACE_UTXO) {
		for (size_t i = 0; i < nfiles && e == TP_OK; i++) {
			enum tp_btc_network net = TP_BTC_MAINNET;
			int raw = (!strcmp(chain, "btc") ||
				   (!strncmp(chain, "btc-", 4) &&
				    tp_btc_network_parse(chain + 4, &net) == TP_OK))
					  ? tpi_raw_kind(files[i])
					  : 0;
			if (raw) {
				e = tpi_raw_file(g, &r, files[i], raw, net, min_block, d);
				continue;
			}
			if ((e = tpr_open(&r, files[i], d)) != TP_OK)
				break;
			e = tpi_utxo_file(g, &r, min_block, d);
			tpr_close(&r);
		}
	} else {
		e = tpi_account_files(g, files, nfiles, &r, min_block, d);
	}
	if (e == TP_OK && opts && opts->progress)
		opts->progress(opts->progress_ctx, r.total, r.total, r.txs);
	/* a graph from the file is written back in place, a new one whole */
	if (e == TP_OK)
		e = tpg_append_save(g, dir, d);
	tp_trace_graph_free(g);
	return e;
}
