/*
 * Marking definitions (STIX 2.1 section 7.2): statement markings, the four
 * fixed TLP 1.0 objects, TLP 2.0 through its extension definition, and
 * granular marking selectors, which must resolve inside the object:
 *
 *	{"selectors": ["external_references.[0].url"], "marking_ref": "..."}
 *	resolves only if external_references is a list with an element 0
 *	that has a url property.
 */
#include <stdlib.h>
#include <string.h>

#include "stix_internal.h"

static const struct {
	const char *id, *level, *name;
} tlp1[] = {
	{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "white", "TLP:WHITE"},
	{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", "green", "TLP:GREEN"},
	{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "amber", "TLP:AMBER"},
	{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "red", "TLP:RED"},
};

static const struct {
	const char *id, *level, *name;
} tlp2[] = {
	{"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear", "TLP:CLEAR"},
	{"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green", "TLP:GREEN"},
	{"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber", "TLP:AMBER"},
	{"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict",
	 "TLP:AMBER+STRICT"},
	{"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red", "TLP:RED"},
};

static void check_tlp1(struct vctx *c, const json_t *def)
{
	const char *level = json_string_value(json_object_get(def, "tlp"));
	if (!level)
		return; /* reported by the definition's own walk */
	for (size_t i = 0; i < 4; i++) {
		if (strcmp(tlp1[i].level, level) != 0)
			continue;
		if (!c->id || strcmp(c->id, tlp1[i].id) != 0)
			vc_error(c, "constraint",
				 "a TLP 1.0 %s marking must be the predefined object %s, not a new "
				 "definition",
				 level, tlp1[i].id);
		return;
	}
}

static void check_tlp2(struct vctx *c, const json_t *ext)
{
	const char *level = json_string_value(json_object_get(ext, "tlp_2_0"));
	if (!level)
		return;
	for (size_t i = 0; i < 5; i++) {
		if (strcmp(tlp2[i].level, level) != 0)
			continue;
		if (!c->id || strcmp(c->id, tlp2[i].id) != 0)
			vc_error(c, "constraint",
				 "a TLP 2.0 %s marking must be the predefined object %s", level,
				 tlp2[i].id);
		return;
	}
}

void tp_check_marking_definition(struct vctx *c)
{
	const json_t *o = c->obj;
	const json_t *dt = json_object_get(o, "definition_type");
	const json_t *def = json_object_get(o, "definition");
	const json_t *exts = json_object_get(o, "extensions");
	if (dt && !def) {
		vc_error(c, "required-property",
			 "'definition' must be present when 'definition_type' is");
		return;
	}
	if (def && !dt)
		vc_error(c, "required-property",
			 "'definition_type' must be present when 'definition' is");
	if (!dt && !exts)
		vc_error(c, "required-property",
			 "a marking definition needs definition_type and definition, or an "
			 "extension (such as TLP 2.0)");
	/* a TLP id claimed by a non-TLP definition */
	for (size_t i = 0; c->id && i < 4; i++)
		if (strcmp(c->id, tlp1[i].id) == 0 &&
		    !(json_is_string(dt) && strcmp(json_string_value(dt), "tlp") == 0))
			vc_error(c, "constraint",
				 "%s is the TLP 1.0 %s marking: its definition_type must be tlp",
				 c->id, tlp1[i].level);
	if (json_is_string(dt)) {
		const char *t = json_string_value(dt);
		size_t s = vc_push(c, "definition");
		if (strcmp(t, "statement") == 0 && json_is_object(def))
			tp_validate_props(c, &tp_def_statement, def, 0);
		else if (strcmp(t, "tlp") == 0 && json_is_object(def))
			tp_validate_props(c, &tp_def_tlp, def, 0);
		vc_pop(c, s);
		if (strcmp(t, "tlp") == 0 && json_is_object(def)) {
			s = vc_push(c, "id");
			check_tlp1(c, def);
			vc_pop(c, s);
		}
		if (strcmp(t, "statement") != 0 && strcmp(t, "tlp") != 0) {
			s = vc_push(c, "definition_type");
			vc_should(c, 201,
				  "Marking definition `definition_type` should be one of: "
				  "statement, tlp");
			vc_pop(c, s);
		}
		if (def && !json_is_object(def)) {
			s = vc_push(c, "definition");
			vc_error(c, "property-type", "'definition' must be an object");
			vc_pop(c, s);
		}
	}
	const json_t *t2 = json_object_get(exts, TP_TLP2_EXTENSION_ID);
	if (json_is_object(t2)) {
		size_t s = vc_push(c, "id");
		check_tlp2(c, t2);
		vc_pop(c, s);
	}
}

/* Resolves one selector against the object. */
static int selector_resolves(const json_t *o, const char *sel)
{
	const json_t *cur = o;
	const char *p = sel;
	if (!*p)
		return 0;
	while (*p) {
		size_t n = strcspn(p, ".");
		if (n == 0)
			return 0;
		if (p[0] == '[') {
			if (p[n - 1] != ']' || !json_is_array(cur))
				return 0;
			char *end;
			long i = strtol(p + 1, &end, 10);
			if (end != p + n - 1 || i < 0 || (size_t)i >= json_array_size(cur))
				return 0;
			cur = json_array_get(cur, (size_t)i);
		} else {
			if (!json_is_object(cur))
				return 0;
			char key[256];
			if (n >= sizeof key)
				return 0;
			memcpy(key, p, n);
			key[n] = '\0';
			cur = json_object_get(cur, key);
			if (!cur)
				return 0;
		}
		p += n;
		if (*p == '.') {
			p++;
			if (!*p)
				return 0;
		}
	}
	return 1;
}

void tp_check_granular(struct vctx *c, const json_t *gm)
{
	int has_lang = json_object_get(gm, "lang") != NULL;
	int has_ref = json_object_get(gm, "marking_ref") != NULL;
	if (has_lang == has_ref)
		vc_error(c, "constraint",
			 "a granular marking needs exactly one of 'lang' and 'marking_ref'");
	const json_t *sels = json_object_get(gm, "selectors");
	for (size_t i = 0; json_is_array(sels) && i < json_array_size(sels); i++) {
		const char *sel = json_string_value(json_array_get(sels, i));
		if (sel && !selector_resolves(c->obj, sel)) {
			size_t s = vc_push(c, "selectors");
			size_t s2 = vc_push_index(c, i);
			vc_error(c, "constraint",
				 "selector '%.120s' does not resolve in this object", sel);
			vc_pop(c, s2);
			vc_pop(c, s);
		}
	}
}

int tp_stix_is_predefined_marking(const char *id)
{
	for (size_t i = 0; id && i < 4; i++)
		if (strcmp(id, tlp1[i].id) == 0)
			return 1;
	for (size_t i = 0; id && i < 5; i++)
		if (strcmp(id, tlp2[i].id) == 0)
			return 1;
	return 0;
}
