/*
 * UTXO import: bitcoin-etl `transactions` JSON lines (docs/trace-formats.md).
 * One object per line:
 *
 *	{"hash":"7940cd...","block_number":50001,"block_timestamp":1270917100,
 *	 "is_coinbase":false,
 *	 "inputs":[{"spent_transaction_hash":"76a8d7...","spent_output_index":0}],
 *	 "outputs":[{"index":0,"addresses":["1Dz..."],"value":5000000000}]}
 *
 * Every input must spend an output already in the graph (earlier line or
 * earlier import) that nothing else spent; values are non-negative
 * integers of satoshi. A row is checked completely before anything is
 * added, so `--skip-bad` drops whole transactions, never halves.
 *
 * Lines are read by etl_scan.c (no JSON tree). While one transaction is
 * checked and added, the next several lines are already scanned and what
 * their lookups will read (hash slots, then the entries they point to,
 * then address strings) is prefetched in steps: the lookups, not the
 * JSON, are what an import waits for, and several misses in flight at
 * once cost little more than one. With a second core the lines are read
 * and scanned on a thread of their own, up to four batches of 256 lines
 * ahead (etl_batch.h), and the calling thread only prefetches, checks and
 * adds: the same graph, errors and skips, in about the time of the
 * busier half.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etl_batch.h"
#include "import.h"
#include "import_utxo.h"
#include "tripact/time.h"

/* Reads a block timestamp: integer seconds or an RFC 3339 string. */
static int val_time(const struct tpe_val *v, int64_t *out)
{
	if (v->kind == TPE_INT) {
		*out = v->i;
		return *out >= 0;
	}
	if (v->kind == TPE_STR) {
		tp_time_us t;
		if (tp_time_parse(v->s, v->len, TP_TIME_ANY_OFFSET, &t, NULL, NULL) != TP_OK)
			return 0;
		*out = t / 1000000;
		return 1;
	}
	return 0;
}

/* A non-negative integer, or a decimal string as bitcoin-etl writes big ones. */
static int val_u64(const struct tpe_val *v, uint64_t *out)
{
	if (v->kind == TPE_INT && v->i >= 0) {
		*out = (uint64_t)v->i;
		return 1;
	}
	if (v->kind == TPE_STR) {
		struct tp_u256 u;
		if (tp_u256_parse(v->s, v->len, &u) == TP_OK && tp_u256_to_u64(&u, out))
			return 1;
	}
	return 0;
}

/* An output's addresses: none (absent, null or []), or one string, joined. */
static int addrs_ok(const struct tpe_addrs *a)
{
	return a->kind == TPE_ABSENT || a->kind == TPE_NULL || (a->kind == TPE_ARRAY && !a->bad);
}

/* Whether a names an address (not none, and addrs_ok). */
static int addrs_some(const struct tpe_addrs *a)
{
	return a->kind == TPE_ARRAY && !a->bad && a->len;
}

/* The address id of a, TPG_NONE for none; a must be addrs_ok. */
static enum tp_err addrs_intern(struct tp_trace_graph *g, const struct tpe_addrs *a, uint32_t *id)
{
	*id = TPG_NONE;
	return addrs_some(a) ? tpg_addr_intern(g, a->s, a->len, id) : TP_OK;
}

/* The id under which an output from before the imported blocks is kept. */
static void external_id(const uint8_t *spent, uint64_t idx, uint8_t out[32])
{
	memcpy(out, spent, 32);
	out[0] ^= 0xa5;
	for (int k = 0; k < 8; k++)
		out[24 + k] ^= (uint8_t)(idx >> (8 * k));
}

/* Adds the output an input spends from before the imported blocks. */
static enum tp_err add_external(struct tp_trace_graph *g, struct tpr *r, const struct tpe_io *in,
				int64_t time, uint32_t block, uint64_t *spend)
{
	uint8_t sid[32], xid[32];
	uint64_t v = 0;
	uint32_t aid = TPG_NONE, xt;
	(void)tpe_txid_parse(in->spent_hash.s, in->spent_hash.len, sid);
	external_id(sid, (uint64_t)in->spent_index.i, xid);
	(void)val_u64(&in->value, &v);
	enum tp_err e = addrs_intern(g, &in->addrs, &aid);
	if (e == TP_OK)
		e = tpg_tx_add(g, xid, 32, time, block, &xt);
	if (e == TP_OK)
		e = tpg_out_add(g, v, aid);
	*spend = g->nout - 1;
	if (r->stats)
		r->stats->external++;
	return e;
}

/* Makes *p hold at least n elements of size bytes; 0 or -1. */
static int reserve(void **p, size_t *cap, size_t n, size_t size)
{
	if (n <= *cap)
		return 0;
	void *q = realloc(*p, n * size);
	if (!q)
		return -1;
	*p = q;
	*cap = n;
	return 0;
}

static void parse_ref(const struct tpe_val *v, struct tpe_ref *out)
{
	out->ok = v->kind == TPE_STR && tpe_txid_parse(v->s, v->len, out->id);
	out->tx = TPG_NONE;
}

static void scan_into(struct tpe_line *s, const char *line, size_t len)
{
	s->line = line;
	s->len = len;
	s->step = 0;
	if (!len)
		return;
	s->e = tpe_scan_line(s->sc, line, len, &s->tx, s->why, sizeof s->why);
	if (s->e != TP_OK)
		return;
	const struct tpe_tx *t = s->tx;
	if (reserve((void **)&s->ids, &s->ids_cap, t->nin + 1, sizeof *s->ids) ||
	    reserve((void **)&s->ahash, &s->ahash_cap, t->nout, sizeof *s->ahash)) {
		s->e = TP_ENOMEM;
		return;
	}
	parse_ref(&t->hash, &s->ids[0]);
	for (size_t i = 0; i < t->nin; i++)
		parse_ref(&t->in[i].spent_hash, &s->ids[1 + i]);
	for (size_t k = 0; k < t->nout; k++) {
		const struct tpe_addrs *a = &t->out[k].addrs;
		s->ahash[k] = addrs_some(a) ? tpg_addr_hash(a->s, a->len) : 0;
	}
}

static enum tp_err one_tx(struct tp_trace_graph *g, struct tpr *r, const struct tpe_line *s,
			  uint32_t min_block, uint32_t *prev_block, uint64_t **spend,
			  size_t *spend_cap, struct tp_diag *d)
{
	const struct tpe_tx *t = s->tx;
	const uint8_t *id = s->ids[0].id;
	if (!s->ids[0].ok)
		return tpr_bad(r, d, TP_EPARSE, "\"hash\" must be a 64-digit hex transaction id");
	/* a valid id: at most 66 characters, printed with %.*s */
	int hl = (int)t->hash.len;
	const char *hash = t->hash.s;
	const struct tpe_val *bn = &t->block_number;
	if (bn->kind != TPE_INT || bn->i < 0 || bn->i > UINT32_MAX - 1)
		return tpr_bad(r, d, TP_EPARSE,
			       "transaction %.*s: \"block_number\" missing or invalid", hl, hash);
	uint32_t block = (uint32_t)bn->i;
	if (block < min_block)
		return tpr_bad(r, d, TP_ECONFLICT,
			       "transaction %.*s: block %u is not newer than the graph (last block "
			       "%u); import newer blocks only",
			       hl, hash, block, min_block - 1);
	if (block < *prev_block)
		return tpr_bad(r, d, TP_EPARSE,
			       "transaction %.*s: block %u after block %u: transactions must be "
			       "sorted by block",
			       hl, hash, block, *prev_block);
	int64_t time;
	if (!val_time(&t->block_timestamp, &time))
		return tpr_bad(r, d, TP_EPARSE,
			       "transaction %.*s: \"block_timestamp\" missing or invalid", hl,
			       hash);
	if (tpg_tx_find(g, id, 32) != TPG_NONE)
		return tpr_bad(r, d, TP_EEXIST, "duplicate transaction %.*s", hl, hash);
	int coinbase = t->is_coinbase.kind == TPE_TRUE;
	if (t->outputs_kind != TPE_ARRAY || (!coinbase && t->inputs_kind != TPE_ARRAY))
		return tpr_bad(r, d, TP_EPARSE,
			       "transaction %.*s: \"inputs\"/\"outputs\" must be arrays", hl, hash);
	size_t nin = coinbase ? 0 : t->nin;
	if (nin > *spend_cap) {
		uint64_t *q = realloc(*spend, nin * sizeof **spend);
		if (!q)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		*spend = q;
		*spend_cap = nin;
	}
	uint64_t in_total = 0, out_total = 0;
	for (size_t i = 0; i < nin; i++) {
		const struct tpe_io *in = &t->in[i];
		const struct tpe_val *si = &in->spent_index;
		const uint8_t *sid = s->ids[1 + i].id;
		if (!s->ids[1 + i].ok || si->kind != TPE_INT || si->i < 0)
			return tpr_bad(
				r, d, TP_EPARSE,
				"transaction %.*s: inputs[%zu] needs spent_transaction_hash and "
				"spent_output_index",
				hl, hash, i);
		int sl = (int)in->spent_hash.len;
		const char *sh = in->spent_hash.s;
		uint32_t st = s->ids[1 + i].tx != TPG_NONE ? s->ids[1 + i].tx : tpg_tx_find(g, sid, 32);
		uint64_t idx = (uint64_t)si->i;
		uint64_t v;
		if (st == TPG_NONE && r->opts && r->opts->external_inputs) {
			uint8_t xid[32];
			external_id(sid, idx, xid);
			st = tpg_tx_find(g, xid, 32);
			if (st == TPG_NONE) {
				if (!val_u64(&in->value, &v) || v > 2100000000000000ULL)
					return tpr_bad(
						r, d, TP_EPARSE,
						"transaction %.*s: inputs[%zu] spends an output "
						"before the imported blocks and has no value",
						hl, hash, i);
				(*spend)[i] = UINT64_MAX;
				in_total += v;
				continue;
			}
			idx = 0;
		}
		if (st == TPG_NONE || idx >= tpg_tx_nout(g, st))
			return tpr_bad(
				r, d, TP_ENOTFOUND,
				"transaction %.*s: inputs[%zu] spends unknown output %.*s:%llu "
				"(import the chain from its start, or earlier blocks first)",
				hl, hash, i, sl, sh, (unsigned long long)idx);
		uint64_t out = tpg_tx_first_out(g, st) + idx;
		if (tpg_out_spent_by(g, out) != TPG_NONE)
			return tpr_bad(
				r, d, TP_ECONFLICT,
				"transaction %.*s: inputs[%zu] spends %.*s:%llu, already spent", hl,
				hash, i, sl, sh, (unsigned long long)idx);
		for (size_t j = 0; j < i; j++)
			if ((*spend)[j] == out)
				return tpr_bad(
					r, d, TP_ECONFLICT,
					"transaction %.*s: inputs[%zu] spends %.*s:%llu twice", hl,
					hash, i, sl, sh, (unsigned long long)idx);
		if (in->value.kind != TPE_ABSENT && in->value.kind != TPE_NULL &&
		    (!val_u64(&in->value, &v) || v != tpg_out_value(g, out)))
			return tpr_bad(r, d, TP_EVALIDATE,
				       "transaction %.*s: inputs[%zu] value disagrees with output "
				       "%.*s:%llu (%llu)",
				       hl, hash, i, sl, sh, (unsigned long long)idx,
				       (unsigned long long)tpg_out_value(g, out));
		(*spend)[i] = out;
		in_total += tpg_out_value(g, out);
	}
	size_t nout = t->nout;
	for (size_t i = 0; i < nout; i++) {
		const struct tpe_io *out = &t->out[i];
		uint64_t v;
		if (out->index.kind != TPE_ABSENT &&
		    (out->index.kind != TPE_INT || out->index.i != (int64_t)i))
			return tpr_bad(r, d, TP_EPARSE,
				       "transaction %.*s: outputs[%zu] has index %s", hl, hash, i,
				       "out of order");
		if (!val_u64(&out->value, &v) || v > 2100000000000000ULL)
			return tpr_bad(r, d, TP_EPARSE,
				       "transaction %.*s: outputs[%zu] value must be an integer of "
				       "satoshi between 0 and 21e14",
				       hl, hash, i);
		if (!addrs_ok(&out->addrs))
			return tpr_bad(r, d, TP_EPARSE,
				       "transaction %.*s: outputs[%zu] addresses invalid", hl, hash,
				       i);
		out_total += v;
	}
	if (!coinbase && out_total > in_total)
		return tpr_bad(r, d, TP_EVALIDATE,
			       "transaction %.*s: outputs (%llu) exceed inputs (%llu)", hl, hash,
			       (unsigned long long)out_total, (unsigned long long)in_total);

	/* checked: now add, outputs from before the imported blocks first */
	uint32_t tx;
	enum tp_err e = TP_OK;
	for (size_t i = 0; e == TP_OK && i < nin; i++)
		if ((*spend)[i] == UINT64_MAX)
			e = add_external(g, r, &t->in[i], time, block, &(*spend)[i]);
	if (e == TP_OK)
		e = tpg_tx_add(g, id, 32, time, block, &tx);
	for (size_t i = 0; e == TP_OK && i < nin; i++) {
		e = tpg_in_add(g, (*spend)[i]);
		if (e == TP_OK)
			tpg_out_set_spent_by(g, (*spend)[i], tx);
	}
	for (size_t i = 0; e == TP_OK && i < nout; i++) {
		uint64_t v = 0;
		uint32_t aid = TPG_NONE;
		const struct tpe_addrs *a = &t->out[i].addrs;
		(void)val_u64(&t->out[i].value, &v);
		if (addrs_some(a))
			e = tpg_addr_intern_hashed(g, a->s, a->len, s->ahash[i], &aid);
		if (e == TP_OK)
			e = tpg_out_add(g, v, aid);
	}
	if (e != TP_OK)
		return tp_diag_set(d, e, "%s:%ld: cannot add transaction %.*s: %s", r->path,
				   r->lineno, hl, hash, tp_strerror(e));
	*prev_block = block;
	r->txs++;
	if (r->stats) {
		r->stats->txs++;
		r->stats->inputs += nin;
		r->stats->outputs += nout;
	}
	return TP_OK;
}

/* Starts loading the output an input spends, when it is in the graph,
 * and keeps the transaction found for the import (one lookup, not two). */
static void prefetch_spent(const struct tp_trace_graph *g, struct tpe_ref *ref,
			   const struct tpe_val *index)
{
	uint32_t st = ref->tx = tpg_tx_find(g, ref->id, 32);
	if (st != TPG_NONE && index->kind == TPE_INT && index->i >= 0 &&
	    (uint64_t)index->i < tpg_tx_nout(g, st))
		tpg_out_prefetch(g, tpg_tx_first_out(g, st) + (uint64_t)index->i);
}

/*
 * Starts loading what importing s will look up, in three steps some lines
 * apart, each needing what the one before loaded: step 1 the hash slots
 * (of its id, the outputs it spends, its outputs' addresses), step 2 the
 * entries they point to (spent transactions' ids and output ranges,
 * address offsets), step 3 the address strings and the spent outputs.
 */
static void prefetch_tx(const struct tp_trace_graph *g, struct tpe_line *s, int step)
{
	if (!s->len || s->e != TP_OK)
		return;
	const struct tpe_tx *t = s->tx;
	if (step == 1 && s->ids[0].ok)
		tpg_tx_prefetch(g, s->ids[0].id);
	for (size_t i = 0; i < t->nin; i++) {
		struct tpe_ref *ref = &s->ids[1 + i];
		if (!ref->ok)
			continue;
		if (step == 1)
			tpg_tx_prefetch(g, ref->id);
		else if (step == 2)
			tpg_tx_prefetch_entry(g, ref->id);
		else
			prefetch_spent(g, ref, &t->in[i].spent_index);
	}
	for (size_t k = 0; k < t->nout; k++) {
		if (!addrs_some(&t->out[k].addrs))
			continue;
		if (step == 1)
			tpg_addr_prefetch(g, s->ahash[k]);
		else if (step == 2)
			tpg_addr_prefetch_off(g, s->ahash[k]);
		else
			tpg_addr_prefetch_str(g, s->ahash[k]);
	}
}

/* Starts what the line k lines before its turn needs (prefetch_tx): step 1
 * as soon as a line is scanned, 2 halfway, 3 two lines before its turn. */
#define AHEAD 8 /* lines ahead; a power of two */

static void prefetch_ahead(const struct tp_trace_graph *g, struct tpe_line *s, unsigned k)
{
	int want = k <= 2 ? 3 : k <= AHEAD / 2 ? 2 : 1;
	while (s->step < want)
		prefetch_tx(g, s, ++s->step);
}

/* What adding needs from one line to the next. */
struct adder {
	uint32_t min_block, prev_block;
	uint64_t *spend;
	size_t spend_cap;
};

/* Checks and adds the line now (r->lineno is its number). */
static enum tp_err import_line(struct tp_trace_graph *g, struct tpr *r, const struct tpe_line *now,
			       struct adder *a, struct tp_diag *d)
{
	if (now->len == 0)
		return TP_OK;
	if (now->e == TP_EPARSE)
		return tpr_bad(r, d, TP_EPARSE, "not a JSON object: %s", now->why);
	if (now->e != TP_OK)
		return tp_diag_set(d, now->e, "out of memory");
	return one_tx(g, r, now, a->min_block, &a->prev_block, &a->spend, &a->spend_cap, d);
}

/*
 * One thread: lines scanned ahead in a ring. ring[head] is the line being
 * imported (or none, when n is 0), the n - 1 after it are already read and
 * scanned, and what their lookups read is being prefetched. A few lines
 * ahead, not one, so that several misses are in flight while one
 * transaction is added.
 */
struct lookahead {
	struct tpe_line ring[AHEAD];
	unsigned head, n;
};

/* Makes ring[head] the line r->line and scans further lines as far as read. */
static void look_ahead(const struct tp_trace_graph *g, struct tpr *r, struct lookahead *la)
{
	if (la->n && la->ring[la->head].line != r->line)
		la->n = 0; /* not the peeked line: cannot happen, but start afresh */
	if (la->n == 0) {
		scan_into(&la->ring[la->head], r->line, r->len);
		la->n = 1;
	}
	const char *ahead;
	size_t alen;
	while (la->n < AHEAD && tpr_peek_more(r, &ahead, &alen)) {
		struct tpe_line *s = &la->ring[(la->head + la->n) % AHEAD];
		scan_into(s, ahead, alen);
		la->n++;
	}
	for (unsigned k = 1; k < la->n; k++)
		prefetch_ahead(g, &la->ring[(la->head + k) % AHEAD], k);
}

static enum tp_err import_alone(struct tp_trace_graph *g, struct tpr *r, struct adder *a,
				struct tp_diag *d)
{
	struct lookahead la = {0};
	enum tp_err e = TP_OK;
	for (int k = 0; k < AHEAD && e == TP_OK; k++)
		if (tpe_scan_new(&la.ring[k].sc) != TP_OK)
			e = tp_diag_set(d, TP_ENOMEM, "out of memory");
	int rc = 0;
	while (e == TP_OK && (rc = tpr_next(r, d)) > 0) {
		look_ahead(g, r, &la);
		const struct tpe_line *now = &la.ring[la.head];
		la.head = (la.head + 1) % AHEAD;
		la.n--;
		e = import_line(g, r, now, a, d);
	}
	if (rc < 0)
		e = d ? d->code : TP_EIO;
	for (int k = 0; k < AHEAD; k++)
		tpe_line_free(&la.ring[k]);
	return e;
}

/*
 * Two threads: the scanning thread reads and scans lines into batches
 * (etl_batch.h) on its own copy of the reader, without the progress
 * callback and the statistics, which stay with the graph thread; the
 * graph thread takes the batches in order and imports their lines as the
 * one thread would, so the graph, the errors and the skips are the same.
 */
struct scanner {
	struct tpr rd;
	struct tpe_pipe *pipe;
};

static void *scan_thread(void *arg)
{
	struct scanner *s = arg;
	struct tpe_batch *b = tpe_pipe_fill(s->pipe);
	struct tp_diag d = {0};
	int rc, nomem = 0;
	while ((rc = tpr_next(&s->rd, &d)) > 0) {
		struct tpe_line *l = tpe_batch_add(b, s->rd.line, s->rd.len, s->rd.lineno, &nomem);
		if (!l && !nomem) {
			if (tpe_pipe_push(s->pipe) < 0)
				goto out; /* the graph thread failed */
			b = tpe_pipe_fill(s->pipe);
			l = tpe_batch_add(b, s->rd.line, s->rd.len, s->rd.lineno, &nomem);
		}
		if (!l) {
			rc = -1;
			tp_diag_set(&d, TP_ENOMEM, "out of memory");
			break;
		}
		l->consumed = s->rd.consumed;
		/* the slot two lines on was last written 4 batches ago: its
		 * first stores would each wait for their line */
		if (b->n + 2 <= TPE_BATCH_LINES && b->line[b->n + 1].sc)
			tpe_line_prefetch(&b->line[b->n + 1]);
		scan_into(l, l->line, l->len);
	}
	if (rc < 0) {
		b->end_rc = rc;
		b->end = d;
	}
	if (b->n || rc < 0)
		(void)tpe_pipe_push(s->pipe);
out:
	tpi_pipe_close(&s->pipe->q);
	return NULL;
}

/* The line k after b's line at, in b or in next (NULL when not yet scanned). */
static struct tpe_line *line_after(struct tpe_batch *b, struct tpe_batch *next, size_t at, size_t k)
{
	if (at + k < b->n)
		return &b->line[at + k];
	k -= b->n - at;
	return next && k < next->n ? &next->line[k] : NULL;
}

/* The graph thread's share of what tpr_next does for line l. */
static void account(struct tpr *r, const struct tpe_line *l)
{
	r->lineno = l->lineno;
	if (r->stats)
		r->stats->bytes += l->len + 1, r->stats->rows++;
	if (r->opts && r->opts->progress && (l->lineno & 0xffff) == 0)
		r->opts->progress(r->opts->progress_ctx, r->done_before + l->consumed, r->total,
				  r->txs);
}

/*
 * The graph thread's first reads of a line are misses too: the scanning
 * thread wrote it on the other core. So, before prefetch_tx's steps, the
 * line's own record is asked for LINE_AHEAD lines ahead, what it points
 * to (the scan and the ids the first step reads) 2 * AHEAD ahead, and the
 * inputs and outputs the steps read halfway between that and AHEAD.
 */
#define LINE_AHEAD (3 * AHEAD)

static void prefetch_scanned(const struct tpe_line *s)
{
	if (!s->len || s->e != TP_OK)
		return;
	__builtin_prefetch(s->tx);
	__builtin_prefetch(s->ids);
	__builtin_prefetch(s->ahash);
}

/* Some lines later: the inputs and outputs the steps read. */
static void prefetch_lists(const struct tpe_line *s)
{
	if (!s->len || s->e != TP_OK)
		return;
	const struct tpe_tx *t = s->tx;
	for (size_t i = 0; i < t->nin && i < 4; i++)
		__builtin_prefetch(&t->in[i].spent_index);
	for (size_t k = 0; k < t->nout && k < 4; k++)
		__builtin_prefetch(&t->out[k].addrs);
}

static enum tp_err add_batches(struct tp_trace_graph *g, struct tpr *r, struct tpe_pipe *p,
			       struct adder *a, struct tp_diag *d)
{
	enum tp_err e = TP_OK;
	struct tpe_batch *b;
	while (e == TP_OK && (b = tpe_pipe_pop(p))) {
		struct tpe_batch *next = NULL;
		for (size_t at = 0; e == TP_OK && at < b->n; at++) {
			if (!next && at + LINE_AHEAD > b->n)
				next = tpe_pipe_peek(p);
			struct tpe_line *s;
			if ((s = line_after(b, next, at, LINE_AHEAD)))
				__builtin_prefetch(s);
			if ((s = line_after(b, next, at, 2 * AHEAD)))
				prefetch_scanned(s);
			if ((s = line_after(b, next, at, AHEAD + AHEAD / 2)))
				prefetch_lists(s);
			for (unsigned k = 1; k < AHEAD && (s = line_after(b, next, at, k)); k++)
				prefetch_ahead(g, s, k);
			account(r, &b->line[at]);
			e = import_line(g, r, &b->line[at], a, d);
		}
		if (e == TP_OK && b->end_rc < 0) {
			if (d)
				*d = b->end;
			e = d ? d->code : TP_EIO;
		}
		tpi_pipe_done(&p->q);
	}
	return e;
}

static int threads_wanted; /* 0: as many as useful, 1: one */

void tpi_utxo_threads(int n)
{
	threads_wanted = n;
}

/* Imports on two threads; *ran 0 when the second thread could not start. */
static enum tp_err import_two(struct tp_trace_graph *g, struct tpr *r, struct adder *a,
			      struct tp_diag *d, int *ran)
{
	*ran = 0;
	struct tpe_pipe *p = malloc(sizeof *p);
	if (!p || tpe_pipe_init(p) != TP_OK) {
		free(p);
		return TP_OK;
	}
	struct scanner sc = {.rd = *r, .pipe = p};
	sc.rd.opts = NULL;
	sc.rd.stats = NULL;
	pthread_t th;
	enum tp_err e = TP_OK;
	if (pthread_create(&th, NULL, scan_thread, &sc) == 0) {
		*ran = 1;
		e = add_batches(g, r, p, a, d);
		tpi_pipe_stop(&p->q);
		pthread_join(th, NULL);
		/* the reader's state back to r, for tpr_close; the counts are r's */
		sc.rd.opts = r->opts;
		sc.rd.stats = r->stats;
		sc.rd.txs = r->txs;
		sc.rd.lineno = r->lineno;
		*r = sc.rd;
	}
	tpe_pipe_destroy(p);
	free(p);
	return e;
}

enum tp_err tpi_utxo_file(struct tp_trace_graph *g, struct tpr *r, uint32_t min_block,
			  struct tp_diag *d)
{
	struct adder a = {.min_block = min_block};
	enum tp_err e = TP_OK;
	int ran = 0;
	if (threads_wanted != 1 && sysconf(_SC_NPROCESSORS_ONLN) > 1)
		e = import_two(g, r, &a, d, &ran);
	if (!ran)
		e = import_alone(g, r, &a, d);
	free(a.spend);
	return e;
}
