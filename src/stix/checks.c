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

static int has(const json_t *o, const char *k)
{
	return json_object_get(o, k) != NULL;
}

static void error_at(struct vctx *c, const char *prop, const char *check, const char *msg)
{
	size_t s = prop ? vc_push(c, prop) : c->plen;
	vc_error(c, check, "%s", msg);
	vc_pop(c, s);
}

/* later >= earlier (or > when strict_gt); only when both parse. */
static void order(struct vctx *c, const char *earlier, const char *later, int strict_gt)
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
		vc_should(c, vc->code, "value '%.80s' is not in the %s vocabulary", value, vc->name);
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
				vc_error(c, "format", "%s hash must be %d hex digits, not '%.80s'", k,
					 want, val);
			else if (strcmp(k, "TLSH") == 0 &&
				 !((n == 70 && all_hex(val)) ||
				   (n == 72 && val[0] == 'T' && val[1] == '1' && all_hex(val + 2))))
				vc_error(c, "format", "TLSH hash must be 70 hex digits (or T1 and 70)");
			else if (strcmp(k, "SSDEEP") == 0 && !strchr(val, ':'))
				vc_error(c, "format", "SSDEEP hash '%.80s' is not blocksize:hash:hash",
					 val);
		}
		if (!tp_stix_vocab_has(&tp_v_hash_algorithm, k) && strncmp(k, "x_", 2) != 0) {
			if (strlen(k) > 30)
				vc_should(c, 150, "hash algorithm name '%.80s' is longer than 30 characters", k);
			else
				vc_should(c, 241,
					  "hash algorithm '%.80s' is neither in hash-algorithm-ov nor a "
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
		if (strcmp(reserved[i], name) == 0 && c->plen == strlen(name)) {
			vc_error(c, "reserved", "'%s' is a reserved property name", name);
			return;
		}
	if (c->v->o.strict_properties) {
		vc_error(c, "custom-content",
			 "custom property '%.80s' is not allowed (--strict-properties)", name);
		return;
	}
	if (vc_on(c, 101)) {
		const char *us = strncmp(name, "x_", 2) == 0 ? strchr(name + 2, '_') : NULL;
		if (!us || us == name + 2 || !us[1])
			vc_should(c, 101,
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
				  "source unique identifier (like a domain name with dots replaced by "
				  "hyphens), a hyphen and then the name",
				  t);
	} else if (strncmp(t, "x-", 2) != 0) {
		vc_should(c, 102,
			  "Custom object type '%.80s' should start with 'x-' in order to be "
			  "compatible with future versions of the STIX 2 specification",
			  t);
	}
}

void tp_check_observable_dict_keys(struct vctx *c, const char *prop, const json_t *dict)
{
	static const char *const exceptions[] = {
		"hashes",      "file_header_hashes", "request_header", "additional_header_fields",
		"document_info_dict", "exif_tags",   "ipfix",	       "options",
		"environment_variables", "key",	     "startup_info",   NULL,
	};
	for (size_t i = 0; exceptions[i]; i++)
		if (strcmp(exceptions[i], prop) == 0)
			goto special;
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)dict, k, v)
	{
		for (const char *p = k; *p; p++)
			if (isupper((unsigned char)*p)) {
				vc_should(c, 142, "dictionary key '%.80s' should be all lowercase", k);
				break;
			}
	}
	return;
special:
	if (strcmp(prop, "document_info_dict") == 0) {
		static const char *const did[] = {"Title", "Author", "Subject", "Keywords", "Creator",
						  "Producer", "CreationDate", "ModDate", "Trapped", NULL};
		json_object_foreach((json_t *)dict, k, v)
		{
			int ok = 0;
			for (size_t i = 0; did[i] && !ok; i++)
				ok = strcmp(did[i], k) == 0;
			if (!ok)
				vc_should(c, 276,
					  "'%.80s' is not a valid PDF Document Information Dictionary key",
					  k);
		}
	} else if (strcmp(prop, "options") == 0) {
		static const char *const pre[] = {"SO_", "ICMP_", "ICMP6_", "IP_", "IPV6_",
						  "MCAST_", "TCP_", "IRLMP_", NULL};
		json_object_foreach((json_t *)dict, k, v)
		{
			int ok = 0;
			for (size_t i = 0; pre[i] && !ok; i++)
				ok = strncmp(k, pre[i], strlen(pre[i])) == 0;
			if (!ok)
				vc_should(c, 275,
					  "socket option '%.80s' should start with SO_, ICMP_, ICMP6_, IP_, "
					  "IPV6_, MCAST_, TCP_ or IRLMP_",
					  k);
		}
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
	{"infrastructure", "communicates-with", "infrastructure ipv4-addr ipv6-addr domain-name url"},
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
			error_at(c, "relationship_type", "format",
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
		vc_should(c, 202, "'%s' is not a suggested relationship source object for the '%s' relationship",
			  src, rt);
	else if (!type_known)
		vc_should(c, 202, "'%s' is not a suggested relationship type for '%s' objects", rt, src);
	else
		vc_should(c, 202,
			  "'%s' is not a suggested relationship target object for '%s' objects with "
			  "the '%s' relationship",
			  tgt, src, rt);
	vc_pop(c, s);
}

/* ---- per type ---- */
static void check_indicator(struct vctx *c)
{
	const json_t *o = c->obj;
	order(c, "valid_from", "valid_until", 1);
	if (!has(o, "name") || !has(o, "description"))
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
	int lat = has(o, "latitude"), lon = has(o, "longitude");
	if (lat != lon)
		error_at(c, lat ? "latitude" : "longitude", "constraint",
			 "'latitude' and 'longitude' must be present together");
	if (has(o, "precision") && !(lat && lon))
		error_at(c, "precision", "constraint",
			 "'precision' requires 'latitude' and 'longitude'");
	if (!has(o, "region") && !has(o, "country") && !(lat && lon))
		error_at(c, NULL, "constraint",
			 "a location needs region, country, or latitude and longitude");
	const char *cc = tp_json_str(o, "country");
	if (cc && !(strlen(cc) == 2 && isupper((unsigned char)cc[0]) && isupper((unsigned char)cc[1]))) {
		size_t s = vc_push(c, "country");
		vc_should(c, 277, "Location `country` should be a valid ISO 3166-1 ALPHA-2 Code");
		vc_pop(c, s);
	}
}

static void check_observed_data(struct vctx *c)
{
	const json_t *o = c->obj;
	order(c, "first_observed", "last_observed", 0);
	int objs = has(o, "objects"), refs = has(o, "object_refs");
	if (objs && refs)
		error_at(c, "objects", "constraint",
			 "'objects' and 'object_refs' must not both be present");
	else if (!objs && !refs)
		error_at(c, NULL, "required-property",
			 "observed-data needs 'object_refs' (or the deprecated 'objects')");
	if (objs) {
		size_t s = vc_push(c, "objects");
		vc_should(c, 304, "Included property 'objects' is deprecated within the indicated spec version");
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)json_object_get(o, "objects"), k, v)
		{
			size_t s2 = vc_push(c, k);
			const char *p = k;
			while (isdigit((unsigned char)*p))
				p++;
			if (*p || p == k)
				vc_should(c, 141, "observable object key '%.40s' should be a non-negative integer", k);
			const char *t = json_string_value(json_object_get(v, "type"));
			if (!json_is_object(v) || !t)
				vc_error(c, "required-property", "an observable needs a 'type'");
			else if (tp_stix_kind_of(t) != TP_STIX_SCO && tp_stix_kind_of(t) != TP_STIX_CUSTOM)
				vc_error(c, "constraint", "'%.80s' is not an observable type", t);
			vc_pop(c, s2);
		}
		vc_pop(c, s);
	}
}

static void check_network_traffic(struct vctx *c)
{
	const json_t *o = c->obj;
	order(c, "start", "end", 0);
	if (!has(o, "src_ref") && !has(o, "dst_ref"))
		error_at(c, NULL, "constraint", "network-traffic needs src_ref or dst_ref");
	if (json_is_true(json_object_get(o, "is_active")) && has(o, "end"))
		error_at(c, "end", "constraint", "'end' must not be present when 'is_active' is true");
	if (!has(o, "src_port") || !has(o, "dst_port"))
		vc_should(c, 301, "network-traffic should contain both src_port and dst_port");
	const json_t *pr = json_object_get(o, "protocols");
	for (size_t i = 0; json_is_array(pr) && i < json_array_size(pr); i++) {
		const char *p = json_string_value(json_array_get(pr, i));
		if (!p)
			continue;
		size_t n = strlen(p);
		int ok = n >= 1 && n <= 15;
		for (const char *q = p; *q && ok; q++)
			ok = (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-';
		if (!ok) {
			size_t s = vc_push(c, "protocols"), s2 = vc_push_index(c, i);
			vc_should(c, 272, "protocol '%.40s' should be a lower-case IANA service name", p);
			vc_pop(c, s2);
			vc_pop(c, s);
		}
	}
	const json_t *tcp = json_object_get(json_object_get(o, "extensions"), "tcp-ext");
	if (json_is_object(tcp) && !has(tcp, "src_flags_hex") && !has(tcp, "dst_flags_hex"))
		error_at(c, "extensions", "constraint", "tcp-ext needs src_flags_hex or dst_flags_hex");
}

static int has_other_than_common(const json_t *o)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		size_t n;
		const struct tp_stix_prop_def *common = tp_stix_schema_common(TP_STIX_SCO, &n);
		int is_common = 0;
		for (size_t i = 0; i < n && !is_common; i++)
			is_common = strcmp(common[i].name, k) == 0 && strcmp(k, "extensions") != 0;
		if (!is_common)
			return 1;
	}
	return 0;
}

static void check_mime_type(struct vctx *c, const char *prop)
{
	const char *m = tp_json_str(c->obj, prop);
	if (!m)
		return;
	const char *slash = strchr(m, '/');
	int ok = slash && slash != m && slash[1];
	for (const char *p = m; *p && ok; p++)
		ok = !isspace((unsigned char)*p) && !isupper((unsigned char)*p);
	if (!ok) {
		size_t s = vc_push(c, prop);
		vc_should(c, 271, "'%.80s' is not a valid IANA media type (type/subtype)", m);
		vc_pop(c, s);
	}
}

static void check_sco(struct vctx *c)
{
	const json_t *o = c->obj;
	const char *t = c->type;
	if (strcmp(t, "artifact") == 0) {
		int bin = has(o, "payload_bin"), url = has(o, "url");
		if (bin == url)
			error_at(c, NULL, "constraint", "artifact needs exactly one of payload_bin and url");
		if (url && !has(o, "hashes"))
			error_at(c, "url", "required-property", "an artifact with a url must have hashes");
		if (has(o, "decryption_key") && !has(o, "encryption_algorithm"))
			error_at(c, "decryption_key", "constraint",
				 "'decryption_key' requires 'encryption_algorithm'");
		check_mime_type(c, "mime_type");
	} else if (strcmp(t, "email-message") == 0) {
		int multi = json_is_true(json_object_get(o, "is_multipart"));
		if (multi && has(o, "body"))
			error_at(c, "body", "constraint", "'body' must not be present when is_multipart is true");
		if (!multi && has(o, "body_multipart"))
			error_at(c, "body_multipart", "constraint",
				 "'body_multipart' must not be present when is_multipart is false");
		const json_t *parts = json_object_get(o, "body_multipart");
		for (size_t i = 0; json_is_array(parts) && i < json_array_size(parts); i++) {
			const json_t *p = json_array_get(parts, i);
			if (json_is_object(p) && has(p, "body") == has(p, "body_raw_ref")) {
				size_t s = vc_push(c, "body_multipart"), s2 = vc_push_index(c, i);
				vc_error(c, "constraint", "a MIME part needs exactly one of body and body_raw_ref");
				vc_pop(c, s2);
				vc_pop(c, s);
			}
		}
	} else if (strcmp(t, "file") == 0) {
		if (!has(o, "hashes") && !has(o, "name"))
			error_at(c, NULL, "constraint", "a file needs hashes or name");
		check_mime_type(c, "mime_type");
	} else if (strcmp(t, "network-traffic") == 0) {
		check_network_traffic(c);
	} else if (strcmp(t, "process") == 0 || strcmp(t, "x509-certificate") == 0) {
		if (!has_other_than_common(o))
			error_at(c, NULL, "constraint",
				 "this object must have at least one property of its own");
		const char *prio = tp_json_str(json_object_get(json_object_get(o, "extensions"),
							       "windows-process-ext"),
					       "priority");
		if (prio && (strlen(prio) < 7 || strcmp(prio + strlen(prio) - 6, "_CLASS") != 0))
			vc_should(c, 149, "The 'priority' property of object '%s' should end in '_CLASS'",
				  c->id ? c->id : "");
	}
	/* A v5 id should be the deterministic one. */
	const char *id = c->id;
	if (id && vc_on(c, 103)) {
		int ver = 0;
		if (tp_stix_id_check(id, c->type, &ver, NULL) == TP_OK && ver == 5) {
			char want[TP_STIX_ID_MAX];
			if (tp_stix_sco_id(o, want, NULL) == TP_OK && strcmp(want, id) != 0) {
				size_t s = vc_push(c, "id");
				vc_should(c, 103,
					  "UUIDv5 id %s is not the deterministic id of its ID "
					  "contributing properties (%s)",
					  id, want);
				vc_pop(c, s);
			}
		}
	}
}

/* --interop (stix2-validator): a creator on every object and no repeated
 * object markings. */
static void check_interop(struct vctx *c)
{
	const json_t *o = c->obj;
	if (c->kind != TP_STIX_SCO && strcmp(c->type, "marking-definition") != 0 &&
	    !has(o, "created_by_ref"))
		error_at(c, NULL, "interop", "--interop: the object must have created_by_ref");
	const json_t *m = json_object_get(o, "object_marking_refs");
	for (size_t i = 0; json_is_array(m) && i < json_array_size(m); i++)
		for (size_t j = 0; j < i; j++)
			if (json_equal(json_array_get(m, i), json_array_get(m, j))) {
				size_t s = vc_push(c, "object_marking_refs"), s2 = vc_push_index(c, i);
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
		order(c, "created", "modified", 0);
	if (c->kind == TP_STIX_SCO) {
		check_sco(c);
		return;
	}
	if (strcmp(t, "campaign") == 0 || strcmp(t, "infrastructure") == 0 ||
	    strcmp(t, "intrusion-set") == 0 || strcmp(t, "malware") == 0 ||
	    strcmp(t, "threat-actor") == 0 || strcmp(t, "sighting") == 0)
		order(c, "first_seen", "last_seen", 0);
	if (strcmp(t, "indicator") == 0)
		check_indicator(c);
	else if (strcmp(t, "location") == 0)
		check_location(c);
	else if (strcmp(t, "observed-data") == 0)
		check_observed_data(c);
	else if (strcmp(t, "relationship") == 0) {
		order(c, "start_time", "stop_time", 1);
		check_relationship(c);
	} else if (strcmp(t, "malware") == 0) {
		if (json_is_true(json_object_get(o, "is_family")) && !has(o, "name"))
			error_at(c, "name", "required-property",
				 "'name' is required when is_family is true");
	} else if (strcmp(t, "malware-analysis") == 0) {
		if (!has(o, "result") && !has(o, "analysis_sco_refs"))
			error_at(c, NULL, "required-property",
				 "malware-analysis needs 'result' or 'analysis_sco_refs'");
		const char *p = tp_json_str(o, "product");
		for (const char *q = p; q && *q; q++)
			if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-')) {
				size_t s = vc_push(c, "product");
				vc_should(c, 143,
					  "The 'product' property of object '%s' should be all lowercase "
					  "with words seperated by dash",
					  c->id ? c->id : "");
				vc_pop(c, s);
				break;
			}
	} else if (strcmp(t, "marking-definition") == 0) {
		tp_check_marking_definition(c);
	} else if (strcmp(t, "language-content") == 0) {
		const json_t *cs = json_object_get(o, "contents");
		const char *k;
		const json_t *v;
		json_object_foreach((json_t *)cs, k, v)
		{
			if (!json_is_object(v)) {
				size_t s = vc_push(c, "contents"), s2 = vc_push(c, k);
				vc_error(c, "property-type",
					 "each language in 'contents' maps to a dictionary of translations");
				vc_pop(c, s2);
				vc_pop(c, s);
			}
		}
	}
	/* extref-hashes: once per object, as stix2-validator reports it */
	const json_t *refs = json_object_get(o, "external_references");
	for (size_t i = 0; json_is_array(refs) && i < json_array_size(refs); i++) {
		const json_t *r = json_array_get(refs, i);
		if (json_is_object(r) && has(r, "url") && !has(r, "hashes")) {
			size_t s = vc_push(c, "external_references"), s2 = vc_push_index(c, i);
			vc_should(c, 302, "External reference '%.80s' has a URL but no hash",
				  tp_json_str(r, "source_name") ? tp_json_str(r, "source_name") : "");
			vc_pop(c, s2);
			vc_pop(c, s);
			break;
		}
	}
	if (c->v->o.interop)
		check_interop(c);
}
