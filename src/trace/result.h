/*
 * What a trace produces, shared by the taint engines and the report
 * writers (private to src/trace): endpoints keyed by (address, reason
 * the taint stopped there), the flow edges for the DOT picture, the
 * totals, and a small u64 -> u32 hash map the engines use for state.
 */
#ifndef TP_TRACE_RESULT_H
#define TP_TRACE_RESULT_H

#include "graph.h"

enum tpt_stop { STOP_LABEL = 0, STOP_UNSPENT, STOP_MAX_HOPS, STOP_MIN_VALUE, STOP_COUNT };

struct tpt_map {
	uint64_t *keys;
	uint32_t *vals; /* value + 1, 0 empty */
	size_t cap, n;
};
/* The value of key, or UINT32_MAX. */
uint32_t tpt_map_get(const struct tpt_map *m, uint64_t key);
enum tp_err tpt_map_put(struct tpt_map *m, uint64_t key, uint32_t val) TP_MUST_CHECK;
void tpt_map_free(struct tpt_map *m);

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
	size_t nend, capend;
	struct tpt_map end_index;

	struct tpt_edge *edges;
	size_t nedge, capedge;
	struct tpt_map edge_index;

	uint32_t *path; /* tx indices */
	size_t npath, cappath;
	char pathbuf[70];

	uint32_t *seed_addrs;
	size_t nseed;
};

enum tp_err tpt_result_new(const struct tp_trace_graph *g, const struct tp_trace_opts *o,
			   struct tp_trace_result **out) TP_MUST_CHECK;
/* The category of addr under the labels (TP_CAT_NONE without). */
enum tp_label_cat tpt_label(const struct tp_trace_graph *g, const struct tp_trace_labels *l,
			    uint32_t addr, const char **name);
/*
 * Adds amount arriving at addr (time, hops) to the endpoint (addr, stop).
 * path[0..npath) (tx indices, seed first) is copied for a new endpoint.
 */
enum tp_err tpt_end_add(struct tp_trace_result *r, uint32_t addr, enum tpt_stop stop,
			enum tp_label_cat cat, const char *label, const struct tp_u256 *amount,
			uint32_t hops, int64_t time, const uint32_t *path,
			size_t npath) TP_MUST_CHECK;
enum tp_err tpt_edge_add(struct tp_trace_result *r, uint32_t from, uint32_t to,
			 const struct tp_u256 *amount) TP_MUST_CHECK;
enum tp_err tpt_seed_addr(struct tp_trace_result *r, uint32_t addr) TP_MUST_CHECK;
/* Sums the endpoints into totals and sorts them; call once at the end. */
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
