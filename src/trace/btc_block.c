/*
 * The block decoder: one serialized block (consensus wire format) in, one
 * callback per transaction out. A block is
 *
 *	header (80) | n_tx (CompactSize) | tx...
 *	tx = version (4) [00 01 if SegWit] | n_in | in... | n_out | out...
 *	     [witness stacks, one per input] | locktime (4)
 *	in  = prev txid (32) | prev index (4) | scriptSig (CompactSize + bytes)
 *	      | sequence (4)
 *	out = value (8, satoshi) | scriptPubKey (CompactSize + bytes)
 *
 * The txid is SHA-256d of the transaction without marker, flag and
 * witness: we hash the three byte ranges in place (version; inputs and
 * outputs; locktime) instead of copying a stripped transaction, and two
 * transactions at a time (sha256d.h): a transaction is decoded, then the
 * next one, then both are hashed together and handed over in order.
 *
 * Every read is bounds-checked against the end of the block, and every
 * count is checked against the bytes left (an input takes at least 41, an
 * output 9, a transaction 10), so a hostile count cannot make us allocate
 * more than the block itself could describe. Errors give the offset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btc_codec.h"
#include "sha256d.h"
#include "tripact/btc.h"

#define MAX_MONEY (21000000ull * 100000000ull)
#define MAX_SIZE  0x02000000u /* Core's MAX_SIZE for CompactSize values */

/* Where one transaction's inputs and outputs are decoded to. */
struct scratch {
	struct tp_btc_txin *in;
	size_t in_cap;
	struct tp_btc_txout *out;
	size_t out_cap;
};

struct tp_btc_decoder {
	enum tp_btc_network net;
	unsigned flags;
	struct scratch tx[2]; /* a pair of transactions, hashed together */
	uint8_t (*ids)[32];   /* txids of the block (TP_BTC_CHECK_MERKLE) */
	size_t ids_cap;
	struct tp_btc_msg *msg; /* what each txid hashes (TP_BTC_CHECK_MERKLE) */
	size_t msg_cap;
	uint8_t (*tree)[32]; /* a level of the merkle tree */
	size_t tree_cap;
};

struct cursor {
	const uint8_t *base, *p, *end;
	struct tp_diag *d;
};

enum tp_err tp_btc_decoder_new(enum tp_btc_network net, unsigned flags, struct tp_btc_decoder **out)
{
	if ((unsigned)net >= TP_BTC_NETWORK_COUNT)
		return TP_EINVAL;
	struct tp_btc_decoder *dec = calloc(1, sizeof *dec);
	if (!dec)
		return TP_ENOMEM;
	dec->net = net;
	dec->flags = flags;
	*out = dec;
	return TP_OK;
}

void tp_btc_decoder_free(struct tp_btc_decoder *dec)
{
	if (!dec)
		return;
	for (int i = 0; i < 2; i++) {
		free(dec->tx[i].in);
		free(dec->tx[i].out);
	}
	free(dec->ids);
	free(dec->msg);
	free(dec->tree);
	free(dec);
}

static size_t off(const struct cursor *c)
{
	return (size_t)(c->p - c->base);
}

static enum tp_err fail(struct cursor *c, const char *what)
{
	size_t o = off(c);
	if (c->d)
		c->d->column = (long)o + 1;
	return tp_diag_set(c->d, TP_EPARSE, "block byte offset %zu: %s", o, what);
}

static int need(const struct cursor *c, size_t n)
{
	return (size_t)(c->end - c->p) >= n;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* CompactSize, canonical and at most MAX_SIZE, as Bitcoin Core reads it. */
static enum tp_err varint(struct cursor *c, uint64_t *v, const char *what)
{
	char msg[128];
	if (!need(c, 1))
		goto truncated;
	uint8_t b = *c->p;
	uint64_t x;
	size_t n = b < 0xfd ? 1 : b == 0xfd ? 3 : b == 0xfe ? 5 : 9;
	if (!need(c, n))
		goto truncated;
	if (n == 1)
		x = b;
	else if (n == 3)
		x = (uint64_t)c->p[1] | (uint64_t)c->p[2] << 8;
	else if (n == 5)
		x = le32(c->p + 1);
	else
		x = le64(c->p + 1);
	if ((n == 3 && x < 0xfd) || (n == 5 && x <= 0xffff) || (n == 9 && x <= 0xffffffffu)) {
		snprintf(msg, sizeof msg, "non-canonical CompactSize for %s", what);
		return fail(c, msg);
	}
	if (x > MAX_SIZE) {
		snprintf(msg, sizeof msg, "%s %llu is larger than any block allows", what,
			 (unsigned long long)x);
		return fail(c, msg);
	}
	c->p += n;
	*v = x;
	return TP_OK;
truncated:
	snprintf(msg, sizeof msg, "truncated: %s runs past the end of the block", what);
	return fail(c, msg);
}

/* A CompactSize length followed by that many bytes; returns the bytes. */
static enum tp_err bytes(struct cursor *c, const uint8_t **p, size_t *n, const char *what)
{
	uint64_t v;
	const uint8_t *at = c->p;
	enum tp_err e = varint(c, &v, what);
	if (e)
		return e;
	if (!need(c, v)) {
		char msg[128];
		c->p = at; /* point at the length */
		snprintf(msg, sizeof msg, "%s of %llu bytes runs past the end of the block", what,
			 (unsigned long long)v);
		return fail(c, msg);
	}
	*p = c->p;
	*n = (size_t)v;
	c->p += v;
	return TP_OK;
}

static enum tp_err count(struct cursor *c, size_t *n, size_t min_each, const char *what)
{
	uint64_t v;
	const uint8_t *at = c->p;
	enum tp_err e = varint(c, &v, what);
	if (e)
		return e;
	if (v > (uint64_t)(c->end - c->p) / min_each) {
		char msg[160];
		size_t left = (size_t)(c->end - c->p);
		c->p = at; /* point at the count */
		snprintf(msg, sizeof msg, "%s %llu cannot fit in the %zu bytes left in the block",
			 what, (unsigned long long)v, left);
		return fail(c, msg);
	}
	*n = (size_t)v;
	return TP_OK;
}

static enum tp_err grow(void **arr, size_t *cap, size_t need_n, size_t size)
{
	if (need_n <= *cap)
		return TP_OK;
	size_t n = *cap ? *cap : 16;
	while (n < need_n)
		n *= 2;
	void *p = realloc(*arr, n * size);
	if (!p)
		return TP_ENOMEM;
	*arr = p;
	*cap = n;
	return TP_OK;
}

enum tp_err tp_btc_header_parse(const uint8_t *raw, size_t len, struct tp_btc_header *h,
				struct tp_diag *d)
{
	if (len < TP_BTC_HEADER_SIZE)
		return tp_diag_set(d, TP_EPARSE,
				   "block byte offset 0: truncated header (%zu of 80 bytes)", len);
	memset(h, 0, sizeof *h);
	tp_btc_sha256d(raw, TP_BTC_HEADER_SIZE, h->hash);
	h->version = (int32_t)le32(raw);
	memcpy(h->prev_hash, raw + 4, 32);
	memcpy(h->merkle_root, raw + 36, 32);
	h->time = le32(raw + 68);
	h->bits = le32(raw + 72);
	h->nonce = le32(raw + 76);
	h->height = -1;
	return TP_OK;
}

/*
 * Decodes the transaction at c into tx, its inputs and outputs into sc,
 * and sets *id to the byte ranges its txid hashes; tx->txid is left for
 * the caller to fill. Classifies the outputs unless only the ranges are
 * wanted (the first pass of a merkle check).
 */
static enum tp_err decode_tx(struct tp_btc_decoder *dec, struct scratch *sc, struct cursor *c,
			     struct tp_btc_tx *tx, int classify, struct tp_btc_msg *id)
{
	static const uint8_t null_txid[32];
	const uint8_t *start = c->p;
	enum tp_err e;
	if (!need(c, 4))
		return fail(c, "truncated: transaction version runs past the end");
	tx->version = (int32_t)le32(c->p);
	c->p += 4;
	tx->has_witness = 0;
	if (need(c, 2) && c->p[0] == 0x00) {
		if (c->p[1] != 0x01)
			return fail(c, "unknown transaction serialization flag (expected "
				       "SegWit marker 00 01)");
		tx->has_witness = 1;
		c->p += 2;
	}
	const uint8_t *body = c->p;
	size_t n_in, n_out;
	if ((e = count(c, &n_in, 41, "input count")))
		return e;
	if (n_in == 0)
		return fail(c, "transaction has no inputs");
	if ((e = grow((void **)&sc->in, &sc->in_cap, n_in, sizeof *sc->in)))
		return e;
	for (size_t i = 0; i < n_in; i++) {
		struct tp_btc_txin *in = &sc->in[i];
		const uint8_t *sig;
		size_t siglen;
		if (!need(c, 36))
			return fail(c, "truncated: input outpoint runs past the end");
		memcpy(in->prev_txid, c->p, 32);
		in->prev_index = le32(c->p + 32);
		c->p += 36;
		if ((e = bytes(c, &sig, &siglen, "scriptSig")))
			return e;
		if (!need(c, 4))
			return fail(c, "truncated: input sequence runs past the end");
		in->sequence = le32(c->p);
		c->p += 4;
	}
	if ((e = count(c, &n_out, 9, "output count")))
		return e;
	if ((e = grow((void **)&sc->out, &sc->out_cap, n_out, sizeof *sc->out)))
		return e;
	for (size_t i = 0; i < n_out; i++) {
		struct tp_btc_txout *o = &sc->out[i];
		if (!need(c, 8))
			return fail(c, "truncated: output value runs past the end");
		o->value = le64(c->p);
		if (o->value > MAX_MONEY)
			return fail(c, "output value exceeds 21,000,000 BTC");
		c->p += 8;
		if ((e = bytes(c, &o->script, &o->script_len, "scriptPubKey")))
			return e;
		if (classify)
			tp_btc_script_classify(dec->net, o->script, o->script_len,
					       (dec->flags & TP_BTC_NO_ADDRESS) != 0, o);
	}
	const uint8_t *body_end = c->p;
	if (tx->has_witness) {
		for (size_t i = 0; i < n_in; i++) {
			size_t items;
			if ((e = count(c, &items, 1, "witness item count")))
				return e;
			for (size_t k = 0; k < items; k++) {
				const uint8_t *w;
				size_t wl;
				if ((e = bytes(c, &w, &wl, "witness item")))
					return e;
			}
		}
	}
	if (!need(c, 4))
		return fail(c, "truncated: transaction locktime runs past the end");
	tx->locktime = le32(c->p);
	c->p += 4;

	/* without a witness the three ranges are one: hashed in place, block
	 * by block, where split ones are gathered into a buffer */
	struct tp_btc_msg whole = {{start, start, start}, {(size_t)(c->p - start), 0, 0}},
			  split = {{start, body, c->p - 4}, {4, (size_t)(body_end - body), 4}};
	*id = tx->has_witness ? split : whole;
	tx->size = (size_t)(c->p - start);
	tx->is_coinbase = n_in == 1 && sc->in[0].prev_index == 0xffffffffu &&
			  memcmp(sc->in[0].prev_txid, null_txid, 32) == 0;
	tx->n_in = tx->is_coinbase ? 0 : n_in;
	tx->in = sc->in;
	tx->n_out = n_out;
	tx->out = sc->out;
	return TP_OK;
}

static enum tp_err trailing(struct cursor *c)
{
	if (c->p != c->end) {
		char msg[96];
		snprintf(msg, sizeof msg, "%zu bytes after the last transaction",
			 (size_t)(c->end - c->p));
		return fail(c, msg);
	}
	return TP_OK;
}

/*
 * The merkle root of dec->ids against the header. Like Bitcoin
 * Core, a level where a pair of equal hashes meets is a mutated block
 * (CVE-2012-2459: duplicated transactions that keep the same root).
 */
static enum tp_err check_merkle(struct tp_btc_decoder *dec, const struct tp_btc_header *h,
				struct cursor *c)
{
	size_t n = h->n_tx;
	int mutated = 0;
	enum tp_err e = grow((void **)&dec->tree, &dec->tree_cap, n, 32);
	if (e)
		return e;
	memcpy(dec->tree, dec->ids, n * 32);
	while (n > 1) {
		/* node k of the next level hashes nodes 2k and 2k + 1 (or 2k
		 * twice); two nodes at a time, each written after its inputs
		 * and those of the other were read (2k + 2 > k + 1) */
		size_t m = (n + 1) / 2;
		struct tp_btc_msg pair[2];
		for (size_t k = 0; k < m; k++) {
			size_t i = 2 * k, j = i + 1 < n ? i + 1 : i;
			if (j != i && memcmp(dec->tree[i], dec->tree[j], 32) == 0)
				mutated = 1;
			struct tp_btc_msg x = {{dec->tree[i], dec->tree[j], NULL}, {32, 32, 0}};
			pair[k % 2] = x;
			if (k % 2)
				tp_btc_sha256d_two(&pair[0], &pair[1], dec->tree[k - 1], dec->tree[k]);
		}
		if (m % 2)
			tp_btc_sha256d_msg(&pair[0], dec->tree[m - 1]);
		n = m;
	}
	c->p = c->base + 36; /* the header's merkle root */
	if (memcmp(dec->tree[0], h->merkle_root, 32) != 0)
		return fail(c, "the merkle root of the transactions does not match the header "
			       "(a corrupt or altered block)");
	if (mutated)
		return fail(c, "duplicated transactions in the merkle tree (a mutated block, "
			       "CVE-2012-2459)");
	return TP_OK;
}

/* The txids of n transactions from what each hashes, two at a time. */
static void hash_ids(const struct tp_btc_msg *m, size_t n, uint8_t (*ids)[32])
{
	size_t i = 0;
	for (; i + 1 < n; i += 2)
		tp_btc_sha256d_two(&m[i], &m[i + 1], ids[i], ids[i + 1]);
	if (i < n)
		tp_btc_sha256d_msg(&m[i], ids[i]);
}

/*
 * The transactions at c with the merkle check: every txid first and the
 * root checked against the header, then each transaction decoded again
 * and handed over with its id.
 */
static enum tp_err merkle_checked(struct tp_btc_decoder *dec, const struct tp_btc_header *h,
				  struct cursor *c, tp_btc_tx_fn fn, void *ctx)
{
	const uint8_t *txs = c->p;
	struct tp_btc_tx tx;
	struct tp_btc_msg m;
	enum tp_err e;
	if ((e = grow((void **)&dec->ids, &dec->ids_cap, h->n_tx, 32)) ||
	    (e = grow((void **)&dec->msg, &dec->msg_cap, h->n_tx, sizeof *dec->msg)))
		return e;
	for (size_t i = 0; i < h->n_tx; i++) {
		tx.index = (uint32_t)i;
		if ((e = decode_tx(dec, &dec->tx[0], c, &tx, 0, &dec->msg[i])))
			return e;
	}
	hash_ids(dec->msg, h->n_tx, dec->ids);
	if ((e = trailing(c)) || (e = check_merkle(dec, h, c)))
		return e;
	c->p = txs;
	for (size_t i = 0; i < h->n_tx; i++) {
		tx.index = (uint32_t)i;
		if ((e = decode_tx(dec, &dec->tx[0], c, &tx, 1, &m)))
			return e;
		memcpy(tx.txid, dec->ids[i], 32);
		if (fn && (e = fn(ctx, h, &tx)) != TP_OK)
			return e;
	}
	return TP_OK;
}

/*
 * The transactions at c two at a time: both decoded, hashed together,
 * then handed over in order. An error in the second is kept aside until
 * the first went through, so the callbacks and the error are the same
 * as decoding one at a time would give.
 */
static enum tp_err in_pairs(struct tp_btc_decoder *dec, const struct tp_btc_header *h,
			    struct cursor *c, tp_btc_tx_fn fn, void *ctx)
{
	struct tp_diag *d = c->d, aside;
	for (size_t i = 0; i < h->n_tx; i += 2) {
		struct tp_btc_tx tx[2];
		struct tp_btc_msg m[2];
		size_t n = i + 1 < h->n_tx ? 2 : 1;
		enum tp_err e, later = TP_OK;
		tx[0].index = (uint32_t)i;
		if ((e = decode_tx(dec, &dec->tx[0], c, &tx[0], 1, &m[0])))
			return e;
		if (n == 2) {
			tx[1].index = (uint32_t)i + 1;
			aside.code = TP_OK;
			aside.column = d ? d->column : 0;
			c->d = d ? &aside : NULL;
			later = decode_tx(dec, &dec->tx[1], c, &tx[1], 1, &m[1]);
			c->d = d;
			n -= later != TP_OK;
		}
		if (n == 2)
			tp_btc_sha256d_two(&m[0], &m[1], tx[0].txid, tx[1].txid);
		else
			tp_btc_sha256d_msg(&m[0], tx[0].txid);
		for (size_t k = 0; k < n; k++)
			if (fn && (e = fn(ctx, h, &tx[k])) != TP_OK)
				return e;
		if (later) {
			if (d && aside.code != TP_OK) {
				d->code = aside.code;
				d->column = aside.column;
				memcpy(d->message, aside.message, sizeof d->message);
			}
			return later;
		}
	}
	return TP_OK;
}

enum tp_err tp_btc_block_decode(struct tp_btc_decoder *dec, const uint8_t *raw, size_t len,
				int64_t height, tp_btc_tx_fn fn, void *ctx,
				struct tp_btc_header *hout, struct tp_diag *d)
{
	struct tp_btc_header h;
	struct cursor c = {raw, raw, raw + len, d};
	enum tp_err e;
	if (!dec || (!raw && len))
		return tp_diag_set(d, TP_EINVAL, "no decoder or no block");
	if ((e = tp_btc_header_parse(raw, len, &h, d)))
		return e;
	h.height = height;
	h.size = len;
	c.p += TP_BTC_HEADER_SIZE;
	if ((e = count(&c, &h.n_tx, 10, "transaction count")))
		return e;
	if (h.n_tx == 0)
		return fail(&c, "block has no transactions");
	e = dec->flags & TP_BTC_CHECK_MERKLE ? merkle_checked(dec, &h, &c, fn, ctx)
					      : in_pairs(dec, &h, &c, fn, ctx);
	if (e)
		return e;
	if ((e = trailing(&c)))
		return e;
	if (hout)
		*hout = h;
	return TP_OK;
}
