/*
 * The trace graph while it is built: growable columns, the address and
 * transaction id dictionaries and their hash tables. The file side
 * (saving, mapping, checking, making a mapped graph mutable again) is in
 * graph_file.c; the layout in docs/internals/trace-graph.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "graph.h"

static uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 1099511628211ULL;
	}
	return h ^ (h >> 29);
}

static uint64_t hash_txid(const uint8_t *id)
{
	uint64_t h;
	memcpy(&h, id, 8);
	h ^= h >> 31;
	h *= 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/*
 * The tag kept beside a slot while the graph is mutable: the low half of
 * the hash, of which the slot's home is the lowest bits. A probe compares
 * tags before keys; a doubling finds each entry's new home in its tag,
 * reading no key (the keys are scattered over the txid and address
 * columns: a miss each). Entries of another home differ in those bits
 * already; of the same home, in the 32 - log2(cap) bits above them: 7 at
 * 20,000,000 transactions, so a key is compared in vain once in 128 such
 * meetings (at 2^31 slots, the largest table, once in 2).
 */
static uint32_t tag_of(uint64_t h)
{
	return (uint32_t)h;
}

/* Is p inside g's map: a column a graph made mutable still has in place? */
static int mapped(const struct tp_trace_graph *g, const void *p)
{
	return g->map && p && (const char *)p >= (const char *)g->map &&
	       (const char *)p < (const char *)g->map + g->maplen;
}

static void free_col(const struct tp_trace_graph *g, void *p)
{
	if (!mapped(g, p))
		free(p);
}

/* realloc, except that a column in the map is copied to the heap (its
 * first old bytes): the map is never freed piecemeal */
static void *resize(const struct tp_trace_graph *g, void *p, size_t old, size_t n)
{
	if (!mapped(g, p))
		return realloc(p, n);
	void *q = malloc(n);
	if (q)
		memcpy(q, p, old);
	return q;
}

static enum tp_err grow(const struct tp_trace_graph *g, void **p, uint64_t *cap, uint64_t need,
			size_t size)
{
	if (need <= *cap)
		return TP_OK;
	uint64_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return TP_ENOMEM;
	void *q = resize(g, *p, *cap * size, n * size);
	if (!q)
		return TP_ENOMEM;
	*p = q;
	*cap = n;
	return TP_OK;
}

/* Grows the columns of one group together, to need entries each and a
 * spare one (a NULL entry in cols is a column the graph does not have). */
static enum tp_err grow_cols(const struct tp_trace_graph *g, uint64_t *cap, uint64_t need,
			     void **const cols[], const size_t sizes[], int n)
{
	if (need <= *cap)
		return TP_OK;
	uint64_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	for (int i = 0; i < n; i++) {
		if (!cols[i])
			continue;
		if (c >= SIZE_MAX / sizes[i])
			return TP_ENOMEM;
		/* + 1: see tpg_index() */
		void *q = resize(g, *cols[i], (*cap + 1) * sizes[i], (c + 1) * sizes[i]);
		if (!q)
			return TP_ENOMEM;
		*cols[i] = q;
	}
	*cap = c;
	return TP_OK;
}

enum tp_err tpg_new(const char *chain, int kind, struct tp_trace_graph **out)
{
	struct tp_trace_graph *g = calloc(1, sizeof *g);
	if (!g)
		return TP_ENOMEM;
	snprintf(g->chain, sizeof g->chain, "%s", chain);
	g->kind = kind;
	g->lock_fd = -1;
	g->mutable_ = 1;
	tpg_set_wide(g, 0);
	if (kind == TP_TRACE_UTXO) { /* the sentinels and a spare entry (tpg_index) */
		g->tx_out = calloc(2, sizeof(uint32_t));
		g->tx_in = calloc(2, sizeof(uint32_t));
	}
	g->addr_hcap = 1024;
	g->tx_hcap = 1024;
	g->addr_hash = calloc(g->addr_hcap, sizeof *g->addr_hash);
	g->addr_tag = calloc(g->addr_hcap, sizeof *g->addr_tag);
	g->tx_hash = calloc(g->tx_hcap, sizeof *g->tx_hash);
	g->tx_tag = calloc(g->tx_hcap, sizeof *g->tx_tag);
	g->cap_tx = 1;
	if ((kind == TP_TRACE_UTXO && (!g->tx_out || !g->tx_in)) || !g->addr_hash || !g->addr_tag ||
	    !g->tx_hash || !g->tx_tag) {
		tp_trace_graph_free(g);
		return TP_ENOMEM;
	}
	*out = g;
	return TP_OK;
}

void tp_trace_graph_free(struct tp_trace_graph *g)
{
	if (!g)
		return;
	void *cols[] = {g->addr_str, g->addr_off,  g->addr_hash, g->addr_tag,  g->tx_out,
			g->tx_in,    g->tx_blk,	   g->blk,	 g->txid,      g->tx_hash,
			g->tx_tag,   g->out_value, g->out_addr,	 g->out_spent, g->in,
			g->xfer,     g->bigv,	   g->acct_off,	 g->acct_x,    g->acct_ent,
			g->acct_order};
	for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
		free_col(g, cols[i]);
	if (g->map)
		munmap(g->map, g->maplen);
	if (g->lock_fd >= 0)
		close(g->lock_fd); /* releases the shared lock */
	free(g);
}

uint64_t tpg_addr_hash(const char *s, size_t len)
{
	return hash_bytes(s, len);
}

static uint32_t addr_find_hashed(const struct tp_trace_graph *g, const char *s, size_t len,
				 uint64_t h)
{
	uint32_t mask = g->addr_hcap - 1;
	uint32_t tag = tag_of(h);
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint32_t v = g->addr_hash[i];
		if (v == 0 || v > g->naddr) /* empty, or not yet (ntx_bound) */
			return TPG_NONE;
		if (g->addr_tag && g->addr_tag[i] != tag)
			continue;
		const char *a = g->addr_str + g->addr_off[v - 1];
		if (strncmp(a, s, len) == 0 && a[len] == '\0')
			return v - 1;
	}
}

uint32_t tpg_addr_find(const struct tp_trace_graph *g, const char *s, size_t len)
{
	return addr_find_hashed(g, s, len, hash_bytes(s, len));
}

void tpg_addr_prefetch(const struct tp_trace_graph *g, uint64_t h)
{
	uint32_t i = (uint32_t)h & (g->addr_hcap - 1);
	__builtin_prefetch(&g->addr_hash[i]);
	if (g->addr_tag)
		__builtin_prefetch(&g->addr_tag[i]);
}

/*
 * The entry (id + 1) whose slot holds the tag of hash h first, or 0: a
 * guess for prefetching, the string is not compared.
 */
static uint32_t probe(const uint32_t *slots, const uint32_t *tags, uint32_t cap, uint32_t n,
		      uint64_t h)
{
	uint32_t mask = cap - 1, tag = tag_of(h);
	for (uint32_t i = (uint32_t)h & mask, k = 0; k < 4; i = (i + 1) & mask, k++) {
		uint32_t v = slots[i];
		if (v == 0 || v > n || !tags || tags[i] == tag)
			return v <= n ? v : 0;
	}
	return 0;
}

void tpg_addr_prefetch_off(const struct tp_trace_graph *g, uint64_t h)
{
	uint32_t v = probe(g->addr_hash, g->addr_tag, g->addr_hcap, g->naddr, h);
	if (v)
		__builtin_prefetch(&g->addr_off[v - 1]);
}

void tpg_addr_prefetch_str(const struct tp_trace_graph *g, uint64_t h)
{
	uint32_t v = probe(g->addr_hash, g->addr_tag, g->addr_hcap, g->naddr, h);
	if (v)
		__builtin_prefetch(g->addr_str + g->addr_off[v - 1]);
}

/*
 * A hash table (slots or tags) of HUGE_TABLE bytes or more asks for huge
 * pages (huge_hint): its lookups land anywhere, and on 4 kB pages nearly each
 * one misses the TLB too (the JSON import at 10,000,000 transactions: 10%
 * faster). Below HUGE_TABLE (the 16 MB tables of 2,000,000 transactions)
 * the hint slowed the raw import, so small tables do without. Only a
 * hint: where the kernel declines, nothing changes.
 */
#define HUGE_TABLE ((size_t)64 << 20)

/*
 * Whether a table of cap slots is too full to take n entries: the id and
 * tag tables double past three quarters. A probe reads 4-byte slots and
 * tags, 16 to a cache line, so the longer runs of a fuller table mostly
 * stay within the line of the first; the half a table doubling at half
 * full would leave empty was memory every lookup spreads over and every
 * doubling touches (at 20,000,000 transactions, 256 MB of ids and tags).
 * The open graph's check requires an empty slot, so a probe always ends.
 */
static int table_full(uint64_t n, uint32_t cap)
{
	return n * 4 > (uint64_t)cap * 3;
}

/* The hash of entry id's key: its address string, or its txid. */
static uint64_t addr_key(const struct tp_trace_graph *g, uint32_t id)
{
	/* the length from the offsets: a strlen cost as much as the hash */
	uint64_t end = id + 1 < g->naddr ? g->addr_off[id + 1] : g->addr_len;
	return hash_bytes(g->addr_str + g->addr_off[id], end - g->addr_off[id] - 1);
}

static uint64_t tx_key(const struct tp_trace_graph *g, uint32_t id)
{
	return hash_txid(g->txid[id]);
}

/* Starts loading what the key of entry id is read from: at stage 2 the
 * offset of an address, at stage 1 the key's bytes. */
static void addr_key_prefetch(const struct tp_trace_graph *g, uint32_t id, int stage)
{
	if (stage == 2)
		__builtin_prefetch(&g->addr_off[id]);
	else
		__builtin_prefetch(g->addr_str + g->addr_off[id]);
}

static void tx_key_prefetch(const struct tp_trace_graph *g, uint32_t id, int stage)
{
	if (stage == 1)
		__builtin_prefetch(g->txid[id]);
}

typedef uint64_t key_fn(const struct tp_trace_graph *g, uint32_t id);
typedef void key_prefetch_fn(const struct tp_trace_graph *g, uint32_t id, int stage);

#define KEYS_AHEAD 16 /* slots ahead whose keys an untagged doubling loads */

/*
 * Doubles a table of cap slots in place: h and tag hold 2 cap, the upper
 * halves zero; afterwards each entry sits on the probe path of its hash
 * mod 2 cap, with its tag. As in tpi_table_rehash (raw_spend.h, where
 * the argument is), entries are taken out and put back in slot order
 * from after an empty one, so each run is done from its start and none
 * is left behind a hole. The new half is all the fresh memory it takes,
 * where a new table touched three times the old size. A tagged table's
 * homes are in the tags (tag_of); an untagged one (tagged 0: tag all
 * zeros, a graph made mutable from its file) reads each key, loaded
 * KEYS_AHEAD slots before, and is tagged here. Runs end up in slot order,
 * not in id order: see tpg_tables_rebuild.
 */
static inline __attribute__((always_inline)) void
double_in_place(const struct tp_trace_graph *g, uint32_t *h, uint32_t *tag, uint32_t cap,
		int tagged, key_fn *key, key_prefetch_fn *prefetch)
{
	uint32_t old = cap - 1, mask = 2 * cap - 1, start = 0;
	while (h[start]) /* there is one: at most three quarters are used */
		start++;
	for (uint64_t k = 1; k <= cap; k++) {
		if (!tagged) {
			uint32_t ahead = h[(start + k + 2 * KEYS_AHEAD) & old];
			if (ahead)
				prefetch(g, ahead - 1, 2);
			if ((ahead = h[(start + k + KEYS_AHEAD) & old]))
				prefetch(g, ahead - 1, 1);
		}
		uint32_t i = (uint32_t)(start + k) & old, v = h[i];
		if (!v)
			continue;
		uint32_t t = tagged ? tag[i] : tag_of(key(g, v - 1));
		h[i] = 0;
		tag[i] = 0;
		uint32_t j = t & mask;
		while (h[j])
			j = (j + 1) & mask;
		h[j] = v;
		tag[j] = t;
	}
}

/* Asks for huge pages for a big table (see HUGE_TABLE); only a hint. */
static void huge_hint(void *t, size_t n)
{
#ifdef MADV_HUGEPAGE
	const uintptr_t huge = (uintptr_t)2 << 20;
	if (n >= HUGE_TABLE) {
		uintptr_t a = ((uintptr_t)t + huge - 1) & ~(huge - 1);
		uintptr_t b = ((uintptr_t)t + n) & ~(huge - 1);
		if (b > a)
			(void)madvise((void *)a, b - a, MADV_HUGEPAGE);
	}
#else
	(void)t, (void)n;
#endif
}

/*
 * Makes *t (cap slots; NULL: none yet) 2 cap slots long, the new ones
 * (all, for NULL) zero. A table in the map is copied out. 0, or -1 with
 * *t as it was (its slots the same, perhaps with more room after them).
 */
static int twice(const struct tp_trace_graph *g, uint32_t **t, uint32_t cap)
{
	size_t half = (size_t)cap * sizeof **t;
	uint32_t *q = !*t || mapped(g, *t) ? malloc(2 * half) : realloc(*t, 2 * half);
	if (!q)
		return -1;
	huge_hint(q, 2 * half); /* before the new pages are touched */
	if (!*t)
		memset(q, 0, half);
	else if (mapped(g, *t))
		memcpy(q, *t, half);
	memset(q + cap, 0, half);
	*t = q;
	return 0;
}

/* Doubles the address (addr) or transaction table, in place. */
static enum tp_err double_table(struct tp_trace_graph *g, int addr)
{
	uint32_t **h = addr ? &g->addr_hash : &g->tx_hash, **tag = addr ? &g->addr_tag : &g->tx_tag;
	uint32_t *cap = addr ? &g->addr_hcap : &g->tx_hcap;
	int tagged = *tag != NULL;
	if (*cap > UINT32_MAX / 2 || twice(g, h, *cap) || twice(g, tag, *cap))
		return TP_ENOMEM;
	if (addr)
		double_in_place(g, *h, *tag, *cap, tagged, addr_key, addr_key_prefetch);
	else
		double_in_place(g, *h, *tag, *cap, tagged, tx_key, tx_key_prefetch);
	*cap *= 2;
	return TP_OK;
}

/* Places ids 0 .. n - 1 in a zeroed table in id order (tag may be NULL). */
static void place_all(const struct tp_trace_graph *g, uint32_t *h, uint32_t *tag, uint32_t cap,
		      uint32_t n, key_fn *key)
{
	uint32_t mask = cap - 1;
	for (uint32_t id = 0; id < n; id++) {
		uint64_t x = key(g, id);
		uint32_t i = (uint32_t)x & mask;
		while (h[i])
			i = (i + 1) & mask;
		h[i] = id + 1;
		if (tag)
			tag[i] = tag_of(x);
	}
}

void tpg_tables_rebuild(struct tp_trace_graph *g)
{
	memset(g->tx_hash, 0, (size_t)g->tx_hcap * sizeof *g->tx_hash);
	memset(g->addr_hash, 0, (size_t)g->addr_hcap * sizeof *g->addr_hash);
	if (g->tx_tag)
		memset(g->tx_tag, 0, (size_t)g->tx_hcap * sizeof *g->tx_tag);
	if (g->addr_tag)
		memset(g->addr_tag, 0, (size_t)g->addr_hcap * sizeof *g->addr_tag);
	place_all(g, g->tx_hash, g->tx_tag, g->tx_hcap, g->ntx, tx_key);
	place_all(g, g->addr_hash, g->addr_tag, g->addr_hcap, g->naddr, addr_key);
}

enum tp_err tpg_addr_intern_hashed(struct tp_trace_graph *g, const char *s, size_t len, uint64_t h,
				   uint32_t *id)
{
	uint32_t found = addr_find_hashed(g, s, len, h);
	if (found != TPG_NONE) {
		*id = found;
		return TP_OK;
	}
	return tpg_addr_append_hashed(g, s, len, h, id);
}

enum tp_err tpg_addr_intern(struct tp_trace_graph *g, const char *s, size_t len, uint32_t *id)
{
	return tpg_addr_intern_hashed(g, s, len, hash_bytes(s, len), id);
}

enum tp_err tpg_addr_append(struct tp_trace_graph *g, const char *s, size_t len, uint32_t *id)
{
	return tpg_addr_append_hashed(g, s, len, hash_bytes(s, len), id);
}

enum tp_err tpg_addr_append_hashed(struct tp_trace_graph *g, const char *s, size_t len, uint64_t h,
				   uint32_t *id)
{
	if (memchr(s, '\0', len) || g->naddr >= TPG_NONE - 1)
		return TP_EINVAL;
	if (table_full(g->naddr + 1, g->addr_hcap) && double_table(g, 1) != TP_OK)
		return TP_ENOMEM;
	if (grow(g, (void **)&g->addr_off, &g->cap_addr, g->naddr + 1, sizeof *g->addr_off) ||
	    grow(g, (void **)&g->addr_str, &g->cap_str, g->addr_len + len + 1, 1))
		return TP_ENOMEM;
	memcpy(g->addr_str + g->addr_len, s, len);
	g->addr_str[g->addr_len + len] = '\0';
	g->addr_off[g->naddr] = g->addr_len;
	g->addr_len += len + 1;
	uint32_t mask = g->addr_hcap - 1;
	uint32_t i = (uint32_t)h & mask;
	while (g->addr_hash[i])
		i = (i + 1) & mask;
	g->addr_hash[i] = g->naddr + 1;
	if (g->addr_tag)
		g->addr_tag[i] = tag_of(h);
	*id = g->naddr++;
	return TP_OK;
}

uint32_t tpg_tx_find(const struct tp_trace_graph *g, const uint8_t *id, size_t len)
{
	if (len != 32)
		return TPG_NONE;
	uint32_t mask = g->tx_hcap - 1;
	uint64_t h = hash_txid(id);
	uint32_t tag = tag_of(h);
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint32_t v = g->tx_hash[i];
		if (v == 0 || v > g->ntx) /* empty, or not yet (ntx_bound) */
			return TPG_NONE;
		if (g->tx_tag && g->tx_tag[i] != tag)
			continue;
		if (memcmp(g->txid[v - 1], id, 32) == 0)
			return v - 1;
	}
}

void tpg_tx_prefetch(const struct tp_trace_graph *g, const uint8_t id[32])
{
	uint32_t i = (uint32_t)hash_txid(id) & (g->tx_hcap - 1);
	__builtin_prefetch(&g->tx_hash[i]);
	if (g->tx_tag)
		__builtin_prefetch(&g->tx_tag[i]);
}

void tpg_tx_prefetch_entry(const struct tp_trace_graph *g, const uint8_t id[32])
{
	uint32_t v = probe(g->tx_hash, g->tx_tag, g->tx_hcap, g->ntx, hash_txid(id));
	if (!v)
		return;
	__builtin_prefetch(g->txid[v - 1]);
	if (g->tx_out)
		__builtin_prefetch((const char *)g->tx_out + ((uint64_t)(v - 1) << g->index_shift));
}

/*
 * Fills the missing hash tags. A graph made mutable from its file starts
 * without them (the file does not keep them, and computing them reads
 * every txid and address string: most of the cost of a small append);
 * lookups work untagged, reading an entry per occupied slot they pass,
 * which is cheaper than tagging until an append has added about an eighth
 * of the graph (tpg_tx_add then calls this). A doubling tags by itself.
 */
static enum tp_err tag_hashes(struct tp_trace_graph *g)
{
	uint32_t *t = g->tx_tag ? NULL : calloc(g->tx_hcap, sizeof *t);
	uint32_t *a = g->addr_tag ? NULL : calloc(g->addr_hcap, sizeof *a);
	if ((!g->tx_tag && !t) || (!g->addr_tag && !a)) {
		free(t);
		free(a);
		return TP_ENOMEM;
	}
	for (uint32_t i = 0; t && i < g->tx_hcap; i++)
		if (g->tx_hash[i])
			t[i] = tag_of(tx_key(g, g->tx_hash[i] - 1));
	for (uint32_t i = 0; a && i < g->addr_hcap; i++)
		if (g->addr_hash[i])
			a[i] = tag_of(addr_key(g, g->addr_hash[i] - 1));
	if (t)
		g->tx_tag = t;
	if (a)
		g->addr_tag = a;
	return TP_OK;
}

/* Starts a new entry of blk[] unless the last one has this block and time. */
static enum tp_err block_run(struct tp_trace_graph *g, int64_t time, uint32_t block)
{
	if (g->nblk && g->blk[g->nblk - 1].height == block && g->blk[g->nblk - 1].time == time)
		return TP_OK;
	if (g->nblk >= UINT32_MAX - 1)
		return TP_ELIMIT;
	if (grow(g, (void **)&g->blk, &g->cap_blk, (uint64_t)g->nblk + 1, sizeof *g->blk))
		return TP_ENOMEM;
	g->blk[g->nblk++] = (struct tpg_block){.time = time, .height = block};
	return TP_OK;
}

enum tp_err tpg_tx_add(struct tp_trace_graph *g, const uint8_t *id, size_t len, int64_t time,
		       uint32_t block, uint32_t *tx)
{
	if (len != 32)
		return TP_EINVAL;
	if (tpg_tx_find(g, id, len) != TPG_NONE)
		return TP_EEXIST;
	if (g->ntx >= TPG_NONE - 2)
		return TP_ELIMIT;
	if (table_full(g->ntx + 1, g->tx_hcap) && double_table(g, 0) != TP_OK)
		return TP_ENOMEM;
	if ((!g->tx_tag || !g->addr_tag) && g->ntx >= g->tag_at && tag_hashes(g) != TP_OK)
		return TP_ENOMEM;
	size_t w = g->wide ? sizeof(uint64_t) : sizeof(uint32_t);
	void **const cols[] = {g->tx_out ? &g->tx_out : NULL, g->tx_in ? &g->tx_in : NULL,
			       (void **)&g->tx_blk, (void **)&g->txid};
	const size_t sizes[] = {w, w, sizeof *g->tx_blk, sizeof *g->txid};
	if (grow_cols(g, &g->cap_tx, (uint64_t)g->ntx + 2, cols, sizes, 4))
		return TP_ENOMEM;
	enum tp_err e = block_run(g, time, block);
	if (e != TP_OK)
		return e;
	g->tx_blk[g->ntx] = g->nblk - 1;
	memcpy(g->txid[g->ntx], id, 32);
	uint32_t mask = g->tx_hcap - 1;
	uint64_t h = hash_txid(id);
	uint32_t i = (uint32_t)h & mask;
	while (g->tx_hash[i])
		i = (i + 1) & mask;
	g->tx_hash[i] = g->ntx + 1;
	if (g->tx_tag)
		g->tx_tag[i] = tag_of(h);
	*tx = g->ntx++;
	tpg_seal(g);
	if (!g->have_last_block || block > g->last_block)
		g->last_block = block;
	g->have_last_block = 1;
	return TP_OK;
}

static void set_index(const struct tp_trace_graph *g, void *col, uint64_t i, uint64_t v)
{
	if (g->wide)
		((uint64_t *)col)[i] = v;
	else
		((uint32_t *)col)[i] = (uint32_t)v;
}

void tpg_seal(struct tp_trace_graph *g)
{
	if (!g->tx_out)
		return; /* account chains keep no output or input ranges */
	set_index(g, g->tx_out, g->ntx, g->nout);
	set_index(g, g->tx_in, g->ntx, g->nin);
}

/* A u64 copy of a u32 column of cap entries, with a spare one (NULL stays NULL). */
static int widened(const void *col, uint64_t cap, uint64_t **out)
{
	*out = NULL;
	if (!col)
		return 0;
	if (!(*out = malloc((cap + 1) * sizeof **out)))
		return -1;
	const uint32_t *s = col;
	for (uint64_t i = 0; i < cap; i++)
		(*out)[i] = s[i];
	return 0;
}

enum tp_err tpg_widen(struct tp_trace_graph *g)
{
	if (!g->mutable_)
		return TP_EINVAL;
	if (g->wide)
		return TP_OK;
	uint64_t *out = NULL, *in = NULL, *inputs = NULL;
	/* all three copies before any swap: a failure leaves the narrow form */
	if (widened(g->tx_out, g->cap_tx, &out) || widened(g->tx_in, g->cap_tx, &in) ||
	    widened(g->in, g->cap_in, &inputs)) {
		free(out);
		free(in);
		return TP_ENOMEM;
	}
	free_col(g, g->tx_out);
	free_col(g, g->tx_in);
	free_col(g, g->in);
	g->tx_out = out;
	g->tx_in = in;
	g->in = inputs;
	tpg_set_wide(g, 1);
	return TP_OK;
}

/* Keeps every stored output and input index within its column's width. */
static enum tp_err room_for(struct tp_trace_graph *g, uint64_t count)
{
	if (g->kind != TP_TRACE_UTXO)
		return TP_EINVAL;
	return g->wide || count + 1 < UINT32_MAX ? TP_OK : tpg_widen(g);
}

enum tp_err tpg_out_add(struct tp_trace_graph *g, uint64_t value, uint32_t addr)
{
	enum tp_err e = room_for(g, g->nout);
	if (e != TP_OK)
		return e;
	void **const cols[] = {(void **)&g->out_value, (void **)&g->out_addr,
			       (void **)&g->out_spent};
	const size_t sizes[] = {sizeof *g->out_value, sizeof *g->out_addr, sizeof *g->out_spent};
	if (grow_cols(g, &g->cap_out, g->nout + 1, cols, sizes, 3))
		return TP_ENOMEM;
	g->out_value[g->nout] = value;
	g->out_addr[g->nout] = addr;
	g->out_spent[g->nout] = TPG_NONE;
	g->nout++;
	tpg_seal(g);
	return TP_OK;
}

enum tp_err tpg_in_add(struct tp_trace_graph *g, uint64_t out)
{
	enum tp_err e = room_for(g, g->nin);
	if (e != TP_OK)
		return e;
	void **const cols[] = {&g->in};
	const size_t sizes[] = {g->wide ? sizeof(uint64_t) : sizeof(uint32_t)};
	if (grow_cols(g, &g->cap_in, g->nin + 1, cols, sizes, 1))
		return TP_ENOMEM;
	set_index(g, g->in, g->nin++, out);
	tpg_seal(g);
	return TP_OK;
}

enum tp_err tpg_xfer_add(struct tp_trace_graph *g, uint32_t tx, uint32_t from, uint32_t to,
			 uint32_t asset, const struct tp_u256 *value, uint32_t kind)
{
	if (kind < TPG_FEE || kind > TPG_TOKEN)
		return TP_EINVAL;
	if (grow(g, (void **)&g->xfer, &g->cap_xfer, g->nxfer + 1, sizeof *g->xfer))
		return TP_ENOMEM;
	struct tpg_xfer x = {.tx = tx, .from = from, .to = to, .asset = asset, .kind = kind & 7};
	if (value->w[3] == 0 && value->w[2] == 0 && value->w[1] < (1u << 28)) {
		x.v_lo = (uint32_t)value->w[0];
		x.v_hi = (uint32_t)(value->w[0] >> 32);
		x.v_top = (uint32_t)value->w[1];
	} else {
		if (g->nbig >= UINT32_MAX - 1)
			return TP_ELIMIT;
		if (grow(g, (void **)&g->bigv, &g->cap_big, (uint64_t)g->nbig + 1, sizeof *g->bigv))
			return TP_ENOMEM;
		g->bigv[g->nbig] = *value;
		x.v_lo = g->nbig++;
		x.big = 1;
	}
	g->xfer[g->nxfer++] = x;
	return TP_OK;
}

_Static_assert(sizeof(struct tpg_xfer) == 28, "struct tpg_xfer is part of the file format");

void tpg_xfer_value(const struct tp_trace_graph *g, const struct tpg_xfer *x, struct tp_u256 *v)
{
	if (x->big) {
		*v = g->bigv[x->v_lo];
		return;
	}
	v->w[0] = (uint64_t)x->v_hi << 32 | x->v_lo;
	v->w[1] = x->v_top;
	v->w[2] = v->w[3] = 0;
}

_Static_assert(sizeof(struct tpg_acct_ent) == 16, "struct tpg_acct_ent is part of the file format");

struct tpg_acct_ent tpg_acct_ent_make(const struct tp_trace_graph *g, uint64_t i, uint32_t a)
{
	const struct tpg_xfer *x = &g->xfer[i];
	int send = x->from == a, fee = x->kind == TPG_FEE;
	struct tpg_acct_ent e = {.x = (uint32_t)i, .other = send ? (fee ? TPG_NONE : x->to) : x->from};
	e.v = (send ? TPG_ENT_SEND : 0) | (x->asset ? TPG_ENT_TOKEN : 0);
	/* a fee paid to an address is rare enough to be read from the
	 * transfer: its recipient gets nothing, which an entry cannot say */
	if (x->big || x->v_top || x->v_hi >> 29 || (fee && x->to != TPG_NONE))
		e.v |= TPG_ENT_FULL;
	else
		e.v |= (uint64_t)x->v_hi << 32 | x->v_lo;
	return e;
}

uint64_t tpg_asset_bound(const struct tp_trace_graph *g, const struct tpg_acct_ent *ent,
			 uint64_t lo, uint64_t hi, uint32_t asset)
{
	if (asset == 0 || lo == hi || !(ent[hi - 1].v & TPG_ENT_TOKEN))
		return asset == 0 ? lo : hi; /* most lists hold the native coin alone */
	/* the native coin's entries come first, told apart by their flag */
	uint64_t a = lo, b = hi;
	while (a < b) {
		uint64_t mid = a + (b - a) / 2;
		if (ent[mid].v & TPG_ENT_TOKEN)
			b = mid;
		else
			a = mid + 1;
	}
	/* then the tokens' runs, by asset: read from the transfers */
	for (b = hi; asset > 1 && a < b;) {
		uint64_t mid = a + (b - a) / 2;
		if (g->xfer[ent[mid].x].asset < asset)
			a = mid + 1;
		else
			b = mid;
	}
	return a;
}

void tpg_txid_format(const struct tp_trace_graph *g, uint32_t tx, char out[70])
{
	static const char hex[] = "0123456789abcdef";
	char *p = out;
	if (g->kind == TP_TRACE_ACCOUNT) {
		*p++ = '0';
		*p++ = 'x';
	}
	for (int i = 0; i < 32; i++) {
		*p++ = hex[g->txid[tx][i] >> 4];
		*p++ = hex[g->txid[tx][i] & 15];
	}
	*p = '\0';
}

size_t tpg_txid_parse(const char *s, size_t len, uint8_t out[32])
{
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len != 64)
		return 0;
	for (size_t i = 0; i < 64; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (v < 0)
			return 0;
		if (i % 2 == 0)
			out[i / 2] = (uint8_t)(v << 4);
		else
			out[i / 2] |= (uint8_t)v;
	}
	return 32;
}
