/*
 * Appending to DIR/graph.tpg in place: the cost of an append is in
 * proportion to what it adds, not to the graph (layout in
 * docs/internals/trace-graph.md, "Appending in place").
 *
 * tpg_make_mutable() left the columns in the file's private, writable
 * map; the importer added blocks, so each column now either
 *   - still sits in the map at its place (it had room): its new entries
 *     go past its old length, and the pages it changed below that length
 *     (a hash slot filled, an old output's spender) are written back;
 *   - or was outgrown (copied to the heap), rehashed or rebuilt (the
 *     per-address lists): it is written whole to its second place if it
 *     fits there, else at the end of the file with room to grow.
 * Below the old lengths only "not yet" values change: a hash slot or a
 * spender naming an id past the old counts, which the old state reads as
 * an empty slot and an unspent output. So until the new header is
 * written, the file still holds the old state. The steps:
 *   1. the pending record (the counts being moved to) into slot P, the
 *      slot the new header will take cleared; fdatasync
 *   2. the data; fdatasync
 *   3. the new header into the other slot than the old state's; fdatasync
 * A crash before 3 leaves the old state (opening takes the ids the
 * pending record names as not yet; the next append clears them), after
 * it the new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph_file.h"

#define PAGE 4096u

int tpg_append_stop_after;

static uint64_t page_down(uint64_t x)
{
	return x & ~(uint64_t)(PAGE - 1);
}

/*
 * Writes the pages of [at, at + n) of the map (file offsets) that this
 * process changed: /proc/self/pagemap tells a page copied on write (no
 * longer the file's) from one only read. Without pagemap every page is
 * written, which is correct and costs the whole range.
 */
static int write_changed(int fd, const char *map, uint64_t at, uint64_t n)
{
	if (!n)
		return 0;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	uint64_t first = page_down(at), pages = (page_down(at + n - 1) - first) / PAGE + 1;
	uint64_t vpage = ((uintptr_t)map + first) / PAGE;
	uint64_t e[512]; /* a batch of pagemap entries; e[next] is page k's */
	size_t have = 0, next = 0;
	uint64_t run = UINT64_MAX; /* first page of the run of changed pages gathered */
	int err = 0;
	for (uint64_t k = 0; k <= pages && !err; k++) {
		int changed = 0;
		if (k < pages && pm >= 0 && next == have) {
			size_t want = pages - k < 512 ? (size_t)(pages - k) : 512;
			ssize_t got = pread(pm, e, want * 8, (off_t)((vpage + k) * 8));
			have = got == (ssize_t)(want * 8) ? want : 0, next = 0;
			if (!have) {
				close(pm);
				pm = -1;
			}
		}
		if (k < pages) {
			uint64_t x = pm >= 0 ? e[next++] : 0;
			/* swapped out, or present and no longer the file's page */
			changed = pm < 0 || (x >> 62 & 1) || ((x >> 63 & 1) && !(x >> 61 & 1));
		}
		uint64_t pg = first + k * PAGE;
		if (changed && run == UINT64_MAX)
			run = pg;
		if (!changed && run != UINT64_MAX) {
			uint64_t a = run > at ? run : at, b = pg < at + n ? pg : at + n;
			err = tpg_pwrite_all(fd, map + a, b - a, a);
			run = UINT64_MAX;
		}
	}
	if (pm >= 0)
		close(pm);
	return err;
}

/* One entry an append adds to the per-address lists. */
struct entry {
	uint32_t addr, asset, item;
};

static int by_addr(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	if (x->asset != y->asset)
		return x->asset < y->asset ? -1 : 1;
	return x->item < y->item ? -1 : x->item > y->item;
}

/* The appended entries, sorted by address, asset, then item (*m of them). */
static struct entry *appended_entries(const struct tp_trace_graph *g, const struct header *old,
				      uint64_t *m)
{
	int account = g->kind == TP_TRACE_ACCOUNT;
	uint64_t first = account ? old->nxfer : old->nout, end = account ? g->nxfer : g->nout;
	struct entry *e = malloc((size_t)((end - first) * (account ? 2 : 1) + 1) * sizeof *e);
	if (!e)
		return NULL;
	uint64_t n = 0;
	for (uint64_t i = first; !account && i < end; i++)
		if (g->out_addr[i] != TPG_NONE)
			e[n++] = (struct entry){g->out_addr[i], 0, (uint32_t)i};
	for (uint64_t i = first; account && i < end; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		if (x->from != TPG_NONE)
			e[n++] = (struct entry){x->from, x->asset, (uint32_t)i};
		if (x->to != TPG_NONE && x->to != x->from)
			e[n++] = (struct entry){x->to, x->asset, (uint32_t)i};
	}
	qsort(e, (size_t)n, sizeof *e, by_addr);
	*m = n;
	return e;
}

/* The new lists being merged: old entries are copied from ox (the map),
 * entries of `size` bytes. */
struct merge {
	const struct tp_trace_graph *g;
	const char *ox;
	char *list;
	size_t size;
	uint64_t src, dst;
};

/* Copies the old entries up to upto. */
static void copy_old(struct merge *w, uint64_t upto)
{
	memcpy(w->list + w->dst * w->size, w->ox + w->src * w->size,
	       (size_t)(upto - w->src) * w->size);
	w->dst += upto - w->src, w->src = upto;
}

/* Adds the appended entry e, after the old entries of its address and asset. */
static void add_new(struct merge *w, const struct entry *e, uint64_t old_end)
{
	if (w->g->kind == TP_TRACE_UTXO) {
		copy_old(w, old_end);
		memcpy(w->list + w->dst++ * w->size, &e->item, sizeof e->item);
		return;
	}
	/* an appended transfer comes after every old one: at the end of
	 * its asset's run */
	copy_old(w, tpg_asset_bound(w->g, (const struct tpg_acct_ent *)w->ox, w->src, old_end,
				    e->asset + 1));
	struct tpg_acct_ent ent = tpg_acct_ent_make(w->g, e->item, e->addr);
	memcpy(w->list + w->dst++ * w->size, &ent, sizeof ent);
}

/*
 * The per-address lists of the new state from the old state's (still in
 * the map) and the appended entries: the same lists tpg_count_lists()
 * and tpg_fill_lists() build, at the cost of copying the old ones in a
 * few large blocks instead of placing every entry of the graph again.
 * The whole build when the old state had no lists or the lists reach
 * their limit.
 */
static enum tp_err lists(struct tp_trace_graph *g, const struct header *old, struct tp_diag *d)
{
	int account = g->kind == TP_TRACE_ACCOUNT;
	uint64_t items = account ? g->nxfer : g->nout;
	if (!old->len[S_ACCT_OFF] || items >= UINT32_MAX) {
		enum tp_err e = tpg_count_lists(g, d);
		if (e == TP_OK)
			tpg_fill_lists(g);
		return e;
	}
	const uint64_t *ooff = (const void *)((const char *)g->map + old->off[S_ACCT_OFF]);
	size_t size = account ? sizeof *g->acct_ent : sizeof *g->acct_x;
	struct merge w = {.g = g, .ox = (const char *)g->map + old->off[S_ACCT_X], .size = size};
	uint64_t m = 0;
	struct entry *e = appended_entries(g, old, &m);
	uint64_t *off = malloc(((size_t)g->naddr + 1) * sizeof *off);
	w.list = malloc((size_t)(old->nacct + m + 1) * size);
	if (!e || !off || !w.list) {
		free(e);
		free(off);
		free(w.list);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	/* an address's old list moves by the entries added before it */
	for (uint64_t a = 0, k = 0; a <= g->naddr; a++) {
		off[a] = (a <= old->naddr ? ooff[a] : old->nacct) + k;
		while (k < m && e[k].addr == a)
			k++;
	}
	for (uint64_t k = 0; k < m;) {
		uint32_t a = e[k].addr;
		uint64_t upto = a < old->naddr ? ooff[a + 1] : old->nacct;
		copy_old(&w, a < old->naddr ? ooff[a] : old->nacct);
		for (; k < m && e[k].addr == a; k++)
			add_new(&w, &e[k], upto);
		copy_old(&w, upto);
	}
	copy_old(&w, old->nacct);
	free(e);
	g->acct_off = off;
	if (account)
		g->acct_ent = (struct tpg_acct_ent *)w.list;
	else
		g->acct_x = (uint32_t *)w.list;
	g->nacct = old->nacct + m;
	return TP_OK;
}

/* Where section i goes in the new state h (old: the state it was opened
 * from); *end is the file's end, moved by what is placed there. */
static void place(struct header *h, const struct header *old, int i, int in_place, int growing,
		  uint64_t *end)
{
	h->off[i] = old->off[i], h->cap[i] = old->cap[i];
	h->alt_off[i] = old->alt_off[i], h->alt_cap[i] = old->alt_cap[i];
	if (in_place || (!h->len[i] && !old->len[i]))
		return;
	if (old->alt_cap[i] && h->len[i] + 64 <= old->alt_cap[i]) {
		h->off[i] = old->alt_off[i], h->cap[i] = old->alt_cap[i];
	} else {
		/* columns that grow get twice the room, so a column moves
		 * a logarithmic number of times; the rest an eighth more */
		h->off[i] = *end;
		h->cap[i] = growing ? (2 * h->len[i] + 64 + 63) & ~(uint64_t)63
				    : tpg_sect_cap(h->len[i]);
		*end = (*end + h->cap[i] + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	}
	/* the old place is the state still in the file: the next time, this
	 * section can be rewritten there */
	h->alt_off[i] = old->off[i], h->alt_cap[i] = old->cap[i];
}

/* Steps 1 to 3 above; 0 or an errno, *stopped set when the test hook
 * stopped it. */
static int write_state(int fd, const struct tp_trace_graph *g, struct header *h,
		       const struct header *old, const struct sect s[NSECT], uint64_t end,
		       const int in_place[NSECT], int *stopped)
{
	static const char zeros[SLOT_BYTES];
	const char *map = g->map;
	uint64_t spare = (uint64_t)(1 - g->slot) * SLOT_BYTES;
	struct header pending = *h;
	pending.state = STATE_PENDING;
	pending.check = tpg_header_check(&pending);
	int err = tpg_pwrite_all(fd, &pending, sizeof pending, SLOT_PENDING * SLOT_BYTES);
	if (!err)
		err = tpg_pwrite_all(fd, zeros, sizeof zeros, spare);
	if (!err && fdatasync(fd) != 0)
		err = errno;
	if (err || (*stopped = tpg_append_stop_after == 1))
		return err;
	if (end > g->maplen && ftruncate(fd, (off_t)end) != 0)
		return errno;
	for (int i = 0; i < NSECT && !err; i++) {
		const char *p = *s[i].p;
		if (!in_place[i]) {
			err = h->len[i] ? tpg_pwrite_all(fd, p, h->len[i], h->off[i]) : 0;
			continue;
		}
		uint64_t below = old->len[i] < h->len[i] ? old->len[i] : h->len[i];
		err = write_changed(fd, map, h->off[i], below);
		if (!err && h->len[i] > below)
			err = tpg_pwrite_all(fd, p + below, h->len[i] - below, h->off[i] + below);
	}
	if (!err && fdatasync(fd) != 0)
		err = errno;
	if (err || (*stopped = tpg_append_stop_after == 2))
		return err;
	h->check = tpg_header_check(h);
	err = tpg_pwrite_all(fd, h, sizeof *h, spare);
	if (!err && fdatasync(fd) != 0)
		err = errno;
	/* a second place no state uses any more gives its disk back (the
	 * file keeps its size; a file system without holes keeps the bytes) */
	for (int i = 0; i < NSECT && !err; i++)
		if (old->alt_cap[i] && h->off[i] != old->alt_off[i] &&
		    h->alt_off[i] != old->alt_off[i])
			(void)fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
					(off_t)old->alt_off[i], (off_t)old->alt_cap[i]);
	return err;
}

enum tp_err tpg_append_save(struct tp_trace_graph *g, const char *dir, struct tp_diag *d)
{
	if (!g->map)
		return tpg_save(g, dir, d);
	tpg_remove_stale_tmp(dir);
	const char *map = g->map;
	const struct header *old = (const void *)(map + (size_t)g->slot * SLOT_BYTES);
	enum tp_err be = lists(g, old, d);
	if (be != TP_OK)
		return be;
	char path[4096];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	struct header h;
	tpg_header_fill(g, &h);
	h.seq = old->seq + 1;
	struct sect s[NSECT];
	tpg_sections(g, s);
	uint64_t end = (g->maplen + PAGE - 1) & ~(uint64_t)(PAGE - 1);
	int in_place[NSECT];
	for (int i = 0; i < NSECT; i++) {
		h.len[i] = s[i].n * s[i].size;
		in_place[i] =
			old->len[i] && *s[i].p == map + old->off[i] && h.len[i] <= old->cap[i];
		place(&h, old, i, in_place[i], s[i].cap != NULL, &end);
	}
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return tp_diag_set(d, TP_EIO, "%s: %s", path, strerror(errno));
	int stopped = 0;
	int err = write_state(fd, g, &h, old, s, end, in_place, &stopped);
	if (close(fd) != 0 && !err)
		err = errno;
	if (err)
		return tp_diag_set(d, TP_EIO, "%s: %s", path, strerror(err));
	if (stopped)
		return tp_diag_set(d, TP_EIO, "%s: append stopped after step %d (test hook)", path,
				   tpg_append_stop_after);
	return TP_OK;
}
