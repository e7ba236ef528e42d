/*
 * Indicators whose pattern spans several observations ("[A] AND [B]",
 * "[A] FOLLOWEDBY [B] WITHIN 300 SECONDS", "[A] REPEATS 5 TIMES"). Each
 * [..] block goes into the compiled set on its own (an id with LEAF_BIT);
 * a record matching one is kept in the indicator's window, with its real
 * time. The whole pattern is evaluated over the window after each batch of
 * records that added to it:
 *
 *	conn.log:12  [A] matches -> window {r12}: no match yet
 *	dns.log:40   [B] matches -> window {r12, r40}
 *	             "[A] AND [B]" -> match {r12, r40}: one hit, both records
 *	             in its sighting, both leave the window
 *
 * A match takes its records out of the window, so each record counts in at
 * most one match and the count is the number of distinct matches. Windows
 * outlive inputs (Zeek writes each log to its own file, and a correlation
 * across conn.log and dns.log is the point), so the time order of records
 * comes from their timestamps, not from the order they are read in.
 * A window keeps at most WINDOW_MAX records; past that, and when the
 * evaluator's work bound is passed, the earliest leave, counted.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "tripact/pattern.h"

struct kept {
	char log[32];
	tp_time_us ts;
	long line;
	char *file;
	struct value *v;
	size_t nv;
	char *text;
	size_t textlen;
	uint64_t seq; /* the record's m->rec_seq: its id "observed-data--<seq>" */
	json_t *od;   /* what the evaluator sees: the record with its time */
};

struct window {
	size_t ind; /* in m->inds */
	struct tp_pattern *p;
	struct kept *k;
	size_t n, cap;
	uint64_t last_rec; /* the record added last (one entry a record) */
	int dirty;	   /* records added since the last evaluation */
	int reported;	   /* evaluation hit its work bound: said once */
};

static void kept_free(struct kept *k)
{
	json_decref(k->od);
	free(k->file);
	free(k->v);
	free(k->text);
}

void windows_free(struct tp_match *m)
{
	for (size_t i = 0; i < m->nwins; i++) {
		struct window *w = &m->wins[i];
		for (size_t j = 0; j < w->n; j++)
			kept_free(&w->k[j]);
		free(w->k);
		tp_pattern_free(w->p);
	}
	free(m->wins);
	free(m->leaf_win);
	if (m->scratch)
		tp_buf_free(&m->scratch->text);
	free(m->scratch);
}

static enum tp_err add_leaf(struct tp_match *m, const char *leaf, size_t len, struct tp_diag *d)
{
	if (m->nleaves >= LEAF_BIT - 1)
		return tp_diag_set(d, TP_ELIMIT, "too many observation expressions");
	if (m->nleaves == m->capleaves) {
		size_t cap = m->capleaves ? 2 * m->capleaves : 16;
		uint32_t *n = realloc(m->leaf_win, cap * sizeof *n);
		if (!n)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		m->leaf_win = n;
		m->capleaves = cap;
	}
	enum tp_err e = tp_pattern_set_add(m->set, leaf, len, LEAF_BIT | (uint32_t)m->nleaves, d);
	if (e == TP_OK)
		m->leaf_win[m->nleaves++] = (uint32_t)m->nwins;
	return e;
}

enum tp_err window_add(struct tp_match *m, size_t ind, const char *pattern, struct tp_diag *d)
{
	if (m->nwins == m->capwins) {
		size_t cap = m->capwins ? 2 * m->capwins : 8;
		struct window *n = realloc(m->wins, cap * sizeof *n);
		if (!n)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		m->wins = n;
		m->capwins = cap;
	}
	struct tp_pattern *p = NULL;
	enum tp_err e = tp_pattern_parse(pattern, strlen(pattern), 0, &p, d);
	if (e)
		return e;
	size_t first_leaf = m->nleaves;
	for (const char *s = pattern; e == TP_OK && (s = pattern_block(s)) != NULL;) {
		size_t len = pattern_block_len(s);
		e = add_leaf(m, s, len, d);
		s += len;
	}
	if (e) {
		/* blocks already in the set stay there; their window never
		 * exists, so hits on them are ignored */
		m->nleaves = first_leaf;
		tp_pattern_free(p);
		return e;
	}
	struct window *w = &m->wins[m->nwins++];
	memset(w, 0, sizeof *w);
	w->ind = ind;
	w->p = p;
	w->last_rec = UINT64_MAX;
	m->st.windowed++;
	return TP_OK;
}

/* The observed-data the evaluator sees for record r (number seq). */
static json_t *observation(const struct record *r, uint64_t seq)
{
	struct ids ids = {.need = 0};
	tp_buf_init(&ids.url, 1 << 20);
	json_t *objects = json_object();
	enum tp_err e = objects ? observe_objects(r, &ids, objects) : TP_ENOMEM;
	tp_buf_free(&ids.url);
	if (e && e != TP_ENOTFOUND) { /* none cannot happen: it matched */
		json_decref(objects);
		return NULL;
	}
	char id[48], ts[TP_TIME_BUFSZ];
	snprintf(id, sizeof id, "observed-data--%" PRIu64, seq);
	tp_time_format(r->ts, 6, ts);
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:o}", "type", "observed-data", "id", id,
			 "first_observed", ts, "last_observed", ts, "number_observed", 1, "objects",
			 objects);
}

static void drop(struct window *w, size_t j)
{
	kept_free(&w->k[j]);
	memmove(&w->k[j], &w->k[j + 1], (w->n - j - 1) * sizeof *w->k);
	w->n--;
}

static enum tp_err keep(struct window *w, const struct record *r, const char *file, uint64_t seq)
{
	if (w->n == w->cap) {
		size_t cap = w->cap ? 2 * w->cap : 16;
		struct kept *n = realloc(w->k, cap * sizeof *n);
		if (!n)
			return TP_ENOMEM;
		w->k = n;
		w->cap = cap;
	}
	struct kept *k = &w->k[w->n];
	memset(k, 0, sizeof *k);
	memcpy(k->log, r->log, sizeof k->log);
	k->ts = r->ts;
	k->line = r->line;
	k->nv = r->nv;
	k->textlen = r->text.len;
	k->seq = seq;
	k->file = strdup(file);
	k->v = malloc((r->nv ? r->nv : 1) * sizeof *k->v);
	k->text = malloc(r->text.len + 1);
	k->od = observation(r, seq);
	if (!k->file || !k->v || !k->text || !k->od) {
		kept_free(k);
		return TP_ENOMEM;
	}
	memcpy(k->v, r->v, r->nv * sizeof *k->v);
	memcpy(k->text, r->text.data ? r->text.data : "", r->text.len);
	k->text[r->text.len] = '\0';
	w->n++;
	w->dirty = 1;
	return TP_OK;
}

/* The record k was made from, in m's scratch record. */
static const struct record *unkept(struct tp_match *m, const struct kept *k)
{
	struct record *r = m->scratch;
	record_reset(r);
	memcpy(r->log, k->log, sizeof r->log);
	r->ts = k->ts;
	r->line = k->line;
	r->nv = k->nv;
	memcpy(r->v, k->v, k->nv * sizeof *r->v);
	if (tp_buf_append(&r->text, k->text, k->textlen + 1) != TP_OK)
		return NULL;
	return r;
}

static void report(struct tp_match *m, struct window *w, const char *why)
{
	if (!m->report)
		return;
	struct tp_diag d = {0};
	tp_diag_object(&d, m->inds[w->ind].id);
	tp_diag_set(&d, TP_ELIMIT, "%s", why);
	m->report(m->ctx, NULL, &d);
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* One match {w->k[used[0..n)]}: a hit, then those records leave. */
static enum tp_err matched(struct tp_match *m, struct window *w, size_t *used, size_t n,
			   struct tp_diag *d)
{
	qsort(used, n, sizeof *used, cmp_size);
	sighting_count(m, w->ind);
	enum tp_err e = TP_OK;
	for (size_t i = 0; e == TP_OK && i < n; i++) {
		const struct record *r = unkept(m, &w->k[used[i]]);
		e = r ? sighting_record(m, w->ind, r, w->k[used[i]].file, d)
		      : tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	for (size_t i = n; i-- > 0;)
		drop(w, used[i]);
	return e;
}

/* The index in w of the evaluator's observed-data id, or w->n. */
static size_t index_of(const struct window *w, const char *id)
{
	uint64_t seq = strtoull(id + strlen("observed-data--"), NULL, 10);
	size_t j = 0;
	while (j < w->n && w->k[j].seq != seq)
		j++;
	return j;
}

static size_t earliest(const struct window *w);

/* The evaluator's work bound was passed: the earlier half of the records
 * leave (counted, said once per indicator), the rest is tried again. */
static void halve(struct tp_match *m, struct window *w)
{
	size_t n = w->n / 2 ? w->n / 2 : 1;
	m->st.window_dropped += n;
	while (n--)
		drop(w, earliest(w));
	if (!w->reported++)
		report(m, w,
		       "too many combinations of records to evaluate; the earliest records "
		       "of its window were dropped (matches with them may be missed)");
}

/* Every match the window holds, one after the other. */
static enum tp_err evaluate(struct tp_match *m, struct window *w, struct tp_diag *d)
{
	enum tp_err e = TP_OK;
	w->dirty = 0;
	while (e == TP_OK && w->n) {
		json_t *all = json_array();
		struct tp_pattern_data *data = NULL;
		struct tp_pattern_result res = {0};
		struct tp_diag ed = {0};
		e = all ? TP_OK : TP_ENOMEM;
		for (size_t j = 0; e == TP_OK && j < w->n; j++)
			if (json_array_append(all, w->k[j].od))
				e = TP_ENOMEM;
		if (e == TP_OK)
			e = tp_pattern_data_new(all, &data, &ed);
		if (e == TP_OK)
			e = tp_pattern_match(w->p, data, &res, &ed);
		size_t *used = res.matched ? calloc(res.n ? res.n : 1, sizeof *used) : NULL;
		if (e == TP_OK && res.matched && !used)
			e = TP_ENOMEM;
		for (size_t i = 0; used && i < res.n; i++)
			used[i] = index_of(w, res.ids[i]);
		int again = e == TP_OK && res.matched && res.n;
		if (again)
			e = matched(m, w, used, res.n, d);
		free(used);
		tp_pattern_result_clear(&res);
		tp_pattern_data_free(data);
		json_decref(all);
		if (e == TP_ELIMIT) {
			halve(m, w);
			again = 1;
			e = TP_OK;
		}
		if (e && !d->message[0])
			tp_diag_set(d, e, "%s", ed.message[0] ? ed.message : tp_strerror(e));
		if (!again)
			break;
	}
	return e;
}

/* The index of the earliest record (records without a time first). */
static size_t earliest(const struct window *w)
{
	size_t best = 0;
	for (size_t j = 1; j < w->n; j++)
		if (w->k[j].ts < w->k[best].ts)
			best = j;
	return best;
}

size_t window_indicator(const struct tp_match *m, uint32_t leaf)
{
	return m->wins[m->leaf_win[leaf & ~LEAF_BIT]].ind;
}

enum tp_err window_hit(struct tp_match *m, uint32_t leaf, const struct record *r, struct tp_diag *d)
{
	struct window *w = &m->wins[m->leaf_win[leaf & ~LEAF_BIT]];
	if (w->last_rec == m->rec_seq)
		return TP_OK; /* this record is in the window already */
	w->last_rec = m->rec_seq;
	if (!m->scratch) {
		m->scratch = calloc(1, sizeof *m->scratch);
		if (!m->scratch)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		tp_buf_init(&m->scratch->text, 1 << 24);
	}
	enum tp_err e = TP_OK;
	if (w->n >= WINDOW_MAX) {
		e = evaluate(m, w, d);
		if (e == TP_OK && w->n >= WINDOW_MAX) {
			/* still full: the earliest record leaves, counted */
			drop(w, earliest(w));
			m->st.window_dropped++;
		}
	}
	if (e == TP_OK && keep(w, r, m->file, m->rec_seq) != TP_OK)
		e = tp_diag_set(d, TP_ENOMEM, "out of memory");
	return e;
}

enum tp_err windows_evaluate(struct tp_match *m, struct tp_diag *d)
{
	enum tp_err e = TP_OK;
	for (size_t i = 0; e == TP_OK && i < m->nwins; i++)
		if (m->wins[i].dirty)
			e = evaluate(m, &m->wins[i], d);
	return e;
}
