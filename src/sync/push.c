/*
 * Push: what the peer's account may read here, to the peer. The versions
 * come from tp_store_query with the viewer of the peer's local
 * partner-node account -- the same tp_tlp_may_read() the server applies to
 * that account's GETs -- so RED of other organisations and AMBER that came
 * from a third node never leave. Versions that originated in the peer's
 * own organisation (including everything pulled from it) are not echoed.
 *
 * One round covers the versions added after the push cursor up to the
 * collection's latest date_added when the round starts. They go out in
 * envelopes under the peer's max_content_length; each POST's status is
 * read (and polled while pending) and every refusal reported by id. The
 * cursor then moves to the end of the round, or to just before the
 * earliest version the peer refused, so nothing refused is ever skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync_int.h"
#include "tripact/json.h"

#define QUERY_PAGE 500

struct item {
	tp_time_us added;
	char *id;
	char *text;
	size_t len;
	int unversioned; /* no created or modified: see drop_present() */
};

struct round {
	struct local *l;
	tp_time_us upto;      /* the collection's latest date_added at the start */
	tp_time_us last_seen; /* date_added of the last row the query gave */
	int past;	      /* reached a row after upto */
	struct item *items;   /* this query page's versions to send */
	size_t n, cap;
	size_t sent_before;	  /* versions of earlier pages */
	size_t dropped;		  /* versions the peer already held */
	tp_time_us first_refused; /* 0: none yet */
	size_t before_refused;	  /* versions to send before it */
	enum tp_err oom;
};

static void items_clear(struct round *rd)
{
	for (size_t i = 0; i < rd->n; i++) {
		free(rd->items[i].id);
		free(rd->items[i].text);
	}
	rd->n = 0;
}

static int collect(void *ctx, const struct tp_store_row *row)
{
	struct round *rd = ctx;
	rd->last_seen = row->date_added;
	if (row->date_added > rd->upto) {
		rd->past = 1;
		return 1;
	}
	if (row->origin == rd->l->as.org) {
		rd->l->st->not_echoed++;
		return 0;
	}
	if (rd->n == rd->cap) {
		size_t cap = rd->cap ? rd->cap * 2 : 64;
		struct item *v = realloc(rd->items, cap * sizeof *v);
		if (!v)
			goto oom;
		rd->items = v;
		rd->cap = cap;
	}
	struct item *it = &rd->items[rd->n];
	it->added = row->date_added;
	it->len = row->json_len;
	it->unversioned = row->version == row->date_added;
	it->id = strdup(row->id);
	it->text = malloc(row->json_len + 1);
	if (!it->id || !it->text) {
		free(it->id);
		free(it->text);
		goto oom;
	}
	memcpy(it->text, row->json, row->json_len);
	rd->n++;
	return 0;
oom:
	rd->oom = TP_ENOMEM;
	return 1;
}

/* Records that items[k] of this page was refused. */
static void refused(struct round *rd, size_t k)
{
	if (rd->first_refused && rd->first_refused <= rd->items[k].added)
		return;
	rd->first_refused = rd->items[k].added;
	rd->before_refused = rd->sent_before + k;
}

/* Marks refused every item of [from, to) whose id is id. */
static void refused_id(struct round *rd, size_t from, size_t to, const char *id)
{
	for (size_t k = from; k < to; k++)
		if (id && strcmp(rd->items[k].id, id) == 0)
			refused(rd, k);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* The status of a POST, polled while it is pending (at most timeout s). */
static enum tp_err final_status(struct round *rd, struct http *h, const struct remote *rm,
				json_t **status, struct tp_diag *d)
{
	struct reply r;
	reply_init(&r);
	enum tp_err e = TP_OK;
	char url[1400];
	for (long waited = 0, step = 100;; waited += step, step = step < 1000 ? step * 2 : 1000) {
		const char *s = tp_json_str(*status, "status");
		const char *id = tp_json_str(*status, "id");
		if ((s && strcmp(s, "complete") == 0) || !id || strpbrk(id, "/?#% ") ||
		    waited >= rd->l->opt->timeout * 1000)
			break;
		sleep_ms(step);
		snprintf(url, sizeof url, "%s%s/", rm->status_url, id);
		json_t *j = NULL;
		if ((e = http_call(h, url, NULL, 0, 200, &r, &j, d)) != TP_OK)
			break;
		json_decref(*status);
		*status = j;
	}
	reply_free(&r);
	return e;
}

/* Reads a final status: counts, and reports each refusal by id. */
static void read_status(struct round *rd, const json_t *status, size_t from, size_t to)
{
	struct local *l = rd->l;
	const json_t *f;
	size_t i;
	/* a version the peer already held is accepted, not pushed */
	const json_t *ok = json_object_get(status, "successes");
	size_t n_ok = (size_t)json_integer_value(json_object_get(status, "success_count"));
	json_array_foreach(ok, i, f)
	{
		const char *msg = tp_json_str(f, "message");
		if (msg && strcmp(msg, "already present") == 0 && n_ok)
			n_ok--;
	}
	l->st->pushed += n_ok;
	json_array_foreach(json_object_get(status, "failures"), i, f)
	{
		const char *id = tp_json_str(f, "id"), *msg = tp_json_str(f, "message");
		sync_problem(l, "peer %s: refused %.120s (version %.40s): %.300s", l->peer->name,
			     id ? id : "?",
			     tp_json_str(f, "version") ? tp_json_str(f, "version") : "?",
			     msg ? msg : "no reason given");
		l->st->refused++;
		refused_id(rd, from, to, id);
	}
	json_array_foreach(json_object_get(status, "pendings"), i, f)
	{
		const char *id = tp_json_str(f, "id");
		sync_problem(l, "peer %s: %.120s still pending; it will be sent again",
			     l->peer->name, id ? id : "?");
		l->st->refused++;
		refused_id(rd, from, to, id);
	}
	const char *s = tp_json_str(status, "status");
	if (!s || strcmp(s, "complete") != 0) /* no word on some: send them all again */
		for (size_t k = from; k < to; k++)
			refused(rd, k);
}

/* POSTs items [from, to) in one envelope. */
static enum tp_err post(struct round *rd, struct http *h, const struct remote *rm, size_t from,
			size_t to, struct tp_diag *d)
{
	size_t n = to - from;
	const char **texts = malloc(n * sizeof *texts);
	size_t *lens = malloc(n * sizeof *lens);
	struct tp_buf b;
	tp_buf_init(&b, 0);
	enum tp_err e = texts && lens ? TP_OK : TP_ENOMEM;
	for (size_t k = 0; k < n && !e; k++) {
		texts[k] = rd->items[from + k].text;
		lens[k] = rd->items[from + k].len;
	}
	if (!e)
		e = tp_sync_envelope_write(&b, texts, lens, n);
	free(texts);
	free(lens);
	if (e) {
		tp_buf_free(&b);
		return tp_diag_set(d, e, "out of memory");
	}
	struct reply r;
	reply_init(&r);
	json_t *status = NULL;
	e = http_call(h, rm->objects_url, b.data, b.len, 202, &r, &status, d);
	if (!e)
		e = final_status(rd, h, rm, &status, d);
	if (!e)
		read_status(rd, status, from, to);
	else
		refused(rd, from); /* the cursor stays before this envelope */
	json_decref(status);
	reply_free(&r);
	tp_buf_free(&b);
	return e;
}

#define IDS_PER_ASK 40

/* Asks the peer's manifest which of the ids of items[from..to) (flagged
 * unversioned) it holds; sets unversioned to 2 for those. */
static enum tp_err ask_present(struct round *rd, struct http *h, const struct remote *rm,
			       size_t from, size_t to, struct tp_diag *d)
{
	struct tp_buf url;
	tp_buf_init(&url, 0);
	enum tp_err e = tp_buf_printf(
		&url, "%s?limit=1000&match%%5Bversion%%5D=all&match%%5Bid%%5D=", rm->manifest_url);
	for (size_t k = from, first = 1; k < to && !e; k++)
		if (rd->items[k].unversioned) {
			e = tp_buf_printf(&url, "%s%s", first ? "" : ",", rd->items[k].id);
			first = 0;
		}
	if (e) {
		tp_buf_free(&url);
		return tp_diag_set(d, e, "out of memory");
	}
	struct reply r;
	reply_init(&r);
	json_t *j = NULL, *m;
	size_t i;
	e = http_call(h, url.data, NULL, 0, 200, &r, &j, d);
	json_array_foreach(json_object_get(j, "objects"), i, m)
	{
		const char *id = tp_json_str(m, "id");
		for (size_t k = from; id && k < to; k++)
			if (rd->items[k].unversioned && strcmp(rd->items[k].id, id) == 0)
				rd->items[k].unversioned = 2;
	}
	json_decref(j);
	reply_free(&r);
	tp_buf_free(&url);
	return e;
}

/*
 * An object without created or modified (an SCO) is versioned by the date
 * it is added, so a node given one it already holds stores it as a new
 * version -- which would then travel on and come back, for ever. Those the
 * peer already holds are dropped from the page (counted as not echoed).
 */
static enum tp_err drop_present(struct round *rd, struct http *h, const struct remote *rm,
				struct tp_diag *d)
{
	enum tp_err e = TP_OK;
	for (size_t k = 0, n = 0, from = 0; k < rd->n && !e; k++) {
		n += rd->items[k].unversioned != 0;
		if (n == IDS_PER_ASK || (k + 1 == rd->n && n)) {
			e = ask_present(rd, h, rm, from, k + 1, d);
			from = k + 1;
			n = 0;
		}
	}
	size_t kept = 0;
	for (size_t k = 0; k < rd->n && !e; k++) {
		if (rd->items[k].unversioned == 2) {
			free(rd->items[k].id);
			free(rd->items[k].text);
			rd->l->st->not_echoed++;
			rd->dropped++;
		} else {
			rd->items[kept++] = rd->items[k];
		}
	}
	if (!e)
		rd->n = kept;
	return e;
}

/* Sends this query page's items in envelopes under the peer's cap. */
static enum tp_err send_page(struct round *rd, struct http *h, const struct remote *rm,
			     struct tp_diag *d)
{
	size_t *lens = malloc((rd->n ? rd->n : 1) * sizeof *lens);
	if (!lens)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	for (size_t k = 0; k < rd->n; k++)
		lens[k] = rd->items[k].len;
	enum tp_err e = TP_OK;
	for (size_t k = 0; k < rd->n && !e;) {
		size_t fit = tp_sync_envelope_fit(lens + k, rd->n - k, rm->max_content_length);
		if (!fit) {
			sync_problem(rd->l,
				     "peer %s: %s not sent: %zu bytes, over the peer's "
				     "max_content_length of %zu",
				     rd->l->peer->name, rd->items[k].id, lens[k],
				     rm->max_content_length);
			rd->l->st->refused++;
			refused(rd, k);
			k++;
			continue;
		}
		e = post(rd, h, rm, k, k + fit, d);
		k += fit;
	}
	free(lens);
	return e;
}

enum tp_err sync_push(struct local *l, struct http *h, const struct remote *rm, struct tp_diag *d)
{
	const tp_time_us old = l->peer->push_cursor;
	struct round rd = {.l = l};
	enum tp_err e = tp_store_count_added(l->store, l->peer->collection, old, old, l->as.org,
					     NULL, &rd.upto);
	if (e)
		return tp_diag_set(d, e, "cannot read the local collection");
	struct tp_tlp_viewer v = {
		.org = l->as.org,
		.can_read = (l->as_bits & TP_GRANT_READ) != 0,
		.node_org = l->node_org,
	};
	struct tp_query q = {
		.collection = l->peer->collection,
		.added_after = old,
		.limit = QUERY_PAGE,
		.versions = TP_VERSION_ALL,
	};
	int more = 1;
	struct tp_diag qd = {0};
	enum tp_err send_err = TP_OK;
	while (more && !rd.past && !send_err && old < rd.upto) {
		e = tp_store_query(l->store, &q, &v, 1, collect, &rd, &more, &qd);
		if (!e)
			e = rd.oom;
		if (e)
			break;
		send_err = drop_present(&rd, h, rm, d);
		if (send_err && rd.n)
			refused(&rd, 0); /* the cursor stays before this page */
		if (!send_err)
			send_err = send_page(&rd, h, rm, d);
		rd.sent_before += rd.n;
		items_clear(&rd);
		q.added_after = rd.last_seen;
	}
	items_clear(&rd);
	free(rd.items);
	if (e) /* the local store failed: keep the cursor */
		return tp_diag_set(d, e, "peer %s: cannot read the local collection: %s",
				   l->peer->name, qd.message[0] ? qd.message : tp_strerror(e));
	tp_time_us c = tp_sync_push_cursor(old, rd.upto, rd.first_refused);
	int64_t total = 0;
	struct tp_diag cd = {0};
	if (c > old && (e = tp_store_count_added(l->store, l->peer->collection, old, c, l->as.org,
						 &total, NULL)) == TP_OK)
		e = tp_store_peer_set_cursors(l->store, l->peer->id, NULL, c, &cd);
	size_t sent = (rd.first_refused ? rd.before_refused : rd.sent_before) + rd.dropped;
	l->st->skipped_tlp += total > (int64_t)sent ? (size_t)total - sent : 0;
	if (send_err)
		return send_err;
	if (e)
		return tp_diag_set(d, e, "peer %s: cannot save the push cursor: %s", l->peer->name,
				   cd.message);
	return TP_OK;
}
