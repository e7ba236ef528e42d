/*
 * The spend index (raw_spend.h): open addressing with linear probing over
 * cache-line slots, and backward-shift deletion, so a take leaves no
 * tombstone and probe runs stay as short as the load allows.
 *
 * The table lives at the start of a large reserved mapping and doubles in
 * place: only the new upper half is fresh memory (backed ahead, a slice
 * at a time, by whichever thread has a moment: struct tpi_backer), where
 * a copy into a new table would touch the old size again. On a virtual
 * machine whose host takes freed memory back, first touching a page
 * costs about 2.7 ns a byte here (0.37 GB/s, against 10 GB/s for a page
 * used before), so the doubling tables of 4 to 128 MB cost 0.7 CPU s of
 * 2.1 for 2,000,000 transactions when each was new.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem.h"
#include "raw_spend.h"

uint64_t tpi_spend_hash(const uint8_t txid[32])
{
	/* a txid is a SHA-256d output: its bytes are already well mixed */
	uint64_t a, b;
	memcpy(&a, txid, 8);
	memcpy(&b, txid + 24, 8);
	uint64_t h = a ^ (b >> 1);
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 29;
	return h | 1;
}

#define HUGE_PAGE ((size_t)2 << 20)

void tpi_table_touch(void *at, size_t bytes)
{
	uint8_t *p = at;
	for (size_t i = 0; i < bytes; i += 4096)
		((volatile uint8_t *)p)[i] = 0;
}

void *tpi_table_alloc(size_t bytes)
{
	if (bytes < HUGE_PAGE) {
		void *p = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
		return p ? memset(p, 0, bytes) : NULL;
	}
	/* a fresh mapping, which the kernel clears: writing zeros over it as
	 * well would clear every page twice */
	bytes = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uint8_t *p = tpt_big_map(bytes);
	/* fault the pages in here rather than at the table's first probes */
	if (p)
		tpi_table_touch(p, bytes);
	return p;
}

void tpi_table_free(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes < HUGE_PAGE)
		free(p);
	else
		munmap(p, (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1));
}

void *tpi_table_reserve(void)
{
	return tpt_big_map(TPI_TABLE_RESERVE);
}

void tpi_table_unreserve(void *base)
{
	if (base)
		munmap(base, TPI_TABLE_RESERVE);
}

void tpi_table_back(void *at, size_t bytes, const struct tpi_backer *b)
{
	if (!b || !b->backed(b->ctx, at, bytes))
		tpi_table_touch(at, bytes);
}

static int same(const struct tpi_spend_slot *u, uint32_t hash, const uint8_t txid[32])
{
	if (u->hash != hash)
		return 0;
	uint64_t a[4], b[4];
	memcpy(a, u->txid, 32);
	memcpy(b, txid, 32);
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])) == 0;
}

static uint64_t locate(const struct tpi_spend *s, uint64_t hash, const uint8_t txid[32])
{
	if (!s->cap)
		return UINT64_MAX;
	uint64_t mask = s->cap - 1;
	for (uint64_t i = hash & mask; s->slot[i].hash; i = (i + 1) & mask)
		if (same(&s->slot[i], (uint32_t)hash, txid))
			return i;
	return UINT64_MAX;
}

const struct tpi_spend_slot *tpi_spend_find(const struct tpi_spend *s, uint64_t hash,
					    const uint8_t txid[32])
{
	uint64_t i = locate(s, hash, txid);
	return i == UINT64_MAX ? NULL : &s->slot[i];
}

/* The slot's hash is the low half of the full one: enough for any home,
 * as a table holds at most 2^30 slots (TPI_TABLE_RESERVE). */
static void place(struct tpi_spend_slot *slot, uint64_t cap, const struct tpi_spend_slot *u)
{
	uint64_t i = u->hash & (cap - 1);
	while (slot[i].hash)
		i = (i + 1) & (cap - 1);
	slot[i] = *u;
}

/* Frees the table, reserved mapping or not. */
static void release(struct tpi_spend *s)
{
	if (s->reserved)
		tpi_table_unreserve(s->slot);
	else
		tpi_table_free(s->slot, s->cap * sizeof *s->slot);
}

static int slot_used(const void *slot)
{
	return ((const struct tpi_spend_slot *)slot)->hash != 0;
}

static uint64_t slot_hash(const void *slot, const void *ctx)
{
	(void)ctx;
	return ((const struct tpi_spend_slot *)slot)->hash;
}

static const struct tpi_table_kind spend_slots = {slot_used, slot_hash};

static enum tp_err grow(struct tpi_spend *s)
{
	uint64_t cap = s->cap ? s->cap * 2 : 1 << 16;
	if (!s->slot && (s->slot = tpi_table_reserve()))
		s->reserved = TPI_TABLE_RESERVE; /* else tables of their own, copied */
	if (tpi_spend_grows_in_place(s)) {
		size_t half = s->cap * sizeof *s->slot, bytes = cap * sizeof *s->slot - half;
		tpi_table_back((uint8_t *)s->slot + half, bytes, s->backer);
		if (s->cap)
			tpi_table_rehash(s->slot, sizeof *s->slot, s->cap, &spend_slots, NULL);
		s->cap = cap;
		return TP_OK;
	}
	struct tpi_spend_slot *slot = tpi_table_alloc(cap * sizeof *slot);
	if (!slot)
		return TP_ENOMEM;
	/* each placement misses the cache: start them a few slots ahead */
	for (uint64_t i = 0; i < s->cap; i++) {
		if (i + 16 < s->cap && s->slot[i + 16].hash)
			__builtin_prefetch(&slot[s->slot[i + 16].hash & (cap - 1)]);
		if (s->slot[i].hash)
			place(slot, cap, &s->slot[i]);
	}
	release(s);
	s->reserved = 0;
	s->slot = slot;
	s->cap = cap;
	return TP_OK;
}

/* Room in `taken` for the outputs up to `end` (a bit each from base). */
static enum tp_err taken_room(struct tpi_spend *s, uint64_t end)
{
	uint64_t words = (end - s->base + 63) / 64;
	if (words <= s->words)
		return TP_OK;
	uint64_t n = s->words ? s->words : 1024;
	while (n < words)
		n *= 2;
	uint64_t *t = realloc(s->taken, n * sizeof *t);
	if (!t)
		return TP_ENOMEM;
	memset(t + s->words, 0, (n - s->words) * sizeof *t);
	s->taken = t;
	s->words = n;
	return TP_OK;
}

enum tp_err tpi_spend_add(struct tpi_spend *s, uint64_t hash, const uint8_t txid[32],
			  uint64_t first, uint32_t nout, uint64_t v0, uint64_t v1)
{
	if (!s->taken)
		s->base = first;
	if (!nout || nout > TPI_SPEND_NOUT_MAX || first < s->base ||
	    first + nout - 1 > TPI_SPEND_FIRST_MAX)
		return TP_OK;
	enum tp_err e = nout > TPI_SPEND_SLOT_BITS ? taken_room(s, first + nout) : TP_OK;
	/*
	 * Past one half full, where the key table waits for three quarters:
	 * this table's probes are on the graph thread, the import's busier
	 * one, and its new pages are backed ahead (struct tpi_backer). At three
	 * quarters the graph thread's samples in the index (and in add_batch,
	 * which loads its slots) grew by about an eighth (2,000,000
	 * transactions, 3 alternated pairs: 840-913 against 733-784).
	 */
	if (e == TP_OK && (s->n + 1) * 2 > s->cap)
		e = grow(s);
	if (e != TP_OK)
		return e;
	struct tpi_spend_slot u = {.value = {v0, nout > 1 ? v1 : 0},
				   .at = first | (uint64_t)nout << 40,
				   .hash = (uint32_t)hash,
				   .live = nout};
	memcpy(u.txid, txid, 32);
	place(s->slot, s->cap, &u);
	/* three quarters of the way to growing: time to ask for the pages */
	if (++s->n * 8 >= s->cap * 3 && tpi_spend_grows_in_place(s))
		tpi_table_ask(s->backer, &s->asked, s->cap, s->slot + s->cap,
			      s->cap * sizeof *s->slot);
	return TP_OK;
}

void tpi_spend_take(struct tpi_spend *s, uint64_t hash, const uint8_t txid[32], uint32_t vout)
{
	uint64_t i = locate(s, hash, txid);
	if (i == UINT64_MAX)
		return;
	struct tpi_spend_slot *u = &s->slot[i];
	if (vout < TPI_SPEND_SLOT_BITS) {
		u->live |= 1u << (24 + vout);
	} else {
		uint64_t k = tpi_spend_first(u) + vout - s->base;
		s->taken[k >> 6] |= (uint64_t)1 << (k & 63);
	}
	if (--u->live & TPI_SPEND_LIVE)
		return;
	uint64_t mask = s->cap - 1;
	/* pull back every later slot of the run that may sit at i */
	for (uint64_t j = (i + 1) & mask; s->slot[j].hash; j = (j + 1) & mask) {
		uint64_t home = s->slot[j].hash & mask;
		if (((j - home) & mask) >= ((j - i) & mask)) {
			s->slot[i] = s->slot[j];
			i = j;
		}
	}
	s->slot[i].hash = 0;
	s->n--;
}

void tpi_spend_free(struct tpi_spend *s)
{
	release(s);
	free(s->taken);
	s->slot = NULL;
	s->taken = NULL;
	s->cap = s->n = s->words = 0;
	s->reserved = 0;
}

/* Up to 2^22 notes (32 MB, and as much again to group them) a log. */
#define SPENT_LOG_MAX ((size_t)1 << 22)
/* Groups of outputs: each group's stores fall within ncol / 2048 outputs. */
#define SPENT_GROUP_BITS 11

static void spent_grow(struct tpi_spent_log *l)
{
	size_t cap = l->cap ? l->cap * 2 : (size_t)1 << 12;
	if (l->cap >= SPENT_LOG_MAX)
		return;
	uint64_t *e = malloc(cap * sizeof *e), *tmp = malloc(cap * sizeof *tmp);
	if (!e || !tmp) {
		free(e);
		free(tmp);
		return;
	}
	free(l->e);
	free(l->tmp);
	l->e = e;
	l->tmp = tmp;
	l->cap = cap;
}

void tpi_spent_apply(struct tpi_spent_log *l, uint32_t *col, uint64_t ncol)
{
	int full = l->n == l->cap;
	if (l->n) {
		/* one counting-sort pass on the output's top bits */
		unsigned bits = 64 - (unsigned)__builtin_clzll(ncol);
		unsigned shift = bits > SPENT_GROUP_BITS ? bits - SPENT_GROUP_BITS : 0;
		size_t at[((size_t)1 << SPENT_GROUP_BITS) + 1] = {0};
		for (size_t i = 0; i < l->n; i++)
			at[((l->e[i] >> 32) >> shift) + 1]++;
		for (size_t b = 1; b <= (size_t)1 << SPENT_GROUP_BITS; b++)
			at[b] += at[b - 1];
		for (size_t i = 0; i < l->n; i++)
			l->tmp[at[(l->e[i] >> 32) >> shift]++] = l->e[i];
		for (size_t i = 0; i < l->n; i++)
			col[l->tmp[i] >> 32] = (uint32_t)l->tmp[i];
	}
	l->n = 0;
	if (full)
		spent_grow(l);
}

void tpi_spent_free(struct tpi_spent_log *l)
{
	free(l->e);
	free(l->tmp);
	l->e = l->tmp = NULL;
	l->n = l->cap = 0;
}
