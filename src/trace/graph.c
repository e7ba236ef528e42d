/*
 * The trace graph: growable arrays while importing, one read-only mmap
 * of DIR/graph.tpg while tracing (layout in docs/internals/trace-graph.md).
 *
 * The file is a fixed header followed by sections, each 64-byte aligned,
 * holding exactly the arrays of struct tp_trace_graph. Opening checks
 * every section's bounds and every stored index, so a damaged file is an
 * error, never a wild read. Both hash tables (addresses, transaction ids)
 * are stored too, so a trace needs no rebuild step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "graph.h"

#define MAGIC "TPGRAPH1"
#define VERSION 2

enum {
	S_ADDR_STR,
	S_ADDR_OFF,
	S_ADDR_HASH,
	S_TX,
	S_TXID,
	S_TX_HASH,
	S_OUT,
	S_IN,
	S_XFER,
	S_BIG,
	S_ACCT_OFF,
	S_ACCT_X,
	NSECT
};

struct header {
	char magic[8];
	uint32_t version, kind;
	char chain[16];
	uint32_t naddr, ntx, nbig, addr_hcap, tx_hcap, last_block, have_last_block, pad;
	uint64_t addr_len, nout, nin, nxfer, nacct;
	uint64_t off[NSECT], len[NSECT];
};

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

static enum tp_err grow(void **p, uint64_t *cap, uint64_t need, size_t size)
{
	if (need <= *cap)
		return TP_OK;
	uint64_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	if (n > SIZE_MAX / size)
		return TP_ENOMEM;
	void *q = realloc(*p, n * size);
	if (!q)
		return TP_ENOMEM;
	*p = q;
	*cap = n;
	return TP_OK;
}

enum tp_err tpg_new(const char *chain, int kind, struct tp_trace_graph **out)
{
	struct tp_trace_graph *g = calloc(1, sizeof *g);
	if (!g)
		return TP_ENOMEM;
	snprintf(g->chain, sizeof g->chain, "%s", chain);
	g->kind = kind;
	g->mutable_ = 1;
	g->tx = calloc(1, sizeof *g->tx); /* the sentinel */
	g->addr_hcap = 1024;
	g->tx_hcap = 1024;
	g->addr_hash = calloc(g->addr_hcap, sizeof *g->addr_hash);
	g->tx_hash = calloc(g->tx_hcap, sizeof *g->tx_hash);
	g->tx_tag = calloc(g->tx_hcap, sizeof *g->tx_tag);
	g->cap_tx = 1;
	if (!g->tx || !g->addr_hash || !g->tx_hash || !g->tx_tag) {
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
	if (g->map) {
		munmap(g->map, g->maplen);
	} else {
		free(g->addr_str);
		free(g->addr_off);
		free(g->addr_hash);
		free(g->tx);
		free(g->txid);
		free(g->tx_hash);
		free(g->tx_tag);
		free(g->out);
		free(g->in);
		free(g->xfer);
		free(g->bigv);
		free(g->acct_off);
		free(g->acct_x);
	}
	free(g);
}

uint32_t tpg_addr_find(const struct tp_trace_graph *g, const char *s, size_t len)
{
	uint32_t mask = g->addr_hcap - 1;
	for (uint32_t i = (uint32_t)hash_bytes(s, len) & mask;; i = (i + 1) & mask) {
		uint32_t v = g->addr_hash[i];
		if (v == 0)
			return TPG_NONE;
		const char *a = g->addr_str + g->addr_off[v - 1];
		if (strncmp(a, s, len) == 0 && a[len] == '\0')
			return v - 1;
	}
}

static enum tp_err rehash_addr(struct tp_trace_graph *g)
{
	uint32_t cap = g->addr_hcap * 2;
	uint32_t *h = calloc(cap, sizeof *h);
	if (!h)
		return TP_ENOMEM;
	for (uint32_t id = 0; id < g->naddr; id++) {
		const char *a = g->addr_str + g->addr_off[id];
		uint32_t i = (uint32_t)hash_bytes(a, strlen(a)) & (cap - 1);
		while (h[i])
			i = (i + 1) & (cap - 1);
		h[i] = id + 1;
	}
	free(g->addr_hash);
	g->addr_hash = h;
	g->addr_hcap = cap;
	return TP_OK;
}

enum tp_err tpg_addr_intern(struct tp_trace_graph *g, const char *s, size_t len, uint32_t *id)
{
	uint32_t found = tpg_addr_find(g, s, len);
	if (found != TPG_NONE) {
		*id = found;
		return TP_OK;
	}
	return tpg_addr_append(g, s, len, id);
}

enum tp_err tpg_addr_append(struct tp_trace_graph *g, const char *s, size_t len, uint32_t *id)
{
	if (memchr(s, '\0', len) || g->naddr >= TPG_NONE - 1)
		return TP_EINVAL;
	if ((uint64_t)(g->naddr + 1) * 2 > g->addr_hcap && rehash_addr(g) != TP_OK)
		return TP_ENOMEM;
	if (grow((void **)&g->addr_off, &g->cap_addr, g->naddr + 1, sizeof *g->addr_off) ||
	    grow((void **)&g->addr_str, &g->cap_str, g->addr_len + len + 1, 1))
		return TP_ENOMEM;
	memcpy(g->addr_str + g->addr_len, s, len);
	g->addr_str[g->addr_len + len] = '\0';
	g->addr_off[g->naddr] = g->addr_len;
	g->addr_len += len + 1;
	uint32_t mask = g->addr_hcap - 1;
	uint32_t i = (uint32_t)hash_bytes(s, len) & mask;
	while (g->addr_hash[i])
		i = (i + 1) & mask;
	g->addr_hash[i] = g->naddr + 1;
	*id = g->naddr++;
	return TP_OK;
}

uint32_t tpg_tx_find(const struct tp_trace_graph *g, const uint8_t *id, size_t len)
{
	if (len != 32)
		return TPG_NONE;
	uint32_t mask = g->tx_hcap - 1;
	uint64_t h = hash_txid(id);
	uint32_t tag = (uint32_t)(h >> 32);
	for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
		uint32_t v = g->tx_hash[i];
		if (v == 0)
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

/* Fills tx_tag from tx_hash (a graph made mutable from its file). */
static enum tp_err tag_tx(struct tp_trace_graph *g)
{
	uint32_t *t = calloc(g->tx_hcap, sizeof *t);
	if (!t)
		return TP_ENOMEM;
	for (uint32_t i = 0; i < g->tx_hcap; i++)
		if (g->tx_hash[i])
			t[i] = (uint32_t)(hash_txid(g->txid[g->tx_hash[i] - 1]) >> 32);
	free(g->tx_tag);
	g->tx_tag = t;
	return TP_OK;
}

static enum tp_err rehash_tx(struct tp_trace_graph *g)
{
	uint32_t cap = g->tx_hcap * 2;
	uint32_t *h = calloc(cap, sizeof *h), *tag = calloc(cap, sizeof *tag);
	if (!h || !tag) {
		free(h);
		free(tag);
		return TP_ENOMEM;
	}
	for (uint32_t t = 0; t < g->ntx; t++) {
		uint64_t x = hash_txid(g->txid[t]);
		uint32_t i = (uint32_t)x & (cap - 1);
		while (h[i])
			i = (i + 1) & (cap - 1);
		h[i] = t + 1;
		tag[i] = (uint32_t)(x >> 32);
	}
	free(g->tx_hash);
	free(g->tx_tag);
	g->tx_hash = h;
	g->tx_tag = tag;
	g->tx_hcap = cap;
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
	if ((uint64_t)(g->ntx + 1) * 2 > g->tx_hcap && rehash_tx(g) != TP_OK)
		return TP_ENOMEM;
	uint64_t cap_id = g->cap_tx;
	if (grow((void **)&g->tx, &g->cap_tx, g->ntx + 2, sizeof *g->tx))
		return TP_ENOMEM;
	if (g->cap_tx != cap_id || !g->txid) {
		void *q = realloc(g->txid, g->cap_tx * sizeof *g->txid);
		if (!q)
			return TP_ENOMEM;
		g->txid = q;
	}
	struct tpg_tx *t = &g->tx[g->ntx];
	t->time = time;
	t->block = block;
	t->first_in = (uint32_t)g->nin;
	t->first_out = g->nout;
	memcpy(g->txid[g->ntx], id, 32);
	uint32_t mask = g->tx_hcap - 1;
	uint64_t h = hash_txid(id);
	uint32_t i = (uint32_t)h & mask;
	while (g->tx_hash[i])
		i = (i + 1) & mask;
	g->tx_hash[i] = g->ntx + 1;
	g->tx_tag[i] = (uint32_t)(h >> 32);
	*tx = g->ntx++;
	tpg_seal(g);
	if (!g->have_last_block || block > g->last_block)
		g->last_block = block;
	g->have_last_block = 1;
	return TP_OK;
}

void tpg_seal(struct tp_trace_graph *g)
{
	struct tpg_tx *end = &g->tx[g->ntx];
	end->time = 0;
	end->block = 0;
	end->first_in = (uint32_t)g->nin;
	end->first_out = g->nout;
}

enum tp_err tpg_out_add(struct tp_trace_graph *g, uint64_t value, uint32_t addr)
{
	if (grow((void **)&g->out, &g->cap_out, g->nout + 1, sizeof *g->out))
		return TP_ENOMEM;
	g->out[g->nout++] = (struct tpg_out){value, addr, TPG_NONE};
	tpg_seal(g);
	return TP_OK;
}

enum tp_err tpg_in_add(struct tp_trace_graph *g, uint64_t out)
{
	if (g->nin >= UINT32_MAX - 1)
		return TP_ELIMIT;
	if (grow((void **)&g->in, &g->cap_in, g->nin + 1, sizeof *g->in))
		return TP_ENOMEM;
	g->in[g->nin++] = out;
	tpg_seal(g);
	return TP_OK;
}

enum tp_err tpg_xfer_add(struct tp_trace_graph *g, uint32_t tx, uint32_t from, uint32_t to,
			 uint32_t asset, const struct tp_u256 *value, uint32_t kind)
{
	if (grow((void **)&g->xfer, &g->cap_xfer, g->nxfer + 1, sizeof *g->xfer))
		return TP_ENOMEM;
	struct tpg_xfer x = {tx, from, to, asset, 0, 0, kind};
	if (!tp_u256_to_u64(value, &x.value)) {
		if (g->nbig >= UINT32_MAX - 1)
			return TP_ELIMIT;
		if (grow((void **)&g->bigv, &g->cap_big, (uint64_t)g->nbig + 1, sizeof *g->bigv))
			return TP_ENOMEM;
		g->bigv[g->nbig] = *value;
		x.value = g->nbig++;
		x.big = 1;
	}
	g->xfer[g->nxfer++] = x;
	return TP_OK;
}

void tpg_xfer_value(const struct tp_trace_graph *g, const struct tpg_xfer *x, struct tp_u256 *v)
{
	if (x->big)
		*v = g->bigv[x->value];
	else
		tp_u256_from_u64(v, x->value);
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

/* ---- the file ------------------------------------------------------- */

static void sections(const struct tp_trace_graph *g, const void *ptr[NSECT], uint64_t len[NSECT])
{
	ptr[S_ADDR_STR] = g->addr_str, len[S_ADDR_STR] = g->addr_len;
	ptr[S_ADDR_OFF] = g->addr_off, len[S_ADDR_OFF] = (uint64_t)g->naddr * sizeof *g->addr_off;
	ptr[S_ADDR_HASH] = g->addr_hash,
	len[S_ADDR_HASH] = (uint64_t)g->addr_hcap * sizeof *g->addr_hash;
	ptr[S_TX] = g->tx, len[S_TX] = ((uint64_t)g->ntx + 1) * sizeof *g->tx;
	ptr[S_TXID] = g->txid, len[S_TXID] = (uint64_t)g->ntx * sizeof *g->txid;
	ptr[S_TX_HASH] = g->tx_hash, len[S_TX_HASH] = (uint64_t)g->tx_hcap * sizeof *g->tx_hash;
	ptr[S_OUT] = g->out, len[S_OUT] = g->nout * sizeof *g->out;
	ptr[S_IN] = g->in, len[S_IN] = g->nin * sizeof *g->in;
	ptr[S_XFER] = g->xfer, len[S_XFER] = g->nxfer * sizeof *g->xfer;
	ptr[S_BIG] = g->bigv, len[S_BIG] = (uint64_t)g->nbig * sizeof *g->bigv;
	ptr[S_ACCT_OFF] = g->acct_off;
	len[S_ACCT_OFF] = g->kind == TP_TRACE_ACCOUNT || g->nacct
				  ? ((uint64_t)g->naddr + 1) * sizeof *g->acct_off
				  : 0;
	ptr[S_ACCT_X] = g->acct_x, len[S_ACCT_X] = g->nacct * sizeof *g->acct_x;
}

/*
 * Builds the per-address lists (a counting sort by address): the
 * transfers of each address (account) or the outputs paid to it (UTXO;
 * skipped past 2^32 outputs, when seeds are found by a scan instead).
 */
static enum tp_err build_lists(struct tp_trace_graph *g)
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
		if (g->out[i].addr != TPG_NONE)
			off[g->out[i].addr + 2]++;
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
	/* off[a + 1] is the fill cursor of address a; afterwards off[a] its start */
	for (uint64_t i = 0; !account && i < g->nout; i++)
		if (g->out[i].addr != TPG_NONE)
			list[off[g->out[i].addr + 1]++] = (uint32_t)i;
	for (uint64_t i = 0; account && i < g->nxfer; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		if (x->from != TPG_NONE)
			list[off[x->from + 1]++] = (uint32_t)i;
		if (x->to != TPG_NONE && x->to != x->from)
			list[off[x->to + 1]++] = (uint32_t)i;
	}
	g->acct_off = off;
	g->acct_x = list;
	g->nacct = n;
	return TP_OK;
}

static int write_all(int fd, const void *p, uint64_t n)
{
	const char *c = p;
	while (n) {
		ssize_t w = write(fd, c, n > (1u << 30) ? (1u << 30) : n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		n -= (uint64_t)w;
	}
	return 0;
}

enum tp_err tpg_save(struct tp_trace_graph *g, const char *dir, struct tp_diag *d)
{
	enum tp_err be = build_lists(g);
	if (be != TP_OK)
		return tp_diag_set(d, be, be == TP_ELIMIT ? "more than 2^32 transfers in one graph"
							  : "out of memory");
	char path[4096], tmp[4200];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	struct header h = {0};
	memcpy(h.magic, MAGIC, 8);
	h.version = VERSION;
	h.kind = (uint32_t)g->kind;
	memcpy(h.chain, g->chain, sizeof h.chain);
	h.naddr = g->naddr, h.ntx = g->ntx, h.nbig = g->nbig;
	h.addr_hcap = g->addr_hcap, h.tx_hcap = g->tx_hcap;
	h.last_block = g->last_block, h.have_last_block = (uint32_t)g->have_last_block;
	h.addr_len = g->addr_len, h.nout = g->nout, h.nin = g->nin, h.nxfer = g->nxfer;
	h.nacct = g->nacct;
	const void *ptr[NSECT];
	uint64_t len[NSECT];
	sections(g, ptr, len);
	uint64_t off = (sizeof h + 63) & ~(uint64_t)63;
	for (int i = 0; i < NSECT; i++) {
		h.off[i] = off;
		h.len[i] = len[i];
		off = (off + len[i] + 63) & ~(uint64_t)63;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return tp_diag_set(d, TP_EIO, "%s: %s", tmp, strerror(errno));
	static const char zeros[64];
	int bad = write_all(fd, &h, sizeof h);
	uint64_t at = sizeof h;
	for (int i = 0; i < NSECT && !bad; i++) {
		bad = write_all(fd, zeros, h.off[i] - at) || (len[i] && write_all(fd, ptr[i], len[i]));
		at = h.off[i] + len[i];
	}
	if (!bad)
		bad = fsync(fd);
	if (close(fd) != 0 || bad || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		return tp_diag_set(d, TP_EIO, "%s: %s", path, strerror(e));
	}
	return TP_OK;
}

static enum tp_err corrupt(struct tp_diag *d, const char *path, const char *what)
{
	return tp_diag_set(d, TP_EPARSE, "%s: damaged graph file (%s); re-import it", path, what);
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
		if (g->tx[t].first_in > g->tx[t + 1].first_in ||
		    g->tx[t].first_out > g->tx[t + 1].first_out)
			return corrupt(d, path, "transaction ranges");
	if (g->tx[0].first_in != 0 || g->tx[0].first_out != 0 || g->tx[g->ntx].first_in != g->nin ||
	    g->tx[g->ntx].first_out != g->nout)
		return corrupt(d, path, "transaction ranges");
	for (uint64_t i = 0; i < g->nin; i++)
		if (g->in[i] >= g->nout)
			return corrupt(d, path, "inputs");
	for (uint64_t i = 0; i < g->nout; i++)
		if ((g->out[i].addr != TPG_NONE && g->out[i].addr >= g->naddr) ||
		    (g->out[i].spent_by != TPG_NONE && g->out[i].spent_by >= g->ntx))
			return corrupt(d, path, "outputs");
	for (uint64_t i = 0; i < g->nxfer; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		if (x->tx >= g->ntx || (x->from != TPG_NONE && x->from >= g->naddr) ||
		    (x->to != TPG_NONE && x->to >= g->naddr) || x->asset > g->naddr ||
		    (x->big && x->value >= g->nbig) || x->kind < TPG_FEE || x->kind > TPG_TOKEN)
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
	enum tp_err e = TP_OK;
	if (memcmp(h->magic, MAGIC, 8) != 0 || h->version != VERSION) {
		e = corrupt(d, path, "not a tripact graph of this version");
		goto fail;
	}
	memcpy(g->chain, h->chain, sizeof g->chain);
	g->chain[sizeof g->chain - 1] = '\0';
	g->kind = (int)h->kind;
	g->naddr = h->naddr, g->ntx = h->ntx, g->nbig = h->nbig;
	g->addr_hcap = h->addr_hcap, g->tx_hcap = h->tx_hcap;
	g->last_block = h->last_block, g->have_last_block = (int)h->have_last_block;
	g->addr_len = h->addr_len, g->nout = h->nout, g->nin = h->nin, g->nxfer = h->nxfer;
	g->nacct = h->nacct;
	if ((g->kind != TP_TRACE_UTXO && g->kind != TP_TRACE_ACCOUNT) || !g->addr_hcap ||
	    (g->addr_hcap & (g->addr_hcap - 1)) || !g->tx_hcap || (g->tx_hcap & (g->tx_hcap - 1)) ||
	    g->ntx >= TPG_NONE - 1) {
		e = corrupt(d, path, "header");
		goto fail;
	}
	uint64_t want[NSECT];
	const void *unused[NSECT];
	/* sections() reads counts only: point it at nothing yet */
	sections(g, unused, want);
	for (int i = 0; i < NSECT; i++) {
		if (h->len[i] != want[i] || h->off[i] % 64 || h->off[i] > n || h->len[i] > n - h->off[i]) {
			e = corrupt(d, path, "section bounds");
			goto fail;
		}
	}
	char *base = map;
	g->addr_str = base + h->off[S_ADDR_STR];
	g->addr_off = (uint64_t *)(base + h->off[S_ADDR_OFF]);
	g->addr_hash = (uint32_t *)(base + h->off[S_ADDR_HASH]);
	g->tx = (struct tpg_tx *)(base + h->off[S_TX]);
	g->txid = (uint8_t(*)[32])(base + h->off[S_TXID]);
	g->tx_hash = (uint32_t *)(base + h->off[S_TX_HASH]);
	g->out = (struct tpg_out *)(base + h->off[S_OUT]);
	g->in = (uint64_t *)(base + h->off[S_IN]);
	g->xfer = (struct tpg_xfer *)(base + h->off[S_XFER]);
	g->bigv = (struct tp_u256 *)(base + h->off[S_BIG]);
	g->acct_off = h->len[S_ACCT_OFF] ? (uint64_t *)(base + h->off[S_ACCT_OFF]) : NULL;
	g->acct_x = (uint32_t *)(base + h->off[S_ACCT_X]);
	if ((e = check(g, path, d)) != TP_OK)
		goto fail;
	*out = g;
	return TP_OK;
fail:
	tp_trace_graph_free(g);
	return e;
}

static enum tp_err dup_section(void **p, uint64_t bytes, uint64_t *cap, size_t size)
{
	void *q = malloc(bytes ? bytes : 1);
	if (!q)
		return TP_ENOMEM;
	if (bytes)
		memcpy(q, *p, bytes);
	*p = q;
	if (cap)
		*cap = bytes / size;
	return TP_OK;
}

enum tp_err tpg_make_mutable(struct tp_trace_graph *g)
{
	if (!g->map)
		return TP_OK;
	const void *ptr[NSECT];
	uint64_t len[NSECT];
	sections(g, ptr, len);
	void *map = g->map;
	size_t maplen = g->maplen;
	g->map = NULL;
	/* on failure the half-copied graph cannot be freed safely: keep the
	 * copies in a fresh graph and drop them all */
	enum tp_err e = TP_OK;
	/* the address lists are rebuilt when saved */
	g->acct_off = NULL;
	g->acct_x = NULL;
	g->nacct = 0;
	len[S_ACCT_OFF] = len[S_ACCT_X] = 0;
	void **fields[NSECT] = {(void **)&g->addr_str, (void **)&g->addr_off, (void **)&g->addr_hash,
				(void **)&g->tx,       (void **)&g->txid,     (void **)&g->tx_hash,
				(void **)&g->out,      (void **)&g->in,	      (void **)&g->xfer,
				(void **)&g->bigv,     (void **)&g->acct_off, (void **)&g->acct_x};
	uint64_t *caps[NSECT] = {&g->cap_str, &g->cap_addr, NULL,	   &g->cap_tx,	 NULL,
				 NULL,	      &g->cap_out,  &g->cap_in, &g->cap_xfer, &g->cap_big,
				 NULL,	      NULL};
	size_t sizes[NSECT] = {1,
			       sizeof *g->addr_off,
			       sizeof *g->addr_hash,
			       sizeof *g->tx,
			       sizeof *g->txid,
			       sizeof *g->tx_hash,
			       sizeof *g->out,
			       sizeof *g->in,
			       sizeof *g->xfer,
			       sizeof *g->bigv,
			       sizeof *g->acct_off,
			       sizeof *g->acct_x};
	int done = 0;
	for (; done < NSECT; done++) {
		if ((e = dup_section(fields[done], len[done], caps[done], sizes[done])) != TP_OK)
			break;
	}
	if (e != TP_OK) {
		for (int i = 0; i < NSECT; i++) {
			if (i < done)
				free(*fields[i]);
			*fields[i] = NULL;
		}
		munmap(map, maplen);
		return e;
	}
	/* txid grows together with tx: give it the same capacity */
	void *q = realloc(g->txid, (g->cap_tx ? g->cap_tx : 1) * sizeof *g->txid);
	if (q)
		g->txid = q;
	else
		e = TP_ENOMEM;
	if (e == TP_OK)
		e = tag_tx(g);
	munmap(map, maplen);
	g->mutable_ = 1;
	return e;
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
