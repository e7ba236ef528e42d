/*
 * Trace results: endpoint and edge aggregation, totals, accessors.
 * An endpoint is an (address, stop reason) pair: the same address can
 * hold taint that stopped at the hop limit and taint that is simply
 * unspent, and the report keeps them apart.
 */
#include <stdlib.h>
#include <string.h>

#include "result.h"

static const char *const stop_names[STOP_COUNT] = {"label", "unspent", "max_hops", "min_value"};

uint32_t tpt_map_get(const struct tpt_map *m, uint64_t key)
{
	if (!m->cap)
		return UINT32_MAX;
	for (size_t i = tpt_map_home(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (!m->slots[i].val)
			return UINT32_MAX;
		if (m->slots[i].key == key)
			return m->slots[i].val - 1;
	}
}

enum tp_err tpt_map_put(struct tpt_map *m, uint64_t key, uint32_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 256;
		struct tpt_map t = {NULL, cap, m->n, 0};
		if (!(t.slots = tpt_big_zalloc(cap, sizeof *t.slots, &t.mapped)))
			return TP_ENOMEM;
		for (size_t i = 0; i < m->cap; i++) {
			if (!m->slots[i].val)
				continue;
			size_t j = tpt_map_home(&t, m->slots[i].key);
			while (t.slots[j].val)
				j = (j + 1) & (cap - 1);
			t.slots[j] = m->slots[i];
		}
		tpt_big_free(m->slots, m->mapped);
		*m = t;
	}
	size_t i = tpt_map_home(m, key);
	while (m->slots[i].val && m->slots[i].key != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->slots[i].val)
		m->n++;
	m->slots[i] = (struct tpt_slot){key, val + 1};
	return TP_OK;
}

void tpt_map_free(struct tpt_map *m)
{
	tpt_big_free(m->slots, m->mapped);
	memset(m, 0, sizeof *m);
}

void tpt_index_init(struct tpt_index *x, uint64_t n)
{
	memset(x, 0, sizeof *x);
	x->n = n;
}

/* Makes x->dense for keys 0..n-1 (left NULL when that fails): a trace
 * touches it all over, so past bigmem.h's size in huge pages. */
static void dense_alloc(struct tpt_index *x)
{
	x->dense = tpt_big_zalloc(x->n, sizeof *x->dense, &x->mapped);
}

enum tp_err tpt_index_put(struct tpt_index *x, uint64_t key, uint32_t val)
{
	if (x->dense) {
		x->dense[key] = val + 1;
		return TP_OK;
	}
	enum tp_err e = tpt_map_put(&x->map, key, val);
	if (e != TP_OK || x->map.n < TPT_DENSE_AFTER || x->n > TPT_DENSE_MAX)
		return e;
	dense_alloc(x);
	if (!x->dense)
		return TP_OK; /* stays a map */
	for (size_t i = 0; i < x->map.cap; i++)
		if (x->map.slots[i].val)
			x->dense[x->map.slots[i].key] = x->map.slots[i].val;
	tpt_map_free(&x->map);
	return TP_OK;
}

void tpt_index_free(struct tpt_index *x)
{
	tpt_big_free(x->dense, x->mapped);
	x->mapped = 0;
	tpt_map_free(&x->map);
	x->dense = NULL;
}

enum tp_err tpt_result_new(const struct tp_trace_graph *g, const struct tp_trace_opts *o,
			   struct tp_trace_result **out)
{
	struct tp_trace_result *r = calloc(1, sizeof *r);
	if (!r)
		return TP_ENOMEM;
	r->g = g;
	r->opts = *o;
	r->opts.asset = NULL;
	if (!r->opts.stop_mask)
		r->opts.stop_mask = 1u << TP_CAT_EXCHANGE | 1u << TP_CAT_SERVICE;
	r->conserving = o->model != TP_MODEL_POISON;
	tpl_chain_init(&r->label_chain, g->chain);
	*out = r;
	return TP_OK;
}

void tp_trace_result_free(struct tp_trace_result *r)
{
	if (!r)
		return;
	tpt_big_free(r->ends, r->endmap);
	tpt_map_free(&r->end_index);
	tpt_big_free(r->edges, r->edgemap);
	tpt_big_free(r->path, r->pathmap);
	free(r->seed_addrs);
	tpt_big_free(r->labcat, r->labmap);
	free(r);
}

enum tp_label_cat tpt_cat_lookup(struct tp_trace_result *r, uint32_t addr)
{
	const char *name;
	if (addr == TPG_NONE)
		return TP_CAT_NONE;
	enum tp_label_cat c = tpl_get(r->labels, &r->label_chain, tpg_addr(r->g, addr), &name);
	/* a busy trace asks about the same addresses over and over; without
	 * the cache (no memory) every call looks the address up again */
	if (!r->labcat)
		r->labcat = tpt_big_zalloc(r->g->naddr, 1, &r->labmap);
	if (r->labcat)
		__atomic_store_n(&r->labcat[addr], (uint8_t)(c + 1), __ATOMIC_RELAXED);
	return c;
}

enum tp_err tpt_end_add(struct tp_trace_result *r, uint32_t addr, enum tpt_stop stop,
			const struct tp_u256 *amount, uint32_t hops, int64_t time, uint32_t *fresh)
{
	uint64_t key = (uint64_t)addr << 3 | stop;
	uint32_t i = tpt_map_get(&r->end_index, key);
	*fresh = UINT32_MAX;
	if (i == UINT32_MAX) {
		if (tpt_big_grow((void **)&r->ends, &r->capend, &r->endmap, r->nend + 1, sizeof *r->ends))
			return TP_ENOMEM;
		i = (uint32_t)r->nend;
		if (tpt_map_put(&r->end_index, key, i))
			return TP_ENOMEM;
		struct tpt_end *e = &r->ends[r->nend++];
		memset(e, 0, sizeof *e);
		e->addr = addr;
		e->stop = stop;
		e->label = "";
		e->cat = tpt_cat(r, addr);
		if (e->cat != TP_CAT_NONE)
			tpl_get(r->labels, &r->label_chain, tpg_addr(r->g, addr), &e->label);
		e->hops = hops;
		e->first = e->last = time;
		e->path_off = (uint32_t)r->npath;
		*fresh = i;
	}
	struct tpt_end *e = &r->ends[i];
	if (tp_u256_add(&e->amount, &e->amount, amount) != TP_OK)
		return TP_EOVERFLOW;
	if (hops < e->hops)
		e->hops = hops;
	if (time < e->first)
		e->first = time;
	if (time > e->last)
		e->last = time;
	return TP_OK;
}

enum tp_err tpt_end_path(struct tp_trace_result *r, uint32_t end, const uint32_t *path,
			 size_t npath)
{
	if (tpt_big_grow((void **)&r->path, &r->cappath, &r->pathmap, r->npath + npath,
			 sizeof *r->path))
		return TP_ENOMEM;
	struct tpt_end *e = &r->ends[end];
	e->path_off = (uint32_t)r->npath;
	e->path_len = (uint32_t)npath;
	if (npath)
		memcpy(r->path + r->npath, path, npath * sizeof *path);
	r->npath += npath;
	return TP_OK;
}

enum tp_err tpt_seed_addr(struct tp_trace_result *r, uint32_t addr)
{
	for (size_t i = 0; i < r->nseed; i++)
		if (r->seed_addrs[i] == addr)
			return TP_OK;
	uint32_t *q = realloc(r->seed_addrs, (r->nseed + 1) * sizeof *q);
	if (!q)
		return TP_ENOMEM;
	r->seed_addrs = q;
	r->seed_addrs[r->nseed++] = addr;
	return TP_OK;
}

/*
 * Endpoints sort by amount (largest first), then address, then stop
 * reason. The sort reads a copy of what it compares: the amount's
 * leading bits as one number, so only near ties compare all 256 bits,
 * and the address's first 8 bytes as a number, so only ties that long
 * read the strings (each a cache miss), and nothing shared, so traces
 * can run at once.
 */
struct end_key {
	uint64_t lead; /* orders as the amounts do, ties aside: see lead_of */
	uint64_t prefix; /* big-endian, NUL-padded: orders as strcmp does */
	struct tp_u256 amount;
	const char *addr;
	uint32_t at, stop;
};

/* The position of a's highest set bit over the 56 bits from there down
 * (0 for zero): a larger amount never has a smaller lead. */
static uint64_t lead_of(const struct tp_u256 *a)
{
	int i = 3;
	while (i > 0 && !a->w[i])
		i--;
	if (!a->w[i])
		return 0;
	int top = 63 - __builtin_clzll(a->w[i]); /* bit of w[i] */
	uint64_t at = (uint64_t)(64 * i + top); /* 0..255 */
	/* the 64 bits from the highest set bit down (that bit set, so a
	 * nonzero amount has a nonzero lead), of which the top 56 */
	uint64_t hi = a->w[i] << (63 - top);
	if (top < 63 && i > 0)
		hi |= a->w[i - 1] >> (top + 1);
	return at << 56 | hi >> 8;
}

static uint64_t prefix_of(const char *s)
{
	uint64_t p = 0;
	size_t i = 0;
	for (; i < 8 && s[i]; i++)
		p = p << 8 | (unsigned char)s[i];
	return i ? p << (8 * (8 - i)) : 0;
}

static int cmp_key(const void *a, const void *b)
{
	const struct end_key *x = a, *y = b;
	if (x->lead != y->lead)
		return x->lead > y->lead ? -1 : 1;
	int c = tp_u256_cmp(&y->amount, &x->amount);
	if (c)
		return c;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	/* equal prefixes without a NUL: the rest decides */
	if ((x->prefix & 0xff) && (c = strcmp(x->addr + 8, y->addr + 8)))
		return c;
	return (int)x->stop - (int)y->stop;
}

/* How far ahead sort_ends asks for an endpoint's address offset; the
 * string is asked for half as far ahead. */
#define SORT_AHEAD 16

/* Puts k[0..n) in cmp_key order through the leads alone (a radix sort on
 * them, largest first), then the full comparison within equal leads;
 * order[] gets the result. */
static enum tp_err order_keys(const struct end_key *k, size_t n, struct tpt_rec *order)
{
	size_t amap, bmap;
	struct tpt_rec *a = tpt_big_zalloc(n, sizeof *a, &amap);
	struct tpt_rec *b = tpt_big_zalloc(n, sizeof *b, &bmap);
	struct end_key *run = NULL; /* scratch for the longest tie so far */
	size_t caprun = 0;
	enum tp_err e = TP_OK;
	if (!a || !b) {
		e = TP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = (struct tpt_rec){~k[i].lead, i};
	struct tpt_rec *s = tpt_radix_sort(a, b, n);
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && s[j].key == s[i].key;)
			j++;
		if (j - i > 1) {
			if (j - i > caprun) {
				free(run);
				caprun = j - i;
				if (!(run = malloc(caprun * sizeof *run))) {
					e = TP_ENOMEM;
					goto out;
				}
			}
			for (size_t t = i; t < j; t++)
				run[t - i] = k[s[t].at];
			qsort(run, j - i, sizeof *run, cmp_key);
			for (size_t t = i; t < j; t++)
				s[t].at = run[t - i].at;
		}
	}
	memcpy(order, s, n * sizeof *order);
out:
	free(run);
	tpt_big_free(a, amap);
	tpt_big_free(b, bmap);
	return e;
}

static enum tp_err sort_ends(struct tp_trace_result *r)
{
	size_t n = r->nend;
	if (n < 2)
		return TP_OK;
	size_t kmap, sortedmap, omap;
	struct end_key *k = tpt_big_zalloc(n, sizeof *k, &kmap);
	struct tpt_end *sorted = tpt_big_zalloc(n, sizeof *sorted, &sortedmap);
	struct tpt_rec *order = tpt_big_zalloc(n, sizeof *order, &omap);
	enum tp_err e = TP_OK;
	if (!k || !sorted || !order) {
		e = TP_ENOMEM;
		goto out;
	}
	const struct tp_trace_graph *g = r->g;
	for (size_t i = 0; i < n; i++) {
		if (i + SORT_AHEAD < n && r->ends[i + SORT_AHEAD].addr != TPG_NONE)
			__builtin_prefetch(&g->addr_off[r->ends[i + SORT_AHEAD].addr]);
		if (i + SORT_AHEAD / 2 < n)
			__builtin_prefetch(tpg_addr(g, r->ends[i + SORT_AHEAD / 2].addr));
		const struct tpt_end *x = &r->ends[i];
		const char *a = tpg_addr(g, x->addr);
		k[i] = (struct end_key){lead_of(&x->amount), prefix_of(a), x->amount, a, (uint32_t)i,
					(uint32_t)x->stop};
	}
	if ((e = order_keys(k, n, order)))
		goto out;
	for (size_t i = 0; i < n; i++)
		sorted[i] = r->ends[order[i].at];
	tpt_big_free(r->ends, r->endmap);
	r->ends = sorted;
	r->capend = n;
	r->endmap = sortedmap;
	sorted = NULL;
out:
	tpt_big_free(k, kmap);
	tpt_big_free(sorted, sortedmap);
	tpt_big_free(order, omap);
	return e;
}

enum tp_err tpt_finish(struct tp_trace_result *r)
{
	struct tp_trace_totals *t = &r->totals;
	enum tp_err merged = tpt_edges_merge(r);
	if (merged)
		return merged;
	for (size_t i = 0; i < r->nend; i++) {
		struct tpt_end *e = &r->ends[i];
		int endpoint = e->stop == STOP_LABEL;
		struct tp_u256 *sum = endpoint ? &t->endpoints : &t->held;
		enum tp_label_cat c = e->cat;
		if (tp_u256_add(sum, sum, &e->amount) ||
		    tp_u256_add(&t->by_cat[c], &t->by_cat[c], &e->amount))
			return TP_EOVERFLOW;
	}
	tpt_big_free(r->labcat, r->labmap);
	r->labcat = NULL;
	return sort_ends(r);
}

void tp_trace_result_totals(const struct tp_trace_result *r, struct tp_trace_totals *out)
{
	*out = r->totals;
}

int tp_trace_result_conserved(const struct tp_trace_result *r)
{
	if (!r->conserving)
		return 0;
	struct tp_u256 s;
	if (tp_u256_add(&s, &r->totals.endpoints, &r->totals.held) ||
	    tp_u256_add(&s, &s, &r->totals.fees))
		return 0;
	return tp_u256_cmp(&s, &r->totals.seed) == 0;
}

size_t tp_trace_result_count(const struct tp_trace_result *r)
{
	return r->nend;
}

void tp_trace_result_endpoint(const struct tp_trace_result *r, size_t i,
			      struct tp_trace_endpoint *out)
{
	const struct tpt_end *e = &r->ends[i];
	out->address = e->addr == TPG_NONE ? "(no address)" : tpg_addr(r->g, e->addr);
	out->label = e->label;
	out->asset = r->asset;
	out->category = e->cat;
	out->stop = stop_names[e->stop];
	out->amount = e->amount;
	out->hops = e->hops;
	out->first_seen = e->first;
	out->last_seen = e->last;
	out->path_len = e->path_len;
}

const char *tp_trace_result_path(const struct tp_trace_result *r, size_t i, size_t j)
{
	const struct tpt_end *e = &r->ends[i];
	if (j >= e->path_len)
		return NULL;
	tpg_txid_format(r->g, r->path[e->path_off + j], ((struct tp_trace_result *)r)->pathbuf);
	return r->pathbuf;
}
