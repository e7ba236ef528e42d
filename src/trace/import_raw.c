/*
 * Raw Bitcoin import: blocks as Bitcoin Core stores them (a blocks or
 * data directory, or blk*.dat files) and serves them (`getblock <hash> 0`
 * hex, one block a line), decoded by btc_block.c / btc_chain.c and added
 * to the graph exactly as the bitcoin-etl importer adds a JSON row:
 * transaction ids in display order (so ids from both sources agree),
 * every input must spend a known unspent output, outputs may not exceed
 * inputs. A blocks directory resumes after the graph's last block, so
 * running the same import again picks up what the node added since.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "import.h"
#include "tripact/btc.h"

/*
 * Address ids by binary key (tp_btc_txout_key), for this import only: the
 * decoder skips address strings, and a string is made (and looked up in
 * the graph's dictionary, which may hold it from an earlier import) only
 * the first time a key is seen. A slot is half a cache line and holds keys
 * up to 27 bytes (every hash-based address) itself, so a lookup usually
 * touches one line; longer keys (P2WSH, P2TR) live in keys[].
 */
#define KD_INLINE 27

struct kslot {
	uint32_t id; /* graph address id + 1; 0: empty */
	uint8_t len;
	uint8_t key[KD_INLINE]; /* the key, or its offset in keys[] when longer */
};

struct kdict {
	struct kslot *slot;
	uint64_t cap, n; /* cap a power of two, n <= cap / 2 */
	uint8_t *keys;
	uint64_t len, kcap;
};

struct raw {
	struct tp_trace_graph *g;
	enum tp_btc_network net;
	struct kdict kd;
	int fresh; /* the graph had no address before: kd knows them all */
	struct tpr *r;
	struct tp_diag *d;
	uint64_t *spend;
	size_t cap;
	int64_t next_height; /* for hex blocks without a known height */
	uint8_t last_block[32];
	int have_last;
	uint32_t min_block;
};

static void display(const uint8_t in[32], uint8_t out[32])
{
	for (int i = 0; i < 32; i++)
		out[i] = in[31 - i];
}

static uint64_t key_hash(const uint8_t *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL * (n + 1);
	if (n >= 18) {
		uint64_t a, b;
		memcpy(&a, k + 2, 8);
		memcpy(&b, k + n - 8, 8);
		h ^= a + (uint64_t)k[0] * 0x100000001b3ULL + ((uint64_t)k[1] << 40);
		h *= 0xff51afd7ed558ccdULL;
		h ^= b + (h >> 32);
	} else {
		for (size_t i = 0; i < n; i++)
			h = (h ^ k[i]) * 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static const uint8_t *kslot_key(const struct kdict *kd, const struct kslot *s)
{
	if (s->len <= KD_INLINE)
		return s->key;
	uint64_t off;
	memcpy(&off, s->key, sizeof off);
	return kd->keys + off;
}

static enum tp_err kd_grow(struct kdict *kd)
{
	uint64_t cap = kd->cap ? kd->cap * 2 : 1 << 16;
	struct kslot *s = calloc(cap, sizeof *s);
	if (!s)
		return TP_ENOMEM;
	for (uint64_t i = 0; i < kd->cap; i++) {
		struct kslot *o = &kd->slot[i];
		if (!o->id)
			continue;
		uint64_t j = key_hash(kslot_key(kd, o), o->len) & (cap - 1);
		while (s[j].id)
			j = (j + 1) & (cap - 1);
		s[j] = *o;
	}
	free(kd->slot);
	kd->slot = s;
	kd->cap = cap;
	return TP_OK;
}

static void kd_prefetch(const struct kdict *kd, const struct tp_btc_txout *o)
{
	uint8_t key[TP_BTC_KEY_MAX];
	size_t n = tp_btc_txout_key(o, key);
	__builtin_prefetch(&kd->slot[key_hash(key, n) & (kd->cap - 1)]);
}

/* The graph's address id of output o (adding the address when new). */
static enum tp_err addr_id(struct raw *w, const struct tp_btc_txout *o, uint32_t *id)
{
	struct kdict *kd = &w->kd;
	uint8_t key[TP_BTC_KEY_MAX];
	size_t n = tp_btc_txout_key(o, key);
	uint64_t mask = kd->cap - 1, i = key_hash(key, n) & mask;
	for (; kd->slot[i].id; i = (i + 1) & mask) {
		const struct kslot *s = &kd->slot[i];
		if (s->len == n && memcmp(kslot_key(kd, s), key, n) == 0) {
			*id = s->id - 1;
			return TP_OK;
		}
	}
	char a[TP_BTC_ADDR_MAX];
	enum tp_err e = tp_btc_key_format(w->net, key, n, a);
	if (e == TP_OK && w->fresh)
		e = tpg_addr_append(w->g, a, strlen(a), id);
	else if (e == TP_OK)
		e = tpg_addr_intern(w->g, a, strlen(a), id);
	if (e != TP_OK)
		return e;
	struct kslot *s = &kd->slot[i];
	if (n > KD_INLINE) {
		if (kd->len + n > kd->kcap) {
			uint64_t c = kd->kcap ? kd->kcap * 2 : 1 << 20;
			uint8_t *q = realloc(kd->keys, c);
			if (!q)
				return TP_ENOMEM;
			kd->keys = q;
			kd->kcap = c;
		}
		memcpy(kd->keys + kd->len, key, n);
		memcpy(s->key, &kd->len, sizeof kd->len);
		kd->len += n;
	} else {
		memcpy(s->key, key, n);
	}
	s->len = (uint8_t)n;
	s->id = *id + 1;
	if (++kd->n * 2 > kd->cap)
		return kd_grow(kd);
	return TP_OK;
}

static enum tp_err bad(struct raw *w, const struct tp_btc_tx *tx, enum tp_err code,
		       const char *msg, uint32_t block)
{
	char id[TP_BTC_HASH_HEX];
	tp_btc_hash_to_hex(tx->txid, id);
	struct tpr *r = w->r;
	if (r->opts && r->opts->skip_bad) {
		if (r->stats && r->stats->skipped++ == 0)
			snprintf(r->stats->first_skip, sizeof r->stats->first_skip,
				 "%s: block %u, transaction %s: %s", r->path, block, id, msg);
		return TP_OK;
	}
	/* the decoder names the file */
	return tp_diag_set(w->d, code, "block %u, transaction %s: %s", block, id, msg);
}

static enum tp_err on_tx(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	struct raw *w = ctx;
	struct tp_trace_graph *g = w->g;
	if (tx->index == 0 || !w->have_last || memcmp(w->last_block, h->hash, 32) != 0) {
		if (w->have_last && memcmp(w->last_block, h->hash, 32) != 0)
			w->next_height++;
		memcpy(w->last_block, h->hash, 32);
		w->have_last = 1;
	}
	int64_t height = h->height >= 0 ? h->height : w->next_height;
	if (height < 0 || height >= (int64_t)UINT32_MAX - 1)
		return bad(w, tx, TP_EPARSE, "block height out of range", 0);
	uint32_t block = (uint32_t)height;
	if (block < w->min_block)
		return bad(w, tx, TP_ECONFLICT, "block is not newer than the graph", block);
	uint8_t id[32];
	display(tx->txid, id);
	/* the lookups below miss the cache: start them all at once */
	size_t nin = tx->is_coinbase ? 0 : tx->n_in;
	tpg_tx_prefetch(g, id);
	for (size_t i = 0; i < nin; i++) {
		uint8_t pid[32];
		display(tx->in[i].prev_txid, pid);
		tpg_tx_prefetch(g, pid);
	}
	for (size_t k = 0; k < tx->n_out; k++)
		kd_prefetch(&w->kd, &tx->out[k]);
	if (tpg_tx_find(g, id, 32) != TPG_NONE)
		return bad(w, tx, TP_EEXIST, "duplicate transaction", block);
	if (tx->n_in > w->cap) {
		uint64_t *q = realloc(w->spend, tx->n_in * sizeof *q);
		if (!q)
			return tp_diag_set(w->d, TP_ENOMEM, "out of memory");
		w->spend = q;
		w->cap = tx->n_in;
	}
	uint64_t in_total = 0, out_total = 0;
	for (size_t i = 0; i < nin; i++) {
		uint8_t pid[32];
		display(tx->in[i].prev_txid, pid);
		uint32_t st = tpg_tx_find(g, pid, 32);
		uint64_t idx = tx->in[i].prev_index;
		if (st == TPG_NONE || idx >= tpg_tx_nout(g, st))
			return bad(w, tx, TP_ENOTFOUND,
				   "an input spends an output not in the graph (raw blocks carry no "
				   "input values: import from the chain's first block)",
				   block);
		uint64_t o = tpg_tx_first_out(g, st) + idx;
		if (tpg_out_spent_by(g, o) != TPG_NONE)
			return bad(w, tx, TP_ECONFLICT, "an input spends an output already spent",
				   block);
		for (size_t j = 0; j < i; j++)
			if (w->spend[j] == o)
				return bad(w, tx, TP_ECONFLICT, "two inputs spend the same output",
					   block);
		w->spend[i] = o;
		in_total += tpg_out_value(g, o);
	}
	for (size_t k = 0; k < tx->n_out; k++) {
		if (tx->out[k].value > 2100000000000000ULL)
			return bad(w, tx, TP_EPARSE, "an output exceeds 21 million BTC", block);
		out_total += tx->out[k].value;
	}
	if (!tx->is_coinbase && out_total > in_total)
		return bad(w, tx, TP_EVALIDATE, "outputs exceed inputs", block);
	uint32_t t;
	enum tp_err e = tpg_tx_add(g, id, 32, (int64_t)h->time, block, &t);
	for (size_t i = 0; e == TP_OK && i < nin; i++) {
		e = tpg_in_add(g, w->spend[i]);
		tpg_out_set_spent_by(g, w->spend[i], t);
	}
	for (size_t k = 0; e == TP_OK && k < tx->n_out; k++) {
		uint32_t aid;
		e = addr_id(w, &tx->out[k], &aid);
		if (e == TP_OK)
			e = tpg_out_add(g, tx->out[k].value, aid);
	}
	if (e != TP_OK)
		return tp_diag_set(w->d, e, "%s: cannot add a transaction: %s", w->r->path,
				   tp_strerror(e));
	w->r->txs++;
	if (w->r->stats) {
		w->r->stats->txs++;
		w->r->stats->inputs += nin;
		w->r->stats->outputs += tx->n_out;
	}
	if (w->r->opts && w->r->opts->progress && (w->r->txs & 0xffff) == 0)
		w->r->opts->progress(w->r->opts->progress_ctx, 0, 0, w->r->txs);
	return TP_OK;
}

struct first {
	uint8_t id[32];
	int have;
};

static enum tp_err first_tx(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	(void)h;
	struct first *f = ctx;
	display(tx->txid, f->id);
	f->have = 1;
	return TP_ELIMIT; /* the coinbase is all we need */
}

/*
 * Whether the best chain's block at height is the one in the graph: the
 * graph keeps no block hashes, but it holds the block's coinbase, whose id
 * is unique to the block (BIP-34 puts the height in it, and two branches'
 * blocks pay different coinbases).
 */
static enum tp_err in_graph(const struct tp_trace_graph *g, struct tp_btc_chain *c,
			    struct tp_btc_decoder *dec, int64_t height, int *yes, struct tp_diag *d)
{
	const uint8_t *raw;
	size_t len;
	struct tp_btc_header h;
	enum tp_err e = tp_btc_chain_block(c, height, &raw, &len, &h, d);
	if (e != TP_OK)
		return e;
	struct first f = {.have = 0};
	struct tp_diag quiet = {0};
	e = tp_btc_block_decode(dec, raw, len, height, first_tx, &f, NULL, &quiet);
	if (!f.have) {
		if (d)
			*d = quiet;
		return e == TP_OK ? tp_diag_set(d, TP_EPARSE, "block %lld has no transaction",
						(long long)height)
				  : e;
	}
	*yes = tpg_tx_find(g, f.id, 32) != TPG_NONE;
	return TP_OK;
}

/*
 * Before resuming after the graph's last block: is that block still on the
 * node's best chain? If the node has reorganised, the graph holds blocks
 * of a stale branch; say where the chains still agree.
 */
static enum tp_err check_resume(const struct tp_trace_graph *g, struct tp_btc_chain *c,
				struct tp_btc_decoder *dec, const char *path, struct tp_diag *d)
{
	int64_t tip = tp_btc_chain_tip(c), root = tp_btc_chain_root(c);
	if (!g->have_last_block || g->ntx == 0 || tip < 0)
		return TP_OK;
	int64_t at = (int64_t)g->last_block < tip ? (int64_t)g->last_block : tip;
	if (at < root)
		return TP_OK;
	int yes = 0;
	enum tp_err e = in_graph(g, c, dec, at, &yes, d);
	if (e != TP_OK || yes)
		return e;
	/* walk back (at most a day of blocks) to where the chains meet */
	int64_t h = at - 1;
	for (; h >= root && h > at - 144; h--) {
		if ((e = in_graph(g, c, dec, h, &yes, d)) != TP_OK)
			return e;
		if (yes)
			break;
	}
	if (yes)
		return tp_diag_set(d, TP_ECONFLICT,
				   "%s: the node has reorganised: its best chain no longer holds "
				   "the graph's block %lld (it agrees up to block %lld); the graph "
				   "holds stale blocks and cannot take new ones: import again into "
				   "a new graph",
				   path, (long long)at, (long long)h);
	return tp_diag_set(d, TP_ECONFLICT,
			   "%s: the node's best chain does not hold the graph's block %lld nor "
			   "the %lld blocks before it (a reorganisation, or a different chain); "
			   "import again into a new graph",
			   path, (long long)at, (long long)(at - h - 1));
}

int tpi_raw_kind(const char *path)
{
	struct stat st;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 2;
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!strncmp(base, "blk", 3) && strlen(base) > 7 && !strcmp(base + strlen(base) - 4, ".dat"))
		return 2;
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	int c;
	while ((c = getc(f)) == ' ' || c == '\n' || c == '\r' || c == '\t')
		;
	if (c == '{') {
		/* a JSON-RPC reply to getblock (a bitcoin-etl row has no "result") */
		char head[256];
		size_t n = fread(head, 1, sizeof head - 1, f);
		head[n] = '\0';
		head[strcspn(head, "\n")] = '\0';
		fclose(f);
		return strstr(head, "\"result\"") ? 1 : 0;
	}
	fclose(f);
	if (c == '"' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
		return 1;
	return 0;
}

enum tp_err tpi_raw_file(struct tp_trace_graph *g, struct tpr *r, const char *path, int kind,
			 enum tp_btc_network net, uint32_t min_block, struct tp_diag *d)
{
	struct raw w = {.g = g, .r = r, .d = d, .min_block = min_block, .net = net};
	w.next_height = g->have_last_block ? (int64_t)g->last_block + 1 : 0;
	w.fresh = g->naddr == 0;
	r->path = path;
	struct tp_btc_decoder *dec;
	enum tp_err e = kd_grow(&w.kd);
	if (e == TP_OK)
		e = tp_btc_decoder_new(w.net, TP_BTC_NO_ADDRESS, &dec);
	if (e != TP_OK) {
		free(w.kd.slot);
		return tp_diag_set(d, e, "out of memory");
	}
	if (kind == 1) {
		int64_t first = r->opts && r->opts->have_first_height && r->opts->first_height >= 0
					? r->opts->first_height
					: -1;
		e = tp_btc_hex_decode_file(dec, path, first, on_tx, &w, d);
	} else {
		struct tp_btc_chain *c;
		e = tp_btc_chain_open(path, net, &c, d);
		if (e == TP_OK && (e = check_resume(g, c, dec, path, d)) != TP_OK)
			tp_btc_chain_free(c);
		else if (e == TP_OK) {
			int64_t from = g->have_last_block ? (int64_t)g->last_block + 1 : 0;
			e = tp_btc_chain_decode(c, dec, from, -1, on_tx, &w, d);
			tp_btc_chain_free(c);
		}
	}
	tp_btc_decoder_free(dec);
	free(w.spend);
	free(w.kd.slot);
	free(w.kd.keys);
	return e;
}
