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

/*
 * Where an object sits in the input: "$" or "[top]", then ".objects[obj]"
 * inside a bundle. Kept as numbers and spelled out only for an error, so
 * loading formats nothing while the input is well formed.
 */
#define NO_INDEX SIZE_MAX
struct place {
	size_t top; /* index in the top-level array, or NO_INDEX for "$" */
	size_t obj; /* index in its bundle's objects, or NO_INDEX */
};

static const char *place_text(struct place p, char out[96])
{
	int n = p.top == NO_INDEX ? snprintf(out, 96, "$") : snprintf(out, 96, "[%zu]", p.top);
	if (p.obj != NO_INDEX && n > 0 && n < 96)
		snprintf(out + n, 96 - (size_t)n, ".objects[%zu]", p.obj);
	return out;
}

/* A malformed shape at p: the path is p then suffix, the message names p. */
static enum tp_err bad_shape(struct tp_diag *d, struct place p, const char *suffix,
			     const char *msg)
{
	char w[96];
	place_text(p, w);
	tp_diag_path(d, "%s%s", w, suffix);
	return tp_diag_set(d, TP_EPARSE, "%s: %s", w, msg);
}

/*
 * The properties of an observed-data that loading reads, found in one pass
 * over its keys: cheaper than hashing a lookup for each.
 */
struct od_props {
	const char *id;
	json_t *first, *last, *number, *refs, *objects;
};

static void read_props(json_t *od, struct od_props *p)
{
	*p = (struct od_props){0};
	const char *k;
	json_t *v;
	json_object_foreach(od, k, v)
	{
		switch (k[0]) {
		case 'i':
			if (strcmp(k, "id") == 0)
				p->id = json_string_value(v);
			break;
		case 'f':
			if (strcmp(k, "first_observed") == 0)
				p->first = v;
			break;
		case 'l':
			if (strcmp(k, "last_observed") == 0)
				p->last = v;
			break;
		case 'n':
			if (strcmp(k, "number_observed") == 0)
				p->number = v;
			break;
		case 'o':
			if (strcmp(k, "object_refs") == 0)
				p->refs = v;
			else if (strcmp(k, "objects") == 0)
				p->objects = v;
			break;
		}
	}
}

/* The most roots an observed-data can have. */
static size_t count_roots(const struct od_props *p)
{
	if (json_is_array(p->refs))
		return json_array_size(p->refs);
	return json_is_object(p->objects) ? json_object_size(p->objects) : 0;
}

/* The observed-data met while pooling, in input order. */
struct od_list {
	struct od_props *v;
	size_t n, cap;
	size_t nroots; /* the most roots they can have between them */
};

static enum tp_err od_push(struct od_list *l, json_t *od)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;
		struct od_props *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return TP_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	read_props(od, &l->v[l->n]);
	l->nroots += count_roots(&l->v[l->n++]);
	return TP_OK;
}

static enum tp_err add_object(struct tp_pattern_data *dt, json_t *o, struct od_list *ods,
			      struct tp_diag *d, struct place p)
{
	if (!json_is_object(o))
		return bad_shape(d, p, "", "expected a STIX object");
	const char *type = tp_json_str(o, "type");
	int is_bundle = type && strcmp(type, "bundle") == 0;
	if (is_bundle && p.obj != NO_INDEX)
		return bad_shape(d, p, "", "a bundle inside a bundle");
	if (is_bundle) {
		json_t *objs = json_object_get(o, "objects");
		if (!json_is_array(objs)) {
			tp_diag_object(d, tp_json_str(o, "id"));
			return bad_shape(d, p, ".objects", "bundle without an objects array");
		}
		size_t i;
		json_t *v;
		json_array_foreach(objs, i, v)
		{
			struct place in = {p.top, i};
			enum tp_err e = add_object(dt, v, ods, d, in);
			if (e)
				return e;
		}
		return TP_OK;
	}
	const char *id = tp_json_str(o, "id");
	if (id && !json_object_get(dt->pool, id) && json_object_set(dt->pool, id, o) != 0)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	if (type && strcmp(type, "observed-data") == 0 && od_push(ods, o) != TP_OK)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
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

/*
 * The last timestamp parsed: observed-data in one input mostly share their
 * first_observed/last_observed text (tripact match gives every record the
 * same one), and comparing it costs less than parsing it again.
 */
struct time_memo {
	const char *text; /* borrowed from the JSON, NULL before the first */
	tp_time_us t;
};

static enum tp_err parse_time(struct time_memo *m, const char *s, tp_time_us *out)
{
	if (!m->text || strcmp(m->text, s) != 0) {
		tp_time_us t;
		if (tp_time_parse(s, strlen(s), 0, &t, NULL, NULL) != TP_OK)
			return TP_EPARSE;
		m->text = s;
		m->t = t;
	}
	*out = m->t;
	return TP_OK;
}

static enum tp_err fill_obs(struct tp_pattern_data *dt, const struct od_props *od, struct obs *o,
			    size_t *nroot, struct time_memo *memo, struct tp_diag *d)
{
	const char *id = od->id;
	o->id = id ? id : "(observed-data without id)";
	const char *fo = json_string_value(od->first);
	const char *lo = json_string_value(od->last);
	if (!fo)
		return bad(id, d, "first_observed", "missing");
	if (!lo)
		return bad(id, d, "last_observed", "missing");
	if (parse_time(memo, fo, &o->first) != TP_OK)
		return bad(id, d, "first_observed", "not a STIX timestamp");
	if (parse_time(memo, lo, &o->last) != TP_OK)
		return bad(id, d, "last_observed", "not a STIX timestamp");
	if (o->last < o->first)
		return bad(id, d, "last_observed", "earlier than first_observed");
	json_t *no = od->number;
	if (!json_is_integer(no) || json_integer_value(no) < 1)
		return bad(id, d, "number_observed", "must be an integer >= 1");
	o->number = json_integer_value(no);
	o->roots = dt->rootbuf + *nroot;
	json_t *refs = od->refs, *dict = od->objects;
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
	struct od_list ods = {0};
	enum tp_err e = TP_OK;
	if (json_is_array(root)) {
		size_t i;
		json_t *v;
		json_array_foreach(root, i, v)
		{
			struct place p = {i, NO_INDEX};
			if ((e = add_object(dt, v, &ods, d, p)))
				goto fail;
		}
	} else {
		struct place p = {NO_INDEX, NO_INDEX};
		if ((e = add_object(dt, root, &ods, d, p)))
			goto fail;
	}
	/* references resolve against the whole pool: fill once it is complete */
	dt->obs = calloc(ods.n ? ods.n : 1, sizeof *dt->obs);
	dt->rootbuf = calloc(ods.nroots ? ods.nroots : 1, sizeof *dt->rootbuf);
	if (!dt->obs || !dt->rootbuf) {
		e = tp_diag_set(d, TP_ENOMEM, "out of memory");
		goto fail;
	}
	struct time_memo memo = {0};
	size_t used = 0;
	for (size_t i = 0; i < ods.n; i++)
		if ((e = fill_obs(dt, &ods.v[i], &dt->obs[i], &used, &memo, d)))
			goto fail;
	dt->nobs = ods.n;
	free(ods.v);
	*out = dt;
	return TP_OK;
fail:
	free(ods.v);
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
