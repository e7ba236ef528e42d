/*
 * The TAXII 2.1 endpoints (section 4-5). Each handler answers one request
 * into a struct resp. The order of checks is fixed: route (404), method
 * (405), Accept (406), collection access (404 without any grant, 403 without
 * the one needed), filters (400). Every read of objects hands the viewer to
 * the store, where tp_tlp_may_read() decides; a withheld object is simply
 * absent -- it changes no count, `more` flag, `next` token or status code.
 *
 *	GET /api/collections/<id>/objects/?match[type]=indicator&limit=2
 *	-> 200 {"more":true,"next":"61a4c3b2d1e0f","objects":[{...},{...}]}
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxii_int.h"
#include "tripact/json.h"
#include "tripact/uuid.h"

#define MAX_SEGS 8

static int method_is(const struct req *q, const char *m)
{
	return strcmp(q->method, m) == 0 ||
	       (strcmp(m, "GET") == 0 && strcmp(q->method, "HEAD") == 0);
}

static unsigned not_allowed(struct resp *r, const char *allow)
{
	r->allow = allow;
	return tp_taxii_error(r, 405, "Method Not Allowed", "this resource supports %s", allow);
}

static unsigned not_found(struct resp *r)
{
	return tp_taxii_error(r, 404, "Not Found",
			      "no such resource, or it is not available to this account");
}

/* Content negotiation for the response; 406 on failure. */
static int negotiate(struct req *q, struct resp *r, unsigned allowed, enum tp_media *m)
{
	const char *a =
		MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	enum tp_err e = tp_taxii_accept(a, allowed, m);
	if (e == TP_OK)
		return 1;
	tp_taxii_error(r, 406, "Not Acceptable", "this resource is served as %s%s", TP_TAXII_MEDIA,
		       (allowed & TP_MEDIA_STIX) ? " or " TP_STIX_MEDIA : "");
	return 0;
}

struct arg_ctx {
	struct tp_taxii_filter *f;
	unsigned allowed;
	struct tp_diag d;
	int bad;
};

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				const char *value)
{
	struct arg_ctx *a = cls;
	if (tp_taxii_filter_add(a->f, key, value, a->allowed, &a->d) != TP_OK) {
		a->bad = 1;
		return MHD_NO;
	}
	return MHD_YES;
}

/* Parses the query string; 400 on failure. */
static int filters(struct req *q, struct resp *r, unsigned allowed, struct tp_taxii_filter *f)
{
	struct arg_ctx a = {.f = f, .allowed = allowed};
	MHD_get_connection_values(q->conn, MHD_GET_ARGUMENT_KIND, each_arg, &a);
	if (a.bad) {
		tp_taxii_error(r, 400, "Bad Request", "%s", a.d.message);
		return 0;
	}
	return 1;
}

/* The absolute URL of this node, from the Host header when it looks sane. */
static void base_url(struct req *q, char *out, size_t n)
{
	const char *h = MHD_lookup_connection_value(q->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
	int ok = h && *h && strlen(h) < 200;
	for (const char *p = h; ok && *p; p++)
		if (!(isalnum((unsigned char)*p) || strchr(".-:[]", *p)))
			ok = 0;
	if (ok)
		snprintf(out, n, "%s://%s", q->srv->scheme, h);
	else
		snprintf(out, n, "%s://127.0.0.1:%u", q->srv->scheme, q->srv->port);
}

/* ---- discovery, API root, status ---- */

struct roots_ctx {
	json_t *list;
	char base[256];
	char dflt[512];
};

static int add_root(void *ctx, const struct tp_api_root *r)
{
	struct roots_ctx *c = ctx;
	char url[512];
	snprintf(url, sizeof url, "%s/%s/", c->base, r->name);
	json_array_append_new(c->list, json_string(url));
	if (r->is_default || !c->dflt[0])
		snprintf(c->dflt, sizeof c->dflt, "%s", url);
	return 0;
}

static void discovery(struct req *q, struct resp *r)
{
	enum tp_media m;
	if (!method_is(q, "GET")) {
		not_allowed(r, "GET, HEAD");
		return;
	}
	if (!negotiate(q, r, TP_MEDIA_TAXII, &m))
		return;
	struct roots_ctx c = {.list = json_array()};
	base_url(q, c.base, sizeof c.base);
	if (tp_store_root_list(q->srv->cfg.store, add_root, &c) != TP_OK) {
		json_decref(c.list);
		tp_taxii_error(r, 500, "Internal Server Error", "cannot list API roots");
		return;
	}
	json_t *o = json_pack("{s:s, s:s}", "title",
			      q->srv->cfg.title ? q->srv->cfg.title : "tripact TAXII node",
			      "description", "TAXII 2.1 node of the tripact intelligence exchange");
	if (c.dflt[0])
		json_object_set_new(o, "default", json_string(c.dflt));
	json_object_set_new(o, "api_roots", c.list);
	tp_taxii_json(r, 200, o);
}

static void api_root(struct req *q, struct resp *r, const struct tp_api_root *root)
{
	enum tp_media m;
	if (!method_is(q, "GET")) {
		not_allowed(r, "GET, HEAD");
		return;
	}
	if (!negotiate(q, r, TP_MEDIA_TAXII, &m))
		return;
	json_t *o = json_pack("{s:s, s:s, s:[s], s:I}", "title", root->title, "description",
			      root->description, "versions", TP_TAXII_MEDIA, "max_content_length",
			      (json_int_t)q->srv->cfg.max_content_length);
	tp_taxii_json(r, 200, o);
}

static void status(struct req *q, struct resp *r, const struct tp_api_root *root, const char *id)
{
	enum tp_media m;
	if (!method_is(q, "GET")) {
		not_allowed(r, "GET, HEAD");
		return;
	}
	if (!negotiate(q, r, TP_MEDIA_TAXII, &m))
		return;
	struct tp_uuid u;
	char *json = NULL;
	if (tp_uuid_parse(id, strlen(id), &u) != TP_OK ||
	    tp_store_status_get(q->srv->cfg.store, id, root->id, q->acct.user, &json) != TP_OK) {
		not_found(r);
		return;
	}
	r->status = 200;
	r->ctype = TP_TAXII_MEDIA;
	if (tp_buf_puts(&r->body, json) != TP_OK)
		tp_taxii_error(r, 500, "Internal Server Error", "out of memory");
	free(json);
}

/* ---- collections ---- */

static json_t *collection_json(const struct tp_collection *c, unsigned bits)
{
	json_t *o =
		json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", c->uuid, "title", c->title,
			  "description", c->description, "can_read", (bits & TP_GRANT_READ) != 0,
			  "can_write", (bits & TP_GRANT_WRITE) != 0, "media_types", TP_STIX_MEDIA);
	if (c->alias[0])
		json_object_set_new(o, "alias", json_string(c->alias));
	return o;
}

struct colls_ctx {
	struct req *q;
	json_t *list;
	int err;
};

static int add_coll(void *ctx, const struct tp_collection *c)
{
	struct colls_ctx *x = ctx;
	unsigned bits = 0;
	if (tp_store_access(x->q->srv->cfg.store, &x->q->acct, c->id, &bits) != TP_OK) {
		x->err = 1;
		return 1;
	}
	if (bits) /* collections without any grant do not exist for this account */
		json_array_append_new(x->list, collection_json(c, bits));
	return 0;
}

static void collections(struct req *q, struct resp *r, const struct tp_api_root *root)
{
	enum tp_media m;
	if (!method_is(q, "GET")) {
		not_allowed(r, "GET, HEAD");
		return;
	}
	if (!negotiate(q, r, TP_MEDIA_TAXII, &m))
		return;
	struct colls_ctx x = {.q = q, .list = json_array()};
	if (tp_store_collection_list(q->srv->cfg.store, root->id, add_coll, &x) != TP_OK || x.err) {
		json_decref(x.list);
		tp_taxii_error(r, 500, "Internal Server Error", "cannot list collections");
		return;
	}
	json_t *o = json_object();
	if (json_array_size(x.list))
		json_object_set_new(o, "collections", x.list);
	else
		json_decref(x.list);
	tp_taxii_json(r, 200, o);
}

/* ---- objects, manifest, versions ---- */

struct page {
	struct resp *r;
	enum { P_OBJECTS, P_MANIFEST, P_VERSIONS } kind;
	int n;
	tp_time_us first, last;
	enum tp_err err;
};

static int add_row(void *ctx, const struct tp_store_row *row)
{
	struct page *p = ctx;
	struct tp_buf *b = &p->r->body;
	enum tp_err e = p->n ? tp_buf_putc(b, ',') : TP_OK;
	char added[TP_TIME_BUFSZ], ver[TP_TIME_BUFSZ];
	if (!p->n)
		p->first = row->date_added;
	p->last = row->date_added;
	p->n++;
	if (p->kind != P_OBJECTS)
		tp_time_format(row->version, -1, ver);
	switch (p->kind) {
	case P_OBJECTS:
		if (!e)
			e = tp_buf_append(b, row->json, row->json_len);
		break;
	case P_MANIFEST:
		tp_time_format(row->date_added, 6, added);
		/* ids and versions are validated on the way in: no escaping needed */
		if (!e)
			e = tp_buf_printf(b,
					  "{\"id\":\"%s\",\"date_added\":\"%s\",\"version\":\"%s\","
					  "\"media_type\":\"application/stix+json;version=%s\"}",
					  row->id, added, ver, row->spec_version);
		break;
	case P_VERSIONS:
		if (!e)
			e = tp_buf_printf(b, "\"%s\"", ver);
		break;
	}
	p->err = e;
	return e != TP_OK;
}

enum tp_err tp_taxii_access(const struct req *q, const struct tp_collection *c, unsigned *bits)
{
	if (q->have_bits) {
		*bits = q->bits;
		return TP_OK;
	}
	return tp_store_access(q->srv->cfg.store, &q->acct, c->id, bits);
}

/* Viewer for collection c; also checks the grant. 0 with r filled if none. */
static int viewer(struct req *q, struct resp *r, const struct tp_collection *c, unsigned need,
		  struct tp_tlp_viewer *v)
{
	unsigned bits = 0;
	if (tp_taxii_access(q, c, &bits) != TP_OK) {
		tp_taxii_error(r, 500, "Internal Server Error", "cannot read grants");
		return 0;
	}
	if (!bits) {
		not_found(r);
		return 0;
	}
	if ((bits & need) != need) {
		tp_taxii_error(r, 403, "Forbidden", "this account may not %s this collection",
			       (need & TP_GRANT_WRITE) ? "write to" : "read");
		return 0;
	}
	v->org = q->acct.org;
	v->can_read = (bits & TP_GRANT_READ) != 0;
	v->node_org = q->srv->cfg.node_org;
	return 1;
}

/*
 * GET objects / object / manifest / versions. id: the object of the
 * object and versions endpoints (NULL otherwise).
 */
static void read_page(struct req *q, struct resp *r, const struct tp_collection *c, int kind,
		      const char *id)
{
	static const unsigned allowed[] = {
		[P_OBJECTS] = TP_F_ADDED_AFTER | TP_F_LIMIT | TP_F_NEXT | TP_F_ID | TP_F_TYPE |
			      TP_F_VERSION | TP_F_SPEC_VERSION,
		[P_MANIFEST] = TP_F_ADDED_AFTER | TP_F_LIMIT | TP_F_NEXT | TP_F_ID | TP_F_TYPE |
			       TP_F_VERSION | TP_F_SPEC_VERSION,
		[P_VERSIONS] = TP_F_ADDED_AFTER | TP_F_LIMIT | TP_F_NEXT | TP_F_SPEC_VERSION,
	};
	unsigned allow = allowed[kind];
	if (kind == P_OBJECTS && id)
		allow &= ~(unsigned)(TP_F_ID | TP_F_TYPE);
	enum tp_media m;
	if (!negotiate(q, r, kind == P_OBJECTS ? TP_MEDIA_TAXII | TP_MEDIA_STIX : TP_MEDIA_TAXII,
		       &m))
		return;
	struct tp_tlp_viewer v;
	if (!viewer(q, r, c, TP_GRANT_READ, &v))
		return;
	struct tp_taxii_filter f;
	tp_taxii_filter_init(&f);
	if (!filters(q, r, allow, &f))
		goto out;
	f.q.collection = c->id;
	if (id) {
		f.q.ids[0] = id;
		f.q.n_ids = 1;
	}
	if (kind == P_VERSIONS)
		f.q.versions = TP_VERSION_ALL;
	struct page p = {.r = r, .kind = kind};
	tp_buf_reset(&r->body);
	enum tp_err e;
	if (m == TP_MEDIA_STIX) {
		struct tp_uuid u;
		char us[TP_UUID_STRLEN + 1];
		if (tp_uuid_v4(&u) != TP_OK) {
			tp_taxii_error(r, 500, "Internal Server Error", "no randomness");
			goto out;
		}
		tp_uuid_format(&u, us);
		e = tp_buf_printf(&r->body,
				  "{\"type\":\"bundle\",\"id\":\"bundle--%s\",\"objects\":[", us);
	} else {
		e = tp_buf_puts(&r->body,
				kind == P_VERSIONS ? "{\"versions\":[" : "{\"objects\":[");
	}
	int more = 0;
	struct tp_diag d = {0};
	if (!e)
		e = tp_store_query(q->srv->cfg.store, &f.q, &v, kind == P_OBJECTS, add_row, &p,
				   &more, &d);
	if (!e)
		e = p.err;
	if (e) {
		tp_taxii_error(r, 500, "Internal Server Error", "the store failed: %s",
			       d.message[0] ? d.message : tp_strerror(e));
		goto out;
	}
	if (id && p.n == 0) {
		not_found(r);
		goto out;
	}
	if (m == TP_MEDIA_STIX) {
		e = tp_buf_puts(&r->body, "]}");
	} else if (p.n == 0) {
		tp_buf_reset(&r->body);
		e = tp_buf_puts(&r->body, "{}");
	} else {
		char next[24];
		tp_taxii_next_format(p.last, next);
		e = more ? tp_buf_printf(&r->body, "],\"more\":true,\"next\":\"%s\"}", next)
			 : tp_buf_puts(&r->body, "],\"more\":false}");
	}
	if (e) {
		tp_taxii_error(r, 500, "Internal Server Error", "out of memory");
		goto out;
	}
	if (p.n) {
		tp_time_format(p.first, 6, r->first);
		tp_time_format(p.last, 6, r->last);
	}
	r->status = 200;
	r->ctype = m == TP_MEDIA_STIX ? TP_STIX_MEDIA : TP_TAXII_MEDIA;
out:
	tp_taxii_filter_free(&f);
}

static void delete_object(struct req *q, struct resp *r, const struct tp_collection *c,
			  const char *id)
{
	enum tp_media m;
	if (!negotiate(q, r, TP_MEDIA_TAXII, &m))
		return;
	struct tp_tlp_viewer v;
	if (!viewer(q, r, c, TP_GRANT_READ | TP_GRANT_WRITE, &v))
		return;
	struct tp_taxii_filter f;
	tp_taxii_filter_init(&f);
	if (!filters(q, r, TP_F_VERSION | TP_F_SPEC_VERSION, &f))
		goto out;
	f.q.collection = c->id;
	int n = 0;
	struct tp_diag d = {0};
	if (tp_store_delete(q->srv->cfg.store, &f.q, id, &v, &n, &d) != TP_OK) {
		tp_taxii_error(r, 500, "Internal Server Error", "the store failed: %s", d.message);
		goto out;
	}
	if (n == 0) {
		not_found(r);
		goto out;
	}
	tp_buf_reset(&r->body);
	r->status = 200;
out:
	tp_taxii_filter_free(&f);
}

/* ---- dispatch ---- */

/* Splits "/a/b/c/" into segments; 0 if the path is not well-formed. */
static int split(const char *url, char segs[MAX_SEGS][200], int *n)
{
	*n = 0;
	if (url[0] != '/')
		return 0;
	const char *p = url + 1;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || len >= 200 || *n == MAX_SEGS)
			return 0;
		for (size_t i = 0; i < len; i++)
			if (!(isalnum((unsigned char)p[i]) || strchr("-_.~", p[i])))
				return 0;
		if ((len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		memcpy(segs[*n], p, len);
		segs[(*n)++][len] = '\0';
		if (!slash)
			break;
		p = slash + 1;
	}
	return 1;
}

void tp_taxii_route(struct req *q, struct resp *r)
{
	char segs[MAX_SEGS][200];
	int n;
	struct tp_api_root root;
	struct tp_collection c;
	if (!split(q->url, segs, &n) || n == 0) {
		not_found(r);
		return;
	}
	if (n == 1 && strcmp(segs[0], "taxii2") == 0) {
		discovery(q, r);
		return;
	}
	if (n >= 3 && n <= 6 && strcmp(segs[1], "collections") == 0) {
		/* the root, the collection and the grants in one look */
		int found_root;
		enum tp_err e = tp_store_collection_open(q->srv->cfg.store, segs[0], segs[2], &q->acct,
							 &root, &c, &q->bits, &found_root);
		if (e == TP_ENOTFOUND) {
			not_found(r);
			return;
		}
		if (e != TP_OK) {
			tp_taxii_error(r, 500, "Internal Server Error", "cannot read the collection");
			return;
		}
		q->have_bits = 1;
	} else {
		if (tp_store_root_find(q->srv->cfg.store, segs[0], &root) != TP_OK) {
			not_found(r);
			return;
		}
		if (n == 1) {
			api_root(q, r, &root);
			return;
		}
		if (n == 3 && strcmp(segs[1], "status") == 0) {
			status(q, r, &root, segs[2]);
			return;
		}
		if (strcmp(segs[1], "collections") != 0 || n != 2) {
			not_found(r);
			return;
		}
		collections(q, r, &root);
		return;
	}
	if (n == 3) {
		enum tp_media m;
		if (!method_is(q, "GET"))
			not_allowed(r, "GET, HEAD");
		else if (!negotiate(q, r, TP_MEDIA_TAXII, &m))
			;
		else if (!q->bits)
			not_found(r);
		else
			tp_taxii_json(r, 200, collection_json(&c, q->bits));
		return;
	}
	if (n == 4 && strcmp(segs[3], "objects") == 0) {
		if (method_is(q, "GET"))
			read_page(q, r, &c, P_OBJECTS, NULL);
		else if (strcmp(q->method, "POST") == 0)
			tp_taxii_ingest(q, r, &root, &c);
		else
			not_allowed(r, "GET, HEAD, POST");
		return;
	}
	if (n == 4 && strcmp(segs[3], "manifest") == 0) {
		if (method_is(q, "GET"))
			read_page(q, r, &c, P_MANIFEST, NULL);
		else
			not_allowed(r, "GET, HEAD");
		return;
	}
	if (n < 5 || strcmp(segs[3], "objects") != 0 ||
	    !tp_taxii_is_stix_id(segs[4], strlen(segs[4])) ||
	    (n == 6 && strcmp(segs[5], "versions") != 0)) {
		not_found(r);
		return;
	}
	if (n == 6) {
		if (method_is(q, "GET"))
			read_page(q, r, &c, P_VERSIONS, segs[4]);
		else
			not_allowed(r, "GET, HEAD");
		return;
	}
	if (method_is(q, "GET"))
		read_page(q, r, &c, P_OBJECTS, segs[4]);
	else if (strcmp(q->method, "DELETE") == 0)
		delete_object(q, r, &c, segs[4]);
	else
		not_allowed(r, "GET, HEAD, DELETE");
}
