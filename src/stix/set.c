/*
 * Cross-object checks over one input (a file, a bundle, a TAXII POST):
 * duplicate-ids (203) and, with --enforce-refs, references that never
 * resolve. Memory stays small and bounded: objects are remembered as
 * 64-bit hashes of "id|modified" (and, for --enforce-refs, of "id") in one
 * open-addressing table of at most max_slots entries (16 MiB for the
 * default 1.5 million objects); past that the set stops tracking and says
 * so once. References are kept as strings only while they point forward
 * to an id not seen yet.
 *
 *	{"id": "indicator--a", "modified": "2020-01-01T00:00:00.000Z"}  (line 3)
 *	{"id": "indicator--a", "modified": "2020-01-01T00:00:00.000Z"}  (line 9)
 *	-> line 9: duplicate-ids warning: same id and modified as an earlier object
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix_internal.h"
#include "tripact/json.h"

#define DEFAULT_MAX 1500000u
#define MAX_PENDING 1000000u

struct pending {
	char *ref, *from;
	char *path;
	long line;
};

struct tp_stix_validate_set {
	const struct tp_stix_validator *v;
	uint64_t *slots; /* 0 = empty */
	size_t cap, used, max_slots;
	int full, full_reported;
	struct pending *pend;
	size_t npend, cappend;
	int pend_dropped;
};

static uint64_t hash(const char *a, const char *b, uint64_t seed)
{
	uint64_t h = 1469598103934665603ULL ^ seed;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	if (b) {
		h = (h ^ '|') * 1099511628211ULL;
		for (const unsigned char *p = (const unsigned char *)b; *p; p++)
			h = (h ^ *p) * 1099511628211ULL;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h ? h : 1;
}

static int grow(struct tp_stix_validate_set *s)
{
	size_t ncap = s->cap ? s->cap * 2 : 1024;
	uint64_t *n = calloc(ncap, sizeof *n);
	if (!n)
		return -1;
	for (size_t i = 0; i < s->cap; i++) {
		if (!s->slots[i])
			continue;
		size_t j = s->slots[i] & (ncap - 1);
		while (n[j])
			j = (j + 1) & (ncap - 1);
		n[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = n;
	s->cap = ncap;
	return 0;
}

/* 1 if h was present, 0 if inserted, -1 on no memory, -2 when full. */
static int insert(struct tp_stix_validate_set *s, uint64_t h)
{
	if ((s->used + 1) * 4 > s->cap * 3) {
		if (s->cap && s->cap * 2 > s->max_slots)
			return -2;
		if (grow(s) != 0)
			return -1;
	}
	size_t j = h & (s->cap - 1);
	while (s->slots[j]) {
		if (s->slots[j] == h)
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	s->slots[j] = h;
	s->used++;
	return 0;
}

static int contains(const struct tp_stix_validate_set *s, uint64_t h)
{
	if (!s->cap)
		return 0;
	size_t j = h & (s->cap - 1);
	while (s->slots[j]) {
		if (s->slots[j] == h)
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	return 0;
}

enum tp_err tp_stix_validate_set_new(const struct tp_stix_validator *v, size_t max_objects,
				     struct tp_stix_validate_set **out)
{
	struct tp_stix_validate_set *s = calloc(1, sizeof *s);
	if (!s)
		return TP_ENOMEM;
	s->v = v;
	size_t want = (max_objects ? max_objects : DEFAULT_MAX) * (v->o.enforce_refs ? 2 : 1);
	s->max_slots = 1024;
	while (s->max_slots * 3 / 4 < want && s->max_slots < ((size_t)1 << 40))
		s->max_slots *= 2;
	*out = s;
	return TP_OK;
}

void tp_stix_validate_set_free(struct tp_stix_validate_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->npend; i++) {
		free(s->pend[i].ref);
		free(s->pend[i].from);
		free(s->pend[i].path);
	}
	free(s->pend);
	free(s->slots);
	free(s);
}

static void report(tp_stix_report_fn fn, void *ctx, struct tp_stix_counts *counts,
		   enum tp_stix_severity sev, const char *check, int code, const char *id,
		   const char *path, long line, const char *msg)
{
	if (counts) {
		if (sev == TP_STIX_ERROR)
			counts->errors++;
		else
			counts->warnings++;
	}
	if (fn) {
		struct tp_stix_problem p = {sev, check, code, id ? id : "", path, msg, line};
		fn(ctx, &p);
	}
}

static void add_pending(struct tp_stix_validate_set *s, const char *ref, const char *from,
			const char *path, long line)
{
	if (s->npend >= MAX_PENDING) {
		s->pend_dropped = 1;
		return;
	}
	if (s->npend == s->cappend) {
		size_t nc = s->cappend ? s->cappend * 2 : 64;
		struct pending *n = realloc(s->pend, nc * sizeof *n);
		if (!n) {
			s->pend_dropped = 1;
			return;
		}
		s->pend = n;
		s->cappend = nc;
	}
	struct pending *p = &s->pend[s->npend];
	p->ref = strdup(ref);
	p->from = strdup(from ? from : "");
	p->path = strdup(path);
	p->line = line;
	if (!p->ref || !p->from || !p->path) {
		free(p->ref);
		free(p->from);
		free(p->path);
		s->pend_dropped = 1;
		return;
	}
	s->npend++;
}

static void note_ref(struct tp_stix_validate_set *s, const char *ref, const char *from,
		     const char *path, long line)
{
	if (!ref || tp_stix_is_predefined_marking(ref))
		return;
	if (!contains(s, hash(ref, NULL, 0)))
		add_pending(s, ref, from, path, line);
}

/* Every *_ref / *_refs below v, at any depth up to 8 (extensions, MIME
 * parts, granular markings); path is the JSON path of v. The deprecated
 * observed-data `objects` map is skipped: its references are map keys. */
static void collect_refs_in(struct tp_stix_validate_set *s, const json_t *v, const char *id,
			    const char *path, long line, int depth)
{
	if (depth > 8)
		return;
	char sub[300];
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			snprintf(sub, sizeof sub, "%.250s[%zu]", path, i);
			collect_refs_in(s, json_array_get(v, i), id, sub, line, depth + 1);
		}
		return;
	}
	if (!json_is_object(v))
		return;
	const char *k;
	const json_t *m;
	json_object_foreach((json_t *)v, k, m)
	{
		size_t n = strlen(k);
		if (*path)
			snprintf(sub, sizeof sub, "%.150s.%.120s", path, k);
		else
			snprintf(sub, sizeof sub, "%.250s", k);
		if (depth == 0 && strcmp(k, "objects") == 0)
			continue;
		if (n > 4 && strcmp(k + n - 4, "_ref") == 0 && json_is_string(m)) {
			note_ref(s, json_string_value(m), id, sub, line);
		} else if (n > 5 && strcmp(k + n - 5, "_refs") == 0 && json_is_array(m)) {
			for (size_t i = 0; i < json_array_size(m); i++) {
				char item[340];
				snprintf(item, sizeof item, "%.290s[%zu]", sub, i);
				note_ref(s, json_string_value(json_array_get(m, i)), id, item, line);
			}
		} else if (json_is_object(m) || json_is_array(m)) {
			collect_refs_in(s, m, id, sub, line, depth + 1);
		}
	}
}

static void collect_refs(struct tp_stix_validate_set *s, const json_t *o, long line)
{
	collect_refs_in(s, o, tp_json_str(o, "id"), "", line, 0);
}

static enum tp_err add_one(struct tp_stix_validate_set *s, const json_t *o, long line,
			   tp_stix_report_fn fn, void *ctx, struct tp_stix_counts *counts)
{
	const char *id = tp_json_str(o, "id");
	if (!id)
		return TP_OK;
	const char *mod = tp_json_str(o, "modified");
	int dup = 0;
	if (!s->full) {
		dup = mod ? insert(s, hash(id, mod, 1)) : 0;
		if (dup != -2 && s->v->o.enforce_refs) {
			int k = insert(s, hash(id, NULL, 0));
			if (k < 0)
				dup = k;
		}
		if (dup == -1)
			return TP_ENOMEM;
		if (dup == -2)
			s->full = 1;
	}
	if (s->full) {
		if (!s->full_reported) {
			s->full_reported = 1;
			report(fn, ctx, counts, TP_STIX_WARNING, "duplicate-ids", 203, id, "", line,
			       "more objects than the duplicate-id table holds: from here on, "
			       "objects "
			       "are not checked for duplicate ids (nor as reference targets)");
		}
		return TP_OK;
	}
	if (dup && s->v->on[203]) {
		report(fn, ctx, counts, s->v->o.strict ? TP_STIX_ERROR : TP_STIX_WARNING,
		       "duplicate-ids", 203, id, "id", line,
		       "Duplicate ID: an earlier object has the same id and modified timestamp");
		return s->v->o.strict ? TP_EVALIDATE : TP_OK;
	}
	return TP_OK;
}

enum tp_err tp_stix_validate_set_add(struct tp_stix_validate_set *s, const json_t *obj, long line,
				     tp_stix_report_fn fn, void *ctx, struct tp_stix_counts *counts)
{
	enum tp_err e = tp_stix_validate_object(s->v, obj, fn, ctx, counts);
	if (e == TP_ENOMEM)
		return e;
	const json_t *list = obj;
	size_t n = 1;
	int bundle = json_is_object(obj) && json_is_array(json_object_get(obj, "objects")) &&
		     tp_json_str(obj, "type") && strcmp(tp_json_str(obj, "type"), "bundle") == 0;
	if (bundle) {
		list = json_object_get(obj, "objects");
		n = json_array_size(list);
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *o = bundle ? json_array_get(list, i) : obj;
		if (!json_is_object(o))
			continue;
		enum tp_err e2 = add_one(s, o, line, fn, ctx, counts);
		if (e2 == TP_ENOMEM)
			return e2;
		if (e2 != TP_OK)
			e = e2;
		if (s->v->o.enforce_refs)
			collect_refs(s, o, line);
	}
	return e;
}

enum tp_err tp_stix_validate_set_finish(struct tp_stix_validate_set *s, tp_stix_report_fn fn,
					void *ctx, struct tp_stix_counts *counts)
{
	enum tp_err e = TP_OK;
	if (s->full && s->v->o.enforce_refs) {
		report(fn, ctx, counts, TP_STIX_WARNING, "enforce-refs", 0, "", "", 0,
		       "the input has more objects than the reference table holds: references "
		       "were not checked");
		return TP_OK;
	}
	for (size_t i = 0; i < s->npend; i++) {
		struct pending *p = &s->pend[i];
		if (contains(s, hash(p->ref, NULL, 0)))
			continue;
		char msg[300];
		snprintf(msg, sizeof msg, "%.200s is not in this input (--enforce-refs)", p->ref);
		report(fn, ctx, counts, TP_STIX_ERROR, "enforce-refs", 0, p->from, p->path, p->line,
		       msg);
		e = TP_EVALIDATE;
	}
	if (s->pend_dropped) {
		report(fn, ctx, counts, TP_STIX_WARNING, "enforce-refs", 0, "", "", 0,
		       "too many forward references to check them all");
	}
	return e;
}
