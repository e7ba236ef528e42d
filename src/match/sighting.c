/*
 * Hits become STIX 2.1: one sighting per matched indicator, with count,
 * first_seen/last_seen over the matching records' times, where_sighted_refs
 * the --identity organisation and observed_data_refs to up to max_observed
 * observed-data holding the matched record's SCOs (deterministic ids, so
 * the same address seen twice is one object).
 *
 * Everything made for an indicator carries its markings: the indicator's
 * object_marking_refs, plus a TLP marking found only in its
 * granular_markings (the stricter level then covers the whole sighting),
 * keeping one TLP marking, the strictest. A sighting of a TLP:RED
 * indicator is TLP:RED, and so are its observed-data and SCOs.
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "tripact/json.h"
#include "tripact/stix.h"
#include "tripact/tlp.h"
#include "tripact/uuid.h"

#define STIX_MAX_COUNT 999999999 /* sighting count's upper bound */

/* 1 and *level if ref is a TLP marking (built-in or defined in the input). */
static int tlp_of_ref(const struct tp_match *m, const char *ref, enum tp_tlp *level)
{
	if (tp_tlp_builtin(ref, level))
		return 1;
	const json_t *def = json_object_get(m->markings, ref);
	return def && tp_tlp_of_definition(def, level) == TP_MARKING_TLP;
}

static int has_ref(const json_t *a, const char *ref)
{
	size_t i;
	const json_t *v;
	json_array_foreach(a, i, v)
	{
		if (strcmp(json_string_value(v), ref) == 0)
			return 1;
	}
	return 0;
}

/* The markings of what is made for indicator o (caller owns). */
static json_t *markings_of(const struct tp_match *m, const json_t *o)
{
	json_t *all = json_array(), *out = json_array();
	if (!all || !out)
		goto fail;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(o, "object_marking_refs"), i, v)
	{
		if (json_is_string(v) && !has_ref(all, json_string_value(v)))
			json_array_append(all, v);
	}
	json_array_foreach(json_object_get(o, "granular_markings"), i, v)
	{
		const char *ref = tp_json_str(v, "marking_ref");
		enum tp_tlp l;
		if (ref && tlp_of_ref(m, ref, &l) && !has_ref(all, ref))
			json_array_append_new(all, json_string(ref));
	}
	int strictest = -1;
	json_array_foreach(all, i, v)
	{
		enum tp_tlp l;
		if (tlp_of_ref(m, json_string_value(v), &l) && (int)l > strictest)
			strictest = (int)l;
	}
	int kept = 0;
	json_array_foreach(all, i, v)
	{
		enum tp_tlp l;
		int is_tlp = tlp_of_ref(m, json_string_value(v), &l);
		if (is_tlp && ((int)l != strictest || kept++))
			continue;
		if (json_array_append(out, v))
			goto fail;
	}
	json_decref(all);
	return out;
fail:
	json_decref(all);
	json_decref(out);
	return NULL;
}

static int set_markings(json_t *obj, json_t *marks)
{
	if (!json_array_size(marks))
		return 0;
	json_t *have = json_object_get(obj, "object_marking_refs");
	if (!have)
		return json_object_set_new(obj, "object_marking_refs", json_deep_copy(marks));
	size_t i;
	json_t *v;
	json_array_foreach(marks, i, v)
	{
		if (!has_ref(have, json_string_value(v)) && json_array_append(have, v))
			return -1;
	}
	return 0;
}

/* An observed-data of record r for indicator in, its SCOs into m->scos. */
static enum tp_err observed(struct tp_match *m, struct ind *in, const struct record *r,
			    const char *file)
{
	json_t *objs = json_array(), *refs = json_array(), *marks = markings_of(m, in->obj);
	struct ids ids = {.stable = 1};
	tp_buf_init(&ids.url, 1 << 20);
	enum tp_err e = objs && refs && marks ? observe(r, &ids, objs, refs) : TP_ENOMEM;
	size_t i;
	json_t *v;
	json_array_foreach(objs, i, v)
	{
		if (e)
			break;
		const char *id = tp_json_str(v, "id");
		json_t *have = json_object_get(m->scos, id);
		if (!have && json_object_set(m->scos, id, v))
			e = TP_ENOMEM;
		if (e == TP_OK && set_markings(have ? have : v, marks))
			e = TP_ENOMEM;
	}
	if (e == TP_OK) {
		char ts[TP_TIME_BUFSZ], now[TP_TIME_BUFSZ], id[96], name[1024];
		tp_time_format(r->ts ? r->ts : m->o.time, -1, ts);
		tp_time_format(m->o.time, 3, now);
		int n = snprintf(name, sizeof name, "observed-data|%s|%s|%s|%ld", m->identity,
				 in->id, file, r->line);
		named_id("observed-data", name,
			 n < 0			   ? 0
			 : (size_t)n < sizeof name ? (size_t)n
						   : sizeof name - 1,
			 id);
		json_t *od = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:O}", "type",
				       "observed-data", "spec_version", "2.1", "id", id,
				       "created_by_ref", m->identity, "created", now, "modified",
				       now, "first_observed", ts, "last_observed", ts,
				       "number_observed", 1, "object_refs", refs);
		if (!od || set_markings(od, marks) || json_array_append_new(in->observed, od))
			e = TP_ENOMEM;
	}
	if (e == TP_ENOTFOUND)
		e = TP_OK; /* cannot happen: the record matched through its SCOs */
	tp_buf_free(&ids.url);
	json_decref(objs);
	json_decref(refs);
	json_decref(marks);
	return e;
}

void sighting_count(struct tp_match *m, size_t i)
{
	if (m->inds[i].hits++ == 0)
		m->st.sighted++;
}

enum tp_err sighting_record(struct tp_match *m, size_t i, const struct record *r, const char *file,
			    struct tp_diag *d)
{
	struct ind *in = &m->inds[i];
	m->st.hits++;
	if (r->ts) {
		if (!in->first || r->ts < in->first)
			in->first = r->ts;
		if (r->ts > in->last)
			in->last = r->ts;
	}
	if (m->hit) {
		struct tp_match_hit h = {in->id, file, r->line, r->log, r->ts};
		m->hit(m->ctx, &h);
	}
	if (json_array_size(in->observed) >= m->o.max_observed) {
		m->st.capped++;
		return TP_OK;
	}
	enum tp_err e = observed(m, in, r, file);
	return e ? tp_diag_set(d, e, "%s", tp_strerror(e)) : TP_OK;
}

enum tp_err sighting_add(struct tp_match *m, size_t i, const struct record *r, struct tp_diag *d)
{
	sighting_count(m, i);
	return sighting_record(m, i, r, m->file, d);
}

static enum tp_err sighting(struct tp_match *m, struct ind *in, json_t *objects, json_t *used)
{
	char now[TP_TIME_BUFSZ], first[TP_TIME_BUFSZ], last[TP_TIME_BUFSZ], id[96], name[1024];
	tp_time_format(m->o.time, 3, now);
	tp_time_format(in->first, -1, first);
	tp_time_format(in->last, -1, last);
	int n = snprintf(name, sizeof name, "sighting|%s|%s|%s", m->identity, in->id,
			 in->first ? first : "");
	named_id("sighting", name,
		 n < 0			   ? 0
		 : (size_t)n < sizeof name ? (size_t)n
					   : sizeof name - 1,
		 id);
	json_t *refs = json_array(), *marks = markings_of(m, in->obj);
	size_t i;
	json_t *v;
	json_array_foreach(in->observed, i, v)
		json_array_append_new(refs, json_string(tp_json_str(v, "id")));
	json_t *s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:[s], s:O}", "type",
			      "sighting", "spec_version", "2.1", "id", id, "created_by_ref",
			      m->identity, "created", now, "modified", now, "sighting_of_ref",
			      in->id, "count",
			      (json_int_t)(in->hits > STIX_MAX_COUNT ? STIX_MAX_COUNT : in->hits),
			      "where_sighted_refs", m->identity, "observed_data_refs", refs);
	enum tp_err e = s && marks ? TP_OK : TP_ENOMEM;
	if (e == TP_OK && in->first &&
	    (json_object_set_new(s, "first_seen", json_string(first)) ||
	     json_object_set_new(s, "last_seen", json_string(last))))
		e = TP_ENOMEM;
	if (e == TP_OK && (set_markings(s, marks) || json_array_append(objects, s)))
		e = TP_ENOMEM;
	json_array_foreach(in->observed, i, v) if (e == TP_OK && json_array_append(objects, v)) e =
		TP_ENOMEM;
	json_array_foreach(marks, i, v) json_object_set(used, json_string_value(v), json_true());
	json_decref(s);
	json_decref(refs);
	json_decref(marks);
	return e;
}

enum tp_err tp_match_sightings(struct tp_match *m, json_t **out, struct tp_diag *d)
{
	if (!m || !out)
		return tp_diag_set(d, TP_EINVAL, "no matcher");
	char now[TP_TIME_BUFSZ], bid[96];
	tp_time_format(m->o.time, 3, now);
	struct tp_uuid u;
	if (tp_uuid_v4(&u) != TP_OK)
		return tp_diag_set(d, TP_EIO, "no randomness for the bundle id");
	char us[TP_UUID_STRLEN + 1];
	tp_uuid_format(&u, us);
	snprintf(bid, sizeof bid, "bundle--%s", us);
	json_t *objects = json_array(), *used = json_object();
	json_t *ident = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "identity",
				  "spec_version", "2.1", "id", m->identity, "created_by_ref",
				  m->identity, "created", now, "modified", now, "name",
				  m->o.identity, "identity_class", "organization");
	enum tp_err e = objects && used && ident && !json_array_append_new(objects, ident)
				? TP_OK
				: TP_ENOMEM;
	if (e && ident && !objects)
		json_decref(ident);
	for (size_t i = 0; e == TP_OK && i < m->ninds; i++)
		if (m->inds[i].hits)
			e = sighting(m, &m->inds[i], objects, used);
	const char *k;
	json_t *v;
	json_object_foreach(m->scos, k, v)
	{
		if (e == TP_OK && json_array_append(objects, v))
			e = TP_ENOMEM;
	}
	json_object_foreach(used, k, v)
	{
		json_t *def = json_object_get(m->markings, k);
		if (e == TP_OK && def && json_array_append(objects, def))
			e = TP_ENOMEM;
	}
	json_decref(used);
	json_t *b = e == TP_OK ? json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", bid,
					   "objects", objects)
			       : NULL;
	if (!b) {
		if (e == TP_OK)
			e = TP_ENOMEM;
		else
			json_decref(objects);
		return tp_diag_set(d, e, "out of memory");
	}
	*out = b;
	return TP_OK;
}
