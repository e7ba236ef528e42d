/*
 * Pull: the peer's collection, page by page, into ours. Each page is
 * checked object by object like a POST (tp_taxii_check_object with the
 * STIX validator), stored in one transaction as posted by the peer's local
 * partner-node account -- so the sharing policy treats it as from a partner
 * node: never passed on to a third party -- and only then is the cursor
 * saved. A crash between the two re-fetches that one page; its versions
 * are already here and are counted as known, not stored twice. An object
 * with neither created nor modified (an SCO) is versioned by the date it
 * is added, so it is stored only if its id is new here: otherwise every
 * copy between two nodes would be a new version, bouncing for ever.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sync_int.h"
#include "tripact/json.h"
#include "tripact/taxii.h"

struct page {
	json_t *objs; /* borrowed from the reply's JSON */
	const char *text;
	size_t text_len;
};

/* Checks and stores one page; per-object problems go to the hook. */
static enum tp_err store_page(struct local *l, const struct tp_stix_validator *v,
			      const struct page *pg, struct tp_diag *d)
{
	size_t n = json_array_size(pg->objs), np = 0;
	struct tp_store_put *puts = calloc(n ? n : 1, sizeof *puts);
	struct tp_store_put_result *res = calloc(n ? n : 1, sizeof *res);
	struct tp_taxii_span *spans = calloc(n ? n : 1, sizeof *spans);
	char *texts = malloc(pg->text_len ? pg->text_len : 1);
	enum tp_err e = TP_OK;
	if (!puts || !res || !spans || !texts) {
		e = tp_diag_set(d, TP_ENOMEM, "out of memory");
		goto out;
	}
	if (tp_taxii_object_texts(pg->text, pg->text_len, n, texts, spans) != TP_OK) {
		free(texts); /* the store writes the text itself */
		texts = NULL;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(pg->objs, i);
		struct tp_diag od = {0};
		if (tp_taxii_check_object(v, o, i, &od) != TP_OK) {
			const char *id = json_is_object(o) ? tp_json_str(o, "id") : NULL;
			sync_problem(l, "peer %s: pulled %.120s rejected: %s", l->peer->name,
				     id ? id : "an object", od.message);
			l->st->rejected++;
			continue;
		}
		int known = 0;
		if (!json_object_get(o, "created") && !json_object_get(o, "modified") &&
		    (e = tp_store_id_known(l->store, l->peer->collection, tp_json_str(o, "id"),
					   &known)) != TP_OK) {
			tp_diag_set(d, e, "cannot read the local collection");
			goto out;
		}
		if (known) { /* see unversioned() in push.c */
			l->st->pulled_known++;
			continue;
		}
		puts[np++] = (struct tp_store_put){
			.collection = l->peer->collection,
			.object = o,
			.origin = l->as.org,
			.from_partner = 1,
			.default_tlp = l->default_tlp,
			.json = texts ? texts + spans[i].off : NULL,
			.json_len = texts ? spans[i].len : 0,
		};
	}
	if (np && (e = tp_store_put_many(l->store, puts, np, res, d)) != TP_OK)
		goto out;
	for (size_t k = 0; k < np; k++) {
		if (res[k].err) {
			sync_problem(l, "peer %s: pulled %s not stored: %s", l->peer->name,
				     tp_json_str(puts[k].object, "id"), res[k].message);
			l->st->rejected++;
		} else if (res[k].duplicate) {
			l->st->pulled_known++;
		} else {
			l->st->pulled++;
		}
	}
out:
	free(puts);
	free(res);
	free(spans);
	free(texts);
	return e;
}

enum tp_err sync_pull(struct local *l, struct http *h, const struct remote *rm, struct tp_diag *d)
{
	struct tp_stix_validator *v = NULL;
	enum tp_err e = tp_stix_validator_new(NULL, &v, d);
	if (e)
		return e;
	char cursor[TP_TIME_BUFSZ];
	snprintf(cursor, sizeof cursor, "%s", l->peer->pull_cursor);
	char next[128] = "", url[1400];
	struct reply r;
	reply_init(&r);
	for (;;) {
		int len = snprintf(url, sizeof url, "%s?limit=%d&match%%5Bversion%%5D=all%s%s%s%s",
				   rm->objects_url, l->opt->page, cursor[0] ? "&added_after=" : "",
				   cursor, next[0] ? "&next=" : "", next);
		if (len < 0 || (size_t)len >= sizeof url) {
			e = tp_diag_set(d, TP_ELIMIT, "peer %s: URL too long", l->peer->name);
			break;
		}
		json_t *j = NULL;
		if ((e = http_call(h, url, NULL, 0, 200, &r, &j, d)) != TP_OK)
			break;
		struct page pg = {json_object_get(j, "objects"), r.body.data, r.body.len};
		size_t n = json_array_size(pg.objs);
		if (!n) { /* {} : nothing (more) to read */
			json_decref(j);
			break;
		}
		char newc[TP_TIME_BUFSZ];
		if (tp_sync_pull_cursor(r.added_last[0] ? r.added_last : NULL, newc) != TP_OK) {
			json_decref(j);
			e = tp_diag_set(d, TP_EPARSE,
					"peer %s: GET %s: no valid X-TAXII-Date-Added-Last header "
					"('%s'), so no cursor can be kept",
					l->peer->name, url, r.added_last);
			break;
		}
		e = store_page(l, v, &pg, d);
		if (!e)
			e = tp_store_peer_set_cursors(l->store, l->peer->id, newc, -1, d);
		/* follow `next` when it is safe to put in a URL; added_after
		 * (the new cursor) alone also gives the following page */
		const char *nx = tp_json_str(j, "next");
		int more = json_is_true(json_object_get(j, "more"));
		int usable = nx && strlen(nx) < sizeof next && !strpbrk(nx, "&#%+ ");
		snprintf(next, sizeof next, "%s", more && usable ? nx : "");
		json_decref(j);
		if (e)
			break;
		snprintf(cursor, sizeof cursor, "%s", newc);
		if (!more)
			break;
	}
	reply_free(&r);
	tp_stix_validator_free(v);
	return e;
}
