/*
 * What the peer says about itself before anything moves: its API root's
 * max_content_length (the cap on each envelope pushed) and the collection
 * named at `peer add` -- by id, or by the alias a tripact node lists next
 * to it -- with the read and write rights the peer gives our account.
 */
#include <stdio.h>
#include <string.h>

#include "sync_int.h"
#include "tripact/json.h"

/* When an API root does not say: the smallest cap TAXII servers commonly use. */
#define DEFAULT_MAX_CONTENT ((size_t)1 << 20)

static enum tp_err read_root(struct http *h, const struct tp_peer *p, struct remote *out,
			     struct tp_diag *d)
{
	struct reply r;
	reply_init(&r);
	json_t *j = NULL;
	enum tp_err e = http_call(h, p->url, NULL, 0, 200, &r, &j, d);
	if (!e) {
		json_t *m = json_object_get(j, "max_content_length");
		out->max_content_length = DEFAULT_MAX_CONTENT;
		if (json_is_integer(m) && json_integer_value(m) > 0)
			out->max_content_length = (size_t)json_integer_value(m);
	}
	json_decref(j);
	reply_free(&r);
	return e;
}

static int same(const json_t *c, const char *key, const char *want)
{
	const char *v = tp_json_str(c, key);
	return v && strcmp(v, want) == 0;
}

enum tp_err remote_open(struct http *h, const struct tp_peer *p, struct remote *out,
			struct tp_diag *d)
{
	memset(out, 0, sizeof *out);
	enum tp_err e = read_root(h, p, out, d);
	if (e)
		return e;
	char url[1024];
	snprintf(url, sizeof url, "%scollections/", p->url);
	struct reply r;
	reply_init(&r);
	json_t *j = NULL;
	e = http_call(h, url, NULL, 0, 200, &r, &j, d);
	reply_free(&r);
	if (e)
		return e;
	const json_t *found = NULL, *c;
	size_t i;
	json_array_foreach(json_object_get(j, "collections"), i, c)
	{
		if (same(c, "id", p->remote_collection))
			found = c;
		else if (!found && same(c, "alias", p->remote_collection))
			found = c;
	}
	const char *id = found ? tp_json_str(found, "id") : NULL;
	if (!id || strlen(id) > 100 || strpbrk(id, "/?#% ")) {
		e = tp_diag_set(d, TP_ENOTFOUND,
				"peer %s: %s lists no collection '%s' that this account may see",
				p->name, url, p->remote_collection);
		goto out;
	}
	out->can_read = json_is_true(json_object_get(found, "can_read"));
	out->can_write = json_is_true(json_object_get(found, "can_write"));
	snprintf(out->objects_url, sizeof out->objects_url, "%scollections/%s/objects/", p->url,
		 id);
	snprintf(out->manifest_url, sizeof out->manifest_url, "%scollections/%s/manifest/", p->url,
		 id);
	snprintf(out->status_url, sizeof out->status_url, "%sstatus/", p->url);
	if ((p->mode & TP_PEER_PULL) && !out->can_read)
		e = tp_diag_set(d, TP_EPERM,
				"peer %s: collection '%s' at %s: this account may not read it "
				"(can_read is false), so nothing can be pulled",
				p->name, p->remote_collection, p->url);
	else if ((p->mode & TP_PEER_PUSH) && !out->can_write)
		e = tp_diag_set(d, TP_EPERM,
				"peer %s: collection '%s' at %s: this account may not write to it "
				"(can_write is false), so nothing can be pushed",
				p->name, p->remote_collection, p->url);
out:
	json_decref(j);
	return e;
}
