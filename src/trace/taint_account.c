/*
 * Taint on account chains (docs/taint-models.md). Taint lives in
 * per-address pools of one asset. One pass over the transfers in chain
 * order keeps every address's balance (taint models need the clean part
 * too) and, for tainted addresses, the tainted amount:
 *
 *	haircut   out = floor(v * taint / max(balance, v)); the fraction
 *	          stays in the pool, so nothing is lost or created
 *	FIFO      the pool is a queue of lots; v leaves from the front
 *	TIHO      taint leaves first: out = min(v, taint)
 *	poison    everything an address sends after it is tainted is tainted
 *
 * Example (haircut): A holds 10 of which 4 tainted and sends 5 to B:
 * B gets floor(5*4/10) = 2 tainted, A keeps 2 tainted of 5.
 */
#include <stdlib.h>
#include <string.h>

#include "result.h"

struct lot {
	struct tp_u256 amount;
	int tainted;
};

struct ast {
	uint32_t addr;
	uint32_t hops;
	uint64_t pred; /* transfer of the first arrival, UINT64_MAX: none */
	uint8_t live, seed;
	struct tp_u256 taint;
	struct lot *lots; /* FIFO queue [head, n) */
	size_t head, n, cap;
};

struct run {
	const struct tp_trace_graph *g;
	const struct tp_trace_labels *l;
	struct tp_trace_result *r;
	struct tp_u256 *bal;
	struct ast *st;
	size_t nst, capst;
	struct tpt_map index;
	uint8_t *is_seed; /* per address: an address seed */
	uint32_t *pathbuf;
	size_t cappath;
	uint32_t asset;
};

static enum tp_err lot_push(struct ast *s, const struct tp_u256 *v, int tainted)
{
	if (tp_u256_is_zero(v))
		return TP_OK;
	if (s->n > s->head && s->lots[s->n - 1].tainted == tainted)
		return tp_u256_add(&s->lots[s->n - 1].amount, &s->lots[s->n - 1].amount, v);
	if (s->n == s->cap) {
		if (s->head > s->cap / 2) {
			memmove(s->lots, s->lots + s->head, (s->n - s->head) * sizeof *s->lots);
			s->n -= s->head;
			s->head = 0;
		} else {
			size_t cap = s->cap ? s->cap * 2 : 8;
			struct lot *q = realloc(s->lots, cap * sizeof *q);
			if (!q)
				return TP_ENOMEM;
			s->lots = q;
			s->cap = cap;
		}
	}
	s->lots[s->n++] = (struct lot){*v, tainted};
	return TP_OK;
}

/* Takes v from the front of the queue; *out gets the tainted part. */
static enum tp_err lot_take(struct ast *s, struct tp_u256 v, struct tp_u256 *out)
{
	memset(out, 0, sizeof *out);
	while (!tp_u256_is_zero(&v) && s->head < s->n) {
		struct lot *l = &s->lots[s->head];
		struct tp_u256 take = tp_u256_cmp(&l->amount, &v) < 0 ? l->amount : v;
		if (tp_u256_sub(&l->amount, &l->amount, &take) || tp_u256_sub(&v, &v, &take))
			return TP_EOVERFLOW;
		if (l->tainted && tp_u256_add(out, out, &take))
			return TP_EOVERFLOW;
		if (tp_u256_is_zero(&l->amount))
			s->head++;
	}
	return TP_OK;
}

/*
 * The example path into an address: the transfer `last` that arrived,
 * preceded by the first arrivals at each tainted sender back to a seed.
 * First arrivals always precede what the address sends on, so the walk
 * goes strictly backwards and ends.
 */
static enum tp_err path_of(struct run *u, uint32_t si, uint64_t last, size_t *n)
{
	size_t k = 0;
	uint64_t x = last;
	for (;;) {
		if (k + 1 > u->cappath) {
			size_t cap = u->cappath ? u->cappath * 2 : 64;
			void *q = realloc(u->pathbuf, cap * sizeof *u->pathbuf);
			if (!q)
				return TP_ENOMEM;
			u->pathbuf = q;
			u->cappath = cap;
		}
		u->pathbuf[k++] = u->g->xfer[x].tx;
		if (si == UINT32_MAX || u->st[si].pred == UINT64_MAX || k > u->g->nxfer)
			break;
		x = u->st[si].pred;
		if (u->st[si].seed) {
			si = UINT32_MAX;
			continue;
		}
		uint32_t from = u->g->xfer[x].from;
		si = from == TPG_NONE ? UINT32_MAX : tpt_map_get(&u->index, from);
	}
	for (size_t a = 0, b = k ? k - 1 : 0; a < b; a++, b--) {
		uint32_t t = u->pathbuf[a];
		u->pathbuf[a] = u->pathbuf[b];
		u->pathbuf[b] = t;
	}
	*n = k;
	return TP_OK;
}

static enum tp_err state_new(struct run *u, uint32_t addr, uint32_t *out)
{
	if (u->nst == u->capst) {
		size_t cap = u->capst ? u->capst * 2 : 256;
		struct ast *q = realloc(u->st, cap * sizeof *q);
		if (!q)
			return TP_ENOMEM;
		u->st = q;
		u->capst = cap;
	}
	uint32_t i = (uint32_t)u->nst++;
	memset(&u->st[i], 0, sizeof u->st[i]);
	u->st[i].addr = addr;
	u->st[i].pred = UINT64_MAX;
	if (tpt_map_put(&u->index, addr, i))
		return TP_ENOMEM;
	*out = i;
	return TP_OK;
}

/*
 * A new tainted address: decides whether its pool is followed (live) or
 * is where the taint stops, and starts its FIFO queue with the clean
 * balance it already held.
 */
static enum tp_err open_pool(struct run *u, uint32_t addr, uint32_t hops, uint64_t pred, int seed,
			     const struct tp_u256 *held_before, uint32_t *out)
{
	enum tp_err e = state_new(u, addr, out);
	if (e)
		return e;
	struct ast *s = &u->st[*out];
	s->hops = hops;
	s->pred = pred;
	s->seed = (uint8_t)seed;
	const char *name;
	enum tp_label_cat cat = tpt_label(u->g, u->l, addr, &name);
	s->live = !tpt_stops_at(u->r, cat) &&
		  !(u->r->opts.max_hops && hops >= u->r->opts.max_hops);
	if (s->live && u->r->opts.model == TP_MODEL_FIFO)
		return lot_push(s, held_before, 0);
	return TP_OK;
}

/* amount arrives tainted at pool si through transfer x (value v). */
static enum tp_err arrive(struct run *u, uint32_t si, uint64_t x, const struct tp_u256 *amount,
			  const struct tp_u256 *v, enum tpt_stop force, int seeding)
{
	struct ast *s = &u->st[si];
	const struct tp_trace_graph *g = u->g;
	int64_t time = x == UINT64_MAX ? 0 : g->tx[g->xfer[x].tx].time;
	enum tp_err e;
	if (s->live && force == STOP_COUNT) {
		if ((e = tp_u256_add(&s->taint, &s->taint, amount)))
			return e;
		if (u->r->opts.model == TP_MODEL_FIFO) {
			struct tp_u256 clean;
			if ((e = lot_push(s, amount, 1)) || (e = tp_u256_sub(&clean, v, amount)) ||
			    (e = lot_push(s, &clean, 0)))
				return e;
		}
		return TP_OK;
	}
	const char *name;
	enum tp_label_cat cat = tpt_label(g, u->l, s->addr, &name);
	enum tpt_stop stop = force != STOP_COUNT ? force
			     : tpt_stops_at(u->r, cat) ? STOP_LABEL
						       : STOP_MAX_HOPS;
	size_t n = 0;
	if (x != UINT64_MAX) {
		uint32_t from = g->xfer[x].from;
		uint32_t fs = from == TPG_NONE || seeding ? UINT32_MAX : tpt_map_get(&u->index, from);
		if ((e = path_of(u, fs, x, &n)))
			return e;
	}
	return tpt_end_add(u->r, s->addr, stop, cat, name, amount, s->hops, time, u->pathbuf, n);
}

static enum tp_err one(struct run *u, uint64_t xi)
{
	const struct tp_trace_graph *g = u->g;
	struct tp_trace_result *r = u->r;
	const struct tpg_xfer *x = &g->xfer[xi];
	int64_t time = g->tx[x->tx].time;
	struct tp_u256 v, out = {{0}};
	enum tp_err e;
	tpg_xfer_value(g, x, &v);
	uint32_t fs = x->from == TPG_NONE ? UINT32_MAX : tpt_map_get(&u->index, x->from);
	uint32_t from_hops = 0;
	if (fs != UINT32_MAX && u->st[fs].live && !tp_u256_is_zero(&u->st[fs].taint)) {
		struct ast *s = &u->st[fs];
		struct tp_u256 *B = &u->bal[x->from];
		struct tp_u256 Beff = tp_u256_cmp(B, &v) < 0 ? v : *B;
		from_hops = s->hops;
		switch (r->opts.model) {
		case TP_MODEL_POISON:
			out = v;
			break;
		case TP_MODEL_HAIRCUT:
			if ((e = tp_u256_muldiv(&v, &s->taint, &Beff, &out, NULL)))
				return e;
			break;
		case TP_MODEL_TIHO:
			out = tp_u256_cmp(&v, &s->taint) < 0 ? v : s->taint;
			break;
		case TP_MODEL_FIFO:
			if ((e = lot_take(s, v, &out)))
				return e;
			break;
		}
		if (r->opts.model != TP_MODEL_POISON && (e = tp_u256_sub(&s->taint, &s->taint, &out)))
			return e;
		r->totals.txs_visited++;
	}
	if (x->from != TPG_NONE) {
		struct tp_u256 *B = &u->bal[x->from];
		if (tp_u256_cmp(B, &v) < 0)
			memset(B, 0, sizeof *B);
		else if ((e = tp_u256_sub(B, B, &v)))
			return e;
	}
	if (x->kind == TPG_FEE || x->to == TPG_NONE) {
		if (!tp_u256_is_zero(&out) && (e = tp_u256_add(&r->totals.fees, &r->totals.fees, &out)))
			return e;
		return TP_OK;
	}
	struct tp_u256 before = u->bal[x->to];
	if ((e = tp_u256_add(&u->bal[x->to], &u->bal[x->to], &v)))
		return tp_u256_is_zero(&out) && !u->is_seed[x->to] ? TP_OK : e;
	uint32_t ts = tpt_map_get(&u->index, x->to);
	int in_window = (!r->opts.since || time >= r->opts.since) &&
			(!r->opts.until || time <= r->opts.until);
	int seeding = u->is_seed[x->to] && in_window;
	struct tp_u256 arriving = seeding ? v : out;
	if (seeding) {
		struct tp_u256 add;
		if ((e = tp_u256_sub(&add, &v, &out)) ||
		    (e = tp_u256_add(&r->totals.seed, &r->totals.seed, &add)))
			return e;
	}
	if (!tp_u256_is_zero(&out) && (e = tpt_edge_add(r, x->from, x->to, &out)))
		return e;
	if (tp_u256_is_zero(&arriving)) {
		if (ts != UINT32_MAX && u->st[ts].live && r->opts.model == TP_MODEL_FIFO)
			return lot_push(&u->st[ts], &v, 0);
		return TP_OK;
	}
	if (!seeding && tp_u256_cmp(&arriving, &r->opts.min_value) < 0) {
		/* too small to follow: it stops at the recipient */
		uint32_t tmp = ts;
		if (tmp == UINT32_MAX) {
			if ((e = open_pool(u, x->to, from_hops + 1, xi, 0, &before, &tmp)))
				return e;
			u->st[tmp].live = 0;
		}
		if ((e = arrive(u, tmp, xi, &arriving, &v, STOP_MIN_VALUE, 0)))
			return e;
		if (u->st[tmp].live && r->opts.model == TP_MODEL_FIFO)
			return lot_push(&u->st[tmp], &v, 0);
		return TP_OK;
	}
	if (ts == UINT32_MAX &&
	    (e = open_pool(u, x->to, seeding ? 0 : from_hops + 1, xi, seeding, &before, &ts)))
		return e;
	return arrive(u, ts, xi, &arriving, &v, STOP_COUNT, seeding);
}

struct amount_seed {
	const struct tp_trace_seed *s;
	uint32_t addr;
};

static int cmp_seed_time(const void *a, const void *b)
{
	const struct amount_seed *x = a, *y = b;
	return x->s->at < y->s->at ? -1 : x->s->at > y->s->at;
}

/* An amount seed: `amount` of what addr holds at this point is stolen. */
static enum tp_err seed_amount(struct run *u, const struct tp_trace_seed *s, uint32_t a,
			       struct tp_diag *d)
{
	struct tp_trace_result *r = u->r;
	uint32_t si = tpt_map_get(&u->index, a);
	enum tp_err e;
	if (tp_u256_cmp(&u->bal[a], &s->amount) < 0) {
		char have[TP_U256_DECSZ], want[TP_U256_DECSZ];
		tp_u256_format(&u->bal[a], have);
		tp_u256_format(&s->amount, want);
		return tp_diag_set(d, TP_EINVAL, "seed %s held only %s at that time, less than %s",
				   s->address, have, want);
	}
	if (si == UINT32_MAX) {
		struct tp_u256 clean;
		if ((e = tp_u256_sub(&clean, &u->bal[a], &s->amount)) ||
		    (e = open_pool(u, a, 0, UINT64_MAX, 1, &clean, &si)))
			return e;
	}
	if ((e = tp_u256_add(&r->totals.seed, &r->totals.seed, &s->amount)))
		return e;
	struct ast *st = &u->st[si];
	if (!st->live)
		return arrive(u, si, UINT64_MAX, &s->amount, &s->amount, STOP_COUNT, 1);
	if ((e = tp_u256_add(&st->taint, &st->taint, &s->amount)))
		return e;
	if (tp_u256_cmp(&st->taint, &u->bal[a]) > 0)
		return tp_diag_set(d, TP_EINVAL, "seed %s: more taint than balance", s->address);
	return r->opts.model == TP_MODEL_FIFO ? lot_push(st, &s->amount, 1) : TP_OK;
}

enum tp_err tpt_run_account(const struct tp_trace_graph *g, const struct tp_trace_labels *l,
			    const struct tp_trace_seed *seeds, size_t nseeds,
			    struct tp_trace_result *r, struct tp_diag *d)
{
	struct run u = {.g = g, .l = l, .r = r};
	struct amount_seed *amounts = NULL;
	size_t namounts = 0, next = 0;
	enum tp_err e = TP_OK;
	if (r->opts.asset) {
		char low[64];
		size_t n = strlen(r->opts.asset);
		for (size_t i = 0; i <= n && i < sizeof low; i++)
			low[i] = (char)(r->opts.asset[i] >= 'A' && r->opts.asset[i] <= 'Z'
						? r->opts.asset[i] + 32
						: r->opts.asset[i]);
		uint32_t a = n < sizeof low ? tpg_addr_find(g, low, n) : TPG_NONE;
		if (a == TPG_NONE)
			return tp_diag_set(d, TP_ENOTFOUND, "asset %s: no such token in the graph",
					   r->opts.asset);
		u.asset = a + 1;
		snprintf(r->asset, sizeof r->asset, "%s", low);
	} else {
		snprintf(r->asset, sizeof r->asset, "%s", g->chain);
	}
	u.bal = calloc(g->naddr ? g->naddr : 1, sizeof *u.bal);
	u.is_seed = calloc(g->naddr ? g->naddr : 1, 1);
	amounts = calloc(nseeds ? nseeds : 1, sizeof *amounts);
	if (!u.bal || !u.is_seed || !amounts) {
		e = tp_diag_set(d, TP_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nseeds; i++) {
		const struct tp_trace_seed *s = &seeds[i];
		if (s->kind == TP_SEED_OUTPUT) {
			e = tp_diag_set(d, TP_EINVAL,
					"seed %s:%u: (transaction, output) seeds are for UTXO chains; "
					"use ADDR or ADDR:AMOUNT@TIME",
					s->txid ? s->txid : "", s->index);
			goto out;
		}
		uint32_t a = tpg_addr_find(g, s->address, strlen(s->address));
		if (a == TPG_NONE) {
			char low[64];
			size_t n = strlen(s->address);
			for (size_t k = 0; k <= n && k < sizeof low; k++)
				low[k] = (char)(s->address[k] >= 'A' && s->address[k] <= 'Z'
							? s->address[k] + 32
							: s->address[k]);
			a = n < sizeof low ? tpg_addr_find(g, low, n) : TPG_NONE;
		}
		if (a == TPG_NONE) {
			e = tp_diag_set(d, TP_ENOTFOUND, "seed address %s does not occur in the graph",
					s->address);
			goto out;
		}
		if ((e = tpt_seed_addr(r, a)))
			goto out;
		if (s->kind == TP_SEED_ADDRESS)
			u.is_seed[a] = 1;
		else
			amounts[namounts++] = (struct amount_seed){s, a};
	}
	qsort(amounts, namounts, sizeof *amounts, cmp_seed_time);
	for (uint64_t i = 0; i < g->nxfer && e == TP_OK; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		int64_t time = g->tx[x->tx].time;
		while (next < namounts && amounts[next].s->at < time && e == TP_OK) {
			e = seed_amount(&u, amounts[next].s, amounts[next].addr, d);
			next++;
		}
		if (e != TP_OK)
			break;
		if (r->opts.until && time > r->opts.until)
			break;
		if (x->asset != u.asset)
			continue;
		e = one(&u, i);
	}
	while (e == TP_OK && next < namounts) {
		e = seed_amount(&u, amounts[next].s, amounts[next].addr, d);
		next++;
	}
	/* what is still in followed pools is held there */
	for (size_t i = 0; i < u.nst && e == TP_OK; i++) {
		struct ast *s = &u.st[i];
		if (!s->live || tp_u256_is_zero(&s->taint))
			continue;
		size_t n = 0;
		if (s->pred != UINT64_MAX) {
			uint32_t from = g->xfer[s->pred].from;
			uint32_t fs = from == TPG_NONE || s->seed ? UINT32_MAX
								  : tpt_map_get(&u.index, from);
			if ((e = path_of(&u, fs, s->pred, &n)))
				break;
		}
		struct tp_u256 held = s->taint;
		if (r->opts.model == TP_MODEL_POISON) {
			/* poison: everything the address still holds is tainted */
			held = u.bal[s->addr];
			if (tp_u256_is_zero(&held))
				continue;
		}
		int64_t t = s->pred == UINT64_MAX ? 0 : g->tx[g->xfer[s->pred].tx].time;
		const char *name;
		enum tp_label_cat cat = tpt_label(g, l, s->addr, &name);
		e = tpt_end_add(r, s->addr, STOP_UNSPENT, cat, name, &held, s->hops, t, u.pathbuf,
				n);
	}
	if (e == TP_ENOMEM || e == TP_EOVERFLOW)
		tp_diag_set(d, e, "trace failed: %s", tp_strerror(e));
out:
	for (size_t i = 0; i < u.nst; i++)
		free(u.st[i].lots);
	free(u.st);
	tpt_map_free(&u.index);
	free(u.bal);
	free(u.is_seed);
	free(u.pathbuf);
	free(amounts);
	return e;
}
