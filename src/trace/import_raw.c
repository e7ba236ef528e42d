/*
 * Raw Bitcoin import: blocks as Bitcoin Core stores them (a blocks or
 * data directory, or blk*.dat files) and serves them (`getblock <hash> 0`
 * hex, one block a line), decoded by btc_block.c / btc_chain.c and added
 * to the graph exactly as the bitcoin-etl importer adds a JSON row:
 * transaction ids in display order (so ids from both sources agree),
 * every input must spend a known unspent output, outputs may not exceed
 * inputs. A blocks directory resumes after the graph's last block, so
 * running the same import again picks up what the node added since.
 *
 * Two halves, joined by one batch a block (raw_batch.h):
 *
 *	decoder -> on_tx (decoding side: ids, outpoint hashes, key numbers)
 *	        -> batch -> add_batch (graph side: spend index, graph)
 *
 * With a second core the decoding side runs on a thread of its own, a few
 * blocks ahead; the graph side always adds the same transactions in the
 * same order, so the graph and every error are the same either way.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import.h"
#include "import_raw.h"
#include "raw_batch.h"
#include "raw_keys.h"
#include "raw_spend.h"
#include "tripact/btc.h"

/*
 * Lookups are started AHEAD transactions at a time, AHEAD to 2 AHEAD
 * before they are added: the spend slots are real loads (raw_spend.h),
 * which hold the core until they arrive, so a group's are in flight
 * together, where one transaction's at a time each cost about a miss.
 */
#define AHEAD 8

/* The graph side: adds decoded transactions to the graph, in chain order. */
struct raw {
	struct tp_trace_graph *g;
	enum tp_btc_network net;
	struct tpi_spend sp;
	/* graph address id by key number (tpi_keys); TPG_NONE while the key's
	 * only outputs were skipped */
	uint32_t *addr;
	size_t naddr, addr_cap; /* keys seen, entries of addr */
	int fresh; /* the graph had no address before: every new key is new to it */
	/*
	 * Key number k is address id k: the graph had no address, and each
	 * key's address was added when the key was first seen (none first
	 * seen in a skipped transaction), so in the order keys are numbered.
	 * addr[] is then neither kept nor read (a random load an output).
	 */
	int same_ids;
	int added; /* the last add_tx added its transaction */
	struct tpr *r;
	struct tp_diag d;   /* what failed here (the file is named at the end) */
	enum tp_err failed; /* TP_OK until a transaction could not be added */
	uint64_t *spend;    /* the outputs the current transaction spends */
	size_t cap;
	struct tpi_spent_log spent; /* spent-by stores not yet made in the graph */
};

/*
 * The decoding side: turns the decoder's transactions into batches (one a
 * block), computes block heights and checks what needs no graph. Runs on
 * a thread of its own when the machine has a second core; otherwise each
 * finished batch goes straight to the graph side.
 */
struct feed {
	struct raw *w;	       /* the graph side, when not threaded */
	struct tpi_pipe *pipe; /* to the graph side, when threaded */
	struct tpi_batch *b;   /* being filled */
	struct tpi_keys keys;
	enum tp_btc_network net;
	struct tpr *r;
	struct tp_diag *d;
	uint32_t min_block;
	int64_t next_height; /* for hex blocks without a known height */
	uint8_t last_block[32];
	int have_last;
	/* what to decode */
	struct tp_btc_decoder *dec;
	int kind;
	const char *path;
	int64_t first; /* hex: height of the first line, -1 unknown */
	struct tp_btc_chain *chain;
	int64_t from;  /* chain: first height */
	enum tp_err e; /* the decoder's result */
	uint64_t bytes; /* of the blocks decoded */
};

static int threads_wanted; /* 0: as many as useful, 1: one */

void tpi_raw_threads(int n)
{
	threads_wanted = n;
}

/* Eight bytes at a time: the spend hash then reads each of its words
 * from one store (after byte stores, each read waited for them: 2.6% of
 * the decoding thread). */
static void display(const uint8_t in[32], uint8_t out[32])
{
	for (int k = 0; k < 4; k++) {
		uint64_t w;
		memcpy(&w, in + 24 - 8 * k, 8);
		w = __builtin_bswap64(w);
		memcpy(out + 8 * k, &w, 8);
	}
}

/*
 * A bad transaction (id in display order): counted and skipped when the
 * import skips bad ones, else the error. Both sides report through here.
 */
static enum tp_err report(struct tpr *r, struct tp_diag *d, const uint8_t id[32], enum tp_err code,
			  const char *msg, uint32_t block)
{
	uint8_t internal[32];
	char hex[TP_BTC_HASH_HEX];
	display(id, internal);
	tp_btc_hash_to_hex(internal, hex);
	if (r->opts && r->opts->skip_bad) {
		if (r->stats && r->stats->skipped++ == 0)
			snprintf(r->stats->first_skip, sizeof r->stats->first_skip,
				 "%s: block %u, transaction %s: %s", r->path, block, hex, msg);
		return TP_OK;
	}
	return tp_diag_set(d, code, "block %u, transaction %s: %s", block, hex, msg);
}

/* ---- the graph side ---------------------------------------------------- */

static enum tp_err bad(struct raw *w, const struct tpi_rtx *t, enum tp_err code, const char *msg)
{
	return report(w->r, &w->d, t->id, code, msg, t->block);
}

/* Starts loading everything adding t will read: its id's slot in the
 * graph, the spend index slots of its inputs and outputs, its keys' slots. */
static void prefetch(const struct raw *w, const struct tpi_rtx *t, const struct tpi_rin *in,
		     const struct tpi_rout *out)
{
	tpg_tx_prefetch(w->g, t->id);
	for (uint32_t i = 0; i < t->nin; i++)
		tpi_spend_prefetch(&w->sp, in[i].hash);
	for (uint32_t k = 0; k < t->nout; k++) {
		if (out[k].key_id < w->naddr) {
			if (!w->same_ids)
				__builtin_prefetch(&w->addr[out[k].key_id]);
		}
		else if (out[k].str != TPI_NO_STR) /* a new key: the slot it will take */
			tpg_addr_prefetch(w->g, out[k].ahash);
	}
	if (t->nout)
		tpi_spend_prefetch(&w->sp, t->shash);
}

/* Makes the deferred spent-by stores: the graph's column is then current. */
static void apply_spent(struct raw *w)
{
	tpi_spent_apply(&w->spent, w->g->out_spent, w->g->nout);
}

/* Records that transaction tx spends output o (in the graph by the next
 * apply_spent). */
static void set_spent(struct raw *w, uint64_t o, uint32_t tx)
{
	if (tpi_spent_note(&w->spent, o, tx))
		return;
	apply_spent(w);
	if (!tpi_spent_note(&w->spent, o, tx))
		tpg_out_set_spent_by(w->g, o, tx);
}

/*
 * The output input in spends and its value, from the spend index or, for
 * an output made before this import, the graph. NULL, or what is wrong
 * (with *code).
 */
static const char *spent_output(struct raw *w, const struct tpi_rin *in, uint64_t *o,
				uint64_t *value, enum tp_err *code)
{
	struct tp_trace_graph *g = w->g;
	const struct tpi_spend_slot *u = tpi_spend_find(&w->sp, in->hash, in->txid);
	if (u && in->vout < tpi_spend_nout(u)) {
		*o = tpi_spend_first(u) + in->vout;
		*code = TP_ECONFLICT;
		if (tpi_spend_taken(&w->sp, u, in->vout))
			return "an input spends an output already spent";
		*value = in->vout < 2 ? u->value[in->vout] : tpg_out_value(g, *o);
		return NULL;
	}
	uint32_t st = tpg_tx_find(g, in->txid, 32);
	*code = TP_ENOTFOUND;
	if (st == TPG_NONE || in->vout >= tpg_tx_nout(g, st))
		return "an input spends an output not in the graph (raw blocks carry no "
		       "input values: import from the chain's first block)";
	*o = tpg_tx_first_out(g, st) + in->vout;
	*code = TP_ECONFLICT;
	apply_spent(w); /* this import may have spent it */
	if (tpg_out_spent_by(g, *o) != TPG_NONE)
		return "an input spends an output already spent";
	*value = tpg_out_value(g, *o);
	return NULL;
}

/* Room in the key map for `need` keys. */
static enum tp_err addr_room(struct raw *w, size_t need)
{
	if (need <= w->addr_cap)
		return TP_OK;
	size_t cap = w->addr_cap ? w->addr_cap : 1 << 16;
	while (cap < need)
		cap *= 2;
	uint32_t *q = realloc(w->addr, cap * sizeof *q);
	if (!q)
		return TP_ENOMEM;
	w->addr = q;
	w->addr_cap = cap;
	return TP_OK;
}

/* Ends same_ids: the key map is kept from now on, k for every key k so far. */
static enum tp_err keep_ids(struct raw *w)
{
	if (!w->same_ids)
		return TP_OK;
	enum tp_err e = addr_room(w, w->naddr);
	if (e != TP_OK)
		return e;
	for (size_t k = 0; k < w->naddr; k++)
		w->addr[k] = (uint32_t)k;
	w->same_ids = 0;
	return TP_OK;
}

/*
 * Grows the key map to hold o (its key is new): with the graph id unknown
 * (TPG_NONE) when the transaction is skipped, so a later output with that
 * key adds the address.
 */
static enum tp_err new_keys(struct raw *w, const struct tpi_rout *o, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		if (o[k].key_id < w->naddr)
			continue;
		enum tp_err e = keep_ids(w);
		if (e == TP_OK)
			e = addr_room(w, w->naddr + 1);
		if (e != TP_OK)
			return e;
		/* keys are numbered in order, so a new one is always the next */
		w->addr[w->naddr++] = TPG_NONE;
	}
	return TP_OK;
}

/* The graph's address id of output o, adding the address when new. */
static enum tp_err addr_id(struct raw *w, const struct tpi_batch *b, const struct tpi_rout *o,
			   uint32_t *id)
{
	char a[TP_BTC_ADDR_MAX];
	const char *str = NULL;
	size_t len = o->slen;
	if (o->key_id < w->naddr) {
		*id = w->same_ids ? o->key_id : w->addr[o->key_id];
		if (*id != TPG_NONE)
			return TP_OK;
	}
	if (o->str != TPI_NO_STR) {
		str = b->str + o->str;
	} else { /* first seen in a skipped transaction */
		enum tp_err e = tp_btc_key_format(w->net, o->key, o->klen, a);
		if (e != TP_OK)
			return e;
		str = a;
		len = strlen(a);
	}
	/* with the decoding side's hash where there is one (hashing the
	 * string again costs a pass over it); into a graph that had no
	 * address before, a new key's address is new: no lookup */
	enum tp_err e;
	if (o->str != TPI_NO_STR)
		e = w->fresh ? tpg_addr_append_hashed(w->g, str, len, o->ahash, id)
			     : tpg_addr_intern_hashed(w->g, str, len, o->ahash, id);
	else
		e = w->fresh ? tpg_addr_append(w->g, str, len, id) : tpg_addr_intern(w->g, str, len, id);
	if (e == TP_OK && w->same_ids && *id == o->key_id) {
		w->naddr++; /* the next key, and the next address */
		return TP_OK;
	}
	if (e == TP_OK)
		e = keep_ids(w);
	if (e == TP_OK && o->key_id >= w->naddr)
		e = new_keys(w, o, 1);
	if (e == TP_OK)
		w->addr[o->key_id] = *id;
	return e;
}

#define DUPLICATE "duplicate transaction"

/*
 * Refuses t for why, or as a duplicate if it is one: the graph checks ids
 * when adding (so a good transaction costs one lookup of its id), and a
 * duplicate is reported as such before anything else wrong with it.
 */
static enum tp_err refuse(struct raw *w, const struct tpi_rtx *t, enum tp_err code, const char *why)
{
	if (tpg_tx_find(w->g, t->id, 32) != TPG_NONE)
		return bad(w, t, TP_EEXIST, DUPLICATE);
	return bad(w, t, code, why);
}

/* Checks and adds one transaction (TP_OK also when skipped as bad). */
static enum tp_err add_tx(struct raw *w, const struct tpi_batch *b, const struct tpi_rtx *t,
			  const struct tpi_rin *in, const struct tpi_rout *out)
{
	struct tp_trace_graph *g = w->g;
	w->added = 0;
	if (t->fatal)
		return tp_diag_set(&w->d, t->bad_code, "%s: cannot add a transaction: %s",
				   w->r->path, tp_strerror(t->bad_code));
	if (t->bad)
		return bad(w, t, t->bad_code, t->bad);
	if (t->nin > w->cap) {
		uint64_t *q = realloc(w->spend, t->nin * sizeof *q);
		if (!q)
			return tp_diag_set(&w->d, TP_ENOMEM, "out of memory");
		w->spend = q;
		w->cap = t->nin;
	}
	uint64_t in_total = 0, out_total = 0;
	for (uint32_t i = 0; i < t->nin; i++) {
		uint64_t o = 0, v = 0;
		enum tp_err code = TP_OK;
		const char *why = spent_output(w, &in[i], &o, &v, &code);
		if (why)
			return refuse(w, t, code, why);
		for (uint32_t j = 0; j < i; j++)
			if (w->spend[j] == o)
				return refuse(w, t, TP_ECONFLICT,
					      "two inputs spend the same output");
		w->spend[i] = o;
		in_total += v;
	}
	for (uint32_t k = 0; k < t->nout; k++)
		out_total += out[k].value; /* each at most 21e14 (checked when decoded) */
	if (!t->coinbase && out_total > in_total)
		return refuse(w, t, TP_EVALIDATE, "outputs exceed inputs");
	uint32_t tx;
	enum tp_err e = tpg_tx_add(g, t->id, 32, t->time, t->block, &tx);
	if (e == TP_EEXIST) /* nothing was added */
		return bad(w, t, TP_EEXIST, DUPLICATE);
	for (uint32_t i = 0; e == TP_OK && i < t->nin; i++) {
		e = tpg_in_add(g, w->spend[i]);
		set_spent(w, w->spend[i], tx);
		tpi_spend_take(&w->sp, in[i].hash, in[i].txid, in[i].vout);
	}
	uint64_t first = e == TP_OK ? tpg_tx_first_out(g, tx) : 0;
	for (uint32_t k = 0; e == TP_OK && k < t->nout; k++) {
		uint32_t aid;
		e = addr_id(w, b, &out[k], &aid);
		if (e == TP_OK)
			e = tpg_out_add(g, out[k].value, aid);
	}
	if (e == TP_OK)
		e = tpi_spend_add(&w->sp, t->shash, t->id, first, t->nout,
				  t->nout ? out[0].value : 0, t->nout > 1 ? out[1].value : 0);
	if (e != TP_OK)
		return tp_diag_set(&w->d, e, "%s: cannot add a transaction: %s", w->r->path,
				   tp_strerror(e));
	w->added = 1;
	w->r->txs++;
	if (w->r->stats) {
		w->r->stats->txs++;
		w->r->stats->inputs += t->nin;
		w->r->stats->outputs += t->nout;
	}
	if (w->r->opts && w->r->opts->progress && (w->r->txs & 0xffff) == 0)
		w->r->opts->progress(w->r->opts->progress_ctx, 0, 0, w->r->txs);
	return TP_OK;
}

/* Adds a batch's transactions in order; on failure w->failed says why. */
static enum tp_err add_batch(struct raw *w, const struct tpi_batch *b)
{
	size_t in = 0, out = 0, next = 0, next_in = 0, next_out = 0;
	for (size_t i = 0; i < b->ntx && !w->failed; i++) {
		for (; i % AHEAD == 0 && next < b->ntx && next < i + 2 * AHEAD; next++) {
			const struct tpi_rtx *t = &b->tx[next];
			prefetch(w, t, b->in + next_in, b->out + next_out);
			next_in += t->nin;
			next_out += t->nout;
		}
		const struct tpi_rtx *t = &b->tx[i];
		w->failed = add_tx(w, b, t, b->in + in, b->out + out);
		if (!w->failed && !w->added && (w->failed = new_keys(w, b->out + out, t->nout)))
			tp_diag_set(&w->d, w->failed, "out of memory");
		in += t->nin;
		out += t->nout;
	}
	return w->failed;
}

/* ---- the decoding side ------------------------------------------------- */

/*
 * Numbers the batch's output keys, making the address string of each new
 * one. A key that cannot be formatted stops the import at its transaction.
 */
static void number_keys(struct feed *f, struct tpi_batch *b)
{
	const size_t ahead = 16;
	size_t k = 0;
	for (size_t i = 0; i < b->ntx; i++) {
		struct tpi_rtx *t = &b->tx[i];
		for (size_t end = k + t->nout; k < end; k++) {
			struct tpi_rout *o = &b->out[k];
			if (k + ahead < b->nout)
				tpi_keys_prefetch(&f->keys, b->out[k + ahead].khash);
			int added = 0;
			char a[TP_BTC_ADDR_MAX];
			enum tp_err e = tpi_keys_id(&f->keys, o->key, o->klen, o->khash, &o->key_id,
						    &added);
			o->str = TPI_NO_STR;
			if (e == TP_OK && added &&
			    (e = tp_btc_key_format(f->net, o->key, o->klen, a)) == TP_OK) {
				size_t len = strlen(a);
				o->slen = (uint8_t)len; /* below TP_BTC_ADDR_MAX */
				o->ahash = tpg_addr_hash(a, len);
				if ((o->str = tpi_batch_str(b, a, len)) == TPI_NO_STR)
					e = TP_ENOMEM;
			}
			if (e != TP_OK) {
				t->fatal = 1;
				t->bad_code = e;
				b->ntx = i + 1;
				return;
			}
		}
	}
}

/* Hands the filled batch to the graph side (an error once that failed). */
static enum tp_err flush(struct feed *f)
{
	number_keys(f, f->b);
	if (f->pipe) {
		int stopped = tpi_pipe_push(f->pipe);
		f->b = tpi_pipe_fill(f->pipe);
		tpi_pipe_back_ahead(f->pipe);
		/* once stopped, the graph side's error is the one reported */
		return stopped ? TP_ECONFLICT : TP_OK;
	}
	enum tp_err e = add_batch(f->w, f->b);
	tpi_batch_clear(f->b);
	return e;
}

static enum tp_err on_tx(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	struct feed *f = ctx;
	if (tx->index == 0)
		f->bytes += h->size;
	if (tx->index == 0 || !f->have_last || memcmp(f->last_block, h->hash, 32) != 0) {
		if (f->have_last && memcmp(f->last_block, h->hash, 32) != 0)
			f->next_height++;
		memcpy(f->last_block, h->hash, 32);
		f->have_last = 1;
	}
	int64_t height = h->height >= 0 ? h->height : f->next_height;
	uint32_t block = 0;
	const char *why = NULL;
	enum tp_err code = TP_EPARSE;
	if (height < 0 || height >= (int64_t)UINT32_MAX - 1)
		why = "block height out of range";
	else if ((block = (uint32_t)height) < f->min_block)
		why = "block is not newer than the graph", code = TP_ECONFLICT;
	for (size_t k = 0; !why && k < tx->n_out; k++)
		if (tx->out[k].value > 2100000000000000ULL)
			why = "an output exceeds 21 million BTC";
	int skip = f->r->opts && f->r->opts->skip_bad;
	size_t nin = why ? 0 : tx->n_in, nout = why ? 0 : tx->n_out;
	struct tpi_batch *b = f->b;
	enum tp_err e = TP_OK;
	if (why && !skip) {
		/* the transactions before it come first: one of them may fail */
		uint8_t id[32];
		if ((e = flush(f)) != TP_OK)
			return e;
		display(tx->txid, id);
		return report(f->r, f->d, id, code, why, block);
	}
	if ((e = tpi_batch_reserve(b, nin, nout)) != TP_OK)
		return tp_diag_set(f->d, e, "out of memory");
	struct tpi_rtx *t = &b->tx[b->ntx++];
	display(tx->txid, t->id);
	t->time = (int64_t)h->time;
	t->block = block;
	t->nin = (uint32_t)nin;
	t->nout = (uint32_t)nout;
	t->coinbase = tx->is_coinbase;
	t->bad = why;
	t->bad_code = code;
	t->fatal = 0;
	t->shash = tpi_spend_hash(t->id);
	for (size_t i = 0; i < nin; i++) {
		struct tpi_rin *in = &b->in[b->nin++];
		display(tx->in[i].prev_txid, in->txid);
		in->vout = tx->in[i].prev_index;
		in->hash = tpi_spend_hash(in->txid);
	}
	for (size_t k = 0; k < nout; k++) {
		struct tpi_rout *o = &b->out[b->nout++];
		o->value = tx->out[k].value;
		o->klen = (uint8_t)tp_btc_txout_key(&tx->out[k], o->key);
		o->khash = tpi_key_hash(o->key, o->klen);
	}
	return tx->index + 1 == h->n_tx ? flush(f) : TP_OK;
}

/* Runs the decoder over the input; the last (partial) batch goes too. */
static void decode(struct feed *f)
{
	if (f->kind == 1)
		f->e = tp_btc_hex_decode_file(f->dec, f->path, f->first, on_tx, f, f->d);
	else
		f->e = tp_btc_chain_decode(f->chain, f->dec, f->from, -1, on_tx, f, f->d);
	if (f->b->ntx) {
		enum tp_err e = flush(f);
		if (f->e == TP_OK)
			f->e = e;
	}
	if (f->pipe)
		tpi_pipe_close(f->pipe);
}

static void *decode_thread(void *arg)
{
	decode(arg);
	return NULL;
}

/*
 * Decodes on a second thread while this one builds the graph, when the
 * machine has a second core; else both in turn. Either way the graph
 * side adds the same transactions in the same order.
 */
static void run(struct feed *f, struct raw *w)
{
	struct tpi_pipe pipe;
	pthread_t th;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int threaded = threads_wanted != 1 && cpus > 1 && tpi_pipe_init(&pipe, TPI_RAW_DEPTH) == TP_OK;
	if (threaded) {
		f->pipe = &pipe;
		f->b = tpi_pipe_fill(&pipe);
		/* both tables' new pages are backed ahead, by either thread */
		f->keys.backer = w->sp.backer = &pipe.backer;
		if (pthread_create(&th, NULL, decode_thread, f) != 0) {
			f->keys.backer = w->sp.backer = NULL;
			tpi_pipe_destroy(&pipe);
			f->pipe = NULL;
			threaded = 0;
		}
	}
	if (!threaded) {
		struct tpi_batch one = {0};
		f->w = w;
		f->b = &one;
		decode(f);
		tpi_batch_free(&one);
		return;
	}
	struct tpi_batch *b;
	while ((b = tpi_pipe_pop(&pipe))) {
		if (!w->failed && add_batch(w, b) != TP_OK)
			tpi_pipe_stop(&pipe);
		tpi_pipe_done(&pipe);
	}
	pthread_join(th, NULL);
	f->keys.backer = w->sp.backer = NULL;
	tpi_pipe_destroy(&pipe);
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
	if (!strncmp(base, "blk", 3) && strlen(base) > 7 &&
	    !strcmp(base + strlen(base) - 4, ".dat"))
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
	struct raw w = {.g = g, .r = r, .net = net, .fresh = g->naddr == 0, .same_ids = g->naddr == 0};
	struct feed f = {.r = r,
			 .d = d,
			 .min_block = min_block,
			 .kind = kind,
			 .path = path,
			 .first = -1,
			 .net = net};
	f.next_height = g->have_last_block ? (int64_t)g->last_block + 1 : 0;
	r->path = path;
	enum tp_err e = tpi_keys_init(&f.keys);
	if (e == TP_OK)
		e = tp_btc_decoder_new(net, TP_BTC_NO_ADDRESS, &f.dec);
	if (e != TP_OK) {
		tpi_keys_free(&f.keys);
		return tp_diag_set(d, e, "out of memory");
	}
	if (kind == 1) {
		if (r->opts && r->opts->have_first_height && r->opts->first_height >= 0)
			f.first = r->opts->first_height;
		run(&f, &w);
	} else if ((e = tp_btc_chain_open(path, net, &f.chain, d)) == TP_OK) {
		if ((e = check_resume(g, f.chain, f.dec, path, d)) == TP_OK) {
			f.from = g->have_last_block ? (int64_t)g->last_block + 1 : 0;
			run(&f, &w);
		}
		tp_btc_chain_free(f.chain);
	}
	apply_spent(&w);
	if (e == TP_OK && w.failed) {
		/* named as the decoder names its callbacks' errors: hex by file */
		e = w.failed;
		if (d) {
			d->line = d->column = 0;
			if (kind == 1)
				tp_diag_set(d, e, "%s: %s", path, w.d.message);
			else
				tp_diag_set(d, e, "%s", w.d.message);
		}
	} else if (e == TP_OK) {
		e = f.e;
	}
	if (r->stats)
		r->stats->bytes += f.bytes;
	tp_btc_decoder_free(f.dec);
	free(w.spend);
	tpi_keys_free(&f.keys);
	free(w.addr);
	tpi_spend_free(&w.sp);
	tpi_spent_free(&w.spent);
	return e;
}
