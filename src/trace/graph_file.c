/*
 * The trace graph file DIR/graph.tpg: a new graph written whole (a
 * temporary file renamed over), mapped read-only, checked when opened
 * (layout in graph_file.h and docs/internals/trace-graph.md; appending
 * in place is graph_append.c).
 *
 * Header slots are followed by sections, each 64-byte aligned with room
 * to grow, holding exactly the columns of struct tp_trace_graph: first
 * the core graph a trace reads per hop, then the dictionaries (txids,
 * addresses) read only to resolve seeds and print results. Opening takes
 * the newest valid header and checks every section's bounds and every
 * stored index, so a damaged file is an error, never a wild read. Both
 * hash tables are stored, so a trace needs no rebuild.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph_file.h"

void tpg_sections(struct tp_trace_graph *g, struct sect s[NSECT])
{
	int utxo = g->kind == TP_TRACE_UTXO;
	size_t w = g->wide ? sizeof(uint64_t) : sizeof(uint32_t);
	uint64_t ntx = g->ntx, naddr = g->naddr;
	s[S_TX_OUT] = (struct sect){&g->tx_out, utxo ? ntx + 1 : 0, w, &g->cap_tx};
	s[S_TX_IN] = (struct sect){&g->tx_in, utxo ? ntx + 1 : 0, w, &g->cap_tx};
	s[S_TX_BLK] = (struct sect){(void **)&g->tx_blk, ntx, sizeof *g->tx_blk, &g->cap_tx};
	s[S_BLK] = (struct sect){(void **)&g->blk, g->nblk, sizeof *g->blk, &g->cap_blk};
	s[S_OUT_VALUE] =
		(struct sect){(void **)&g->out_value, g->nout, sizeof *g->out_value, &g->cap_out};
	s[S_OUT_ADDR] =
		(struct sect){(void **)&g->out_addr, g->nout, sizeof *g->out_addr, &g->cap_out};
	s[S_OUT_SPENT] =
		(struct sect){(void **)&g->out_spent, g->nout, sizeof *g->out_spent, &g->cap_out};
	s[S_IN] = (struct sect){&g->in, g->nin, w, &g->cap_in};
	s[S_XFER] = (struct sect){(void **)&g->xfer, g->nxfer, sizeof *g->xfer, &g->cap_xfer};
	s[S_BIG] = (struct sect){(void **)&g->bigv, g->nbig, sizeof *g->bigv, &g->cap_big};
	s[S_ACCT_OFF] = (struct sect){(void **)&g->acct_off, !utxo || g->nacct ? naddr + 1 : 0,
				      sizeof *g->acct_off, NULL};
	s[S_ACCT_X] = utxo ? (struct sect){(void **)&g->acct_x, g->nacct, sizeof *g->acct_x, NULL}
			   : (struct sect){(void **)&g->acct_ent, g->nacct, sizeof *g->acct_ent,
					   NULL};
	s[S_TXID] = (struct sect){(void **)&g->txid, ntx, sizeof *g->txid, &g->cap_tx};
	s[S_TX_HASH] = (struct sect){(void **)&g->tx_hash, g->tx_hcap, sizeof *g->tx_hash, NULL};
	s[S_ADDR_STR] = (struct sect){(void **)&g->addr_str, g->addr_len, 1, &g->cap_str};
	s[S_ADDR_OFF] =
		(struct sect){(void **)&g->addr_off, naddr, sizeof *g->addr_off, &g->cap_addr};
	s[S_ADDR_HASH] =
		(struct sect){(void **)&g->addr_hash, g->addr_hcap, sizeof *g->addr_hash, NULL};
}

const void *tpg_section_bytes(const struct tp_trace_graph *g, int i, uint64_t *bytes)
{
	struct sect s[NSECT];
	/* tpg_sections() takes the fields' addresses only: g is not written */
	tpg_sections((struct tp_trace_graph *)g, s);
	*bytes = i >= 0 && i < NSECT ? s[i].n * s[i].size : 0;
	return i >= 0 && i < NSECT ? *s[i].p : NULL;
}

void tpg_sizes(const struct tp_trace_graph *g, uint64_t *core, uint64_t *dict)
{
	struct sect s[NSECT];
	tpg_sections((struct tp_trace_graph *)g, s); /* g is not written */
	*core = *dict = 0;
	for (int i = 0; i < NSECT; i++)
		*(i < NCORE ? core : dict) += s[i].n * s[i].size;
}

void tpg_header_fill(const struct tp_trace_graph *g, struct header *h)
{
	memset(h, 0, sizeof *h);
	memcpy(h->magic, MAGIC, 8);
	h->version = VERSION;
	h->kind = (uint32_t)g->kind;
	memcpy(h->chain, g->chain, sizeof h->chain);
	h->naddr = g->naddr, h->ntx = g->ntx, h->nbig = g->nbig, h->nblk = g->nblk;
	h->addr_hcap = g->addr_hcap, h->tx_hcap = g->tx_hcap;
	h->last_block = g->last_block, h->have_last_block = (uint32_t)g->have_last_block;
	h->flags = g->wide ? FLAG_WIDE : 0;
	h->state = STATE_GRAPH;
	h->addr_len = g->addr_len, h->nout = g->nout, h->nin = g->nin, h->nxfer = g->nxfer;
	h->nacct = g->nacct;
}

/* FNV-1a over the header before its checksum: a torn or damaged slot is
 * not taken for a state. */
uint64_t tpg_header_check(const struct header *h)
{
	const unsigned char *p = (const unsigned char *)h;
	uint64_t x = 14695981039346656037ULL;
	for (size_t i = 0; i < offsetof(struct header, check); i++)
		x = (x ^ p[i]) * 1099511628211ULL;
	return x;
}

void tpg_header_reseal(void *slot)
{
	struct header h;
	memcpy(&h, slot, sizeof h);
	h.check = tpg_header_check(&h);
	memcpy(slot, &h, sizeof h);
}

int tpg_pwrite_all(int fd, const void *p, uint64_t n, uint64_t at)
{
	const char *c = p;
	while (n) {
		ssize_t w = pwrite(fd, c, n > (1u << 30) ? (1u << 30) : n, (off_t)at);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		c += w;
		n -= (uint64_t)w;
		at += (uint64_t)w;
	}
	return 0;
}

/* Sections first..last-1 of the file being saved, written by one thread. */
struct writer {
	int fd;
	struct tpg_direct dio;
	const struct header *h;
	const struct sect *s;
	int first, last;
	int err;
};

/*
 * Is section i written direct (graph_write.c)? Those a trace's opening
 * does not read (check()): the values, the block table, the big values,
 * the txids and the address strings (of which it reads the last byte),
 * read only here and there by a trace. The rest stays in the page cache
 * for the opening that usually follows an import: written all direct,
 * the 2M bench graph took 146-224 ms to open instead of 18-27.
 */
static int written_direct(int i)
{
	return i == S_OUT_VALUE || i == S_BLK || i == S_BIG || i == S_TXID || i == S_ADDR_STR;
}

/* Writes w's sections (what lies between them stays a hole, read as
 * zeros); 0 or an errno. */
static int write_sections(struct writer *w)
{
	int err = 0;
	for (int i = w->first; i < w->last && !err; i++) {
		const void *p = *w->s[i].p;
		uint64_t n = w->h->len[i], at = w->h->off[i];
		if (n && written_direct(i))
			err = tpg_write_direct(w->fd, &w->dio, p, n, at);
		else if (n)
			err = tpg_pwrite_all(w->fd, p, n, at);
		/* start the disk writes of this section while the next is
		 * copied, so the fsync has less left to wait for */
		if (!err)
			(void)sync_file_range(w->fd, (off_t)at, (off_t)n, SYNC_FILE_RANGE_WRITE);
	}
	return err;
}

/* The header and every section but the lists, written beside fill_lists(). */
static void *write_thread(void *arg)
{
	struct writer *w = arg;
	w->err = tpg_pwrite_all(w->fd, w->h, sizeof *w->h, 0);
	w->first = 0, w->last = S_ACCT_OFF;
	if (!w->err)
		w->err = write_sections(w);
	w->first = S_TXID, w->last = NSECT;
	if (!w->err)
		w->err = write_sections(w);
	return NULL;
}

/*
 * Removes the temporary files of saves that died before their rename
 * (graph.tpg.tmp.PID of a process that no longer runs): they are never
 * read, only disk taken.
 */
void tpg_remove_stale_tmp(const char *dir)
{
	static const char prefix[] = "graph.tpg.tmp.";
	DIR *dh = opendir(dir);
	if (!dh)
		return;
	struct dirent *de;
	while ((de = readdir(dh))) {
		if (strncmp(de->d_name, prefix, sizeof prefix - 1) != 0)
			continue;
		char *end;
		long pid = strtol(de->d_name + sizeof prefix - 1, &end, 10);
		if (*end || pid <= 0 || pid == (long)getpid() ||
		    !(kill((pid_t)pid, 0) != 0 && errno == ESRCH))
			continue;
		char p[4400];
		snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(dh);
}

enum tp_err tpg_save(struct tp_trace_graph *g, const char *dir, struct tp_diag *d)
{
	tpg_remove_stale_tmp(dir);
	enum tp_err be = tpg_count_lists(g, d);
	if (be != TP_OK)
		return be;
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	/* the state in slot A; slots B and P stay zeros (no valid state) */
	struct header h;
	tpg_header_fill(g, &h);
	h.seq = 1;
	struct sect s[NSECT];
	tpg_sections(g, s);
	uint64_t off = FIRST_SECTION;
	for (int i = 0; i < NSECT; i++) {
		h.off[i] = off;
		h.len[i] = s[i].n * s[i].size;
		h.cap[i] = tpg_sect_cap(h.len[i]);
		off += h.cap[i];
	}
	h.check = tpg_header_check(&h);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		int e = errno;
		tpg_fill_lists(g);
		return tp_diag_set(d, TP_EIO, "%s: %s", tmp, strerror(e));
	}
	/* the whole size first (the last section's spare room is part of the
	 * file): direct writes then land inside it, not past its end */
	int err = ftruncate(fd, (off_t)off) != 0 ? errno : 0;
	int dfd = err ? -1 : tpg_direct_open(tmp);
	struct writer rest = {.fd = fd, .dio = {.fd = dfd}, .h = &h, .s = s};
	pthread_t th;
	int threaded = !err && pthread_create(&th, NULL, write_thread, &rest) == 0;
	tpg_fill_lists(g);
	if (!threaded && !err)
		write_thread(&rest);
	/* the lists' bytes do not overlap the thread's: both write at once */
	struct writer lists = {
		.fd = fd, .dio = {.fd = dfd}, .h = &h, .s = s, .first = S_ACCT_OFF, .last = S_TXID};
	if (!err)
		err = write_sections(&lists);
	if (threaded)
		pthread_join(th, NULL);
	if (rest.err)
		err = rest.err;
	tpg_direct_written = rest.dio.bytes + lists.dio.bytes;
	tpg_direct_done(&rest.dio);
	tpg_direct_done(&lists.dio);
	if (dfd >= 0)
		close(dfd);
	if (!err && fsync(fd) != 0)
		err = errno;
	if (close(fd) != 0 && !err)
		err = errno;
	if (!err && rename(tmp, path) != 0)
		err = errno;
	if (err) {
		unlink(tmp);
		return tp_diag_set(d, TP_EIO, "%s: %s", path, strerror(err));
	}
	return TP_OK;
}

static enum tp_err corrupt(struct tp_diag *d, const char *path, const char *what)
{
	return tp_diag_set(d, TP_EPARSE, "%s: damaged graph file (%s); re-import it", path, what);
}

/* Does col (n + 1 entries) rise from 0 to end without stepping back? */
static int ranges_ok(const struct tp_trace_graph *g, const void *col, uint32_t n, uint64_t end)
{
	if (tpg_index(g, col, 0) != 0 || tpg_index(g, col, n) != end)
		return 0;
	for (uint32_t t = 0; t < n; t++)
		if (tpg_index(g, col, t) > tpg_index(g, col, t + 1))
			return 0;
	return 1;
}

static enum tp_err check_utxo(const struct tp_trace_graph *g, const char *path, struct tp_diag *d)
{
	if (g->kind != TP_TRACE_UTXO)
		return g->nout || g->nin ? corrupt(d, path, "outputs on an account chain") : TP_OK;
	if (!ranges_ok(g, g->tx_out, g->ntx, g->nout) || !ranges_ok(g, g->tx_in, g->ntx, g->nin))
		return corrupt(d, path, "transaction ranges");
	for (uint64_t i = 0; i < g->nin; i++)
		if (tpg_in_out(g, i) >= g->nout)
			return corrupt(d, path, "inputs");
	for (uint64_t i = 0; i < g->nout; i++)
		if ((g->out_addr[i] != TPG_NONE && g->out_addr[i] >= g->naddr) ||
		    (g->out_spent[i] != TPG_NONE && g->out_spent[i] >= g->ntx_bound))
			return corrupt(d, path, "outputs");
	return TP_OK;
}

/* UTXO: does each address's list name outputs in rising order? */
static int outputs_ok(const struct tp_trace_graph *g)
{
	for (uint32_t a = 0; a < g->naddr; a++)
		for (uint64_t i = g->acct_off[a]; i < g->acct_off[a + 1]; i++)
			if (g->acct_x[i] >= g->nout ||
			    (i > g->acct_off[a] && g->acct_x[i] <= g->acct_x[i - 1]))
				return 0;
	return 1;
}

/*
 * Account: does every entry name a transfer and a counterparty that
 * exist, and does each address's list hold the native coin's transfers
 * and then each token's, each run in chain order? A transfer is read
 * only where the transfer index drops (a token's run starts): that its
 * entries agree with their transfers is not checked, as a value is not.
 */
static int entries_ok(const struct tp_trace_graph *g)
{
	for (uint32_t a = 0; a < g->naddr; a++) {
		for (uint64_t i = g->acct_off[a]; i < g->acct_off[a + 1]; i++) {
			const struct tpg_acct_ent *e = &g->acct_ent[i], *p = e - 1;
			if (e->x >= g->nxfer || (e->other != TPG_NONE && e->other >= g->naddr) ||
			    ((e->v & TPG_ENT_FULL) && (e->v & TPG_ENT_VALUE)))
				return 0;
			if (i == g->acct_off[a])
				continue;
			int tok = (e->v & TPG_ENT_TOKEN) != 0, ptok = (p->v & TPG_ENT_TOKEN) != 0;
			if (ptok > tok)
				return 0; /* a native transfer after a token's */
			if (e->x <= p->x && tok == ptok &&
			    (!tok || g->xfer[e->x].asset <= g->xfer[p->x].asset))
				return 0;
		}
	}
	return 1;
}

static enum tp_err check_rest(const struct tp_trace_graph *g, const char *path,
			     struct tp_diag *d);

static int lists_ok(const struct tp_trace_graph *g)
{
	if (!g->acct_off)
		return 1;
	if (g->acct_off[0] != 0 || g->acct_off[g->naddr] != g->nacct)
		return 0;
	for (uint32_t a = 0; a < g->naddr; a++)
		if (g->acct_off[a] > g->acct_off[a + 1])
			return 0;
	return g->kind == TP_TRACE_ACCOUNT ? entries_ok(g) : outputs_ok(g);
}

struct lists_check {
	const struct tp_trace_graph *g;
	int ok;
};

static void *lists_thread(void *arg)
{
	struct lists_check *c = arg;
	c->ok = lists_ok(c->g);
	return NULL;
}

/*
 * Every index in the file is checked before a trace may follow it. The
 * address lists, about half of the reading, are checked on a second
 * thread meanwhile (a trace of a large graph starts that much sooner);
 * the first check to fail in the order below names the damage, as on
 * one thread.
 */
static enum tp_err check(const struct tp_trace_graph *g, const char *path, struct tp_diag *d)
{
	struct lists_check lc = {g, 0};
	pthread_t th;
	int threaded = pthread_create(&th, NULL, lists_thread, &lc) == 0;
	enum tp_err e = check_rest(g, path, d);
	if (threaded)
		pthread_join(th, NULL);
	else
		lc.ok = lists_ok(g);
	if (e != TP_OK)
		return e;
	return lc.ok ? TP_OK : corrupt(d, path, "address lists");
}

/* Does a hash table hold only ids up to bound, and an empty slot (where
 * every probe for an absent key stops)? */
static int table_ok(const uint32_t *t, uint32_t cap, uint32_t bound)
{
	uint32_t empty = 0;
	for (uint32_t i = 0; i < cap; i++) {
		if (t[i] > bound)
			return 0;
		empty += t[i] == 0;
	}
	return empty != 0;
}

static enum tp_err check_rest(const struct tp_trace_graph *g, const char *path, struct tp_diag *d)
{
	if (g->addr_len && g->addr_str[g->addr_len - 1] != '\0')
		return corrupt(d, path, "address strings");
	for (uint32_t i = 0; i < g->naddr; i++)
		if (g->addr_off[i] >= g->addr_len)
			return corrupt(d, path, "address offsets");
	if (!table_ok(g->addr_hash, g->addr_hcap, g->naddr_bound))
		return corrupt(d, path, "address hash");
	if (!table_ok(g->tx_hash, g->tx_hcap, g->ntx_bound))
		return corrupt(d, path, "transaction hash");
	for (uint32_t t = 0; t < g->ntx; t++)
		if (g->tx_blk[t] >= g->nblk)
			return corrupt(d, path, "transaction blocks");
	enum tp_err e = check_utxo(g, path, d);
	if (e != TP_OK)
		return e;
	for (uint64_t i = 0; i < g->nxfer; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		if (x->tx >= g->ntx || (x->from != TPG_NONE && x->from >= g->naddr) ||
		    (x->to != TPG_NONE && x->to >= g->naddr) || x->asset > g->naddr ||
		    (x->big && (x->v_lo >= g->nbig || x->v_hi || x->v_top)) || x->kind < TPG_FEE ||
		    x->kind > TPG_TOKEN)
			return corrupt(d, path, "transfers");
		if (i && x->tx < g->xfer[i - 1].tx)
			return corrupt(d, path, "transfer order");
	}
	return TP_OK;
}

/* Copies the header's counts into g and checks them. */
static enum tp_err read_header(struct tp_trace_graph *g, const struct header *h, const char *path,
			       struct tp_diag *d)
{
	memcpy(g->chain, h->chain, sizeof g->chain);
	g->chain[sizeof g->chain - 1] = '\0';
	g->kind = (int)h->kind;
	g->naddr = h->naddr, g->ntx = h->ntx, g->nbig = h->nbig, g->nblk = h->nblk;
	g->addr_hcap = h->addr_hcap, g->tx_hcap = h->tx_hcap;
	g->last_block = h->last_block, g->have_last_block = (int)h->have_last_block;
	tpg_set_wide(g, (h->flags & FLAG_WIDE) != 0);
	g->addr_len = h->addr_len, g->nout = h->nout, g->nin = h->nin, g->nxfer = h->nxfer;
	g->nacct = h->nacct;
	if ((g->kind != TP_TRACE_UTXO && g->kind != TP_TRACE_ACCOUNT) || !g->addr_hcap ||
	    (g->addr_hcap & (g->addr_hcap - 1)) || !g->tx_hcap || (g->tx_hcap & (g->tx_hcap - 1)) ||
	    g->ntx >= TPG_NONE - 1 || (h->flags & ~FLAG_WIDE) ||
	    (!g->wide && (g->nout >= UINT32_MAX || g->nin >= UINT32_MAX)) ||
	    g->nout > UINT64_MAX / 16 || g->nin > UINT64_MAX / 16 || g->nxfer > UINT64_MAX / 64 ||
	    g->nacct > UINT64_MAX / 8)
		return corrupt(d, path, "header");
	return TP_OK;
}

/* Is the header slot at p a valid record of this state (STATE_GRAPH or
 * STATE_PENDING)? */
static int slot_ok(const struct header *p, uint32_t state)
{
	return memcmp(p->magic, MAGIC, 8) == 0 && p->version == VERSION && p->state == state &&
	       p->check == tpg_header_check(p);
}

/*
 * The slot (0 or 1) of the file's state: the valid one with the higher
 * sequence number; -1 when neither is (an older format is named).
 */
static int pick_slot(const char *map, size_t n, const char *path, struct tp_diag *d, enum tp_err *e)
{
	const struct header *a = (const void *)map, *b = (const void *)(map + SLOT_BYTES);
	int va = n >= FIRST_SECTION && slot_ok(a, STATE_GRAPH);
	int vb = n >= FIRST_SECTION && slot_ok(b, STATE_GRAPH);
	if (va || vb)
		return vb && (!va || b->seq > a->seq) ? 1 : 0;
	if (memcmp(a->magic, OLD_MAGIC, 8) == 0 ||
	    (memcmp(a->magic, MAGIC, 8) == 0 && a->version < VERSION))
		*e = tp_diag_set(d, TP_EPARSE,
				 "%s: graph file in an older format (%.8s version %u); delete it "
				 "and import the chain again",
				 path, a->magic, (unsigned)a->version);
	else
		*e = corrupt(d, path, n < FIRST_SECTION ? "too short" : "header");
	return -1;
}

/* Does [off, off + n) lie inside a file of size bytes? */
static int inside(uint64_t off, uint64_t n, uint64_t size)
{
	return off % 64 == 0 && off <= size && n <= size - off;
}

/* Do the sections lie in the file, each its own length, and no two of
 * their places (with their room) or second places overlap? An append
 * writes into them. */
static int bounds_ok(const struct header *h, const struct sect s[NSECT], size_t n)
{
	uint64_t at[2 * NSECT], room[2 * NSECT];
	for (int i = 0; i < NSECT; i++) {
		/* index columns are read 8 bytes at a time (tpg_index): they
		 * must be followed by 4 more bytes of the file */
		int index = i == S_TX_OUT || i == S_TX_IN || i == S_IN;
		if (h->len[i] != s[i].n * s[i].size || h->len[i] > h->cap[i] ||
		    !inside(h->off[i], h->cap[i], n) || !inside(h->alt_off[i], h->alt_cap[i], n) ||
		    (index && h->len[i] && n - h->off[i] - h->len[i] < 4))
			return 0;
		at[2 * i] = h->off[i], room[2 * i] = h->cap[i];
		at[2 * i + 1] = h->alt_off[i], room[2 * i + 1] = h->alt_cap[i];
	}
	for (int i = 0; i < 2 * NSECT; i++) {
		if (room[i] && at[i] < FIRST_SECTION)
			return 0;
		for (int j = i + 1; j < 2 * NSECT && room[i]; j++)
			if (room[j] && at[i] < at[j] + room[j] && at[j] < at[i] + room[i])
				return 0;
	}
	return 1;
}

/* flock, again when a signal interrupts the wait. */
static int lock(int fd, int how)
{
	int rc;
	while ((rc = flock(fd, how)) != 0 && errno == EINTR)
		;
	return rc;
}

enum tp_err tpg_writer_lock(const char *dir, int fds[2], struct tp_diag *d)
{
	char path[4096];
	fds[0] = fds[1] = -1;
	snprintf(path, sizeof path, "%s/graph.lock", dir);
	if ((fds[0] = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 ||
	    lock(fds[0], LOCK_EX) != 0) {
		tpg_writer_unlock(fds);
		return tp_diag_set(d, TP_EIO, "%s: %s", path, strerror(errno));
	}
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	fds[1] = open(path, O_RDONLY | O_CLOEXEC);
	if (fds[1] < 0 && errno == ENOENT)
		return TP_OK; /* a new graph: renamed into place whole */
	if (fds[1] < 0 || lock(fds[1], LOCK_EX) != 0) {
		tpg_writer_unlock(fds);
		return tp_diag_set(d, TP_EIO, "%s: %s", path, strerror(errno));
	}
	return TP_OK;
}

void tpg_writer_unlock(int fds[2])
{
	for (int i = 0; i < 2; i++)
		if (fds[i] >= 0) {
			close(fds[i]);
			fds[i] = -1;
		}
}

/* Opens DIR/graph.tpg; with `shared`, holds a shared flock on it until the
 * graph is freed. */
static enum tp_err open_graph(const char *dir, int shared, struct tp_trace_graph **out,
			      struct tp_diag *d)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return tp_diag_set(d, errno == ENOENT ? TP_ENOTFOUND : TP_EIO,
				   "%s: %s (import a chain with 'tripact trace import')", path,
				   strerror(errno));
	if (shared && lock(fd, LOCK_SH) != 0) {
		enum tp_err le = tp_diag_set(d, TP_EIO, "%s: flock: %s", path, strerror(errno));
		close(fd);
		return le;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < SLOT_BYTES) {
		close(fd);
		return corrupt(d, path, "too short");
	}
	size_t n = (size_t)st.st_size;
	void *map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		enum tp_err me = tp_diag_set(d, TP_EIO, "%s: mmap: %s", path, strerror(errno));
		close(fd);
		return me;
	}
	struct tp_trace_graph *g = calloc(1, sizeof *g);
	if (!g) {
		munmap(map, n);
		close(fd);
		return TP_ENOMEM;
	}
	if (shared) {
		g->lock_fd = fd;
	} else {
		g->lock_fd = -1;
		close(fd);
	}
	g->map = map;
	g->maplen = n;
	enum tp_err e = TP_OK;
	char *base = map;
	g->slot = pick_slot(base, n, path, d, &e);
	if (g->slot < 0)
		goto fail;
	const struct header *h = (const void *)(base + (size_t)g->slot * SLOT_BYTES);
	if ((e = read_header(g, h, path, d)) != TP_OK)
		goto fail;
	/* a pending record newer than the state: that append did not finish */
	const struct header *p = (const void *)(base + SLOT_PENDING * SLOT_BYTES);
	int pending = slot_ok(p, STATE_PENDING) && p->seq > h->seq;
	g->ntx_bound = pending && p->ntx > g->ntx ? p->ntx : g->ntx;
	g->naddr_bound = pending && p->naddr > g->naddr ? p->naddr : g->naddr;
	struct sect s[NSECT];
	tpg_sections(g, s);
	if (!bounds_ok(h, s, n)) {
		e = corrupt(d, path, "section bounds");
		goto fail;
	}
	for (int i = 0; i < NSECT; i++)
		*s[i].p = h->len[i] ? base + h->off[i] : NULL;
	if ((e = check(g, path, d)) != TP_OK)
		goto fail;
	*out = g;
	return TP_OK;
fail:
	tp_trace_graph_free(g);
	return e;
}

enum tp_err tp_trace_graph_open(const char *dir, struct tp_trace_graph **out, struct tp_diag *d)
{
	return open_graph(dir, 1, out, d);
}

enum tp_err tpg_open_unlocked(const char *dir, struct tp_trace_graph **out, struct tp_diag *d)
{
	return open_graph(dir, 0, out, d);
}

/* Clears what an append that did not finish left (ids past the counts):
 * the next append adds those ids again. */
static void clear_not_yet(struct tp_trace_graph *g)
{
	if (g->ntx_bound > g->ntx || g->naddr_bound > g->naddr)
		tpg_tables_rebuild(g);
	for (uint64_t o = 0; g->ntx_bound > g->ntx && o < g->nout; o++)
		if (g->out_spent[o] != TPG_NONE && g->out_spent[o] >= g->ntx)
			g->out_spent[o] = TPG_NONE;
	g->ntx_bound = g->ntx;
	g->naddr_bound = g->naddr;
}

enum tp_err tpg_make_mutable(struct tp_trace_graph *g)
{
	if (!g->map || g->mutable_)
		return TP_OK;
	/* private: what the append changes stays in memory (copied a page at
	 * a time as it is written) until tpg_append_save writes it */
	if (mprotect(g->map, g->maplen, PROT_READ | PROT_WRITE) != 0)
		return TP_EIO;
	const struct header *h = (const void *)((char *)g->map + (size_t)g->slot * SLOT_BYTES);
	struct sect s[NSECT];
	tpg_sections(g, s);
	/* the address lists are rebuilt when saved */
	g->acct_off = NULL;
	g->acct_x = NULL;
	g->acct_ent = NULL;
	g->nacct = 0;
	/* a group of columns shares one capacity: the room of its tightest
	 * section, less the spare entry tpg_index() reads (grow_cols()) */
	for (int i = 0; i < NSECT; i++)
		if (s[i].cap)
			*s[i].cap = UINT64_MAX;
	for (int i = 0; i < NSECT; i++) {
		if (!s[i].cap || ((i == S_TX_OUT || i == S_TX_IN) && !*s[i].p && !s[i].n))
			continue; /* lists, hash tables; ranges of an account chain */
		uint64_t room = *s[i].p ? h->cap[i] / s[i].size : 0;
		int group =
			s[i].cap == &g->cap_tx || s[i].cap == &g->cap_out || s[i].cap == &g->cap_in;
		if (group && room)
			room--;
		if (room < *s[i].cap)
			*s[i].cap = room;
	}
	for (int i = 0; i < NSECT; i++) {
		if (s[i].cap && *s[i].cap == UINT64_MAX)
			*s[i].cap = 0;
		/* growing copies cap entries (+ 1 in a group): all it holds */
		if (s[i].cap && *s[i].cap + (i == S_TX_OUT || i == S_TX_IN) < s[i].n)
			return TP_EPARSE;
	}
	clear_not_yet(g);
	/* no hash tags yet: an append of a few blocks is cheaper without
	 * (tag_hashes() in graph.c) */
	g->tag_at = g->ntx + g->ntx / 8;
	g->mutable_ = 1;
	return TP_OK;
}

void tp_trace_graph_info(const struct tp_trace_graph *g, struct tp_trace_graph_info *out)
{
	out->chain = g->chain;
	out->kind = g->kind;
	out->addresses = g->naddr;
	out->txs = g->ntx;
	out->inputs = g->nin;
	out->outputs = g->nout;
	out->transfers = g->nxfer;
	out->last_block = g->last_block;
	/* the bytes it holds: a section's spare room is a hole of the file */
	uint64_t core, dict;
	tpg_sizes(g, &core, &dict);
	out->file_bytes = g->map ? FIRST_SECTION + core + dict : 0;
}

const char *tp_trace_graph_address(const struct tp_trace_graph *g, uint64_t i)
{
	return i < g->naddr ? tpg_addr(g, (uint32_t)i) : NULL;
}
