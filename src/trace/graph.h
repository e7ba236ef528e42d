/*
 * The trace graph in memory (private to src/trace). One layout serves
 * both chain kinds; the arrays are either malloc'd (while importing) or
 * point into one mmap of DIR/graph.tpg (read-only while tracing; private
 * and writable while appending, where a column moves to the heap once
 * it outgrows its room in the file).
 *
 * Every array is a column of one field. Transaction t's block and time
 * sit in blk[tx_blk[t]], one entry per run of transactions in the same
 * block.
 * UTXO (Bitcoin):   first_out(t) .. first_out(t + 1) are its outputs,
 *                   first_in(t)  .. first_in(t + 1)  its inputs; an
 *                   input is the global index of the output it spends, and
 *                   every output knows the transaction that spent it.
 * Account (EVM):    xfer[] holds every value movement in chain order
 *                   (fee, then value, then internal traces, then token
 *                   transfers of a transaction); asset 0 is the native
 *                   coin, asset k > 0 the token whose contract address
 *                   has dictionary id k - 1.
 */
#ifndef TP_TRACE_GRAPH_H
#define TP_TRACE_GRAPH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tripact/trace.h"
#include "tripact/trace_u256.h"

#define TPG_NONE UINT32_MAX

/* A run of consecutive transactions sharing block height and time. */
struct tpg_block {
	int64_t time; /* block timestamp, seconds since the epoch */
	uint32_t height;
	uint32_t pad;
};

enum tpg_xfer_kind { TPG_FEE = 1, TPG_VALUE = 2, TPG_TRACE = 3, TPG_TOKEN = 4 };

/* 28 bytes: a value below 2^92 (any native coin amount, most token
 * amounts) is held inline, a larger one in bigv[]. */
struct tpg_xfer {
	uint32_t tx;
	uint32_t from; /* TPG_NONE for minted / block rewards */
	uint32_t to;   /* TPG_NONE for fees (burnt or paid to the miner) */
	uint32_t asset;
	uint32_t kind : 3;   /* enum tpg_xfer_kind */
	uint32_t big : 1;    /* the value is bigv[v_lo] */
	uint32_t v_top : 28; /* value bits 64..91 */
	uint32_t v_lo, v_hi; /* value bits 0..31 and 32..63 (read with tpg_xfer_value) */
};

/*
 * 16 bytes: one entry of an account address's list, holding what a pool
 * of that address needs to replay the transfer without reading xfer[]:
 * v is the value (below 2^61, about 2.3 ETH in wei) and three flags:
 *   TPG_ENT_SEND   the address sends it (also to itself)
 *   TPG_ENT_FULL   the value does not fit, or the transfer is a fee paid
 *                  to an address: read xfer[x] (tpg_ent_read does)
 *   TPG_ENT_TOKEN  its asset is a token, not the native coin
 * other is the counterparty: the recipient of a send (TPG_NONE for a fee
 * or a burn), the sender of a receipt (TPG_NONE for a mint).
 */
struct tpg_acct_ent {
	uint32_t x;	/* the transfer (xfer[] index) */
	uint32_t other; /* the counterparty */
	uint64_t v;	/* value and flags */
};
#define TPG_ENT_SEND  (1ULL << 63)
#define TPG_ENT_FULL  (1ULL << 62)
#define TPG_ENT_TOKEN (1ULL << 61)
#define TPG_ENT_VALUE (TPG_ENT_TOKEN - 1)

struct tp_trace_graph {
	char chain[16];
	int kind; /* TP_TRACE_UTXO or TP_TRACE_ACCOUNT */
	uint32_t last_block;
	int have_last_block;

	/* address dictionary */
	uint32_t naddr;
	char *addr_str;	    /* NUL-separated strings */
	uint64_t addr_len;  /* bytes used in addr_str */
	uint64_t *addr_off; /* naddr offsets into addr_str */
	uint32_t *addr_hash; /* open addressing: id + 1, 0 empty */
	/* while mutable: the low half of each addr_hash slot's hash (tag_of), so a
	 * probe compares strings only when it agrees (NULL when mapped, and
	 * after tpg_make_mutable until tag_at transactions or a doubling) */
	uint32_t *addr_tag;
	uint32_t addr_hcap;  /* power of two */

	/* transactions */
	uint32_t ntx;
	/* UTXO: ntx + 1 first-output and first-input indices (the sentinel
	 * holds the ends), u32 each, u64 when wide; NULL on account chains */
	void *tx_out, *tx_in;
	uint32_t *tx_blk;	/* ntx indices into blk[] */
	uint32_t nblk;
	struct tpg_block *blk;
	uint8_t (*txid)[32];
	uint32_t *tx_hash; /* open addressing: tx + 1, 0 empty */
	uint32_t tx_hcap;
	/* while mutable: the low half of each tx_hash slot's hash (tag_of), so a
	 * probe reads a txid only when it agrees (NULL as addr_tag is) */
	uint32_t *tx_tag;
	uint32_t tag_at; /* tpg_tx_add fills missing tags from this many transactions */

	/* UTXO, one column per field */
	uint64_t nout;
	uint64_t *out_value; /* satoshi */
	uint32_t *out_addr;  /* dictionary id, TPG_NONE for no address */
	uint32_t *out_spent; /* tx index, TPG_NONE while unspent */
	uint64_t nin;
	void *in; /* the global index of the output each input spends (u32, u64 when wide) */
	/* output and input indices are u64: set once a graph reaches 2^32 - 1
	 * outputs or inputs (the full Bitcoin chain is still below) */
	int wide;
	unsigned index_shift; /* log2 of an index's size: 2, or 3 when wide */
	uint64_t index_mask;  /* UINT32_MAX, or UINT64_MAX when wide */

	/* account */
	uint64_t nxfer;
	struct tpg_xfer *xfer;
	uint32_t nbig;
	struct tp_u256 *bigv;
	/* per address, entries acct_off[a] .. acct_off[a + 1] of
	 * account: acct_ent[], its transfers ordered by (asset, transfer),
	 *          so the transfers of one asset are one run in chain order
	 *          (tpg_acct_run finds it);
	 * UTXO:    acct_x[], the outputs paid to it in chain order (indices
	 *          into out[]; NULL past 2^32 outputs).
	 * Built when saved. */
	uint64_t *acct_off;
	uint32_t *acct_x;
	struct tpg_acct_ent *acct_ent;
	uint64_t nacct;
	/* account, from tpg_count_lists to tpg_fill_lists: the transfers of
	 * tokens in (asset, transfer) order, the order they are filled in */
	uint32_t *acct_order;
	uint64_t norder;

	/* capacities while mutable; map/maplen when mapped (a mutable graph
	 * from a file keeps the columns it has not outgrown in its private,
	 * writable map: only the pages an append touches are copied) */
	int mutable_;
	uint64_t cap_addr, cap_str, cap_tx, cap_blk, cap_out, cap_in, cap_xfer, cap_big;
	void *map;
	size_t maplen;
	int slot; /* the header slot of the file's state it was opened from */
	/* An append that died before its header was written may have left
	 * ids of the transactions and addresses it was adding in the hash
	 * tables and out_spent: ids up to these are "not yet" (an empty
	 * slot, unspent) instead of damage; ntx and naddr otherwise. */
	uint32_t ntx_bound, naddr_bound;
	/* opened by tp_trace_graph_open: the file, held with a shared flock
	 * until freed, so an append (which writes the file in place) waits
	 * for the readers of its present state; -1 otherwise */
	int lock_fd;
};

/*
 * The writers' side of that lock: DIR/graph.lock exclusively (one import
 * at a time), then DIR/graph.tpg exclusively if it exists (no reader left).
 * Blocks until both are free. fds[2] for tpg_writer_unlock.
 */
enum tp_err tpg_writer_lock(const char *dir, int fds[2], struct tp_diag *d) TP_MUST_CHECK;
void tpg_writer_unlock(int fds[2]);
/* tp_trace_graph_open for the holder of the writer lock (no shared lock). */
enum tp_err tpg_open_unlocked(const char *dir, struct tp_trace_graph **out,
			      struct tp_diag *d) TP_MUST_CHECK;

/* A fresh, empty, mutable graph for chain (e.g. "btc"). */
enum tp_err tpg_new(const char *chain, int kind, struct tp_trace_graph **out) TP_MUST_CHECK;
/* Makes a mapped graph mutable: its map becomes private and writable,
 * and what an interrupted append left in it is cleared. */
enum tp_err tpg_make_mutable(struct tp_trace_graph *g) TP_MUST_CHECK;
/* Builds the per-address lists and writes DIR/graph.tpg atomically
 * (temporary file + rename). */
enum tp_err tpg_save(struct tp_trace_graph *g, const char *dir,
		     struct tp_diag *d) TP_MUST_CHECK;
/*
 * Writes what was appended to a graph made mutable from DIR/graph.tpg
 * into that file, in place (graph_append.c): the old state stays the
 * file's state until the new header is written, so a crash at any point
 * leaves the one or the other.
 */
enum tp_err tpg_append_save(struct tp_trace_graph *g, const char *dir,
			    struct tp_diag *d) TP_MUST_CHECK;
/* Tests only: tpg_append_save stops after step k (1: the pending record,
 * 2: the data) as if the process died there; 0: never. */
extern int tpg_append_stop_after;
/* Tests only: section i's live bytes (NULL, 0 past the last section). */
const void *tpg_section_bytes(const struct tp_trace_graph *g, int i, uint64_t *bytes);
/* Tests only: recomputes the checksum of the header slot at slot. */
void tpg_header_reseal(void *slot);

/* The id of address s[0..len), or TPG_NONE. */
uint32_t tpg_addr_find(const struct tp_trace_graph *g, const char *s, size_t len);
/* The hash of address s[0..len) the dictionary files it under. */
uint64_t tpg_addr_hash(const char *s, size_t len);
/* Starts loading the hash slot tpg_addr_find reads first for hash h. */
void tpg_addr_prefetch(const struct tp_trace_graph *g, uint64_t h);
/*
 * Some time after tpg_addr_prefetch: starts loading the string offset of
 * the entry the slot points to; some time after that, tpg_addr_prefetch_str
 * starts loading the string itself. Neither changes anything.
 */
void tpg_addr_prefetch_off(const struct tp_trace_graph *g, uint64_t h);
void tpg_addr_prefetch_str(const struct tp_trace_graph *g, uint64_t h);
/* The id of s[0..len), adding it when new. */
enum tp_err tpg_addr_intern(struct tp_trace_graph *g, const char *s, size_t len,
			    uint32_t *id) TP_MUST_CHECK;
/* tpg_addr_intern when the caller has h = tpg_addr_hash(s, len) already. */
enum tp_err tpg_addr_intern_hashed(struct tp_trace_graph *g, const char *s, size_t len,
				   uint64_t h, uint32_t *id) TP_MUST_CHECK;
/* Adds s[0..len), which the caller knows is not in the dictionary yet. */
enum tp_err tpg_addr_append(struct tp_trace_graph *g, const char *s, size_t len,
			    uint32_t *id) TP_MUST_CHECK;
/* tpg_addr_append when the caller has h = tpg_addr_hash(s, len) already. */
enum tp_err tpg_addr_append_hashed(struct tp_trace_graph *g, const char *s, size_t len,
				   uint64_t h, uint32_t *id) TP_MUST_CHECK;
static inline const char *tpg_addr(const struct tp_trace_graph *g, uint32_t id)
{
	return id == TPG_NONE ? "" : g->addr_str + g->addr_off[id];
}

/* The tx index of id[0..len) (raw bytes), or TPG_NONE. */
uint32_t tpg_tx_find(const struct tp_trace_graph *g, const uint8_t *id, size_t len);
/* Starts loading the hash slot tpg_tx_find(g, id, 32) reads first. */
void tpg_tx_prefetch(const struct tp_trace_graph *g, const uint8_t id[32]);
/*
 * Some time after tpg_tx_prefetch: starts loading the id and the output
 * range of the transaction the slot points to.
 */
void tpg_tx_prefetch_entry(const struct tp_trace_graph *g, const uint8_t id[32]);
/*
 * Empties both hash tables and places ids 0 .. ntx - 1 and 0 .. naddr - 1
 * again, in id order: how ids past the counts (an append that did not
 * finish) are forgotten. Clearing their slots alone would leave holes in
 * runs that a doubling in place laid out in slot order.
 */
void tpg_tables_rebuild(struct tp_trace_graph *g);
/* Appends a transaction (its inputs/outputs are appended after it). */
enum tp_err tpg_tx_add(struct tp_trace_graph *g, const uint8_t *id, size_t len, int64_t time,
		       uint32_t block, uint32_t *tx) TP_MUST_CHECK;
enum tp_err tpg_out_add(struct tp_trace_graph *g, uint64_t value, uint32_t addr) TP_MUST_CHECK;
enum tp_err tpg_in_add(struct tp_trace_graph *g, uint64_t out) TP_MUST_CHECK;
enum tp_err tpg_xfer_add(struct tp_trace_graph *g, uint32_t tx, uint32_t from, uint32_t to,
			 uint32_t asset, const struct tp_u256 *value,
			 uint32_t kind) TP_MUST_CHECK;
/* Closes the sentinel entry after the last transaction. */
void tpg_seal(struct tp_trace_graph *g);
/* Switches a mutable graph to u64 output and input indices now. Done by
 * itself at 2^32 - 1 outputs or inputs; tests call it to cover that form. */
enum tp_err tpg_widen(struct tp_trace_graph *g) TP_MUST_CHECK;
/* Bytes the file spends on the core graph (what a trace reads per hop:
 * transactions, blocks, outputs, inputs, transfers, per-address lists)
 * and on the dictionaries (txids, addresses and their hash tables, read
 * only to resolve seeds and print results), header and padding left out. */
void tpg_sizes(const struct tp_trace_graph *g, uint64_t *core, uint64_t *dict);

void tpg_xfer_value(const struct tp_trace_graph *g, const struct tpg_xfer *x, struct tp_u256 *v);
/* The entry of transfer i in the list of address a (its sender or recipient). */
struct tpg_acct_ent tpg_acct_ent_make(const struct tp_trace_graph *g, uint64_t i, uint32_t a);
/* The first of entries ent[lo .. hi) (one address's list, ordered by
 * asset) whose transfer's asset is asset or more; hi when none is. Reads
 * no transfer unless asset > 1 (a token other than the first). */
uint64_t tpg_asset_bound(const struct tp_trace_graph *g, const struct tpg_acct_ent *ent,
			 uint64_t lo, uint64_t hi, uint32_t asset);
/* Address a's list: entries *first .. *end (of acct_ent[] or acct_x[]). */
static inline void tpg_acct_list(const struct tp_trace_graph *g, uint32_t a, uint64_t *first,
				 uint64_t *end)
{
	*first = g->acct_off[a];
	*end = g->acct_off[a + 1];
}
/* Account: the run of address a's list that holds its transfers of asset:
 * entries *first .. *end of acct_ent[], in chain order. (The native
 * coin's run starts the list and ends at the first entry flagged
 * TPG_ENT_TOKEN: a reader of the whole list can find the end as it goes.) */
static inline void tpg_acct_run(const struct tp_trace_graph *g, uint32_t a, uint32_t asset,
				uint64_t *first, uint64_t *end)
{
	uint64_t lo = g->acct_off[a], hi = g->acct_off[a + 1];
	*first = tpg_asset_bound(g, g->acct_ent, lo, hi, asset);
	*end = tpg_asset_bound(g, g->acct_ent, *first, hi, asset + 1);
}
static inline const struct tpg_acct_ent *tpg_acct_entry(const struct tp_trace_graph *g,
							 uint64_t i)
{
	return &g->acct_ent[i];
}
/*
 * What entry e of address a's list moves: from, to (as the transfer
 * names them), its value, and whether it reaches no one (a fee, or no
 * recipient): the value then leaves the chain's addresses.
 */
static inline int tpg_ent_read(const struct tp_trace_graph *g, uint32_t a,
			       const struct tpg_acct_ent *e, uint32_t *from, uint32_t *to,
			       struct tp_u256 *v)
{
	if (e->v & TPG_ENT_FULL) {
		const struct tpg_xfer *x = &g->xfer[e->x];
		*from = x->from;
		*to = x->to;
		tpg_xfer_value(g, x, v);
		return x->kind == TPG_FEE || x->to == TPG_NONE;
	}
	int send = (e->v & TPG_ENT_SEND) != 0;
	*from = send ? a : e->other;
	*to = send ? e->other : a;
	v->w[0] = e->v & TPG_ENT_VALUE;
	v->w[1] = v->w[2] = v->w[3] = 0;
	return *to == TPG_NONE;
}
/* Formats tx's id as the chain shows it (hex; "0x" prefix on account chains). */
void tpg_txid_format(const struct tp_trace_graph *g, uint32_t tx, char out[70]);
/* Parses a hex tx id (optional 0x) into raw bytes; returns length or 0. */
size_t tpg_txid_parse(const char *s, size_t len, uint8_t out[32]);

/*
 * Accessors. Code outside graph.c reads and patches transactions,
 * outputs and inputs only through these, so the layout of the arrays
 * can change without touching the importers or the tracer.
 */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the graph file and tpg_index() assume a little-endian host"
#endif
/*
 * Entry i of an index column (u32, or u64 when the graph is wide),
 * without a branch on the width, which costs a quarter of a full pass:
 * it loads 8 bytes and masks them, so a u32 column must be followed by
 * 4 readable bytes (a spare entry on the heap; later sections in the
 * file, checked when it is opened).
 */
static inline uint64_t tpg_index(const struct tp_trace_graph *g, const void *col, uint64_t i)
{
	uint64_t v;
	memcpy(&v, (const char *)col + (i << g->index_shift), sizeof v);
	return v & g->index_mask;
}
/* graph*.c only: sets the width of the index columns. */
static inline void tpg_set_wide(struct tp_trace_graph *g, int wide)
{
	g->wide = wide;
	g->index_shift = wide ? 3 : 2;
	g->index_mask = wide ? UINT64_MAX : UINT32_MAX;
}
static inline uint64_t tpg_tx_first_out(const struct tp_trace_graph *g, uint32_t t)
{
	return tpg_index(g, g->tx_out, t);
}
static inline uint64_t tpg_tx_first_in(const struct tp_trace_graph *g, uint32_t t)
{
	return tpg_index(g, g->tx_in, t);
}
/* Starts loading what tpg_tx_first_in/_first_out(g, t) read. */
static inline void tpg_tx_prefetch_ranges(const struct tp_trace_graph *g, uint32_t t)
{
	__builtin_prefetch((const char *)g->tx_in + ((uint64_t)t << g->index_shift));
	__builtin_prefetch((const char *)g->tx_out + ((uint64_t)t << g->index_shift));
}
static inline uint64_t tpg_tx_nout(const struct tp_trace_graph *g, uint32_t t)
{
	return tpg_tx_first_out(g, t + 1) - tpg_tx_first_out(g, t);
}
static inline int64_t tpg_tx_time(const struct tp_trace_graph *g, uint32_t t)
{
	return g->blk[g->tx_blk[t]].time;
}
static inline uint32_t tpg_tx_block(const struct tp_trace_graph *g, uint32_t t)
{
	return g->blk[g->tx_blk[t]].height;
}
static inline uint64_t tpg_out_value(const struct tp_trace_graph *g, uint64_t o)
{
	return g->out_value[o];
}
static inline uint32_t tpg_out_addr(const struct tp_trace_graph *g, uint64_t o)
{
	return g->out_addr[o];
}
/* The transaction that spends output o, TPG_NONE while unspent (also
 * when an interrupted append left a spender that is not yet there). */
static inline uint32_t tpg_out_spent_by(const struct tp_trace_graph *g, uint64_t o)
{
	uint32_t t = g->out_spent[o];
	return t < g->ntx ? t : TPG_NONE;
}
/* Importers only: records that transaction t spends output o. */
static inline void tpg_out_set_spent_by(struct tp_trace_graph *g, uint64_t o, uint32_t t)
{
	g->out_spent[o] = t;
}
/* Starts loading what checking and spending output o reads. */
static inline void tpg_out_prefetch(const struct tp_trace_graph *g, uint64_t o)
{
	__builtin_prefetch(&g->out_value[o]);
	__builtin_prefetch(&g->out_spent[o]);
}
/* The global index of the output that input i spends. */
static inline uint64_t tpg_in_out(const struct tp_trace_graph *g, uint64_t i)
{
	return tpg_index(g, g->in, i);
}

#endif
