/*
 * Observed-data to evaluate patterns against. Every object of the input
 * (bundles, arrays of bundles, arrays of bare objects) goes into one pool
 * keyed by id, so `object_refs` and `*_ref` properties resolve across
 * bundles; STIX 2.0 observed-data with an `objects` dictionary keeps that
 * dictionary for its own references.
 *
 *	[{"type":"bundle","objects":[OD1, IP1]}, {"type":"bundle","objects":[IP2]}]
 *	OD1.object_refs = ["ipv4-addr--...2"]  -> resolves to IP2 in the 2nd bundle
 */
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "tripact/json.h"

static enum tp_err add_object(struct tp_pattern_data *dt, json_t *o, size_t *nod, struct tp_diag *d,
			      const char *where, int top)
{
	if (!json_is_object(o)) {
		tp_diag_path(d, "%s", where);
		return tp_diag_set(d, TP_EPARSE, "%s: expected a STIX object", where);
	}
	const char *type = tp_json_str(o, "type");
	if (type && strcmp(type, "bundle") == 0 && !top) {
		tp_diag_path(d, "%s", where);
		return tp_diag_set(d, TP_EPARSE, "%s: a bundle inside a bundle", where);
	}
	if (type && strcmp(type, "bundle") == 0) {
		json_t *objs = json_object_get(o, "objects");
		if (!json_is_array(objs)) {
			tp_diag_object(d, tp_json_str(o, "id"));
			tp_diag_path(d, "%s.objects", where);
			return tp_diag_set(d, TP_EPARSE, "%s: bundle without an objects array",
					   where);
		}
		size_t i;
		json_t *v;
		json_array_foreach(objs, i, v)
		{
			char w[96];
			snprintf(w, sizeof w, "%s.objects[%zu]", where, i);
			enum tp_err e = add_object(dt, v, nod, d, w, 0);
			if (e)
				return e;
		}
		return TP_OK;
	}
	const char *id = tp_json_str(o, "id");
	if (id && !json_object_get(dt->pool, id) && json_object_set(dt->pool, id, o) != 0)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	if (type && strcmp(type, "observed-data") == 0)
		(*nod)++;
	return TP_OK;
}

json_t *data_resolve(const struct tp_pattern_data *data, const struct obs *o, const char *ref)
{
	if (o && o->dict)
		return json_object_get(o->dict, ref);
	return json_object_get(data->pool, ref);
}

static enum tp_err bad(const char *id, struct tp_diag *d, const char *path, const char *msg)
{
	tp_diag_object(d, id);
	tp_diag_path(d, "%s", path);
	return tp_diag_set(d, TP_EVALIDATE, "%s: %s: %s", id ? id : "observed-data", path, msg);
}

static enum tp_err fill_obs(struct tp_pattern_data *dt, json_t *od, struct obs *o, size_t *nroot,
			    struct tp_diag *d)
{
	const char *id = tp_json_str(od, "id");
	o->id = id ? id : "(observed-data without id)";
	const char *fo = tp_json_str(od, "first_observed");
	const char *lo = tp_json_str(od, "last_observed");
	if (!fo)
		return bad(id, d, "first_observed", "missing");
	if (!lo)
		return bad(id, d, "last_observed", "missing");
	if (tp_time_parse(fo, strlen(fo), 0, &o->first, NULL, NULL) != TP_OK)
		return bad(id, d, "first_observed", "not a STIX timestamp");
	if (tp_time_parse(lo, strlen(lo), 0, &o->last, NULL, NULL) != TP_OK)
		return bad(id, d, "last_observed", "not a STIX timestamp");
	if (o->last < o->first)
		return bad(id, d, "last_observed", "earlier than first_observed");
	json_t *no = json_object_get(od, "number_observed");
	if (!json_is_integer(no) || json_integer_value(no) < 1)
		return bad(id, d, "number_observed", "must be an integer >= 1");
	o->number = json_integer_value(no);
	o->roots = dt->rootbuf + *nroot;
	json_t *refs = json_object_get(od, "object_refs");
	json_t *dict = json_object_get(od, "objects");
	if (json_is_array(refs)) {
		size_t i;
		json_t *v;
		json_array_foreach(refs, i, v)
		{
			json_t *t = json_is_string(v)
					    ? json_object_get(dt->pool, json_string_value(v))
					    : NULL;
			if (json_is_object(t))
				o->roots[o->nroots++] = t;
		}
	} else if (json_is_object(dict)) {
		o->dict = dict;
		const char *k;
		json_t *v;
		json_object_foreach(dict, k, v)
		{
			if (json_is_object(v))
				o->roots[o->nroots++] = v;
		}
	} else {
		return bad(id, d, "object_refs", "observed-data needs object_refs (or objects)");
	}
	*nroot += o->nroots;
	return TP_OK;
}

static size_t count_roots(json_t *od)
{
	json_t *refs = json_object_get(od, "object_refs");
	if (json_is_array(refs))
		return json_array_size(refs);
	json_t *dict = json_object_get(od, "objects");
	return json_is_object(dict) ? json_object_size(dict) : 0;
}

enum tp_err tp_pattern_data_new(json_t *root, struct tp_pattern_data **out, struct tp_diag *d)
{
	if (!root || !out)
		return tp_diag_set(d, TP_EINVAL, "no data given");
	struct tp_pattern_data *dt = calloc(1, sizeof *dt);
	if (!dt || !(dt->pool = json_object())) {
		free(dt);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	dt->root = json_incref(root);
	size_t nod = 0;
	enum tp_err e = TP_OK;
	if (json_is_array(root)) {
		size_t i;
		json_t *v;
		json_array_foreach(root, i, v)
		{
			char w[48];
			snprintf(w, sizeof w, "[%zu]", i);
			if ((e = add_object(dt, v, &nod, d, w, 1)))
				goto fail;
		}
	} else if ((e = add_object(dt, root, &nod, d, "$", 1))) {
		goto fail;
	}
	/* Collect observed-data in input order (the pool is unordered). */
	dt->obs = calloc(nod ? nod : 1, sizeof *dt->obs);
	json_t **ods = calloc(nod ? nod : 1, sizeof *ods);
	size_t k = 0, nroots = 0;
	if (!dt->obs || !ods) {
		free(ods);
		e = tp_diag_set(d, TP_ENOMEM, "out of memory");
		goto fail;
	}
	/* second walk over the same shapes add_object accepted */
	{
		json_t *top = root;
		size_t n = json_is_array(top) ? json_array_size(top) : 1;
		for (size_t i = 0; i < n; i++) {
			json_t *v = json_is_array(top) ? json_array_get(top, i) : top;
			const char *t = tp_json_str(v, "type");
			json_t *objs = t && strcmp(t, "bundle") == 0 ? json_object_get(v, "objects")
								     : NULL;
			size_t m = objs ? json_array_size(objs) : 1;
			for (size_t j = 0; j < m; j++) {
				json_t *o = objs ? json_array_get(objs, j) : v;
				const char *ot = tp_json_str(o, "type");
				if (ot && strcmp(ot, "observed-data") == 0 && k < nod) {
					ods[k++] = o;
					nroots += count_roots(o);
				}
			}
		}
	}
	dt->rootbuf = calloc(nroots ? nroots : 1, sizeof *dt->rootbuf);
	if (!dt->rootbuf) {
		free(ods);
		e = tp_diag_set(d, TP_ENOMEM, "out of memory");
		goto fail;
	}
	size_t used = 0;
	for (size_t i = 0; i < k; i++) {
		if ((e = fill_obs(dt, ods[i], &dt->obs[i], &used, d))) {
			free(ods);
			goto fail;
		}
	}
	dt->nobs = k;
	free(ods);
	*out = dt;
	return TP_OK;
fail:
	tp_pattern_data_free(dt);
	return e;
}

void tp_pattern_data_free(struct tp_pattern_data *dt)
{
	if (!dt)
		return;
	json_decref(dt->pool);
	json_decref(dt->root);
	free(dt->obs);
	free(dt->rootbuf);
	free(dt);
}

size_t tp_pattern_data_count(const struct tp_pattern_data *dt)
{
	return dt ? dt->nobs : 0;
}
