/*
 * What a trace produces, shared by the taint engines and the report
 * writers (private to src/trace): endpoints keyed by (address, reason
 * the taint stopped there), the flow edges for the DOT picture, the
 * totals, and a small u64 -> u32 hash map the engines use for state.
 */
#ifndef TP_TRACE_RESULT_H
#define TP_TRACE_RESULT_H

#include "bigmem.h"
#include "graph.h"
#include "labels.h"

enum tpt_stop { STOP_LABEL = 0, STOP_UNSPENT, STOP_MAX_HOPS, STOP_MIN_VALUE, STOP_COUNT };

struct tpt_slot {
	uint64_t key;
	uint32_t val; /* value + 1, 0 empty */
};
struct tpt_map {
	struct tpt_slot *slots; /* key and value side by side: one miss a probe */
	size_t cap, n, mapped; /* mapped: see bigmem.h */
};
/* The slot a probe for key starts at. */
static inline size_t tpt_map_home(const struct tpt_map *m, uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & (m->cap - 1);
}
/* Starts loading the slot a lookup of key reads first. */
static inline void tpt_map_prefetch(const struct tpt_map *m, uint64_t key)
{
	if (m->cap)
		__builtin_prefetch(&m->slots[tpt_map_home(m, key)]);
}
/* The value of key, or UINT32_MAX. */
uint32_t tpt_map_get(const struct tpt_map *m, uint64_t key);
enum tp_err tpt_map_put(struct tpt_map *m, uint64_t key, uint32_t val) TP_MUST_CHECK;
void tpt_map_free(struct tpt_map *m);

/*
 * The engines' state index: key (an output or address id below n) ->
 * state. A flat array of value + 1 when it can be had (the kernel hands
 * out zeroed pages as they are touched, so a trace pays only for the part
 * of the chain it reaches, and a lookup is one load); the hash map on
 * chains too large for that.
 */
#define TPT_DENSE_MAX (1ull << 28)
/*
 * Key -> state index over keys 0..n-1: a hash map while small, a flat
 * array once a trace has touched many keys (a small trace would pay more
 * for the array's fresh pages than for the probes).
 */
/* Entries in the map before the index turns into a flat array. */
#define TPT_DENSE_AFTER 2048

struct tpt_index {
	uint32_t *dense;
	size_t mapped; /* bytes when dense is an anonymous mapping, else 0 */
	uint64_t n;
	struct tpt_map map;
};
void tpt_index_init(struct tpt_index *x, uint64_t n);
static inline uint32_t tpt_index_get(const struct tpt_index *x, uint64_t key)
{
	return x->dense ? x->dense[key] - 1 : tpt_map_get(&x->map, key);
}
/* Starts loading what tpt_index_get(x, key) reads. */
static inline void tpt_index_prefetch(const struct tpt_index *x, uint64_t key)
{
	if (x->dense)
		__builtin_prefetch(&x->dense[key]);
	else
		tpt_map_prefetch(&x->map, key);
}
enum tp_err tpt_index_put(struct tpt_index *x, uint64_t key, uint32_t val) TP_MUST_CHECK;
void tpt_index_free(struct tpt_index *x);

struct tpt_end {
	uint32_t addr;
	enum tpt_stop stop;
	enum tp_label_cat cat;
	const char *label;
	struct tp_u256 amount;
	uint32_t hops;
	int64_t first, last;
	uint32_t path_off, path_len; /* into path[] */
};

struct tpt_edge {
	uint32_t from, to;
	struct tp_u256 amount;
};

struct tp_trace_result {
	const struct tp_trace_graph *g; /* borrowed: must outlive the result */
	struct tp_trace_opts opts;
	char asset[80];
	struct tp_trace_totals totals;
	int conserving; /* the model promises conservation */

	struct tpt_end *ends;
	size_t nend, capend, endmap; /* endmap etc.: see bigmem.h */
	struct tpt_map end_index;

	/* a log while the trace runs (edges.c): one edge per pair, in the
	 * order pairs first appear, once tpt_finish has merged it */
	struct tpt_edge *edges;
	size_t nedge, capedge, edgemap;
	size_t edge_unique; /* edges[0..edge_unique) are merged already */

	uint32_t *path; /* tx indices */
	size_t npath, cappath, pathmap;
	char pathbuf[70];

	uint32_t *seed_addrs;
	size_t nseed;

	/* while the trace runs: the labels (borrowed) and, per address, its
	 * category + 1 once looked up (0: not yet); NULL if unallocated */
	const struct tp_trace_labels *labels;
	struct tpl_chain label_chain;
	uint8_t *labcat;
	size_t labmap;
};

enum tp_err tpt_result_new(const struct tp_trace_graph *g, const struct tp_trace_opts *o,
			   struct tp_trace_result **out) TP_MUST_CHECK;
/* The category of addr under r->labels (TP_CAT_NONE without); see tpt_cat.
 * May run on two threads at once (prelabel.h) once r->labcat is made. */
enum tp_label_cat tpt_cat_lookup(struct tp_trace_result *r, uint32_t addr);
/* addr's category + 1 once looked up, else 0 (addr not TPG_NONE). The
 * cache may be filled from another thread (prelabel.h): relaxed atomic
 * bytes, a plain load and store on the machine. */
static inline uint8_t tpt_cat_known(const struct tp_trace_result *r, uint32_t addr)
{
	return r->labcat ? __atomic_load_n(&r->labcat[addr], __ATOMIC_RELAXED) : 0;
}
/* The category of addr, looked up once per address and trace. */
static inline enum tp_label_cat tpt_cat(struct tp_trace_result *r, uint32_t addr)
{
	uint8_t c = addr != TPG_NONE ? tpt_cat_known(r, addr) : 0;
	return c ? (enum tp_label_cat)(c - 1) : tpt_cat_lookup(r, addr);
}
/* Starts loading what tpt_cat(r, addr) reads first (addr not TPG_NONE). */
static inline void tpt_cat_prefetch(const struct tp_trace_result *r, uint32_t addr)
{
	if (r->labcat)
		__builtin_prefetch(&r->labcat[addr]);
	__builtin_prefetch(&r->g->addr_off[addr]);
}
/*
 * Adds amount arriving at addr (time, hops) to the endpoint (addr, stop).
 * *fresh gets the index of the endpoint when this call created it, else
 * UINT32_MAX: only a new endpoint needs its example path (tpt_end_path),
 * so engines build paths just for those.
 */
enum tp_err tpt_end_add(struct tp_trace_result *r, uint32_t addr, enum tpt_stop stop,
			const struct tp_u256 *amount, uint32_t hops, int64_t time,
			uint32_t *fresh) TP_MUST_CHECK;
/* Gives new endpoint `end` its example path: path[0..npath) (tx indices,
 * seed first) is copied. */
enum tp_err tpt_end_path(struct tp_trace_result *r, uint32_t end, const uint32_t *path,
			 size_t npath) TP_MUST_CHECK;
/* A record to sort: a key and where it came from. */
struct tpt_rec {
	uint64_t key;
	uint64_t at;
};
/* Sorts a[0..n) by key, ascending and stably, using b (n records) as
 * scratch; returns whichever of the two holds the result (radix.c). */
struct tpt_rec *tpt_radix_sort(struct tpt_rec *a, struct tpt_rec *b, size_t n);

/* Adds amount to the edge from -> to (edges.c). */
enum tp_err tpt_edge_add(struct tp_trace_result *r, uint32_t from, uint32_t to,
			 const struct tp_u256 *amount) TP_MUST_CHECK;
/* Folds the edge log into one edge per pair; tpt_finish calls it. */
enum tp_err tpt_edges_merge(struct tp_trace_result *r) TP_MUST_CHECK;
enum tp_err tpt_seed_addr(struct tp_trace_result *r, uint32_t addr) TP_MUST_CHECK;
/* Merges the edges, sums the endpoints into totals and sorts them; call
 * once at the end. */
enum tp_err tpt_finish(struct tp_trace_result *r) TP_MUST_CHECK;

/* Engines. */
enum tp_err tpt_run_utxo(const struct tp_trace_graph *g, const struct tp_trace_labels *l,
			 const struct tp_trace_seed *seeds, size_t nseeds, struct tp_trace_result *r,
			 struct tp_diag *d) TP_MUST_CHECK;
enum tp_err tpt_run_account(const struct tp_trace_graph *g, const struct tp_trace_labels *l,
			    const struct tp_trace_seed *seeds, size_t nseeds,
			    struct tp_trace_result *r, struct tp_diag *d) TP_MUST_CHECK;

static inline int tpt_stops_at(const struct tp_trace_result *r, enum tp_label_cat c)
{
	return c != TP_CAT_NONE && (r->opts.stop_mask >> c) & 1;
}

#endif
