/*
 * The trace graph file DIR/graph.tpg: written atomically, mapped
 * read-only, checked when opened (layout in docs/internals/trace-graph.md).
 *
 * A fixed header is followed by sections, each 64-byte aligned, holding
 * exactly the columns of struct tp_trace_graph: first the core graph a
 * trace reads per hop, then the dictionaries (txids, addresses) read only
 * to resolve seeds and print results. Opening checks every section's
 * bounds and every stored index, so a damaged file is an error, never a
 * wild read. Both hash tables are stored, so a trace needs no rebuild.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph.h"

#define MAGIC	  "TPGRAPH2"
#define OLD_MAGIC "TPGRAPH1" /* row layout, 136 bytes per transaction */
#define VERSION	  3
#define FLAG_WIDE 1u

enum {
	/* core graph */
	S_TX_OUT,
	S_TX_IN,
	S_TX_BLK,
	S_BLK,
	S_OUT_VALUE,
	S_OUT_ADDR,
	S_OUT_SPENT,
	S_IN,
	S_XFER,
	S_BIG,
	S_ACCT_OFF,
	S_ACCT_X,
	/* dictionaries */
	S_TXID,
	S_TX_HASH,
	S_ADDR_STR,
	S_ADDR_OFF,
	S_ADDR_HASH,
	NSECT
};
#define NCORE S_TXID

struct header {
	char magic[8];
	uint32_t version, kind;
	char chain[16];
	uint32_t naddr, ntx, nbig, addr_hcap, tx_hcap, last_block, have_last_block, flags;
	uint32_t nblk, pad;
	uint64_t addr_len, nout, nin, nxfer, nacct;
	uint64_t off[NSECT], len[NSECT];
};

/* One column as stored: where the graph keeps it, entries, entry size,
 * and (while mutable) the capacity its group of columns shares. */
struct sect {
	void **p;
	uint64_t n;
	size_t size;
	uint64_t *cap;
};

static void sections(struct tp_trace_graph *g, struct sect s[NSECT])
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
	s[S_ACCT_X] = (struct sect){(void **)&g->acct_x, g->nacct, sizeof *g->acct_x, NULL};
	s[S_TXID] = (struct sect){(void **)&g->txid, ntx, sizeof *g->txid, &g->cap_tx};
	s[S_TX_HASH] = (struct sect){(void **)&g->tx_hash, g->tx_hcap, sizeof *g->tx_hash, NULL};
	s[S_ADDR_STR] = (struct sect){(void **)&g->addr_str, g->addr_len, 1, &g->cap_str};
	s[S_ADDR_OFF] =
		(struct sect){(void **)&g->addr_off, naddr, sizeof *g->addr_off, &g->cap_addr};
	s[S_ADDR_HASH] =
		(struct sect){(void **)&g->addr_hash, g->addr_hcap, sizeof *g->addr_hash, NULL};
}

void tpg_sizes(const struct tp_trace_graph *g, uint64_t *core, uint64_t *dict)
{
	struct sect s[NSECT];
	/* sections() takes the fields' addresses only: g is not written */
	sections((struct tp_trace_graph *)g, s);
	*core = *dict = 0;
	for (int i = 0; i < NSECT; i++)
		*(i < NCORE ? core : dict) += s[i].n * s[i].size;
}

/*
 * The per-address lists (a counting sort by address): the transfers of
 * each address (account) or the outputs paid to it (UTXO; skipped past
 * 2^32 outputs, when seeds are found by a scan instead). count_lists()
 * counts and allocates, so the file's layout is known; fill_lists(), which
 * cannot fail, fills them while the other sections are being written.
 */
static enum tp_err count_lists(struct tp_trace_graph *g)
{
	free(g->acct_off);
	free(g->acct_x);
	g->acct_off = NULL;
	g->acct_x = NULL;
	g->nacct = 0;
	int account = g->kind == TP_TRACE_ACCOUNT;
	uint64_t items = account ? g->nxfer : g->nout;
	if (items >= UINT32_MAX)
		return account ? TP_ELIMIT : TP_OK;
	if (!account && items == 0)
		return TP_OK;
	uint64_t *off = calloc((size_t)g->naddr + 2, sizeof *off);
	if (!off)
		return TP_ENOMEM;
	for (uint64_t i = 0; !account && i < g->nout; i++)
		if (g->out_addr[i] != TPG_NONE)
			off[g->out_addr[i] + 2]++;
	for (uint64_t i = 0; account && i < g->nxfer; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		if (x->from != TPG_NONE)
			off[x->from + 2]++;
		if (x->to != TPG_NONE && x->to != x->from)
			off[x->to + 2]++;
	}
	for (uint64_t a = 2; a < (uint64_t)g->naddr + 2; a++)
		off[a] += off[a - 1];
	uint64_t n = off[g->naddr + 1];
	uint32_t *list = malloc((n ? n : 1) * sizeof *list);
	if (!list) {
		free(off);
		return TP_ENOMEM;
	}
	g->acct_off = off;
	g->acct_x = list;
	g->nacct = n;
	return TP_OK;
}

static void fill_lists(struct tp_trace_graph *g)
{
	uint64_t *off = g->acct_off;
	uint32_t *list = g->acct_x;
	int account = g->kind == TP_TRACE_ACCOUNT;
	if (!off)
		return;
	/* off[a + 1] is the fill cursor of address a; afterwards off[a] its start */
	for (uint64_t i = 0; !account && i < g->nout; i++)
		if (g->out_addr[i] != TPG_NONE)
			list[off[g->out_addr[i] + 1]++] = (uint32_t)i;
	for (uint64_t i = 0; account && i < g->nxfer; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		if (x->from != TPG_NONE)
			list[off[x->from + 1]++] = (uint32_t)i;
		if (x->to != TPG_NONE && x->to != x->from)
			list[off[x->to + 1]++] = (uint32_t)i;
	}
}

static int pwrite_all(int fd, const void *p, uint64_t n, uint64_t at)
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
	const struct header *h;
	const struct sect *s;
	int first, last;
	int err;
};

/* Writes w's sections, each with the zeros that pad it from the end of the
 * one before; 0 or an errno. */
static int write_sections(struct writer *w)
{
	static const char zeros[64];
	int err = 0;
	for (int i = w->first; i < w->last && !err; i++) {
		uint64_t at = i ? w->h->off[i - 1] + w->h->len[i - 1] : sizeof *w->h;
		err = pwrite_all(w->fd, zeros, w->h->off[i] - at, at);
		if (!err && w->h->len[i])
			err = pwrite_all(w->fd, *w->s[i].p, w->h->len[i], w->h->off[i]);
		/* start the disk writes of this section while the next is
		 * copied, so the fsync has less left to wait for */
		if (!err)
			(void)sync_file_range(w->fd, (off_t)at,
					      (off_t)(w->h->off[i] + w->h->len[i] - at),
					      SYNC_FILE_RANGE_WRITE);
	}
	return err;
}

/* The header and every section but the lists, written beside fill_lists(). */
static void *write_thread(void *arg)
{
	struct writer *w = arg;
	w->err = pwrite_all(w->fd, w->h, sizeof *w->h, 0);
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
static void remove_stale_tmp(const char *dir)
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
	remove_stale_tmp(dir);
	enum tp_err be = count_lists(g);
	if (be != TP_OK)
		return tp_diag_set(d, be,
				   be == TP_ELIMIT ? "more than 2^32 transfers in one graph"
						   : "out of memory");
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	struct header h = {0};
	memcpy(h.magic, MAGIC, 8);
	h.version = VERSION;
	h.kind = (uint32_t)g->kind;
	memcpy(h.chain, g->chain, sizeof h.chain);
	h.naddr = g->naddr, h.ntx = g->ntx, h.nbig = g->nbig, h.nblk = g->nblk;
	h.addr_hcap = g->addr_hcap, h.tx_hcap = g->tx_hcap;
	h.last_block = g->last_block, h.have_last_block = (uint32_t)g->have_last_block;
	h.flags = g->wide ? FLAG_WIDE : 0;
	h.addr_len = g->addr_len, h.nout = g->nout, h.nin = g->nin, h.nxfer = g->nxfer;
	h.nacct = g->nacct;
	struct sect s[NSECT];
	sections(g, s);
	uint64_t off = (sizeof h + 63) & ~(uint64_t)63;
	for (int i = 0; i < NSECT; i++) {
		h.off[i] = off;
		h.len[i] = s[i].n * s[i].size;
		off = (off + h.len[i] + 63) & ~(uint64_t)63;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		int e = errno;
		fill_lists(g);
		return tp_diag_set(d, TP_EIO, "%s: %s", tmp, strerror(e));
	}
	struct writer rest = {.fd = fd, .h = &h, .s = s};
	pthread_t th;
	int threaded = pthread_create(&th, NULL, write_thread, &rest) == 0;
	fill_lists(g);
	if (!threaded)
		write_thread(&rest);
	/* the lists' bytes do not overlap the thread's: both write at once */
	struct writer lists = {.fd = fd, .h = &h, .s = s, .first = S_ACCT_OFF, .last = S_TXID};
	int err = write_sections(&lists);
	if (threaded)
		pthread_join(th, NULL);
	if (rest.err)
		err = rest.err;
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
		    (g->out_spent[i] != TPG_NONE && g->out_spent[i] >= g->ntx))
			return corrupt(d, path, "outputs");
	return TP_OK;
}

static enum tp_err check(const struct tp_trace_graph *g, const char *path, struct tp_diag *d)
{
	if (g->addr_len && g->addr_str[g->addr_len - 1] != '\0')
		return corrupt(d, path, "address strings");
	for (uint32_t i = 0; i < g->naddr; i++)
		if (g->addr_off[i] >= g->addr_len)
			return corrupt(d, path, "address offsets");
	for (uint32_t i = 0; i < g->addr_hcap; i++)
		if (g->addr_hash[i] > g->naddr)
			return corrupt(d, path, "address hash");
	for (uint32_t i = 0; i < g->tx_hcap; i++)
		if (g->tx_hash[i] > g->ntx)
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
	if (g->acct_off) {
		uint64_t items = g->kind == TP_TRACE_ACCOUNT ? g->nxfer : g->nout;
		if (g->acct_off[0] != 0 || g->acct_off[g->naddr] != g->nacct)
			return corrupt(d, path, "address lists");
		for (uint32_t a = 0; a < g->naddr; a++)
			if (g->acct_off[a] > g->acct_off[a + 1])
				return corrupt(d, path, "address lists");
		for (uint32_t a = 0; a < g->naddr; a++)
			for (uint64_t i = g->acct_off[a]; i < g->acct_off[a + 1]; i++)
				if (g->acct_x[i] >= items ||
				    (i > g->acct_off[a] && g->acct_x[i] <= g->acct_x[i - 1]))
					return corrupt(d, path, "address lists");
	}
	return TP_OK;
}

/* Copies the header's counts into g and checks them. */
static enum tp_err read_header(struct tp_trace_graph *g, const struct header *h, const char *path,
			       struct tp_diag *d)
{
	if (memcmp(h->magic, OLD_MAGIC, 8) == 0)
		return tp_diag_set(d, TP_EPARSE,
				   "%s: graph file in an older format (%.8s); delete it and "
				   "import the chain again",
				   path, OLD_MAGIC);
	if (memcmp(h->magic, MAGIC, 8) != 0 || h->version != VERSION)
		return corrupt(d, path, "not a tripact graph of this version");
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

enum tp_err tp_trace_graph_open(const char *dir, struct tp_trace_graph **out, struct tp_diag *d)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return tp_diag_set(d, errno == ENOENT ? TP_ENOTFOUND : TP_EIO,
				   "%s: %s (import a chain with 'tripact trace import')", path,
				   strerror(errno));
	struct stat st;
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < sizeof(struct header)) {
		close(fd);
		return corrupt(d, path, "too short");
	}
	size_t n = (size_t)st.st_size;
	void *map = mmap(NULL, n, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return tp_diag_set(d, TP_EIO, "%s: mmap: %s", path, strerror(errno));
	const struct header *h = map;
	struct tp_trace_graph *g = calloc(1, sizeof *g);
	if (!g) {
		munmap(map, n);
		return TP_ENOMEM;
	}
	g->map = map;
	g->maplen = n;
	enum tp_err e = read_header(g, h, path, d);
	if (e != TP_OK)
		goto fail;
	struct sect s[NSECT];
	sections(g, s);
	char *base = map;
	for (int i = 0; i < NSECT; i++) {
		/* index columns are read 8 bytes at a time (tpg_index): they
		 * must be followed by 4 more bytes of the file */
		int index = i == S_TX_OUT || i == S_TX_IN || i == S_IN;
		if (h->len[i] != s[i].n * s[i].size || h->off[i] % 64 || h->off[i] > n ||
		    h->len[i] > n - h->off[i] ||
		    (index && h->len[i] && n - h->off[i] - h->len[i] < 4)) {
			e = corrupt(d, path, "section bounds");
			goto fail;
		}
		*s[i].p = h->len[i] ? base + h->off[i] : NULL;
	}
	if ((e = check(g, path, d)) != TP_OK)
		goto fail;
	*out = g;
	return TP_OK;
fail:
	tp_trace_graph_free(g);
	return e;
}

enum tp_err tpg_make_mutable(struct tp_trace_graph *g)
{
	if (!g->map)
		return TP_OK;
	struct sect s[NSECT];
	sections(g, s);
	void *map = g->map;
	size_t maplen = g->maplen;
	g->map = NULL;
	/* the address lists are rebuilt when saved */
	s[S_ACCT_OFF].n = s[S_ACCT_X].n = 0;
	g->acct_off = NULL;
	g->acct_x = NULL;
	g->nacct = 0;
	/* a group of columns shares one capacity: its longest column's length */
	for (int i = 0; i < NSECT; i++)
		if (s[i].cap)
			*s[i].cap = 0;
	for (int i = 0; i < NSECT; i++)
		if (s[i].cap && s[i].n > *s[i].cap)
			*s[i].cap = s[i].n;
	enum tp_err e = TP_OK;
	int done = 0;
	for (; done < NSECT; done++) {
		struct sect *c = &s[done];
		uint64_t keep = c->cap ? *c->cap : c->n;
		int absent = !*c->p && !c->n; /* e.g. tx_out on an account chain */
		/* a spare entry, as the builder keeps (tpg_index) */
		void *q = absent ? NULL : malloc((keep + 1) * c->size);
		if (!absent && !q) {
			e = TP_ENOMEM;
			break;
		}
		if (c->n)
			memcpy(q, *c->p, c->n * c->size);
		*c->p = q;
	}
	if (e != TP_OK) {
		/* the half-copied graph cannot be freed safely: drop every column */
		for (int i = 0; i < NSECT; i++) {
			if (i < done)
				free(*s[i].p);
			*s[i].p = NULL;
		}
		munmap(map, maplen);
		return e;
	}
	munmap(map, maplen);
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
	out->file_bytes = g->maplen;
}

const char *tp_trace_graph_address(const struct tp_trace_graph *g, uint64_t i)
{
	return i < g->naddr ? tpg_addr(g, (uint32_t)i) : NULL;
}
