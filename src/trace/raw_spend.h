/*
 * The spend index of a raw import: every transaction added by this
 * import that still has an output not spent, keyed by txid, with the
 * graph index of its first output and the values of its first two in the
 * slot itself. Looking up an input then costs one cache miss (the slot)
 * instead of four dependent ones through the graph (txid slot -> txid ->
 * tx[] -> out[]), and the miss can be started ahead of time from the hash
 * alone. A transaction missing here was made before this import (or is
 * unknown, or all spent): the importer asks the graph.
 *
 * One slot a transaction, not one an output: at 20,000,000 transactions
 * the 10,100,000 unspent outputs belong to 7,200,000 transactions, and the
 * table, at most one half full, holds them in 1 GB of fresh pages instead
 * of 2. Whether an output was taken is a bit of the slot for outputs 0
 * to 7, and a bit in `taken`, over this import's outputs, for later ones.
 *
 *	uint64_t h = tpi_spend_hash(txid);
 *	tpi_spend_prefetch(&s, h);          // a few transactions ahead
 *	const struct tpi_spend_slot *u = tpi_spend_find(&s, h, txid);
 *	if (u && vout < tpi_spend_nout(u) && !tpi_spend_taken(&s, u, vout))
 *		... output tpi_spend_first(u) + vout, worth
 *		    vout < 2 ? u->value[vout] : the graph's ...;
 *	later tpi_spend_take(&s, h, txid, vout);
 */
#ifndef TP_TRACE_RAW_SPEND_H
#define TP_TRACE_RAW_SPEND_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tripact/error.h"

/* One cache line: the whole key, so a hit on output 0 or 1 needs no
 * other memory. */
struct tpi_spend_slot {
	uint8_t txid[32];  /* display order, as the graph keeps it */
	uint64_t value[2]; /* of outputs 0 and 1 (the others': the graph's column) */
	uint64_t at;	   /* graph index of output 0 (low 40 bits), outputs (high 24) */
	uint32_t hash;	   /* low half of tpi_spend_hash(txid); 0: an empty slot */
	/* outputs not taken yet (TPI_SPEND_LIVE bits), then a bit for each of
	 * outputs 0 to 7, set once taken: the check of most inputs reads no
	 * other memory (in `taken`, it waited for a miss a third of the time
	 * the graph thread spent in add_batch) */
	uint32_t live;
};

_Static_assert(sizeof(struct tpi_spend_slot) == 64, "a spend slot is one cache line");

#define TPI_SPEND_LIVE ((1u << 24) - 1)
#define TPI_SPEND_SLOT_BITS 8

/* A transaction past these is left out of the index (the graph answers). */
#define TPI_SPEND_FIRST_MAX (((uint64_t)1 << 40) - 1)
#define TPI_SPEND_NOUT_MAX ((1u << 24) - 1)

static inline uint64_t tpi_spend_first(const struct tpi_spend_slot *u)
{
	return u->at & TPI_SPEND_FIRST_MAX;
}

static inline uint32_t tpi_spend_nout(const struct tpi_spend_slot *u)
{
	return (uint32_t)(u->at >> 40);
}

/*
 * Someone who backs a table's next upper half with memory ahead of time,
 * in slices between other work (import_raw.c: the pipe between its two
 * threads, raw_batch.h), so the doubling finds its pages faulted in and
 * neither thread stops for a whole half at once.
 */
struct tpi_backer {
	/* [at, at + bytes) of a reserved mapping will be wanted */
	void (*ask)(void *ctx, void *at, size_t bytes);
	/* 1 once [at, at + bytes) is backed (what is left of it is backed
	 * here first); 0 if it was never asked for */
	int (*backed)(void *ctx, void *at, size_t bytes);
	void *ctx;
};

struct tpi_spend {
	struct tpi_spend_slot *slot;
	uint64_t cap, n; /* cap a power of two, n <= cap / 2 (raw_spend.c says why) */
	/* bytes of address space kept at slot for the table to grow into in
	 * place (0: slot is a tpi_table_alloc table of cap slots) */
	size_t reserved;
	const struct tpi_backer *backer; /* NULL: growths back their own pages */
	uint64_t asked;			 /* the cap whose doubling was asked to be backed */
	/* a bit an output from `base` on, set once taken, for the outputs
	 * past the slots' own bits (words of 64; made at the first
	 * transaction that needs it, and base with it) */
	uint64_t *taken, base, words;
};

/* Whether the next growth doubles the table where it is: its upper half
 * is then all the fresh memory it needs. */
static inline int tpi_spend_grows_in_place(const struct tpi_spend *s)
{
	return s->reserved && s->cap * 2 * sizeof(struct tpi_spend_slot) <= s->reserved;
}

/* Its low half is never 0. */
uint64_t tpi_spend_hash(const uint8_t txid[32]);

/*
 * Loads the slot of hash and the next one (an add probes on into it when
 * the first is taken, a take always reads it), a few transactions before
 * they are needed. Real loads, not prefetches: on this table (tens to
 * hundreds of MB, probed at random) a prefetch is dropped when its page
 * is not in the TLB, which it mostly is not, so the probe took the whole
 * miss anyway; a load walks the page tables and the probe then hits.
 */
static inline void tpi_spend_prefetch(const struct tpi_spend *s, uint64_t hash)
{
	if (s->cap) {
		const volatile struct tpi_spend_slot *v = s->slot;
		(void)v[hash & (s->cap - 1)].hash;
		(void)v[(hash + 1) & (s->cap - 1)].hash;
	}
}

/* The slot of txid, or NULL. Valid until the next add or take. */
const struct tpi_spend_slot *tpi_spend_find(const struct tpi_spend *s, uint64_t hash,
					    const uint8_t txid[32]);
/* Whether output vout (below tpi_spend_nout) of u, found here, was taken. */
static inline int tpi_spend_taken(const struct tpi_spend *s, const struct tpi_spend_slot *u,
				  uint32_t vout)
{
	if (vout < TPI_SPEND_SLOT_BITS)
		return (u->live >> (24 + vout)) & 1;
	uint64_t k = tpi_spend_first(u) + vout - s->base;
	return (s->taken[k >> 6] >> (k & 63)) & 1;
}
/*
 * Adds a transaction the caller knows is not in the index, with its nout
 * outputs from graph index first on, none taken; v0 and v1 are the values
 * of outputs 0 and 1 (v1 unused for one output). One with no outputs, or
 * past TPI_SPEND_FIRST_MAX or TPI_SPEND_NOUT_MAX, is left out, and so is
 * one whose outputs come before those added so far.
 */
enum tp_err tpi_spend_add(struct tpi_spend *s, uint64_t hash, const uint8_t txid[32],
			  uint64_t first, uint32_t nout, uint64_t v0, uint64_t v1) TP_MUST_CHECK;
/* Takes output vout (not taken yet) of txid if the index holds txid:
 * with its last output taken, the transaction leaves the index. */
void tpi_spend_take(struct tpi_spend *s, uint64_t hash, const uint8_t txid[32], uint32_t vout);
void tpi_spend_free(struct tpi_spend *s);

/*
 * The graph's spent-by stores of a raw import, deferred. Each is a store
 * into a random line of a column as long as the chain's outputs (88 MB at
 * 10,000,000 transactions), and the graph side stalled on them once the
 * store buffer filled. Noted here instead, they are made a log at a time,
 * grouped by output, so that each group's stores fall within a few kB and
 * the column is walked in order. Until then the column is stale for the
 * noted outputs: apply before reading it.
 *
 *	if (!tpi_spent_note(&l, o, tx)) { tpi_spent_apply(&l, col, n); ... }
 */
struct tpi_spent_log {
	uint64_t *e, *tmp; /* output << 32 | spending transaction */
	size_t n, cap;
};

/* Notes that transaction tx spends output o: 0 when the log is full or o
 * does not fit in 32 bits (then store it, or apply and note again). */
static inline int tpi_spent_note(struct tpi_spent_log *l, uint64_t o, uint32_t tx)
{
	if (l->n == l->cap || o > UINT32_MAX)
		return 0;
	l->e[l->n++] = o << 32 | tx;
	return 1;
}

/* Makes the noted stores, col[o] = tx (every noted o below ncol; a stable
 * order, so a later note of the same o wins) and empties the log; a full
 * log is made larger, up to 2^22 notes (without memory it keeps its size). */
void tpi_spent_apply(struct tpi_spent_log *l, uint32_t *col, uint64_t ncol);
void tpi_spent_free(struct tpi_spent_log *l);

/*
 * Zeroed memory for a hash table probed at random (caller owns: free with
 * tpi_table_free and the same bytes): from 2 MB on, a mapping of its own
 * on transparent huge pages where the system allows, its pages already
 * faulted in; always at least 64-byte aligned.
 */
void *tpi_table_alloc(size_t bytes);
/* Frees a tpi_table_alloc table of `bytes` (NULL: nothing). */
void tpi_table_free(void *p, size_t bytes);

/*
 * A hash table that doubles in place lives at the start of a reserved
 * mapping of TPI_TABLE_RESERVE bytes (2 MB aligned, on transparent huge
 * pages where allowed), whose pages cost nothing until touched: a growth
 * then touches only the new upper half, where copying into a new table
 * would touch the old size again. 64 GB: 2^30 spend slots, 2^31 keys.
 */
#define TPI_TABLE_RESERVE ((size_t)64 << 30)
/* The mapping (caller owns: tpi_table_unreserve), or NULL if refused. */
void *tpi_table_reserve(void);
void tpi_table_unreserve(void *base);
/* Faults the (zeroed) pages of [at, at + bytes) in, on this thread. */
void tpi_table_touch(void *at, size_t bytes);
/* Backs [at, at + bytes) of a reserved mapping with zeroed pages: by the
 * backer if it was asked for them (b may be NULL), else here. */
void tpi_table_back(void *at, size_t bytes, const struct tpi_backer *b);
/* Asks b (may be NULL) once per table size cap for the upper half
 * [at, at + bytes) the next doubling will take; *asked remembers the cap. */
static inline void tpi_table_ask(const struct tpi_backer *b, uint64_t *asked, uint64_t cap,
				 void *at, size_t bytes)
{
	if (b && *asked != cap) {
		*asked = cap;
		b->ask(b->ctx, at, bytes);
	}
}

#define TPI_TABLE_SLOT_MAX 64
/* What tpi_table_rehash needs to know of a slot (an all-zero one is empty). */
struct tpi_table_kind {
	int (*used)(const void *slot);
	uint64_t (*hash)(const void *slot, const void *ctx); /* of a used slot */
};
/*
 * Doubles a linear-probing table of cap slots of `size` bytes (at most
 * TPI_TABLE_SLOT_MAX, not full; the cap slots after them zeroed)
 * in place: afterwards each slot sits on the probe path of hash mod 2 cap.
 * Inline, so that with a constant size and kind the compiler copies each
 * slot in a few moves and tests it without a call (through calls, 6,000,000
 * adds to the spend index took 0.99-1.05 CPU s against 0.84-0.89).
 *
 * Slots are taken out and put back in old order, starting after an empty
 * slot, so each run is done from its start and a probe never passes a
 * slot still to be done (which, taken out later, would leave a hole in
 * the probe's path). A slot's new home is its old one h or h + cap: one
 * homed at h, taken out at i, finds room at i at the latest, passing only
 * slots already done; one homed at h + cap meets only slots put back, and
 * cannot run off the end while the run's old part before the wrap is
 * being done, as those slots came from at most as many old places (from
 * its start to cap - 1) as the upper half has from start + cap on.
 * None of this asks for a load below one half, only for one empty slot:
 * the key table grows at three quarters full (raw_keys.c).
 */
static inline __attribute__((always_inline)) void
tpi_table_rehash(void *table, size_t size, uint64_t cap, const struct tpi_table_kind *kind,
		 const void *ctx)
{
	uint8_t *t = table, u[TPI_TABLE_SLOT_MAX];
	uint64_t start = 0, mask = cap * 2 - 1;
	while (kind->used(t + start * size)) /* there is one: the table is not full */
		start++;
	for (uint64_t k = 1; k <= cap; k++) {
		uint8_t *from = t + ((start + k) & (cap - 1)) * size;
		if (!kind->used(from))
			continue;
		memcpy(u, from, size);
		memset(from, 0, size);
		uint64_t j = kind->hash(u, ctx) & mask;
		while (kind->used(t + j * size))
			j = (j + 1) & mask;
		memcpy(t + j * size, u, size);
	}
}


#endif
