/*
 * TLP levels of STIX objects and the sharing policy (see tlp.h and
 * docs/sharing-policy.md). Example: an indicator marked both TLP 2.0 GREEN
 * (bab4a63c-...) and, on its "pattern" property only, TLP 1.0 RED
 * (5e57c739-...) is RED as a whole: a granular marking stricter than the
 * object-level one withholds the whole object, because TAXII has no way to
 * serve half an object.
 */
#include <string.h>
#include <strings.h>

#include "tripact/tlp.h"

#define MD "marking-definition--"

static const struct {
	const char *id;
	enum tp_tlp tlp;
} builtin[] = {
	/* STIX 2.1 section 7.2.1.4: TLP 1.0 */
	{MD "613f2e26-407d-48c7-9eca-b8e91df99dc9", TP_TLP_CLEAR},
	{MD "34098fce-860f-48ae-8e50-ebd3cc5e41da", TP_TLP_GREEN},
	{MD "f88d31f6-486f-44da-b317-01333bde0b82", TP_TLP_AMBER},
	{MD "5e57c739-391a-4eb3-b6be-7d15ca92d5ed", TP_TLP_RED},
	/* OASIS TLP 2.0 marking extension */
	{MD "94868c89-83c2-464b-929b-a1a8aa3c8487", TP_TLP_CLEAR},
	{MD "bab4a63c-aed9-4cf5-a766-dfca5abac2bb", TP_TLP_GREEN},
	{MD "55d920b0-5e8b-4f79-9ee9-91f868d9b421", TP_TLP_AMBER},
	{MD "939a9414-2ddd-4d32-a0cd-375ea402b003", TP_TLP_AMBER_STRICT},
	{MD "e828b379-4e03-4974-9ac4-e53a884c97c1", TP_TLP_RED},
	/* OpenCTI's TLP:AMBER+STRICT */
	{MD "826578e1-40ad-459f-bc73-ede076f81f37", TP_TLP_AMBER_STRICT},
};

static const char *const names[] = {"clear", "green", "amber", "amber+strict", "red"};

const char *tp_tlp_name(enum tp_tlp t)
{
	return (unsigned)t <= TP_TLP_RED ? names[t] : "red";
}

enum tp_err tp_tlp_parse(const char *s, enum tp_tlp *out)
{
	if (!s)
		return TP_EINVAL;
	if (strncasecmp(s, "tlp:", 4) == 0)
		s += 4;
	for (int i = 0; i <= TP_TLP_RED; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum tp_tlp)i;
			return TP_OK;
		}
	}
	if (strcasecmp(s, "white") == 0) {
		*out = TP_TLP_CLEAR;
		return TP_OK;
	}
	return TP_EINVAL;
}

int tp_tlp_builtin(const char *id, enum tp_tlp *out)
{
	if (!id || strncmp(id, MD, strlen(MD)) != 0)
		return 0;
	for (size_t i = 0; i < sizeof builtin / sizeof builtin[0]; i++) {
		if (strcasecmp(id, builtin[i].id) == 0) {
			*out = builtin[i].tlp;
			return 1;
		}
	}
	return 0;
}

/* A level from a TLP 2.0 extension block: {"tlp_2_0": "amber+strict"}. */
static int level_from_extensions(const json_t *def, enum tp_tlp *level)
{
	const json_t *exts = json_object_get(def, "extensions");
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)exts, k, v)
	{
		const char *s = json_string_value(json_object_get(v, "tlp_2_0"));
		if (s) {
			if (tp_tlp_parse(s, level) != TP_OK)
				*level = TP_TLP_RED;
			return 1;
		}
	}
	return 0;
}

enum tp_marking_kind tp_tlp_of_definition(const json_t *def, enum tp_tlp *level)
{
	if (tp_tlp_builtin(json_string_value(json_object_get(def, "id")), level))
		return TP_MARKING_TLP;
	if (level_from_extensions(def, level))
		return TP_MARKING_TLP;
	const char *dt = json_string_value(json_object_get(def, "definition_type"));
	if (dt && strcasecmp(dt, "tlp") == 0) {
		const json_t *d = json_object_get(def, "definition");
		const char *s = json_string_value(json_object_get(d, "tlp"));
		if (!s)
			s = json_string_value(json_object_get(d, "TLP"));
		if (tp_tlp_parse(s, level) != TP_OK)
			*level = TP_TLP_RED;
		return TP_MARKING_TLP;
	}
	const char *name = json_string_value(json_object_get(def, "name"));
	if (name && strncasecmp(name, "tlp:", 4) == 0) {
		if (tp_tlp_parse(name, level) != TP_OK)
			*level = TP_TLP_RED;
		return TP_MARKING_TLP;
	}
	return TP_MARKING_OTHER;
}

/* Folds one marking reference into the running level. */
static void fold(const char *ref, tp_marking_resolver resolve, void *ctx, enum tp_tlp *acc,
		 int *have, int *unresolved)
{
	enum tp_tlp t = TP_TLP_RED;
	if (!ref)
		return;
	if (!tp_tlp_builtin(ref, &t)) {
		enum tp_marking_kind k = resolve ? resolve(ctx, ref, &t) : TP_MARKING_UNKNOWN;
		if (k == TP_MARKING_OTHER)
			return;
		if (k == TP_MARKING_UNKNOWN) {
			t = TP_TLP_RED;
			*unresolved = 1;
		}
	}
	if (!*have || t > *acc)
		*acc = t;
	*have = 1;
}

void tp_tlp_of_object(const json_t *obj, tp_marking_resolver resolve, void *ctx,
		      enum tp_tlp default_tlp, enum tp_tlp *out, int *unresolved)
{
	enum tp_tlp acc = TP_TLP_CLEAR, self;
	int have = 0;
	*unresolved = 0;
	const char *type = json_string_value(json_object_get(obj, "type"));
	if (type && strcmp(type, "marking-definition") == 0 &&
	    tp_tlp_of_definition(obj, &self) == TP_MARKING_TLP) {
		/* TLP definitions themselves are public knowledge. */
		*out = TP_TLP_CLEAR;
		return;
	}
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(obj, "object_marking_refs"), i, v)
		fold(json_string_value(v), resolve, ctx, &acc, &have, unresolved);
	json_array_foreach(json_object_get(obj, "granular_markings"), i, v)
		fold(json_string_value(json_object_get(v, "marking_ref")), resolve, ctx, &acc,
		     &have, unresolved);
	/* A granular marking that is not a string reference cannot be read
	 * safely: treat the object as RED. */
	json_array_foreach(json_object_get(obj, "granular_markings"), i,
			   v) if (!json_is_string(json_object_get(v, "marking_ref")) &&
				  !json_is_string(json_object_get(v, "lang")))
	{
		acc = TP_TLP_RED;
		have = 1;
	}
	*out = have ? acc : default_tlp;
}

int tp_tlp_may_read(const struct tp_tlp_viewer *v, const struct tp_tlp_subject *s)
{
	if (!v->can_read)
		return 0;
	int same_org = v->org != 0 && v->org == s->origin;
	switch (s->tlp) {
	case TP_TLP_CLEAR:
	case TP_TLP_GREEN:
		return 1;
	case TP_TLP_AMBER:
	case TP_TLP_AMBER_STRICT:
		if (same_org)
			return 1;
		if (!s->from_partner)
			return 1;
		return v->node_org != 0 && v->org == v->node_org;
	case TP_TLP_RED:
	default:
		return same_org;
	}
}
