/*
 * POST .../collections/<id>/objects/: an envelope (taxii+json) or a bundle
 * (stix+json) of objects. Each object is checked on its own; the valid ones
 * are stored in one transaction, the invalid ones are listed with their id,
 * version and the reason in the status resource, whose counts are exact:
 *
 *	{"id":"...","status":"complete","total_count":3,"success_count":2,
 *	 "successes":[{"id":"indicator--...","version":"2024-..."},...],
 *	 "failure_count":1,"failures":[{"id":"malware--...","version":"...",
 *	 "message":"objects[2].modified: not an RFC 3339 timestamp"}],
 *	 "pending_count":0,"pendings":[]}
 *
 * Storing is synchronous: when the 202 is sent, every success is durable
 * (committed to the database's write-ahead log).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxii_int.h"
#include "tripact/json.h"
#include "tripact/uuid.h"
#include "tripact/validate.h"

#define MAX_OBJECTS 100000

/* Keeps the first error the STIX validator reports. */
struct first_error {
	char msg[400];
};

static void on_problem(void *ctx, const struct tp_stix_problem *p)
{
	struct first_error *f = ctx;
	if (p->severity != TP_STIX_ERROR || f->msg[0])
		return;
	snprintf(f->msg, sizeof f->msg, "%s%s%s", p->path && *p->path ? p->path : "",
		 p->path && *p->path ? ": " : "", p->message);
}

static enum tp_err store_checks(const json_t *o, size_t i, struct tp_diag *d);

enum tp_err tp_taxii_check_object(const struct tp_stix_validator *v, const json_t *o, size_t i,
				  struct tp_diag *d)
{
	enum tp_err e = store_checks(o, i, d);
	if (e || !v)
		return e;
	struct first_error f = {{0}};
	e = tp_stix_validate_object(v, o, on_problem, &f, NULL);
	if (e == TP_ENOMEM)
		return tp_diag_set(d, e, "objects[%zu]: out of memory", i);
	if (e)
		return tp_diag_set(d, TP_EVALIDATE, "objects[%zu]%s%s", i, f.msg[0] ? "." : "",
				   f.msg[0] ? f.msg : ": not valid STIX 2.1");
	return TP_OK;
}

/* What the store relies on, checked even without a validator. */
static enum tp_err store_checks(const json_t *o, size_t i, struct tp_diag *d)
{
	if (!json_is_object(o))
		return tp_diag_set(d, TP_EVALIDATE, "objects[%zu]: not a JSON object", i);
	const char *type = tp_json_str(o, "type");
	const char *id = tp_json_str(o, "id");
	if (!type)
		return tp_diag_set(d, TP_EVALIDATE, "objects[%zu].type: missing or not a string",
				   i);
	if (!id)
		return tp_diag_set(d, TP_EVALIDATE, "objects[%zu].id: missing or not a string", i);
	size_t tl = strlen(type);
	if (!tp_taxii_is_stix_id(id, strlen(id)) || strncmp(id, type, tl) != 0 ||
	    strncmp(id + tl, "--", 2) != 0 || strlen(id) != tl + 2 + 36)
		return tp_diag_set(d, TP_EVALIDATE,
				   "objects[%zu].id: '%.100s' is not a STIX id of type '%.60s'", i,
				   id, type);
	const json_t *sv = json_object_get(o, "spec_version");
	if (sv && (!json_is_string(sv) || strcmp(json_string_value(sv), "2.1") != 0))
		return tp_diag_set(d, TP_EVALIDATE,
				   "objects[%zu].spec_version: this node stores STIX 2.1 only", i);
	static const char *const stamps[] = {"created", "modified"};
	tp_time_us t[2] = {0, 0};
	for (int k = 0; k < 2; k++) {
		const json_t *v = json_object_get(o, stamps[k]);
		if (!v)
			continue;
		const char *s = json_string_value(v);
		if (!s || tp_time_parse(s, strlen(s), 0, &t[k], NULL, NULL) != TP_OK)
			return tp_diag_set(d, TP_EVALIDATE,
					   "objects[%zu].%s: not an RFC 3339 UTC timestamp", i,
					   stamps[k]);
	}
	if (t[0] && t[1] && t[1] < t[0])
		return tp_diag_set(d, TP_EVALIDATE, "objects[%zu].modified: earlier than created",
				   i);
	return TP_OK;
}

static json_t *entry(const json_t *o, const char *version, const char *message)
{
	json_t *e = json_object();
	const char *id = json_is_object(o) ? tp_json_str(o, "id") : NULL;
	json_object_set_new(e, "id", json_string(id && strlen(id) < 300 ? id : "unknown"));
	if (version)
		json_object_set_new(e, "version", json_string(version));
	if (message)
		json_object_set_new(e, "message", json_string(message));
	return e;
}

/* The version string of an object as the client sent it, if any. */
static const char *sent_version(const json_t *o)
{
	if (!json_is_object(o))
		return NULL;
	const char *v = tp_json_str(o, "modified");
	return v ? v : tp_json_str(o, "created");
}

void tp_taxii_ingest(struct req *q, struct resp *r, const struct tp_api_root *root,
		     const struct tp_collection *c)
{
	enum tp_media m;
	const char *a =
		MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	if (tp_taxii_accept(a, TP_MEDIA_TAXII, &m) != TP_OK) {
		tp_taxii_error(r, 406, "Not Acceptable", "the response is %s", TP_TAXII_MEDIA);
		return;
	}
	unsigned bits = 0;
	if (tp_taxii_access(q, c, &bits) != TP_OK) {
		tp_taxii_error(r, 500, "Internal Server Error", "cannot read grants");
		return;
	}
	if (!bits) {
		tp_taxii_error(r, 404, "Not Found",
			       "no such resource, or it is not available to this account");
		return;
	}
	if (!(bits & TP_GRANT_WRITE)) {
		tp_taxii_error(r, 403, "Forbidden",
			       "this account may not write to this collection");
		return;
	}
	const char *ct =
		MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	enum tp_media in;
	if (tp_taxii_content_type(ct, TP_MEDIA_TAXII | TP_MEDIA_STIX, &in) != TP_OK) {
		tp_taxii_error(r, 415, "Unsupported Media Type",
			       "send %s (an envelope) or %s (a bundle), not '%.100s'",
			       TP_TAXII_MEDIA, TP_STIX_MEDIA, ct ? ct : "nothing");
		return;
	}
	json_t *env = NULL;
	struct tp_diag d = {0};
	if (tp_json_load(q->body, q->body_len, &env, &d) != TP_OK) {
		tp_taxii_error(r, 400, "Bad Request", "line %ld, column %ld: %s", d.line, d.column,
			       d.message);
		return;
	}
	json_t *objs = json_object_get(env, "objects");
	if (!json_is_object(env) || !json_is_array(objs) ||
	    (in == TP_MEDIA_STIX &&
	     !(tp_json_str(env, "type") && strcmp(tp_json_str(env, "type"), "bundle") == 0))) {
		json_decref(env);
		tp_taxii_error(r, 400, "Bad Request",
			       "the body is not a %s with an \"objects\" list",
			       in == TP_MEDIA_STIX ? "STIX bundle" : "TAXII envelope");
		return;
	}
	size_t n = json_array_size(objs);
	if (n > MAX_OBJECTS) {
		json_decref(env);
		tp_taxii_error(r, 413, "Payload Too Large", "at most %d objects per request",
			       MAX_OBJECTS);
		return;
	}
	struct tp_taxii_span *spans = calloc(n ? n : 1, sizeof *spans);
	char *texts = malloc(q->body_len ? q->body_len : 1);
	if (spans && texts &&
	    tp_taxii_object_texts(q->body, q->body_len, n, texts, spans) != TP_OK) {
		free(texts); /* the store writes the text itself */
		texts = NULL;
	}
	struct tp_store_put *puts = calloc(n ? n : 1, sizeof *puts);
	struct tp_store_put_result *res = calloc(n ? n : 1, sizeof *res);
	size_t *index = calloc(n ? n : 1, sizeof *index);
	json_t *failures = json_array();
	size_t np = 0;
	if (!puts || !res || !index || !spans) {
		tp_taxii_error(r, 500, "Internal Server Error", "out of memory");
		goto out;
	}
	enum tp_tlp dflt =
		c->default_tlp >= 0 ? (enum tp_tlp)c->default_tlp : q->srv->cfg.default_tlp;
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(objs, i);
		struct tp_diag od = {0};
		if (tp_taxii_check_object(q->srv->validator, o, i, &od) != TP_OK) {
			json_array_append_new(failures, entry(o, sent_version(o), od.message));
			continue;
		}
		puts[np] = (struct tp_store_put){
			.collection = c->id,
			.object = o,
			.origin = q->acct.org,
			.from_partner = q->acct.partner,
			.default_tlp = dflt,
			.json = texts ? texts + spans[i].off : NULL,
			.json_len = texts ? spans[i].len : 0,
		};
		index[np++] = i;
	}
	if (np && tp_store_put_many(q->srv->cfg.store, puts, np, res, &d) != TP_OK) {
		tp_taxii_error(r, 500, "Internal Server Error", "nothing was stored: %s",
			       d.message);
		goto out;
	}
	size_t ns = 0;
	for (size_t k = 0; k < np; k++) {
		const json_t *o = json_array_get(objs, index[k]);
		if (res[k].err)
			json_array_append_new(failures, entry(o, sent_version(o), res[k].message));
		else
			ns++;
	}
	struct tp_uuid u;
	char us[TP_UUID_STRLEN + 1], now[TP_TIME_BUFSZ];
	if (tp_uuid_v4(&u) != TP_OK) {
		tp_taxii_error(r, 500, "Internal Server Error", "no randomness");
		goto out;
	}
	tp_uuid_format(&u, us);
	tp_time_format(tp_time_now(), 6, now);
	/* The status, written straight into the response: successes have
	 * checked STIX ids and formatted stamps, nothing to escape; the
	 * (rarer) failures carry client text and go through jansson. */
	struct tp_buf *b = &r->body;
	tp_buf_reset(b);
	char *fails = json_dumps(failures, JSON_COMPACT);
	enum tp_err e = fails ? tp_buf_printf(b,
					      "{\"id\":\"%s\",\"status\":\"complete\","
					      "\"request_timestamp\":\"%s\",\"total_count\":%zu,"
					      "\"success_count\":%zu,\"successes\":[",
					      us, now, n, ns)
			      : TP_ENOMEM;
	for (size_t k = 0, first = 1; k < np && !e; k++) {
		if (res[k].err)
			continue;
		char ver[TP_TIME_BUFSZ];
		tp_time_format(res[k].version, -1, ver);
		e = tp_buf_printf(b, "%s{\"id\":\"%s\",\"version\":\"%s\"%s}", first ? "" : ",",
				  tp_json_str(json_array_get(objs, index[k]), "id"), ver,
				  res[k].duplicate ? ",\"message\":\"already present\"" : "");
		first = 0;
	}
	if (!e)
		e = tp_buf_printf(b,
				  "],\"failure_count\":%zu,\"failures\":%s,\"pending_count\":0,"
				  "\"pendings\":[]}",
				  json_array_size(failures), fails);
	free(fails);
	if (e ||
	    tp_store_status_put(q->srv->cfg.store, us, root->id, q->acct.user, b->data) != TP_OK) {
		tp_taxii_error(r, 500, "Internal Server Error", "cannot record the status");
		goto out;
	}
	r->status = 202;
	r->ctype = TP_TAXII_MEDIA;
out:
	json_decref(failures);
	free(puts);
	free(res);
	free(index);
	free(spans);
	free(texts);
	json_decref(env);
}
