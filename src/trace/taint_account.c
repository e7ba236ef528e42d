/*
 * Taint on account chains (docs/taint-models.md). Taint lives in
 * per-address pools of one asset. A trace visits only the transfers of
 * tainted addresses: each followed pool has a cursor into its address's
 * transfer list (graph.h), and a queue of the cursors replays those
 * transfers in chain order. An address's balance depends only on its own
 * transfers, so when taint first reaches an address its balance is
 * replayed from its own list. For a transfer of v from a pool with
 * balance B and taint t:
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

#include "prelabel.h"
#include "result.h"

/*
 * tp_u256_add, _sub and _cmp (same results, out may be an operand),
 * inlined: the calls and their loops were a quarter of the replay's
 * instructions (callgrind, 10-hop haircut from busy seeds).
 */
static inline int u256_cmp(const struct tp_u256 *a, const struct tp_u256 *b)
{
	for (int i = 3; i >= 0; i--)
		if (a->w[i] != b->w[i])
			return a->w[i] < b->w[i] ? -1 : 1;
	return 0;
}

static inline enum tp_err u256_add(struct tp_u256 *out, const struct tp_u256 *a,
				   const struct tp_u256 *b)
{
	struct tp_u256 r;
	unsigned c = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t s;
		unsigned c1 = __builtin_add_overflow(a->w[i], b->w[i], &s);
		c = c1 | __builtin_add_overflow(s, (uint64_t)c, &r.w[i]);
	}
	if (c)
		return TP_EOVERFLOW;
	*out = r;
	return TP_OK;
}

static inline enum tp_err u256_sub(struct tp_u256 *out, const struct tp_u256 *a,
				   const struct tp_u256 *b)
{
	struct tp_u256 r;
	unsigned c = 0;
	for (int i = 0; i < 4; i++) {
		uint64_t d;
		unsigned c1 = __builtin_sub_overflow(a->w[i], b->w[i], &d);
		c = c1 | __builtin_sub_overflow(d, (uint64_t)c, &r.w[i]);
	}
	if (c) /* a < b */
		return TP_EOVERFLOW;
	*out = r;
	return TP_OK;
}

struct lot {
	struct tp_u256 amount;
	int tainted;
};

/* A followed pool, the fields the replay reads at every transfer: two
 * cache lines (what paths and FIFO need is apart, in struct ast_cold). */
struct ast {
	uint32_t addr;
	uint32_t hops;
	uint8_t live, seed;
	uint8_t every; /* an address seed: whatever it receives is stolen */
	uint8_t lazy;  /* replays only what it sends (see schedule) */
	uint32_t unused; /* (the two lines' padding) */
	uint64_t cur, end;    /* cursor and end in the address's transfer list */
	struct tp_u256 taint;
	struct tp_u256 bal;   /* balance of the traced asset (followed pools) */
	struct tp_u256 pending; /* lazy: received since it last sent */
};

_Static_assert(sizeof(struct ast) == 128, "a pool's hot part is two cache lines");

struct lots {
	struct lot *v; /* FIFO queue [head, n) */
	size_t head, n, cap;
};

/* The rest of a pool, beside it in run.cold. */
struct ast_cold {
	uint64_t pred; /* transfer of the first arrival, UINT64_MAX: none */
	uint32_t pred_pool; /* the pool that sent pred, UINT32_MAX: none */
	/* the example path to pred, once an endpoint's path went through
	 * here: path_len entries of r->path from path_off (0: not yet) */
	uint32_t path_len;
	uint64_t path_off;
	struct lots lots;
};

/* A queued event: pool st's next transfer x. */
struct event {
	uint32_t x;	/* transfer index (a graph holds fewer than 2^32) */
	uint32_t st;	/* pool */
	uint32_t other; /* the counterparty, whose pool is looked up next */
};

/* A node of a bucket's list: a few events in one place, so that taking
 * the bucket follows a link every few events, not at every one (each
 * link a cache miss: the nodes are spread over the slots). The bucket's
 * first node is filled from e[0] up, the number filled kept in the
 * bucket head (a push then reads no node); the others are full. */
#define EV_CHUNK 4
struct ev_chunk {
	struct event e[EV_CHUNK]; /* in the order queued */
	uint32_t next; /* the bucket's next (older, full) node + 1; 0: none */
};

struct run {
	const struct tp_trace_graph *g;
	const struct tp_trace_labels *l;
	struct tp_trace_result *r;
	/* the event queue (see queue_push) */
	struct ev_chunk *ev; /* the later buckets' lists, a few events a node */
	size_t nev, capev, evmap; /* nodes used, allocated (bigmem.h) */
	uint32_t free_ev;    /* a free node + 1, its next the next free; 0: none */
	uint32_t *bucket;    /* per bucket: (its first node + 1) << 2 | events in
			      * that node - 1; 0: empty */
	uint64_t *nonempty;  /* a bit per bucket with a list */
	uint64_t nbucket, qcur; /* buckets, the bucket being taken from */
	struct event *now;   /* bucket qcur's events in transfer order */
	size_t pnow, nnow, capnow, nowmap; /* the next one taken, the end, allocated */
	size_t nqueued;
	struct ast *st;
	struct ast_cold *cold; /* beside st */
	size_t nst, capst, stmap, capcold, coldmap;
	struct tpt_index index; /* address -> pool */
	uint32_t *pathbuf, *chain; /* end_path's scratch */
	size_t cappath, capchain, pathmap, chainmap;
	uint32_t asset;
	uint64_t run_end_flag; /* TPG_ENT_TOKEN for the native coin, else 0 */
	int lazy_ok; /* new pools may be lazy (see schedule) */
	struct tpt_prelabel *pre; /* labels looked up ahead (prelabel.h) */
	int pre_tried;
};

static struct ast_cold *cold_of(const struct run *u, const struct ast *s)
{
	return &u->cold[s - u->st];
}

static enum tp_err lot_push(struct lots *q, const struct tp_u256 *v, int tainted)
{
	if (tp_u256_is_zero(v))
		return TP_OK;
	if (q->n > q->head && q->v[q->n - 1].tainted == tainted)
		return u256_add(&q->v[q->n - 1].amount, &q->v[q->n - 1].amount, v);
	if (q->n == q->cap) {
		if (q->head > q->cap / 2) {
			memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof *q->v);
			q->n -= q->head;
			q->head = 0;
		} else {
			size_t cap = q->cap ? q->cap * 2 : 8;
			struct lot *l = realloc(q->v, cap * sizeof *l);
			if (!l)
				return TP_ENOMEM;
			q->v = l;
			q->cap = cap;
		}
	}
	q->v[q->n++] = (struct lot){*v, tainted};
	return TP_OK;
}

/* Takes v from the front of the queue; *out gets the tainted part. */
static enum tp_err lot_take(struct lots *q, struct tp_u256 v, struct tp_u256 *out)
{
	memset(out, 0, sizeof *out);
	while (!tp_u256_is_zero(&v) && q->head < q->n) {
		struct lot *l = &q->v[q->head];
		struct tp_u256 take = u256_cmp(&l->amount, &v) < 0 ? l->amount : v;
		if (u256_sub(&l->amount, &l->amount, &take) || u256_sub(&v, &v, &take))
			return TP_EOVERFLOW;
		if (l->tainted && u256_add(out, out, &take))
			return TP_EOVERFLOW;
		if (tp_u256_is_zero(&l->amount))
			q->head++;
	}
	return TP_OK;
}

/*
 * Gives endpoint `end` its example path: the transfer `last` that
 * arrived from pool si (UINT32_MAX: none), preceded by the first arrivals
 * at each tainted sender back to a seed. First arrivals always precede
 * what the address sends on, so the walk goes strictly backwards and
 * ends. A pool's own path (to its first arrival) never changes once it
 * ends at a seed, and many endpoints share it: the walk stops at a pool
 * whose path is known and copies it, and the pools it passed learn
 * theirs from the path stored. self: the pool whose own path this is
 * (the held endpoint of a pool), else UINT32_MAX.
 */
static enum tp_err end_path(struct run *u, uint32_t end, uint32_t si, uint64_t last,
			    uint32_t self)
{
	struct tp_trace_result *r = u->r;
	const struct ast_cold *known = self != UINT32_MAX && u->cold[self].path_len
					       ? &u->cold[self]
					       : NULL;
	size_t k = 0, nchain = 0;
	int stable = 1; /* ends at a seed: the pools passed may keep it */
	uint64_t x = last;
	while (!known) {
		/* pathbuf: the transfers' transactions, last first; chain:
		 * the pools passed */
		if (tpt_big_grow((void **)&u->pathbuf, &u->cappath, &u->pathmap, k + 1,
				 sizeof *u->pathbuf) ||
		    tpt_big_grow((void **)&u->chain, &u->capchain, &u->chainmap, nchain + 1,
				 sizeof *u->chain))
			return TP_ENOMEM;
		u->pathbuf[k++] = u->g->xfer[x].tx;
		if (si == UINT32_MAX)
			break;
		if (u->cold[si].path_len) {
			known = &u->cold[si];
			break;
		}
		if (u->cold[si].pred == UINT64_MAX || k > u->g->nxfer) {
			stable = 0;
			break;
		}
		u->chain[nchain++] = si;
		x = u->cold[si].pred;
		si = u->st[si].seed ? UINT32_MAX : u->cold[si].pred_pool;
	}
	size_t head = known ? known->path_len : 0, n = head + k;
	if (tpt_big_grow((void **)&u->pathbuf, &u->cappath, &u->pathmap, n, sizeof *u->pathbuf))
		return TP_ENOMEM;
	/* [known path][the walk, seed side first] */
	for (size_t a = 0, b = k ? k - 1 : 0; a < b; a++, b--) {
		uint32_t t = u->pathbuf[a];
		u->pathbuf[a] = u->pathbuf[b];
		u->pathbuf[b] = t;
	}
	if (head) {
		memmove(u->pathbuf + head, u->pathbuf, k * sizeof *u->pathbuf);
		memcpy(u->pathbuf, r->path + known->path_off, head * sizeof *u->pathbuf);
	}
	uint64_t off = r->npath;
	enum tp_err e = tpt_end_path(r, end, u->pathbuf, n);
	if (e || !stable)
		return e;
	/* the i-th pool passed (from `last` back) arrived by entry n - 2 - i */
	for (size_t i = 0; i < nchain; i++) {
		struct ast_cold *c = &u->cold[u->chain[i]];
		c->path_off = off;
		c->path_len = (uint32_t)(n - 1 - i);
	}
	if (self != UINT32_MAX && !u->cold[self].path_len) {
		u->cold[self].path_off = off;
		u->cold[self].path_len = (uint32_t)n;
	}
	return TP_OK;
}

/*
 * The event queue hands out the followed pools' transfers in chain
 * order. Every event queued is later than the last one taken (a pool's
 * next transfer follows the one replayed, a new pool's follows the one
 * that opened it), so a bucket queue does: bucket b holds the events of
 * transfers b * 64 .. b * 64 + 63 in a list of nodes of 4 (struct
 * ev_chunk), unordered, until it is the one being taken from; then its
 * events are sorted into `now` and taken in turn, and what is queued
 * into it meanwhile is put in its place there (and its pool and
 * counterparty asked for at once). A push writes a node and the bucket
 * head, a pop takes the next entry of `now`, whose pool, list entry and
 * counterparty are asked for a few events ahead; the 4-ary heap this
 * replaces missed the cache on its lower levels at every step (a busy
 * trace keeps about 100,000 events queued, some 20 to a bucket).
 */
#define QUEUE_SHIFT 6
#define QUEUE_AHEAD 4

static enum tp_err queue_init(struct run *u)
{
	u->nbucket = (u->g->nxfer >> QUEUE_SHIFT) + 1;
	u->bucket = calloc(u->nbucket, sizeof *u->bucket);
	u->nonempty = calloc((u->nbucket + 63) / 64 + 1, sizeof *u->nonempty);
	return u->bucket && u->nonempty ? TP_OK : TP_ENOMEM;
}

static enum tp_err now_room(struct run *u)
{
	return tpt_big_grow((void **)&u->now, &u->capnow, &u->nowmap, u->nnow + 1, sizeof *u->now);
}

/* Starts loading what taking event a will read first: its pool, and the
 * counterparty's pool index entry and label cache entry. */
static void ask_ahead(const struct run *u, const struct event *a)
{
	__builtin_prefetch(&u->st[a->st]);
	if (a->other != TPG_NONE) {
		tpt_index_prefetch(&u->index, a->other);
		tpt_cat_prefetch(u->r, a->other);
	}
}

/* Puts e into `now` in transfer order (after the events of its transfer). */
static void now_insert(struct run *u, struct event e)
{
	size_t i = u->nnow++;
	for (; i > u->pnow && u->now[i - 1].x > e.x; i--)
		u->now[i] = u->now[i - 1];
	u->now[i] = e;
}

static enum tp_err queue_push(struct run *u, const struct tpg_acct_ent *y, uint32_t st)
{
	struct event e = {y->x, st, y->other};
	uint64_t b = y->x >> QUEUE_SHIFT;
	/* the counterparty's pool is looked up when e is taken: start now */
	if (y->other != TPG_NONE)
		tpt_index_prefetch(&u->index, y->other);
	u->nqueued++;
	if (b <= u->qcur) { /* (never before it: events only move forward) */
		if (now_room(u) != TP_OK)
			return TP_ENOMEM;
		now_insert(u, e);
		/* it may be taken sooner than queue_pop asks ahead */
		ask_ahead(u, &e);
		return TP_OK;
	}
	uint32_t head = u->bucket[b];
	if (head && (head & 3) + 1 < EV_CHUNK) {
		u->ev[(head >> 2) - 1].e[(head & 3) + 1] = e;
		u->bucket[b] = head + 1;
		return TP_OK;
	}
	uint32_t slot = u->free_ev;
	if (slot) {
		u->free_ev = u->ev[slot - 1].next;
	} else {
		if (u->nev >= UINT32_MAX >> 2) /* a node number must fit the head */
			return TP_ENOMEM;
		if (tpt_big_grow((void **)&u->ev, &u->capev, &u->evmap, u->nev + 1, sizeof *u->ev))
			return TP_ENOMEM;
		slot = (uint32_t)++u->nev;
	}
	struct ev_chunk *c = &u->ev[slot - 1];
	c->e[0] = e;
	c->next = head >> 2;
	u->bucket[b] = slot << 2;
	u->nonempty[b / 64] |= 1ULL << (b % 64);
	return TP_OK;
}

/* Moves to the next bucket with events: its list, sorted, becomes `now`. */
static enum tp_err queue_next(struct run *u)
{
	uint64_t b = u->qcur + 1, w = b / 64;
	uint64_t bits = u->nonempty[w] & (~0ULL << (b % 64));
	while (!bits) /* there is one: nqueued > 0 */
		bits = u->nonempty[++w];
	u->qcur = w * 64 + (uint64_t)__builtin_ctzll(bits);
	u->nonempty[w] &= ~(1ULL << (u->qcur % 64));
	u->pnow = u->nnow = 0;
	/* newest first, as a list of single events was taken: events of
	 * one transfer keep that order in `now` */
	uint32_t n = (u->bucket[u->qcur] & 3) + 1;
	for (uint32_t k = u->bucket[u->qcur] >> 2, next; k; k = next, n = EV_CHUNK) {
		struct ev_chunk *c = &u->ev[k - 1];
		next = c->next;
		if (next)
			__builtin_prefetch(&u->ev[next - 1]);
		for (uint32_t j = n; j-- > 0;) {
			if (now_room(u) != TP_OK)
				return TP_ENOMEM;
			now_insert(u, c->e[j]);
		}
		c->next = u->free_ev;
		u->free_ev = k;
	}
	u->bucket[u->qcur] = 0;
	/* queue_pop asks a few events ahead: these first ones it never did */
	for (size_t i = 0; i < QUEUE_AHEAD && i < u->nnow; i++)
		ask_ahead(u, &u->now[i]);
	return TP_OK;
}

/* Takes the earliest event into *out (the queue is not empty). */
static enum tp_err queue_pop(struct run *u, struct event *out)
{
	if (u->pnow == u->nnow && queue_next(u) != TP_OK)
		return TP_ENOMEM;
	*out = u->now[u->pnow++];
	u->nqueued--;
	/* the pools and counterparties of the events a few ahead, and the
	 * list entries of the pools asked for on the rounds before */
	if (u->pnow + QUEUE_AHEAD < u->nnow)
		ask_ahead(u, &u->now[u->pnow + QUEUE_AHEAD]);
	if (u->pnow + QUEUE_AHEAD / 2 < u->nnow) {
		const struct event *a = &u->now[u->pnow + QUEUE_AHEAD / 2];
		__builtin_prefetch(tpg_acct_entry(u->g, u->st[a->st].cur));
	}
	return TP_OK;
}

/*
 * Has pool s's cursor reached the end of its run? A native coin's run is
 * the list up to the first token entry, found here as it is reached
 * instead of searched for when the pool opens.
 */
static int run_over(const struct run *u, struct ast *s)
{
	if (s->cur < s->end && !(tpg_acct_entry(u->g, s->cur)->v & u->run_end_flag))
		return 0;
	s->end = s->cur;
	return 1;
}

/*
 * Schedules the next transfer of a followed pool. A lazy pool skips to
 * the next transfer it sends and adds what it receives before then to
 * `pending` at once: under haircut, TIHO and poison a pool's balance
 * matters only when it sends (and at the end), and arrivals only add to
 * it, in any order. Arrivals from followed pools still carry their
 * taint through the sender's replay (one()), which then leaves the
 * balance alone. Busy addresses receive far more often than they send;
 * each arrival replayed costs a queue step and a few cache misses.
 */
static enum tp_err schedule(struct run *u, uint32_t si)
{
	const struct tp_trace_graph *g = u->g;
	struct ast *s = &u->st[si];
	if (!s->live)
		return TP_OK;
	for (; s->lazy && !run_over(u, s); s->cur++) {
		const struct tpg_acct_ent *y = tpg_acct_entry(g, s->cur);
		if (y->v & TPG_ENT_SEND)
			break;
		uint32_t from, to;
		struct tp_u256 v;
		if (tpg_ent_read(g, s->addr, y, &from, &to, &v))
			continue; /* a fee paid to it: nothing arrives */
		enum tp_err e = u256_add(&s->pending, &s->pending, &v);
		if (e)
			return e;
	}
	return run_over(u, s) ? TP_OK : queue_push(u, tpg_acct_entry(g, s->cur), si);
}

/* Moves a lazy pool's pending arrivals into its balance. */
static enum tp_err settle(struct ast *s)
{
	enum tp_err e = u256_add(&s->bal, &s->bal, &s->pending);
	memset(&s->pending, 0, sizeof s->pending);
	return e;
}

/* Balance arithmetic: what leaves beyond the known balance predates the
 * imported blocks, so the balance stops at zero. */
static inline void debit(struct tp_u256 *b, const struct tp_u256 *v)
{
	if (u256_sub(b, b, v)) /* v > b */
		memset(b, 0, sizeof *b);
}

static enum tp_err state_new(struct run *u, uint32_t addr, uint32_t *out)
{
	if (tpt_big_grow((void **)&u->st, &u->capst, &u->stmap, u->nst + 1, sizeof *u->st) ||
	    tpt_big_grow((void **)&u->cold, &u->capcold, &u->coldmap, u->nst + 1, sizeof *u->cold))
		return TP_ENOMEM;
	uint32_t i = (uint32_t)u->nst++;
	memset(&u->st[i], 0, sizeof u->st[i]);
	u->st[i].addr = addr;
	u->cold[i] = (struct ast_cold){.pred = UINT64_MAX, .pred_pool = UINT32_MAX};
	if (u->asset)
		tpg_acct_run(u->g, addr, u->asset, &u->st[i].cur, &u->st[i].end);
	else /* the end is found by run_over() */
		tpg_acct_list(u->g, addr, &u->st[i].cur, &u->st[i].end);
	if (tpt_index_put(&u->index, addr, i))
		return TP_ENOMEM;
	*out = i;
	return TP_OK;
}

/* Pool si is followed from its cursor on: have the recipients of what it
 * sends looked up ahead, once the trace is large enough for a thread. */
static void prelabel(struct run *u, uint32_t si)
{
	if (!u->pre && !u->pre_tried && u->nst >= tpt_prelabel_after) {
		u->pre_tried = 1;
		if (!(u->pre = tpt_prelabel_start(u->r, u->run_end_flag)))
			return;
		for (uint32_t i = 0; i < u->nst; i++)
			if (u->st[i].live && i != si)
				tpt_prelabel_ask(u->pre, u->st[i].cur, u->st[i].end);
	}
	tpt_prelabel_ask(u->pre, u->st[si].cur, u->st[si].end);
}

static int followed(struct run *u, uint32_t addr, uint32_t hops)
{
	return !tpt_stops_at(u->r, tpt_cat(u->r, addr)) &&
	       !(u->r->opts.max_hops && hops >= u->r->opts.max_hops);
}

/*
 * A pool created when taint first arrives through transfer x from pool
 * sender: its balance before x is replayed from the address's own
 * transfers, and its cursor is left just past x.
 */
static enum tp_err open_pool(struct run *u, uint32_t addr, uint32_t hops, uint64_t x,
			     uint32_t sender, struct tp_u256 *before, uint32_t *out)
{
	enum tp_err e = state_new(u, addr, out);
	if (e)
		return e;
	struct ast *s = &u->st[*out];
	s->hops = hops;
	u->cold[*out].pred = x;
	u->cold[*out].pred_pool = sender;
	s->live = (uint8_t)followed(u, addr, hops);
	s->lazy = (uint8_t)(s->live && u->lazy_ok);
	memset(before, 0, sizeof *before);
	if (!s->live)
		return TP_OK;
	const struct tp_trace_graph *g = u->g;
	for (; !run_over(u, s) && tpg_acct_entry(g, s->cur)->x < x; s->cur++) {
		uint32_t from, to;
		struct tp_u256 v;
		int gone = tpg_ent_read(g, addr, tpg_acct_entry(g, s->cur), &from, &to, &v);
		if (from == addr)
			debit(before, &v);
		if (to == addr && !gone && (e = u256_add(before, before, &v)))
			return e;
	}
	if (!run_over(u, s) && tpg_acct_entry(g, s->cur)->x == x)
		s->cur++;
	prelabel(u, *out);
	s->bal = *before;
	return u->r->opts.model == TP_MODEL_FIFO ? lot_push(&cold_of(u, s)->lots, before, 0) : TP_OK;
}

/* A seed's pool: followed from the address's first transfer. */
static enum tp_err seed_pool(struct run *u, uint32_t addr, uint32_t *out)
{
	uint32_t i = tpt_index_get(&u->index, addr);
	if (i != UINT32_MAX) {
		*out = i;
		return TP_OK;
	}
	enum tp_err e = state_new(u, addr, out);
	if (e)
		return e;
	struct ast *s = &u->st[*out];
	s->seed = 1;
	s->live = (uint8_t)followed(u, addr, 0);
	if (s->live)
		prelabel(u, *out);
	return schedule(u, *out);
}

/* Taint stopped at addr: an endpoint (label, max_hops or min_value),
 * reached through x from pool from (UINT32_MAX: from a seed or none). */
static enum tp_err stop_at(struct run *u, uint32_t addr, enum tpt_stop force, uint32_t hops,
			   uint64_t x, uint32_t from, const struct tp_u256 *amount)
{
	const struct tp_trace_graph *g = u->g;
	enum tpt_stop stop = force != STOP_COUNT		  ? force
			     : tpt_stops_at(u->r, tpt_cat(u->r, addr)) ? STOP_LABEL
								       : STOP_MAX_HOPS;
	int64_t time = x == UINT64_MAX ? 0 : tpg_tx_time(g, g->xfer[x].tx);
	uint32_t fresh;
	enum tp_err e = tpt_end_add(u->r, addr, stop, amount, hops, time, &fresh);
	if (e || fresh == UINT32_MAX)
		return e;
	return x != UINT64_MAX ? end_path(u, fresh, from, x, UINT32_MAX)
			       : tpt_end_path(u->r, fresh, NULL, 0);
}

/* amount arrives tainted (of value v) at a followed pool through x. */
static enum tp_err add_taint(struct run *u, struct ast *s, const struct tp_u256 *amount,
			     const struct tp_u256 *v)
{
	enum tp_err e = u256_add(&s->taint, &s->taint, amount);
	if (e || u->r->opts.model != TP_MODEL_FIFO)
		return e;
	struct tp_u256 clean;
	struct lots *q = &cold_of(u, s)->lots;
	if ((e = lot_push(q, amount, 1)) || (e = u256_sub(&clean, v, amount)) ||
	    (e = lot_push(q, &clean, 0)))
		return e;
	return TP_OK;
}

static int in_window(const struct tp_trace_opts *o, int64_t time)
{
	return (!o->since || time >= o->since) && (!o->until || time <= o->until);
}

/* What a transfer moves, as tpg_ent_read gives it. */
struct move {
	uint64_t x;
	uint32_t from, to;
	int gone; /* a fee or without recipient: it reaches no one */
	struct tp_u256 v;
};

/* The pool of address a: own when it is own's address, else looked up. */
static uint32_t pool_of(const struct run *u, uint32_t a, uint32_t own)
{
	if (a == u->st[own].addr)
		return own;
	return a == TPG_NONE ? UINT32_MAX : tpt_index_get(&u->index, a);
}

/* Replays transfer m, an event of pool own, between whichever of its
 * two addresses are pools. */
static enum tp_err one(struct run *u, const struct move *m, uint32_t own)
{
	const struct tp_trace_graph *g = u->g;
	struct tp_trace_result *r = u->r;
	uint64_t xi = m->x;
	struct tp_u256 v = m->v, out = {{0}};
	enum tp_err e;
	uint32_t fs = pool_of(u, m->from, own);
	uint32_t from_hops = 0;
	if (fs != UINT32_MAX && u->st[fs].live) {
		struct ast *s = &u->st[fs];
		if (s->lazy && (e = settle(s)))
			return e;
		from_hops = s->hops;
		if (!tp_u256_is_zero(&s->taint)) {
			struct tp_u256 Beff = u256_cmp(&s->bal, &v) < 0 ? v : s->bal;
			switch (r->opts.model) {
			case TP_MODEL_POISON:
				out = v;
				break;
			case TP_MODEL_HAIRCUT:
				if ((e = tp_u256_muldiv(&v, &s->taint, &Beff, &out, NULL)))
					return e;
				break;
			case TP_MODEL_TIHO:
				out = u256_cmp(&v, &s->taint) < 0 ? v : s->taint;
				break;
			case TP_MODEL_FIFO:
				if ((e = lot_take(&cold_of(u, s)->lots, v, &out)))
					return e;
				break;
			}
			if (r->opts.model != TP_MODEL_POISON &&
			    (e = u256_sub(&s->taint, &s->taint, &out)))
				return e;
			r->totals.txs_visited++;
		} else if (r->opts.model == TP_MODEL_FIFO) {
			struct tp_u256 none;
			if ((e = lot_take(&cold_of(u, s)->lots, v, &none)))
				return e;
		}
		debit(&s->bal, &v);
	}
	if (m->gone)
		return tp_u256_is_zero(&out) ? TP_OK
					     : u256_add(&r->totals.fees, &r->totals.fees, &out);
	uint32_t ts = pool_of(u, m->to, own);
	int seeding = ts != UINT32_MAX && u->st[ts].every &&
		      in_window(&r->opts, tpg_tx_time(g, g->xfer[xi].tx));
	struct tp_u256 arriving = seeding ? v : out;
	if (seeding) {
		struct tp_u256 add;
		if ((e = u256_sub(&add, &v, &out)) ||
		    (e = u256_add(&r->totals.seed, &r->totals.seed, &add)))
			return e;
	}
	if (!r->opts.no_flow && !tp_u256_is_zero(&out) &&
	    (e = tpt_edge_add(r, m->from, m->to, &out)))
		return e;
	struct ast *t = ts == UINT32_MAX ? NULL : &u->st[ts];
	/* a lazy pool counted this arrival when it was scheduled */
	if (t && t->live && !(t->lazy && m->from != m->to) &&
	    (e = u256_add(&t->bal, &t->bal, &v)))
		return e;
	if (tp_u256_is_zero(&arriving))
		return t && t->live && r->opts.model == TP_MODEL_FIFO
			       ? lot_push(&cold_of(u, t)->lots, &v, 0)
			       : TP_OK;
	int labelled = tpt_stops_at(r, tpt_cat(r, m->to));
	if (!seeding && !labelled && u256_cmp(&arriving, &r->opts.min_value) < 0) {
		/* too small to follow: it stops at the recipient, the pool (if
		 * any) counts the transfer as clean */
		if ((e = stop_at(u, m->to, STOP_MIN_VALUE, from_hops + 1, xi, fs, &arriving)))
			return e;
		return t && t->live && r->opts.model == TP_MODEL_FIFO
			       ? lot_push(&cold_of(u, t)->lots, &v, 0)
			       : TP_OK;
	}
	if (!t) {
		struct tp_u256 before;
		if ((e = open_pool(u, m->to, from_hops + 1, xi, fs, &before, &ts)))
			return e;
		t = &u->st[ts];
		if (t->live) {
			if ((e = u256_add(&t->bal, &t->bal, &v)) || (e = schedule(u, ts)))
				return e;
		}
	}
	if (seeding && u->cold[ts].pred == UINT64_MAX) {
		u->cold[ts].pred = xi;
		u->cold[ts].pred_pool = fs;
	}
	if (!t->live)
		return stop_at(u, m->to, STOP_COUNT, t->hops, xi, seeding ? UINT32_MAX : fs,
			       &arriving);
	return add_taint(u, t, &arriving, &v);
}

struct amount_seed {
	const struct tp_trace_seed *s;
	uint32_t addr;
	int done;
};

/* An amount seed: `amount` of what its pool holds at this point is stolen. */
static enum tp_err seed_amount(struct run *u, struct amount_seed *as, struct tp_diag *d)
{
	struct tp_trace_result *r = u->r;
	const struct tp_trace_seed *s = as->s;
	uint32_t si = tpt_index_get(&u->index, as->addr);
	struct ast *st = &u->st[si];
	enum tp_err e;
	as->done = 1;
	if ((e = u256_add(&r->totals.seed, &r->totals.seed, &s->amount)))
		return e;
	if (!st->live)
		return stop_at(u, as->addr, STOP_COUNT, 0, UINT64_MAX, UINT32_MAX, &s->amount);
	struct tp_u256 room;
	if (u256_sub(&room, &st->bal, &st->taint) || u256_cmp(&room, &s->amount) < 0) {
		char have[TP_U256_DECSZ], want[TP_U256_DECSZ];
		tp_u256_format(&st->bal, have);
		tp_u256_format(&s->amount, want);
		return tp_diag_set(d, TP_EINVAL, "seed %s held only %s at that time, less than %s",
				   s->address, have, want);
	}
	if ((e = u256_add(&st->taint, &st->taint, &s->amount)))
		return e;
	if (r->opts.model != TP_MODEL_FIFO)
		return TP_OK;
	/* the stolen lot is the latest arrival: clean lots first, then it */
	struct tp_u256 clean;
	if ((e = u256_sub(&clean, &st->bal, &st->taint)))
		return e;
	struct lots *q = &cold_of(u, st)->lots;
	q->head = q->n = 0;
	if ((e = lot_push(q, &clean, 0)))
		return e;
	return lot_push(q, &st->taint, 1);
}

/* Injects the amount seeds of pool si that are due before `time`. */
static enum tp_err due(struct run *u, struct amount_seed *a, size_t n, uint32_t addr,
		       int64_t time, struct tp_diag *d)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].done || a[i].addr != addr || a[i].s->at >= time)
			continue;
		enum tp_err e = seed_amount(u, &a[i], d);
		if (e)
			return e;
	}
	return TP_OK;
}

static uint32_t find_address(const struct tp_trace_graph *g, const char *s)
{
	uint32_t a = tpg_addr_find(g, s, strlen(s));
	if (a != TPG_NONE)
		return a;
	char low[64];
	size_t n = strlen(s);
	if (n >= sizeof low)
		return TPG_NONE;
	for (size_t k = 0; k <= n; k++)
		low[k] = (char)(s[k] >= 'A' && s[k] <= 'Z' ? s[k] + 32 : s[k]);
	return tpg_addr_find(g, low, n);
}

enum tp_err tpt_run_account(const struct tp_trace_graph *g, const struct tp_trace_labels *l,
			    const struct tp_trace_seed *seeds, size_t nseeds,
			    struct tp_trace_result *r, struct tp_diag *d)
{
	struct run u = {.g = g, .l = l, .r = r};
	struct amount_seed *amounts = NULL;
	size_t namounts = 0;
	enum tp_err e = TP_OK;
	if (r->opts.asset) {
		uint32_t a = find_address(g, r->opts.asset);
		if (a == TPG_NONE)
			return tp_diag_set(d, TP_ENOTFOUND, "asset %s: no such token in the graph",
					   r->opts.asset);
		u.asset = a + 1;
		snprintf(r->asset, sizeof r->asset, "%s", tpg_addr(g, a));
	} else {
		snprintf(r->asset, sizeof r->asset, "%s", g->chain);
	}
	u.run_end_flag = u.asset ? 0 : TPG_ENT_TOKEN;
	tpt_index_init(&u.index, g->naddr);
	if (queue_init(&u) != TP_OK) {
		e = tp_diag_set(d, TP_ENOMEM, "out of memory");
		goto out;
	}
	/* FIFO lots keep arrival order; --until may end the replay early */
	u.lazy_ok = r->opts.model != TP_MODEL_FIFO && !r->opts.until;
	amounts = calloc(nseeds ? nseeds : 1, sizeof *amounts);
	if (!amounts) {
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
		uint32_t a = find_address(g, s->address), si;
		if (a == TPG_NONE) {
			e = tp_diag_set(d, TP_ENOTFOUND, "seed address %s does not occur in the graph",
					s->address);
			goto out;
		}
		if ((e = tpt_seed_addr(r, a)) || (e = seed_pool(&u, a, &si)))
			goto out;
		if (s->kind == TP_SEED_ADDRESS)
			u.st[si].every = 1;
		else
			amounts[namounts++] = (struct amount_seed){s, a, 0};
	}
	uint64_t last = UINT64_MAX;
	while (e == TP_OK && u.nqueued) {
		struct event ev;
		if ((e = queue_pop(&u, &ev)))
			break;
		struct ast *es = &u.st[ev.st];
		struct move mv = {.x = ev.x};
		mv.gone = tpg_ent_read(g, es->addr, tpg_acct_entry(g, es->cur++), &mv.from, &mv.to,
				       &mv.v);
		if (ev.x != last) {
			/* the time is another miss: read only when it matters */
			int64_t time = r->opts.until || namounts ? tpg_tx_time(g, g->xfer[ev.x].tx) : 0;
			if (r->opts.until && time > r->opts.until)
				break;
			last = ev.x;
			if (namounts && ((mv.from != TPG_NONE &&
					  (e = due(&u, amounts, namounts, mv.from, time, d))) ||
					 (mv.to != TPG_NONE &&
					  (e = due(&u, amounts, namounts, mv.to, time, d)))))
				break;
			if ((e = one(&u, &mv, ev.st)))
				break;
		}
		e = schedule(&u, ev.st);
	}
	tpt_prelabel_stop(u.pre);
	u.pre = NULL;
	for (size_t i = 0; e == TP_OK && i < u.nst; i++)
		if (u.st[i].lazy)
			e = settle(&u.st[i]);
	for (size_t i = 0; e == TP_OK && i < namounts; i++)
		if (!amounts[i].done)
			e = seed_amount(&u, &amounts[i], d);
	/* what is still in followed pools is held there */
	for (size_t i = 0; i < u.nst && e == TP_OK; i++) {
		struct ast *s = &u.st[i];
		struct tp_u256 held = r->opts.model == TP_MODEL_POISON && !tp_u256_is_zero(&s->taint)
					      ? s->bal /* poison: all it still holds */
					      : s->taint;
		if (!s->live || tp_u256_is_zero(&held))
			continue;
		const struct ast_cold *c = &u.cold[i];
		int64_t t = c->pred == UINT64_MAX ? 0 : tpg_tx_time(g, g->xfer[c->pred].tx);
		uint32_t fresh;
		if ((e = tpt_end_add(r, s->addr, STOP_UNSPENT, &held, s->hops, t, &fresh)) ||
		    fresh == UINT32_MAX)
			continue;
		e = c->pred != UINT64_MAX
			    ? end_path(&u, fresh, s->seed ? UINT32_MAX : c->pred_pool, c->pred,
				       (uint32_t)i)
			    : tpt_end_path(r, fresh, NULL, 0);
	}
	if (e == TP_ENOMEM || e == TP_EOVERFLOW)
		tp_diag_set(d, e, "trace failed: %s", tp_strerror(e));
out:
	tpt_prelabel_stop(u.pre);
	for (size_t i = 0; i < u.nst; i++)
		free(u.cold[i].lots.v);
	tpt_big_free(u.st, u.stmap);
	tpt_big_free(u.cold, u.coldmap);
	tpt_big_free(u.ev, u.evmap);
	tpt_big_free(u.now, u.nowmap);
	free(u.bucket);
	free(u.nonempty);
	tpt_index_free(&u.index);
	tpt_big_free(u.pathbuf, u.pathmap);
	tpt_big_free(u.chain, u.chainmap);
	free(amounts);
	return e;
}
