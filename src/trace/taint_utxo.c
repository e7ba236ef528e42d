/*
 * Taint on UTXO chains (docs/taint-models.md). Taint lives on outputs.
 * Transactions are visited in chain order through a min-heap of the
 * transactions that spend live tainted outputs, so a trace touches only
 * the part of the graph the stolen value reaches.
 *
 * Worked example (haircut): inputs 6 (4 tainted) and 3 (clean), V = 9,
 * T = 4; outputs 5 and 3, fee 1. Exact shares 20/9, 12/9 and 4/9: floors
 * 2, 1, 0 with remainders 2/9, 3/9, 4/9. One unit is left and goes to the
 * largest remainder, the fee: outputs 2 and 1, fee 1, together 4.
 */
#include <stdlib.h>
#include <string.h>

#include "result.h"

struct iv {
	uint64_t off, len;
};

struct ost {
	uint64_t out;
	uint64_t taint;
	uint32_t prev; /* state of the main tainted input, UINT32_MAX for a seed */
	uint32_t pend, ppos; /* on endpoint pend's path at ppos (UINT32_MAX: on none yet) */
	uint32_t tx;
	uint32_t hops;
	uint8_t live, classified;
	struct iv *iv; /* FIFO: tainted ranges of the output, sorted */
	uint32_t niv;
};

struct run {
	const struct tp_trace_graph *g;
	const struct tp_trace_labels *l;
	struct tp_trace_result *r;
	struct ost *st;
	size_t nst, capst, stmap; /* bigmem.h */
	struct tpt_index index; /* output -> state */
	uint32_t *heap;
	size_t nheap, capheap;
	uint32_t *pathbuf, *walk;
	size_t cappath, capwalk;
	int64_t until;
	/* scratch per transaction */
	struct iv *ivs, *ivo;
	size_t capivs, capivo;
	uint64_t *alloc;
	size_t capalloc;
	uint32_t *order;
	size_t caporder;
};

static enum tp_err grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return TP_OK;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * size);
	if (!q)
		return TP_ENOMEM;
	*p = q;
	*cap = n;
	return TP_OK;
}

/* A 4-ary min-heap of transactions: half the levels of a binary heap,
 * the children of a node in one cache line. */
static enum tp_err heap_push(struct run *u, uint32_t tx)
{
	if (grow((void **)&u->heap, &u->capheap, u->nheap + 1, sizeof *u->heap))
		return TP_ENOMEM;
	size_t i = u->nheap++;
	while (i && u->heap[(i - 1) / 4] > tx) {
		u->heap[i] = u->heap[(i - 1) / 4];
		i = (i - 1) / 4;
	}
	u->heap[i] = tx;
	return TP_OK;
}

static uint32_t heap_pop(struct run *u)
{
	uint32_t top = u->heap[0], last = u->heap[--u->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 4 * i + 1, end = c + 4 < u->nheap ? c + 4 : u->nheap;
		if (c >= u->nheap)
			break;
		for (size_t k = c + 1; k < end; k++)
			if (u->heap[k] < u->heap[c])
				c = k;
		if (u->heap[c] >= last)
			break;
		u->heap[i] = u->heap[c];
		i = c;
	}
	if (u->nheap)
		u->heap[i] = last;
	return top;
}

/*
 * The transaction that created output o. Outputs per transaction vary
 * little along a chain, so interpolating between the bracket's ends
 * (the sentinel entry holds the end of the last one) lands next to the
 * answer in a step or two, where a binary search over the whole chain
 * misses the cache at every one of its twenty-odd steps. A few rounds of
 * that, then bisection for what is left.
 */
static uint32_t out_tx(const struct tp_trace_graph *g, uint64_t o)
{
	uint32_t lo = 0, hi = g->ntx; /* first_out(lo) <= o < first_out(hi) */
	for (int round = 0; round < 4 && hi - lo > 8; round++) {
		uint64_t flo = tpg_tx_first_out(g, lo), fhi = tpg_tx_first_out(g, hi);
		uint64_t mid =
			lo + (uint64_t)((unsigned __int128)(o - flo) * (hi - lo) / (fhi - flo));
		if (mid <= lo)
			mid = lo + 1;
		if (mid >= hi)
			mid = hi - 1;
		if (tpg_tx_first_out(g, (uint32_t)mid) <= o)
			lo = (uint32_t)mid;
		else
			hi = (uint32_t)mid;
	}
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (tpg_tx_first_out(g, mid) <= o)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The state of output o, created by transaction tx. */
static enum tp_err state_for(struct run *u, uint64_t o, uint32_t tx, uint32_t *idx)
{
	uint32_t i = tpt_index_get(&u->index, o);
	if (i != UINT32_MAX) {
		*idx = i;
		return TP_OK;
	}
	if (tpt_big_grow((void **)&u->st, &u->capst, &u->stmap, u->nst + 1, sizeof *u->st))
		return TP_ENOMEM;
	i = (uint32_t)u->nst++;
	memset(&u->st[i], 0, sizeof u->st[i]);
	u->st[i].out = o;
	u->st[i].prev = UINT32_MAX;
	u->st[i].pend = UINT32_MAX;
	u->st[i].tx = tx;
	if (tpt_index_put(&u->index, o, i))
		return TP_ENOMEM;
	*idx = i;
	return TP_OK;
}

/* Seeds output o of tx with its first `amount` units (value for all of it). */
static enum tp_err seed_output(struct run *u, uint64_t o, uint32_t tx, uint64_t amount)
{
	uint32_t i;
	enum tp_err e = state_for(u, o, tx, &i);
	if (e)
		return e;
	struct ost *s = &u->st[i];
	if (s->taint >= amount)
		return TP_OK;
	struct tp_u256 add;
	tp_u256_from_u64(&add, amount - s->taint);
	if (tp_u256_add(&u->r->totals.seed, &u->r->totals.seed, &add))
		return TP_EOVERFLOW;
	s->taint = amount;
	if (u->r->opts.model != TP_MODEL_FIFO)
		return heap_push(u, s->tx);
	free(s->iv);
	s->iv = malloc(sizeof *s->iv);
	if (!s->iv)
		return TP_ENOMEM;
	s->iv[0] = (struct iv){0, amount};
	s->niv = 1;
	return heap_push(u, s->tx);
}

/*
 * The example path into state st, for new endpoint `end`, in pathbuf.
 * The walk back along prev links stops at the first output already on
 * a reported path and copies that path's head, so each link is walked
 * once however many endpoints share it (poison at 100 hops otherwise
 * spent most of its time here).
 */
static enum tp_err path_of(struct run *u, uint32_t st, uint32_t end, size_t *n)
{
	const struct tp_trace_result *r = u->r;
	size_t k = 0, head = 0;
	uint32_t i = st;
	for (; i != UINT32_MAX && u->st[i].pend == UINT32_MAX; i = u->st[i].prev) {
		if (grow((void **)&u->walk, &u->capwalk, k + 1, sizeof *u->walk))
			return TP_ENOMEM;
		u->walk[k++] = i;
	}
	if (i != UINT32_MAX)
		head = u->st[i].ppos + 1;
	if (grow((void **)&u->pathbuf, &u->cappath, head + k, sizeof *u->pathbuf))
		return TP_ENOMEM;
	if (head)
		memcpy(u->pathbuf, r->path + r->ends[u->st[i].pend].path_off,
		       head * sizeof *u->pathbuf);
	for (size_t j = 0; j < k; j++) {
		struct ost *s = &u->st[u->walk[k - 1 - j]];
		u->pathbuf[head + j] = s->tx;
		s->pend = end;
		s->ppos = (uint32_t)(head + j);
	}
	*n = head + k;
	return TP_OK;
}

/* Decides where a freshly tainted output's taint goes next. */
static enum tp_err classify(struct run *u, uint32_t i)
{
	struct ost *s = &u->st[i];
	const struct tp_trace_graph *g = u->g;
	uint32_t addr = tpg_out_addr(g, s->out), spent_by = tpg_out_spent_by(g, s->out);
	struct tp_trace_result *r = u->r;
	s->classified = 1;
	enum tpt_stop stop;
	struct tp_u256 amount;
	tp_u256_from_u64(&amount, s->taint);
	if (tpt_stops_at(r, tpt_cat(r, addr)))
		stop = STOP_LABEL;
	else if (tp_u256_cmp(&amount, &r->opts.min_value) < 0)
		stop = STOP_MIN_VALUE;
	else if (spent_by == TPG_NONE || (u->until && tpg_tx_time(g, spent_by) > u->until))
		stop = STOP_UNSPENT;
	else if (r->opts.max_hops && s->hops >= r->opts.max_hops)
		stop = STOP_MAX_HOPS;
	else {
		s->live = 1;
		return heap_push(u, spent_by);
	}
	uint32_t fresh;
	size_t n;
	enum tp_err e = tpt_end_add(r, addr, stop, &amount, s->hops, tpg_tx_time(g, s->tx), &fresh);
	if (e || fresh == UINT32_MAX || (e = path_of(u, i, fresh, &n)))
		return e;
	return tpt_end_path(r, fresh, u->pathbuf, n);
}

/* Union of two sorted interval lists into out; returns the count. */
static size_t iv_union(const struct iv *a, size_t na, const struct iv *b, size_t nb,
		       struct iv *out)
{
	size_t n = 0, i = 0, j = 0;
	while (i < na || j < nb) {
		struct iv x = (j >= nb || (i < na && a[i].off <= b[j].off)) ? a[i++] : b[j++];
		if (n && out[n - 1].off + out[n - 1].len >= x.off) {
			uint64_t end = x.off + x.len;
			if (end > out[n - 1].off + out[n - 1].len)
				out[n - 1].len = end - out[n - 1].off;
		} else {
			out[n++] = x;
		}
	}
	return n;
}

static const struct tp_trace_graph *order_g;
static uint64_t order_first;

static int cmp_tiho(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint64_t vx = tpg_out_value(order_g, order_first + x),
		 vy = tpg_out_value(order_g, order_first + y);
	if (vx != vy)
		return vx > vy ? -1 : 1;
	return x < y ? -1 : x > y;
}

typedef unsigned __int128 u128;

/*
 * Splits T tainted units of V over parts (outputs, then the fee) by
 * largest remainder: floor(v*T/V) each, the leftover units one each to
 * the largest remainders, earlier part first on ties. v and a may be the
 * same array (each v[k] is read before a[k] is written).
 */
static void haircut(const uint64_t *v, size_t n, uint64_t T, uint64_t V, uint64_t *a,
		    uint64_t *rem, uint32_t *order)
{
	uint64_t given = 0;
	for (size_t k = 0; k < n; k++) {
		u128 p = (u128)v[k] * T;
		a[k] = (uint64_t)(p / V);
		rem[k] = (uint64_t)(p % V);
		given += a[k];
		order[k] = (uint32_t)k;
	}
	uint64_t left = T - given;
	/* left < n: pick the `left` largest remainders (stable by index) */
	for (uint64_t round = 0; round < left; round++) {
		size_t best = n;
		for (size_t k = 0; k < n; k++)
			if (order[k] != UINT32_MAX && (best == n || rem[k] > rem[best]))
				best = k;
		a[best]++;
		order[best] = UINT32_MAX;
	}
}

static enum tp_err process(struct run *u, uint32_t t)
{
	const struct tp_trace_graph *g = u->g;
	struct tp_trace_result *r = u->r;
	if (u->until && tpg_tx_time(g, t) > u->until)
		return TP_OK;
	uint64_t in0 = tpg_tx_first_in(g, t), in1 = tpg_tx_first_in(g, t + 1);
	uint64_t out0 = tpg_tx_first_out(g, t), nout = tpg_tx_nout(g, t);
	uint64_t V = 0, T = 0, sumout = 0, best = 0;
	uint32_t main = UINT32_MAX, hops = UINT32_MAX;
	size_t nivs = 0;
	enum tp_err e;
	/* each input and output is a few cache misses (its value, its state,
	 * its address): ask for all of them before waiting on any */
	for (uint64_t i = in0; i < in1; i++) {
		uint64_t o = tpg_in_out(g, i);
		__builtin_prefetch(&g->out_value[o]);
		tpt_index_prefetch(&u->index, o);
	}
	for (uint64_t k = 0; k < nout; k += 8) {
		tpt_index_prefetch(&u->index, out0 + k);
		__builtin_prefetch(&g->out_addr[out0 + k]);
		__builtin_prefetch(&g->out_spent[out0 + k]);
	}
	for (uint64_t i = in0; i < in1; i++) {
		uint64_t o = tpg_in_out(g, i);
		uint32_t si = tpt_index_get(&u->index, o);
		if (si != UINT32_MAX && u->st[si].live) {
			struct ost *s = &u->st[si];
			T += s->taint;
			if (s->taint > best || main == UINT32_MAX)
				best = s->taint, main = si;
			if (s->hops < hops)
				hops = s->hops;
			if (r->opts.model == TP_MODEL_FIFO) {
				if (grow((void **)&u->ivs, &u->capivs, nivs + s->niv, sizeof *u->ivs))
					return TP_ENOMEM;
				for (uint32_t k = 0; k < s->niv; k++)
					u->ivs[nivs++] = (struct iv){V + s->iv[k].off, s->iv[k].len};
			}
		}
		V += tpg_out_value(g, o);
	}
	/* what classifying the outputs reads next: the label cache and the
	 * address string's offset */
	for (uint64_t k = 0; T > 0 && k < nout; k++) {
		uint32_t a = tpg_out_addr(g, out0 + k);
		if (a != TPG_NONE)
			tpt_cat_prefetch(r, a);
	}
	for (uint64_t k = 0; k < nout; k++)
		sumout += tpg_out_value(g, out0 + k);
	/* by now the offsets are in: the strings themselves */
	for (uint64_t k = 0; T > 0 && k < nout; k++) {
		uint32_t a = tpg_out_addr(g, out0 + k);
		if (a != TPG_NONE && !tpt_cat_known(r, a))
			__builtin_prefetch(tpg_addr(g, a));
	}
	uint64_t fee = V > sumout ? V - sumout : 0;
	r->totals.txs_visited++;

	/* alloc[0..nout) for outputs, alloc[nout] for the fee */
	if (grow((void **)&u->alloc, &u->capalloc, 2 * (nout + 1), sizeof *u->alloc) ||
	    grow((void **)&u->order, &u->caporder, nout + 1, sizeof *u->order))
		return TP_ENOMEM;
	uint64_t *a = u->alloc, *rem = u->alloc + nout + 1;
	memset(a, 0, (nout + 1) * sizeof *a);
	if (T > 0) {
		switch (r->opts.model) {
		case TP_MODEL_POISON:
			for (uint64_t k = 0; k < nout; k++)
				a[k] = tpg_out_value(g, out0 + k);
			a[nout] = fee;
			break;
		case TP_MODEL_HAIRCUT:
			/* a[] holds the values going in, the shares coming out */
			for (uint64_t k = 0; k < nout; k++)
				a[k] = tpg_out_value(g, out0 + k);
			a[nout] = fee;
			haircut(a, nout + 1, T, V, a, rem, u->order);
			break;
		case TP_MODEL_TIHO: {
			uint64_t left = T;
			for (uint64_t k = 0; k < nout; k++)
				u->order[k] = (uint32_t)k;
			order_g = g;
			order_first = out0;
			qsort(u->order, nout, sizeof *u->order, cmp_tiho);
			for (uint64_t k = 0; k < nout && left; k++) {
				uint64_t v = tpg_out_value(g, out0 + u->order[k]);
				a[u->order[k]] = v < left ? v : left;
				left -= a[u->order[k]];
			}
			a[nout] = left; /* T <= V, so what is left fits in the fee */
			break;
		}
		case TP_MODEL_FIFO:
			break; /* below, with the intervals */
		}
	}
	{
		struct tp_u256 f;
		tp_u256_from_u64(&f, a[nout]);
		if (T > 0 && r->opts.model == TP_MODEL_FIFO) {
			/* fee range [sumout, V) */
			uint64_t fsum = 0;
			for (size_t k = 0; k < nivs; k++) {
				uint64_t lo = u->ivs[k].off, hi = lo + u->ivs[k].len;
				if (hi > sumout)
					fsum += hi - (lo > sumout ? lo : sumout);
			}
			tp_u256_from_u64(&f, fsum);
		}
		if (tp_u256_add(&r->totals.fees, &r->totals.fees, &f))
			return TP_EOVERFLOW;
	}
	uint64_t at = 0;
	size_t scan = 0;
	for (uint64_t k = 0; k < nout; k++) {
		uint64_t o = out0 + k, v = tpg_out_value(g, o);
		uint64_t lo = at, hi = at + v;
		at = hi;
		size_t nivo = 0;
		uint64_t share = a[k];
		if (T > 0 && r->opts.model == TP_MODEL_FIFO) {
			share = 0;
			while (scan < nivs && u->ivs[scan].off + u->ivs[scan].len <= lo)
				scan++;
			for (size_t j = scan; j < nivs && u->ivs[j].off < hi; j++) {
				uint64_t s0 = u->ivs[j].off > lo ? u->ivs[j].off : lo;
				uint64_t s1 = u->ivs[j].off + u->ivs[j].len;
				if (s1 > hi)
					s1 = hi;
				if (s1 <= s0)
					continue;
				if (grow((void **)&u->ivo, &u->capivo, nivo + 1, sizeof *u->ivo))
					return TP_ENOMEM;
				u->ivo[nivo++] = (struct iv){s0 - lo, s1 - s0};
				share += s1 - s0;
			}
		}
		uint32_t si = tpt_index_get(&u->index, o);
		if (share == 0 && si == UINT32_MAX)
			continue;
		if (si == UINT32_MAX && (e = state_for(u, o, t, &si)))
			return e;
		struct ost *s = &u->st[si];
		uint64_t before = s->taint; /* > 0 only for a seeded output */
		uint64_t now;
		if (r->opts.model == TP_MODEL_FIFO && share) {
			struct iv *m = malloc((s->niv + nivo) * sizeof *m);
			if (!m)
				return TP_ENOMEM;
			size_t nm = iv_union(s->iv, s->niv, u->ivo, nivo, m);
			free(s->iv);
			s->iv = m;
			s->niv = (uint32_t)nm;
			now = 0;
			for (size_t j = 0; j < nm; j++)
				now += m[j].len;
		} else {
			now = before + share > v ? v : before + share;
		}
		/* taint already seeded here is not new stolen value twice */
		struct tp_u256 overlap;
		tp_u256_from_u64(&overlap, before + share - now);
		if (r->conserving && tp_u256_sub(&r->totals.seed, &r->totals.seed, &overlap))
			return TP_EOVERFLOW;
		s->taint = now;
		if (share) {
			s->prev = main;
			s->hops = hops + 1;
			struct tp_u256 sh;
			tp_u256_from_u64(&sh, share);
			if (!r->opts.no_flow &&
			    (e = tpt_edge_add(r, tpg_out_addr(g, u->st[main].out), tpg_out_addr(g, o),
					      &sh)))
				return e;
		}
		if (!s->classified && (e = classify(u, si)))
			return e;
	}
	return TP_OK;
}

static enum tp_err seed_one_output(struct run *u, const struct tp_trace_seed *s, struct tp_diag *d)
{
	const struct tp_trace_graph *g = u->g;
	enum tp_err e;
	uint8_t id[32];
	uint32_t t;
	if (!s->txid || !tpg_txid_parse(s->txid, strlen(s->txid), id) ||
	    (t = tpg_tx_find(g, id, 32)) == TPG_NONE)
		return tp_diag_set(d, TP_ENOTFOUND, "seed %s:%u: no such transaction in the graph",
				   s->txid ? s->txid : "", s->index);
	if (s->index >= tpg_tx_nout(g, t))
		return tp_diag_set(d, TP_ENOTFOUND, "seed %s:%u: the transaction has %llu outputs",
				   s->txid, s->index,
				   (unsigned long long)tpg_tx_nout(g, t));
	uint64_t out = tpg_tx_first_out(g, t) + s->index;
	uint32_t addr = tpg_out_addr(g, out);
	if (addr != TPG_NONE && (e = tpt_seed_addr(u->r, addr)))
		return e;
	return seed_output(u, out, t, tpg_out_value(g, out));
}

/* Seeds output k for every address or amount seed of its address. */
static enum tp_err seed_from(struct run *u, const struct tp_trace_seed *seeds, size_t n,
			     const uint32_t *addr, const uint64_t *need, uint64_t *have, uint64_t k)
{
	const struct tp_trace_graph *g = u->g;
	const struct tp_trace_opts *o = &u->r->opts;
	uint32_t out_addr = tpg_out_addr(g, k), spent_by = tpg_out_spent_by(g, k);
	uint64_t value = tpg_out_value(g, k);
	uint32_t tx = out_tx(g, k);
	int64_t time = tpg_tx_time(g, tx);
	enum tp_err e;
	for (size_t i = 0; i < n; i++) {
		const struct tp_trace_seed *s = &seeds[i];
		if (addr[i] != out_addr)
			continue;
		if (s->kind == TP_SEED_ADDRESS) {
			if ((o->since && time < o->since) || (o->until && time > o->until))
				continue;
			if ((e = seed_output(u, k, tx, value)))
				return e;
		} else if (time <= s->at && have[i] < need[i] &&
			   (spent_by == TPG_NONE || tpg_tx_time(g, spent_by) > s->at)) {
			uint64_t take = value < need[i] - have[i] ? value : need[i] - have[i];
			if ((e = seed_output(u, k, tx, take)))
				return e;
			have[i] += take;
		}
	}
	return TP_OK;
}

/*
 * Address and amount seeds: through the graph's per-address output lists
 * for up to 16 seed addresses, otherwise in one scan of the output array
 * (as for graphs without lists, past 2^32 outputs).
 */
static enum tp_err seed_addresses(struct run *u, const struct tp_trace_seed *seeds, size_t n,
				  struct tp_diag *d)
{
	const struct tp_trace_graph *g = u->g;
	struct tpt_map want = {0};
	enum tp_err e = TP_OK;
	uint32_t *addr = calloc(n ? n : 1, sizeof *addr);
	uint64_t *need = calloc(n ? n : 1, sizeof *need), *have = calloc(n ? n : 1, sizeof *have);
	size_t count = 0;
	if (!addr || !need || !have) {
		e = TP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		const struct tp_trace_seed *s = &seeds[i];
		addr[i] = TPG_NONE;
		if (s->kind == TP_SEED_OUTPUT)
			continue;
		addr[i] = tpg_addr_find(g, s->address, strlen(s->address));
		if (addr[i] == TPG_NONE) {
			e = tp_diag_set(d, TP_ENOTFOUND, "seed address %s does not occur in the graph",
					s->address);
			goto out;
		}
		if (s->kind == TP_SEED_AMOUNT && !tp_u256_to_u64(&s->amount, &need[i])) {
			e = tp_diag_set(d, TP_EOVERFLOW, "seed amount too large for this chain");
			goto out;
		}
		if ((e = tpt_seed_addr(u->r, addr[i])) || (e = tpt_map_put(&want, addr[i], 1)))
			goto out;
		count++;
	}
	/* a tight scan over the output array; the transaction (for times)
	 * is looked up only for the outputs that match */
	uint32_t few[16];
	size_t nfew = 0;
	for (size_t i = 0; i < n && count <= 16; i++)
		if (addr[i] != TPG_NONE) {
			size_t k = 0;
			while (k < nfew && few[k] != addr[i])
				k++;
			if (k == nfew)
				few[nfew++] = addr[i];
		}
	/* with the per-address lists: only the seed addresses' outputs */
	for (size_t j = 0; g->acct_off && j < nfew; j++) {
		uint64_t first, end;
		tpg_acct_list(g, few[j], &first, &end);
		for (uint64_t p = first; p < end; p++) {
			uint64_t k = g->acct_x[p];
			if ((e = seed_from(u, seeds, n, addr, need, have, k)))
				goto out;
		}
	}
	for (uint64_t k = 0; count && (!g->acct_off || count > 16) && k < g->nout; k++) {
		uint32_t out_addr = tpg_out_addr(g, k);
		int hit = 0;
		if (count <= 16) {
			for (size_t j = 0; j < nfew; j++)
				hit |= out_addr == few[j];
		} else {
			hit = out_addr != TPG_NONE && tpt_map_get(&want, out_addr) != UINT32_MAX;
		}
		if (hit && (e = seed_from(u, seeds, n, addr, need, have, k)))
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (seeds[i].kind != TP_SEED_AMOUNT || have[i] >= need[i])
			continue;
		char tb[TP_TIME_BUFSZ];
		tp_time_format(seeds[i].at * 1000000, 0, tb);
		e = tp_diag_set(d, TP_EINVAL, "seed %s held only %llu at %s, less than %llu",
				seeds[i].address, (unsigned long long)have[i], tb,
				(unsigned long long)need[i]);
		goto out;
	}
out:
	tpt_map_free(&want);
	free(addr);
	free(need);
	free(have);
	return e;
}

enum tp_err tpt_run_utxo(const struct tp_trace_graph *g, const struct tp_trace_labels *l,
			 const struct tp_trace_seed *seeds, size_t nseeds, struct tp_trace_result *r,
			 struct tp_diag *d)
{
	struct run u = {.g = g, .l = l, .r = r, .until = r->opts.until};
	enum tp_err e = TP_OK;
	snprintf(r->asset, sizeof r->asset, "%s", g->chain);
	tpt_index_init(&u.index, g->nout);
	for (size_t i = 0; i < nseeds && e == TP_OK; i++)
		if (seeds[i].kind == TP_SEED_OUTPUT)
			e = seed_one_output(&u, &seeds[i], d);
	if (e == TP_OK)
		e = seed_addresses(&u, seeds, nseeds, d);
	uint32_t last = UINT32_MAX;
	while (e == TP_OK && u.nheap) {
		uint32_t t = heap_pop(&u);
		/* the next transaction's input and output ranges are a miss
		 * each: start loading them while this one is processed */
		if (u.nheap)
			tpg_tx_prefetch_ranges(g, u.heap[0]);
		if (t == last)
			continue;
		last = t;
		e = process(&u, t);
	}
	if (e == TP_ENOMEM || e == TP_EOVERFLOW)
		tp_diag_set(d, e, "trace failed: %s", tp_strerror(e));
	for (size_t i = 0; r->opts.model == TP_MODEL_FIFO && i < u.nst; i++)
		free(u.st[i].iv);
	tpt_big_free(u.st, u.stmap);
	tpt_index_free(&u.index);
	free(u.heap);
	free(u.pathbuf);
	free(u.walk);
	free(u.ivs);
	free(u.ivo);
	free(u.alloc);
	free(u.order);
	return e;
}
