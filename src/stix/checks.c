/*
 * Type-specific STIX 2.1 rules (MUSTs, reported as errors) and the
 * stix2-validator best-practice checks (SHOULDs, warnings by code). The
 * property walk in validate.c has already checked each value on its own;
 * what is here relates properties to each other, e.g. for
 *
 *	{"type": "observed-data", "first_observed": "2020-01-02T00:00:00Z",
 *	 "last_observed": "2020-01-01T00:00:00Z", ...}
 *
 * "last_observed is earlier than first_observed" (section 4.13).
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "stix_internal.h"
#include "tripact/json.h"

void vc_error_at(struct vctx *c, const char *prop, const char *check, const char *msg)
{
	size_t s = prop ? vc_push(c, prop) : c->plen;
	vc_error(c, check, "%s", msg);
	vc_pop(c, s);
}

void vc_order(struct vctx *c, const char *earlier, const char *later, int strict_gt)
{
	long long a, b;
	if (!vc_time(c->obj, earlier, &a) || !vc_time(c->obj, later, &b))
		return;
	if (strict_gt ? b > a : b >= a)
		return;
	size_t s = vc_push(c, later);
	vc_error(c, "constraint", "'%s' must be %s '%s'", later,
		 strict_gt ? "later than" : "later than or equal to", earlier);
	vc_pop(c, s);
}

/* ---- open vocabularies and formats ---- */
static int vocab_format_ok(const char *v)
{
	for (; *v; v++)
		if (isupper((unsigned char)*v) || *v == '_' || *v == ' ')
			return 0;
	return 1;
}

void tp_check_open_vocab(struct vctx *c, const struct tp_stix_vocab *vc, const char *value)
{
	if (!vc)
		return;
	if (vc != &tp_v_hash_algorithm && !vocab_format_ok(value))
		vc_should(c, 111,
			  "Open vocabulary value '%.80s' should be all lowercase and use hyphens "
			  "instead of spaces or underscores as word separators",
			  value);
	if (!tp_stix_vocab_has(vc, value))
		vc_should(c, vc->code, "value '%.80s' is not in the %s vocabulary", value,
			  vc->name);
}

void tp_check_kill_chain(struct vctx *c, const json_t *kcp)
{
	static const char *const keys[] = {"kill_chain_name", "phase_name"};
	for (int i = 0; i < 2; i++) {
		const char *v = json_string_value(json_object_get(kcp, keys[i]));
		if (v && !vocab_format_ok(v))
			vc_should(c, 121,
				  "%s '%.80s' should be all lowercase and use hyphens instead of "
				  "spaces or underscores as word separators",
				  keys[i], v);
	}
}

/* Hex lengths of the hash-algorithm-ov values. */
static int hash_hex_len(const char *alg)
{
	if (strcmp(alg, "MD5") == 0)
		return 32;
	if (strcmp(alg, "SHA-1") == 0)
		return 40;
	if (strcmp(alg, "SHA-256") == 0 || strcmp(alg, "SHA3-256") == 0)
		return 64;
	if (strcmp(alg, "SHA-512") == 0 || strcmp(alg, "SHA3-512") == 0)
		return 128;
	return 0;
}

static int all_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return 0;
	return 1;
}

void tp_check_hashes(struct vctx *c, const json_t *h)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)h, k, v)
	{
		size_t s = vc_push(c, k);
		const char *val = json_string_value(v);
		if (!val) {
			vc_error(c, "property-type", "hash value must be a string");
		} else {
			int want = hash_hex_len(k);
			size_t n = strlen(val);
			if (want && ((int)n != want || !all_hex(val)))
				vc_error(c, "format", "%s hash must be %d hex digits, not '%.80s'",
					 k, want, val);
			else if (strcmp(k, "TLSH") == 0 &&
				 !((n == 70 && all_hex(val)) ||
				   (n == 72 && val[0] == 'T' && val[1] == '1' && all_hex(val + 2))))
				vc_error(c, "format",
					 "TLSH hash must be 70 hex digits (or T1 and 70)");
			else if (strcmp(k, "SSDEEP") == 0 && !strchr(val, ':'))
				vc_error(c, "format",
					 "SSDEEP hash '%.80s' is not blocksize:hash:hash", val);
		}
		if (!tp_stix_vocab_has(&tp_v_hash_algorithm, k) && strncmp(k, "x_", 2) != 0) {
			if (strlen(k) > 30)
				vc_should(
					c, 150,
					"hash algorithm name '%.80s' is longer than 30 characters",
					k);
			else
				vc_should(c, 241,
					  "hash algorithm '%.80s' is neither in hash-algorithm-ov "
					  "nor a "
					  "custom name starting with 'x_'",
					  k);
		}
		vc_pop(c, s);
	}
}

/* ---- custom content (section 11) ---- */
static int custom_prop_name_ok(const char *k)
{
	size_t n = strlen(k);
	if (n < 3 || n > 250)
		return 0;
	for (; *k; k++)
		if (!((*k >= 'a' && *k <= 'z') || (*k >= '0' && *k <= '9') || *k == '_'))
			return 0;
	return 1;
}

static int has_toplevel_extension(const json_t *o)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)json_object_get(o, "extensions"), k, v)
	{
		const char *t = tp_json_str(v, "extension_type");
		if (t && strcmp(t, "toplevel-property-extension") == 0)
			return 1;
	}
	return 0;
}

void tp_check_custom_property(struct vctx *c, const char *name)
{
	static const char *const reserved[] = {"severity", "usernames", "phone_numbers", NULL};
	if (!custom_prop_name_ok(name)) {
		vc_error(c, "custom-content",
			 "property '%.80s' is not defined by STIX 2.1 for %s, and as a custom "
			 "property its name must be 3-250 characters of a-z, 0-9 and '_'",
			 name, c->type ? c->type : "this object");
		return;
	}
	for (size_t i = 0; reserved[i]; i++)
		if (strcmp(reserved[i], name) == 0 && c->plen == 1) {
			vc_error(c, "reserved", "'%s' is a reserved property name", name);
			return;
		}
	if (c->v->o.strict_properties) {
		vc_error(c, "custom-content",
			 "custom property '%.80s' is not allowed (--strict-properties)", name);
		return;
	}
	/* Top-level properties defined by a toplevel-property-extension carry
	 * no prefix by design (section 7.3). */
	if (c->plen == 1 && has_toplevel_extension(c->obj))
		return;
	if (vc_on(c, 101)) {
		const char *us = strncmp(name, "x_", 2) == 0 ? strchr(name + 2, '_') : NULL;
		if (!us || us == name + 2 || !us[1])
			vc_should(
				c, 101,
				"Custom property '%.80s' should have a type that starts with 'x_' "
				"followed by a source unique identifier (like a domain name with "
				"dots replaced by hyphen), a hyphen and then the name",
				name);
	} else if (strncmp(name, "x_", 2) != 0) {
		vc_should(c, 102,
			  "Custom property '%.80s' should have a type that starts with 'x_' in "
			  "order to be compatible with future versions of the STIX 2 specification",
			  name);
	}
}

void tp_check_custom_type(struct vctx *c)
{
	if (strcmp(c->type, "action") == 0) {
		vc_error(c, "reserved", "'action' is a reserved object type");
		return;
	}
	if (c->v->o.strict_types) {
		vc_error(c, "custom-content",
			 "custom object type '%.80s' is not allowed (--strict-types)", c->type);
		return;
	}
	const char *t = c->type;
	if (vc_on(c, 101)) {
		const char *dash = strncmp(t, "x-", 2) == 0 ? strchr(t + 2, '-') : NULL;
		if (!dash || dash == t + 2 || !dash[1])
			vc_should(c, 101,
				  "Custom object type '%.80s' should start with 'x-' followed by a "
				  "source unique identifier (like a domain name with dots replaced "
				  "by "
				  "hyphens), a hyphen and then the name",
				  t);
	} else if (strncmp(t, "x-", 2) != 0) {
		vc_should(c, 102,
			  "Custom object type '%.80s' should start with 'x-' in order to be "
			  "compatible with future versions of the STIX 2 specification",
			  t);
	}
}

/* ---- relationships (section 5.1, Appendix B) ---- */
struct rel {
	const char *src, *type, *targets;
};
/* targets: space-separated. From stix2-validator's RELATIONSHIPS table. */
static const struct rel rels[] = {
	{"attack-pattern", "delivers", "malware"},
	{"attack-pattern", "targets", "location vulnerability identity"},
	{"attack-pattern", "uses", "malware tool"},
	{"campaign", "attributed-to", "intrusion-set threat-actor"},
	{"campaign", "compromises", "infrastructure"},
	{"campaign", "originates-from", "location"},
	{"campaign", "targets", "location identity vulnerability"},
	{"campaign", "uses", "attack-pattern infrastructure malware tool"},
	{"course-of-action", "investigates", "indicator"},
	{"course-of-action", "mitigates", "attack-pattern indicator malware tool vulnerability"},
	{"course-of-action", "remediates", "malware vulnerability"},
	{"domain-name", "resolves-to", "domain-name ipv4-addr ipv6-addr"},
	{"identity", "located-at", "location"},
	{"indicator", "indicates",
	 "attack-pattern campaign infrastructure intrusion-set malware threat-actor tool"},
	{"indicator", "based-on", "observed-data"},
	{"infrastructure", "communicates-with",
	 "infrastructure ipv4-addr ipv6-addr domain-name url"},
	{"infrastructure", "consists-of",
	 "infrastructure observed-data artifact autonomous-system directory domain-name "
	 "email-addr email-message file ipv4-addr ipv6-addr mac-addr mutex network-traffic "
	 "process software url user-account windows-registry-key x509-certificate"},
	{"infrastructure", "controls", "infrastructure malware"},
	{"infrastructure", "delivers", "malware"},
	{"infrastructure", "has", "vulnerability"},
	{"infrastructure", "hosts", "tool malware"},
	{"infrastructure", "located-at", "location"},
	{"infrastructure", "uses", "infrastructure"},
	{"intrusion-set", "attributed-to", "threat-actor"},
	{"intrusion-set", "compromises", "infrastructure"},
	{"intrusion-set", "hosts", "infrastructure"},
	{"intrusion-set", "originates-from", "location"},
	{"intrusion-set", "owns", "infrastructure"},
	{"intrusion-set", "targets", "identity location vulnerability"},
	{"intrusion-set", "uses", "attack-pattern infrastructure malware tool"},
	{"ipv4-addr", "resolves-to", "mac-addr"},
	{"ipv4-addr", "belongs-to", "autonomous-system"},
	{"ipv6-addr", "resolves-to", "mac-addr"},
	{"ipv6-addr", "belongs-to", "autonomous-system"},
	{"malware", "authored-by", "threat-actor intrusion-set"},
	{"malware", "beacons-to", "infrastructure"},
	{"malware", "exfiltrates-to", "infrastructure"},
	{"malware", "communicates-with", "ipv4-addr ipv6-addr domain-name url"},
	{"malware", "controls", "malware"},
	{"malware", "downloads", "malware file tool"},
	{"malware", "drops", "malware file tool"},
	{"malware", "exploits", "vulnerability"},
	{"malware", "originates-from", "location"},
	{"malware", "targets", "identity infrastructure location"},
	{"malware", "uses", "attack-pattern infrastructure malware tool"},
	{"malware", "variant-of", "malware"},
	{"malware-analysis", "characterizes", "malware"},
	{"malware-analysis", "analysis-of", "malware"},
	{"malware-analysis", "static-analysis-of", "malware"},
	{"malware-analysis", "dynamic-analysis-of", "malware"},
	{"threat-actor", "attributed-to", "identity"},
	{"threat-actor", "compromises", "infrastructure"},
	{"threat-actor", "hosts", "infrastructure"},
	{"threat-actor", "owns", "infrastructure"},
	{"threat-actor", "impersonates", "identity"},
	{"threat-actor", "located-at", "location"},
	{"threat-actor", "targets", "identity location vulnerability"},
	{"threat-actor", "uses", "attack-pattern infrastructure malware tool"},
	{"tool", "delivers", "malware"},
	{"tool", "drops", "malware"},
	{"tool", "uses", "infrastructure"},
	{"tool", "has", "vulnerability"},
	{"tool", "targets", "identity infrastructure location vulnerability"},
	{"vulnerability", "impacts", "infrastructure tool"},
};

static int word_in(const char *list, const char *w, size_t wn)
{
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, " ");
		if (n == wn && memcmp(p, w, n) == 0)
			return 1;
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

static void ref_type(const char *ref, char *out, size_t n)
{
	const char *d = ref ? strstr(ref, "--") : NULL;
	size_t len = d ? (size_t)(d - ref) : 0;
	if (len >= n)
		len = 0;
	if (len)
		memcpy(out, ref, len);
	out[len] = '\0';
}

static void check_relationship(struct vctx *c)
{
	const char *rt = tp_json_str(c->obj, "relationship_type");
	if (!rt)
		return;
	for (const char *p = rt; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-')) {
			vc_error_at(
				c, "relationship_type", "format",
				"'relationship_type' must be lower-case ASCII letters, digits and "
				"hyphens");
			return;
		}
	if (strcmp(rt, "derived-from") == 0 || strcmp(rt, "duplicate-of") == 0 ||
	    strcmp(rt, "related-to") == 0)
		return;
	char src[256], tgt[256];
	ref_type(tp_json_str(c->obj, "source_ref"), src, sizeof src);
	ref_type(tp_json_str(c->obj, "target_ref"), tgt, sizeof tgt);
	if (!*src || !*tgt)
		return;
	enum tp_stix_kind sk = tp_stix_kind_of(src), tk = tp_stix_kind_of(tgt);
	/* as stix2-validator: only relationships between SDOs/SCOs are compared
	 * with the suggested list (custom and non-SDO ends are not) */
	if (sk == TP_STIX_CUSTOM || tk == TP_STIX_CUSTOM || sk == TP_STIX_META ||
	    tk == TP_STIX_META || sk == TP_STIX_SRO || tk == TP_STIX_SRO || sk == TP_STIX_BUNDLE ||
	    tk == TP_STIX_BUNDLE || sk == TP_STIX_UNKNOWN || tk == TP_STIX_UNKNOWN)
		return;
	int src_known = 0, type_known = 0;
	for (size_t i = 0; i < sizeof rels / sizeof rels[0]; i++) {
		if (strcmp(rels[i].src, src) != 0)
			continue;
		src_known = 1;
		if (strcmp(rels[i].type, rt) != 0)
			continue;
		type_known = 1;
		if (word_in(rels[i].targets, tgt, strlen(tgt)))
			return;
	}
	size_t s = vc_push(c, "relationship_type");
	if (!src_known)
		vc_should(c, 202,
			  "'%s' is not a suggested relationship source object for the '%s' "
			  "relationship",
			  src, rt);
	else if (!type_known)
		vc_should(c, 202, "'%s' is not a suggested relationship type for '%s' objects", rt,
			  src);
	else
		vc_should(
			c, 202,
			"'%s' is not a suggested relationship target object for '%s' objects with "
			"the '%s' relationship",
			tgt, src, rt);
	vc_pop(c, s);
}

/* RFC 5646 well-formedness, simplified: a 2-3 letter (or 4-8) primary
 * subtag, then subtags of 1-8 letters or digits ("en", "ja-JP",
 * "zh-Hant-TW", "ko-KR"). stix2-validator compares with a fixed list of
 * codes; a syntax check accepts every registered tag. */
static int lang_ok(const char *s)
{
	size_t n = 0;
	while (isalpha((unsigned char)s[n]))
		n++;
	if (n < 2 || n > 8)
		return 0;
	while (s[n] == '-') {
		size_t k = 0;
		n++;
		while (isalnum((unsigned char)s[n + k]))
			k++;
		if (k < 1 || k > 8)
			return 0;
		n += k;
	}
	return s[n] == '\0';
}

static void check_lang(struct vctx *c, const json_t *o, const char *prop)
{
	const char *l = tp_json_str(o, prop);
	if (l && !lang_ok(l)) {
		size_t s = vc_push(c, prop);
		vc_error(c, "format", "'%.40s' is not an RFC 5646 language tag", l);
		vc_pop(c, s);
	}
}

/* A marking definition must not mark itself (no circular references). */
static void check_marking_circular(struct vctx *c)
{
	const json_t *o = c->obj;
	const json_t *m = json_object_get(o, "object_marking_refs");
	for (size_t i = 0; c->id && json_is_array(m) && i < json_array_size(m); i++) {
		const char *r = json_string_value(json_array_get(m, i));
		if (r && strcmp(r, c->id) == 0) {
			size_t s = vc_push(c, "object_marking_refs"), s2 = vc_push_index(c, i);
			vc_error(c, "constraint", "a marking definition must not mark itself");
			vc_pop(c, s2);
			vc_pop(c, s);
		}
	}
	const json_t *g = json_object_get(o, "granular_markings");
	for (size_t i = 0; c->id && json_is_array(g) && i < json_array_size(g); i++) {
		const char *r = tp_json_str(json_array_get(g, i), "marking_ref");
		if (r && strcmp(r, c->id) == 0) {
			size_t s = vc_push(c, "granular_markings"), s2 = vc_push_index(c, i);
			vc_error(c, "constraint", "a marking definition must not mark itself");
			vc_pop(c, s2);
			vc_pop(c, s);
		}
	}
}

/* ---- per type ---- */
static void check_indicator(struct vctx *c)
{
	const json_t *o = c->obj;
	vc_order(c, "valid_from", "valid_until", 1);
	if (!vc_has(o, "name") || !vc_has(o, "description"))
		vc_should(c, 303, "Both the name and description properties SHOULD be present");
	const char *pt = tp_json_str(o, "pattern_type");
	const json_t *pat = json_object_get(o, "pattern");
	if (pt && strcmp(pt, "stix") == 0 && json_is_string(pat) && c->v->o.pattern_check) {
		struct tp_diag d = {0};
		if (c->v->o.pattern_check(json_string_value(pat), json_string_length(pat), &d) !=
		    TP_OK) {
			size_t s = vc_push(c, "pattern");
			if (d.column > 0)
				vc_error(c, "pattern", "invalid STIX pattern at column %ld: %s",
					 d.column, d.message);
			else
				vc_error(c, "pattern", "invalid STIX pattern: %s", d.message);
			vc_pop(c, s);
		}
	}
}

static void check_location(struct vctx *c)
{
	const json_t *o = c->obj;
	int lat = vc_has(o, "latitude"), lon = vc_has(o, "longitude");
	if (lat != lon)
		vc_error_at(c, lat ? "latitude" : "longitude", "constraint",
			    "'latitude' and 'longitude' must be present together");
	if (vc_has(o, "precision") && !(lat && lon))
		vc_error_at(c, "precision", "constraint",
			    "'precision' requires 'latitude' and 'longitude'");
	if (!vc_has(o, "region") && !vc_has(o, "country") && !(lat && lon))
		vc_error_at(c, NULL, "constraint",
			    "a location needs region, country, or latitude and longitude");
	const char *cc = tp_json_str(o, "country");
	if (cc &&
	    !(strlen(cc) == 2 && isupper((unsigned char)cc[0]) && isupper((unsigned char)cc[1]))) {
		size_t s = vc_push(c, "country");
		vc_should(c, 277, "Location `country` should be a valid ISO 3166-1 ALPHA-2 Code");
		vc_pop(c, s);
	}
}

/* In the deprecated observed-data `objects` map, references are the map's
 * keys: each must exist and name an object of an allowed type. */
static void check_map_ref(struct vctx *c, const json_t *map, const struct tp_stix_prop_def *p,
			  const char *ref)
{
	const json_t *target = ref ? json_object_get(map, ref) : NULL;
	if (!target) {
		vc_error(c, "reference-type", "'%s' refers to '%.40s', which is not a key of 'objects'",
			 p->name, ref ? ref : "(not a string)");
		return;
	}
	const char *tt = tp_json_str(target, "type");
	if (!tt || !p->targets)
		return;
	for (size_t i = 0; p->targets[i]; i++)
		if (strcmp(p->targets[i], tt) == 0 || strcmp(p->targets[i], TP_TARGET_SCO) == 0)
			return;
	vc_error(c, "reference-type", "'%s' refers to object '%.40s', a %.80s, which it must not",
		 p->name, ref, tt);
}

static void check_map_refs(struct vctx *c, const json_t *map, const json_t *obs, const char *type)
{
	const struct tp_stix_type_def *def = tp_stix_schema_type(type);
	for (size_t i = 0; def && i < def->nprops; i++) {
		const struct tp_stix_prop_def *p = &def->props[i];
		const json_t *v = json_object_get(obs, p->name);
		if (!v)
			continue;
		size_t s = vc_push(c, p->name);
		if (p->type == TP_PT_IDENTIFIER) {
			check_map_ref(c, map, p, json_string_value(v));
		} else if (p->type == TP_PT_LIST && p->item == TP_PT_IDENTIFIER && json_is_array(v)) {
			for (size_t j = 0; j < json_array_size(v); j++) {
				size_t s2 = vc_push_index(c, j);
				check_map_ref(c, map, p, json_string_value(json_array_get(v, j)));
				vc_pop(c, s2);
			}
		}
		vc_pop(c, s);
	}
}

static void check_observed_data(struct vctx *c)
{
	const json_t *o = c->obj;
	vc_order(c, "first_observed", "last_observed", 0);
	int objs = vc_has(o, "objects"), refs = vc_has(o, "object_refs");
	if (objs && refs)
		vc_error_at(c, "objects", "constraint",
			    "'objects' and 'object_refs' must not both be present");
	else if (!objs && !refs)
		vc_error_at(c, NULL, "required-property",
			    "observed-data needs 'object_refs' (or the deprecated 'objects')");
	if (objs) {
		size_t s = vc_push(c, "objects");
		vc_should(c, 304,
			  "Included property 'objects' is deprecated within the indicated spec "
			  "version");
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)json_object_get(o, "objects"), k, v)
		{
			size_t s2 = vc_push(c, k);
			const char *p = k;
			while (isdigit((unsigned char)*p))
				p++;
			if (*p || p == k)
				vc_should(c, 141,
					  "observable object key '%.40s' should be a non-negative "
					  "integer",
					  k);
			const char *t = json_string_value(json_object_get(v, "type"));
			if (!json_is_object(v) || !t)
				vc_error(c, "required-property", "an observable needs a 'type'");
			else if (tp_stix_kind_of(t) != TP_STIX_SCO &&
				 tp_stix_kind_of(t) != TP_STIX_CUSTOM)
				vc_error(c, "constraint", "'%.80s' is not an observable type", t);
			else
				check_map_refs(c, json_object_get(o, "objects"), v, t);
			vc_pop(c, s2);
		}
		vc_pop(c, s);
	}
}

/* --interop (stix2-validator): a creator on every object and no repeated
 * object markings. */
static void check_interop(struct vctx *c)
{
	const json_t *o = c->obj;
	if (c->kind != TP_STIX_SCO && strcmp(c->type, "marking-definition") != 0 &&
	    !vc_has(o, "created_by_ref"))
		vc_error_at(c, NULL, "interop", "--interop: the object must have created_by_ref");
	const json_t *m = json_object_get(o, "object_marking_refs");
	for (size_t i = 0; json_is_array(m) && i < json_array_size(m); i++)
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(m, i), json_array_get(m, j))) {
				size_t s = vc_push(c, "object_marking_refs"),
				       s2 = vc_push_index(c, i);
				vc_error(c, "interop", "--interop: marking listed twice");
				vc_pop(c, s2);
				vc_pop(c, s);
				break;
			}
}

void tp_check_object_rules(struct vctx *c)
{
	const json_t *o = c->obj;
	const char *t = c->type;
	if (c->kind == TP_STIX_SDO || c->kind == TP_STIX_SRO ||
	    strcmp(t, "language-content") == 0 || strcmp(t, "extension-definition") == 0)
		vc_order(c, "created", "modified", 0);
	const json_t *gm = json_object_get(o, "granular_markings");
	for (size_t i = 0; json_is_array(gm) && i < json_array_size(gm); i++) {
		size_t s = vc_push(c, "granular_markings"), s2 = vc_push_index(c, i);
		check_lang(c, json_array_get(gm, i), "lang");
		vc_pop(c, s2);
		vc_pop(c, s);
	}
	if (c->kind == TP_STIX_SCO) {
		tp_check_sco_rules(c);
		return;
	}
	check_lang(c, o, "lang");
	if (strcmp(t, "campaign") == 0 || strcmp(t, "infrastructure") == 0 ||
	    strcmp(t, "intrusion-set") == 0 || strcmp(t, "malware") == 0 ||
	    strcmp(t, "threat-actor") == 0 || strcmp(t, "sighting") == 0)
		vc_order(c, "first_seen", "last_seen", 0);
	if (strcmp(t, "indicator") == 0)
		check_indicator(c);
	else if (strcmp(t, "location") == 0)
		check_location(c);
	else if (strcmp(t, "observed-data") == 0)
		check_observed_data(c);
	else if (strcmp(t, "relationship") == 0) {
		vc_order(c, "start_time", "stop_time", 1);
		check_relationship(c);
	} else if (strcmp(t, "malware") == 0) {
		if (json_is_true(json_object_get(o, "is_family")) && !vc_has(o, "name"))
			vc_error_at(c, "name", "required-property",
				    "'name' is required when is_family is true");
	} else if (strcmp(t, "malware-analysis") == 0) {
		if (!vc_has(o, "result") && !vc_has(o, "analysis_sco_refs"))
			vc_error_at(c, NULL, "required-property",
				    "malware-analysis needs 'result' or 'analysis_sco_refs'");
		const char *p = tp_json_str(o, "product");
		for (const char *q = p; q && *q; q++)
			if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-')) {
				size_t s = vc_push(c, "product");
				vc_should(c, 143,
					  "The 'product' property of object '%s' should be all "
					  "lowercase "
					  "with words seperated by dash",
					  c->id ? c->id : "");
				vc_pop(c, s);
				break;
			}
	} else if (strcmp(t, "marking-definition") == 0) {
		tp_check_marking_definition(c);
		check_marking_circular(c);
	} else if (strcmp(t, "language-content") == 0) {
		const json_t *cs = json_object_get(o, "contents");
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)cs, k, v)
		{
			if (!json_is_object(v)) {
				size_t s = vc_push(c, "contents"), s2 = vc_push(c, k);
				vc_error(c, "property-type",
					 "each language in 'contents' maps to a dictionary of "
					 "translations");
				vc_pop(c, s2);
				vc_pop(c, s);
			}
		}
	}
	/* extref-hashes: once per object, as stix2-validator reports it */
	const json_t *refs = json_object_get(o, "external_references");
	for (size_t i = 0; json_is_array(refs) && i < json_array_size(refs); i++) {
		const json_t *r = json_array_get(refs, i);
		if (json_is_object(r) && vc_has(r, "url") && !vc_has(r, "hashes")) {
			size_t s = vc_push(c, "external_references"), s2 = vc_push_index(c, i);
			vc_should(c, 302, "External reference '%.80s' has a URL but no hash",
				  tp_json_str(r, "source_name") ? tp_json_str(r, "source_name")
								: "");
			vc_pop(c, s2);
			vc_pop(c, s);
			break;
		}
	}
	if (c->v->o.interop)
		check_interop(c);
}
