/*
 * The STIX 2.1 validator engine: walks one object against its type
 * definition (schema.c), checking each property's JSON type and format,
 * then hands over to the type-specific rules (checks.c).
 *
 * For {"type":"indicator", ..., "valid_from": "2016-13-01T00:00:00Z"} the
 * walk finds valid_from in indicator_props as TP_PT_TIMESTAMP, fails to
 * parse it, and reports
 *	{error, "format", 0, "indicator--...", "valid_from", "'valid_from' is not
 *	 an RFC 3339 UTC timestamp: month out of range"}
 *
 * Problems go out through the caller's callback as they are found; the
 * validator itself holds no per-object state, so one validator serves
 * many threads.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix_internal.h"
#include "tripact/json.h"
#include "tripact/time.h"

/* Nesting deeper than this inside one object is reported, not walked. */
#define MAX_DEPTH 64

/* ---- reporting ---- */
static void format_path(struct vctx *c);

static void emit(struct vctx *c, enum tp_stix_severity sev, const char *check, int code,
		 const char *fmt, va_list ap)
{
	char msg[600];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (sev == TP_STIX_ERROR) {
		c->errors++;
		if (c->counts)
			c->counts->errors++;
	} else if (c->counts) {
		c->counts->warnings++;
	}
	if (!c->report)
		return;
	format_path(c);
	struct tp_stix_problem p = {sev, check, code, c->id ? c->id : "", c->path, msg, 0};
	c->report(c->rctx, &p);
}

void vc_error(struct vctx *c, const char *check, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(c, TP_STIX_ERROR, check, 0, fmt, ap);
	va_end(ap);
}

int vc_on(const struct vctx *c, int code)
{
	return code > 0 && code < TP_CHECK_CODE_MAX && c->v->on[code];
}

void vc_should(struct vctx *c, int code, const char *fmt, ...)
{
	if (!vc_on(c, code))
		return;
	va_list ap;
	va_start(ap, fmt);
	emit(c, c->v->o.strict ? TP_STIX_ERROR : TP_STIX_WARNING, tp_stix_check_name(code), code,
	     fmt, ap);
	va_end(ap);
}

static int plain_name(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* "external_references[0].hashes['SHA-256']" from the component stack. */
static void format_path(struct vctx *c)
{
	size_t len = 0, room = sizeof c->path;
	c->path[0] = '\0';
	for (size_t i = 0; i < c->plen && i < 48 && len + 1 < room; i++) {
		int n;
		if (!c->pname[i])
			n = snprintf(c->path + len, room - len, "[%zu]", c->pidx[i]);
		else if (plain_name(c->pname[i]))
			n = snprintf(c->path + len, room - len, "%s%.120s", len ? "." : "",
				     c->pname[i]);
		else
			n = snprintf(c->path + len, room - len, "['%.120s']", c->pname[i]);
		if (n < 0)
			break;
		len += (size_t)n < room - len ? (size_t)n : room - len - 1;
	}
}

size_t vc_push(struct vctx *c, const char *name)
{
	size_t saved = c->plen;
	if (c->plen < 48) {
		c->pname[c->plen] = name;
		c->pidx[c->plen] = 0;
	}
	c->plen++;
	return saved;
}

size_t vc_push_index(struct vctx *c, size_t i)
{
	size_t saved = c->plen;
	if (c->plen < 48) {
		c->pname[c->plen] = NULL;
		c->pidx[c->plen] = i;
	}
	c->plen++;
	return saved;
}

void vc_pop(struct vctx *c, size_t saved)
{
	c->plen = saved;
}

int vc_time(const json_t *o, const char *key, long long *t)
{
	const json_t *v = json_object_get(o, key);
	tp_time_us us;
	if (!json_is_string(v) ||
	    tp_time_parse(json_string_value(v), json_string_length(v), 0, &us, NULL, NULL) != TP_OK)
		return 0;
	*t = us;
	return 1;
}

/* ---- property values ---- */
static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	default:
		return "null";
	}
}

static int is_hex(const char *s, size_t n)
{
	if (n % 2)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
		      (s[i] >= 'A' && s[i] <= 'F')))
			return 0;
	return 1;
}

static int is_base64(const char *s, size_t n)
{
	if (n % 4)
		return 0;
	size_t pad = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad || !((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			     (ch >= '0' && ch <= '9') || ch == '+' || ch == '/'))
			return 0;
	}
	return pad <= 2;
}

static int dict_key_ok(const char *k)
{
	size_t n = strlen(k);
	if (n < 1 || n > 250)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = k[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return 0;
	}
	return 1;
}

static int target_ok(const char *const *targets, const char *tt)
{
	if (!targets)
		return 1;
	enum tp_stix_kind k = tp_stix_kind_of(tt);
	for (size_t i = 0; targets[i]; i++) {
		const char *t = targets[i];
		if (strcmp(t, tt) == 0)
			return 1;
		/* custom objects may stand where an SDO/SCO/SRO is expected */
		if ((strcmp(t, TP_TARGET_SDO) == 0 && (k == TP_STIX_SDO || k == TP_STIX_CUSTOM)) ||
		    (strcmp(t, TP_TARGET_SCO) == 0 && (k == TP_STIX_SCO || k == TP_STIX_CUSTOM)) ||
		    (strcmp(t, TP_TARGET_SRO) == 0 && k == TP_STIX_SRO))
			return 1;
	}
	return 0;
}

static void targets_text(const char *const *targets, char *out, size_t n)
{
	size_t len = 0;
	out[0] = '\0';
	for (size_t i = 0; targets[i] && len + 1 < n; i++) {
		const char *t = targets[i];
		if (strcmp(t, TP_TARGET_SDO) == 0)
			t = "an SDO";
		else if (strcmp(t, TP_TARGET_SCO) == 0)
			t = "an SCO";
		else if (strcmp(t, TP_TARGET_SRO) == 0)
			t = "an SRO";
		int w = snprintf(out + len, n - len, "%s%s",
				 i ? (targets[i + 1] ? ", " : " or ") : "", t);
		if (w < 0)
			break;
		len += (size_t)w;
	}
}

static void check_identifier(struct vctx *c, const struct tp_stix_prop_def *p, const json_t *v)
{
	struct tp_diag d = {0};
	const char *s = json_string_value(v);
	if (tp_stix_id_check(s, NULL, NULL, &d) != TP_OK) {
		vc_error(c, "format", "%s", d.message);
		return;
	}
	if (!p->targets)
		return;
	char tt[256];
	size_t n = (size_t)(strstr(s, "--") - s);
	if (n >= sizeof tt)
		return;
	memcpy(tt, s, n);
	tt[n] = '\0';
	if (!target_ok(p->targets, tt)) {
		char want[200];
		targets_text(p->targets, want, sizeof want);
		vc_error(c, "reference-type", "'%s' must refer to %s, not to a %s", p->name, want,
			 tt);
	}
}

static void check_scalar(struct vctx *c, const struct tp_stix_prop_def *p, enum tp_stix_ptype t,
			 const json_t *v);

static void check_embedded(struct vctx *c, const struct tp_stix_type_def *def, const json_t *v)
{
	if (!json_is_object(v)) {
		vc_error(c, "property-type", "must be an object (%s), not %s", def->name,
			 json_kind(v));
		return;
	}
	tp_validate_props(c, def, v, 0);
}

static void check_dictionary(struct vctx *c, const char *name, const json_t *v)
{
	if (!json_is_object(v)) {
		vc_error(c, "property-type", "'%s' must be a dictionary, not %s", name,
			 json_kind(v));
		return;
	}
	if (json_object_size(v) == 0)
		vc_error(c, "format", "'%s' is an empty dictionary (STIX 2.1 prohibits them)",
			 name);
	const char *k;
	const json_t *m;
	json_object_foreach((json_t *)v, k, m)
	{
		if (!dict_key_ok(k)) {
			size_t s = vc_push(c, k);
			vc_error(c, "format",
				 "dictionary key '%.80s' must be 1-250 ASCII letters, digits, '-' "
				 "or '_'",
				 k);
			vc_pop(c, s);
		}
	}
}

static void check_extensions(struct vctx *c, const json_t *v)
{
	if (!json_is_object(v)) {
		vc_error(c, "property-type", "'extensions' must be a dictionary, not %s",
			 json_kind(v));
		return;
	}
	if (json_object_size(v) == 0)
		vc_error(c, "format", "'extensions' is an empty dictionary");
	const char *k;
	const json_t *m;
	json_object_foreach((json_t *)v, k, m)
	{
		size_t s = vc_push(c, k);
		const struct tp_stix_type_def *pre = tp_stix_schema_extension(c->def, k);
		if (strncmp(k, "extension-definition--", 22) == 0) {
			struct tp_diag d = {0};
			if (tp_stix_id_check(k, "extension-definition", NULL, &d) != TP_OK)
				vc_error(c, "format", "extension key: %s", d.message);
			if (!json_is_object(m)) {
				vc_error(c, "property-type",
					 "an extension must be an object, not %s", json_kind(m));
			} else {
				const json_t *et = json_object_get(m, "extension_type");
				if (et && (!json_is_string(et) ||
					   !tp_stix_vocab_has(&tp_e_extension_type,
							      json_string_value(et))))
					vc_error(
						c, "enum",
						"'extension_type' must be one of new-sdo, new-sco, "
						"new-sro, property-extension, "
						"toplevel-property-extension");
				if (strcmp(k, TP_TLP2_EXTENSION_ID) == 0)
					tp_validate_props(c, &tp_def_tlp2, m, 0);
			}
		} else if (pre) {
			if (json_is_object(m) && json_object_size(m) == 0)
				vc_error(c, "constraint",
					 "extension '%s' must have at least one property", k);
			else
				check_embedded(c, pre, m);
		} else if (c->kind == TP_STIX_SCO && strncmp(k, "x-", 2) == 0 && strlen(k) > 4 &&
			   strcmp(k + strlen(k) - 4, "-ext") == 0) {
			if (c->v->o.strict_properties)
				vc_error(c, "custom-content",
					 "custom extension '%s' (STIX 2.0 style) is not allowed "
					 "with "
					 "--strict-properties",
					 k);
			else
				vc_should(c, 101,
					  "custom extension '%s' uses the STIX 2.0 form; STIX 2.1 "
					  "custom extensions should be defined by an "
					  "extension-definition",
					  k);
		} else {
			vc_error(c, "custom-content",
				 "extension '%.80s' is neither a predefined extension of %s nor an "
				 "extension-definition id",
				 k, c->def ? c->def->name : "this object");
		}
		vc_pop(c, s);
	}
}

static void check_scalar(struct vctx *c, const struct tp_stix_prop_def *p, enum tp_stix_ptype t,
			 const json_t *v)
{
	const char *name = p->name;
	switch (t) {
	case TP_PT_STRING:
		if (!json_is_string(v))
			vc_error(c, "property-type", "'%s' must be a string, not %s", name,
				 json_kind(v));
		return;
	case TP_PT_INTEGER:
	case TP_PT_FLOAT: {
		if (t == TP_PT_INTEGER ? !json_is_integer(v) : !json_is_number(v)) {
			vc_error(c, "property-type", "'%s' must be %s, not %s", name,
				 t == TP_PT_INTEGER ? "an integer" : "a number", json_kind(v));
			return;
		}
		double x = json_number_value(v);
		if ((p->flags & TP_PROP_RANGE) && (x < p->min || x > p->max))
			vc_error(c, "value-range", "'%s' is %g, outside %g..%g", name, x, p->min,
				 p->max);
		return;
	}
	case TP_PT_BOOLEAN:
		if (!json_is_boolean(v))
			vc_error(c, "property-type", "'%s' must be true or false, not %s", name,
				 json_kind(v));
		return;
	case TP_PT_TIMESTAMP: {
		if (!json_is_string(v)) {
			vc_error(c, "property-type", "'%s' must be a timestamp string, not %s",
				 name, json_kind(v));
			return;
		}
		struct tp_diag d = {0};
		tp_time_us us;
		int digits = 0;
		if (tp_time_parse(json_string_value(v), json_string_length(v), 0, &us, &digits,
				  &d) != TP_OK)
			vc_error(c, "format", "'%s' is not an RFC 3339 UTC timestamp ('%.40s'): %s",
				 name, json_string_value(v), d.message);
		else if ((p->flags & TP_PROP_MILLIS) && digits < 3)
			/* section 3.2: "The minimum precision MUST be milliseconds
			 * (three digits after the decimal place in seconds)" */
			vc_error(c, "format",
				 "'%s' must be precise to the millisecond, with at least three "
				 "digits after the decimal point ('%.40s')",
				 name, json_string_value(v));
		return;
	}
	case TP_PT_IDENTIFIER:
		if (!json_is_string(v))
			vc_error(c, "property-type", "'%s' must be an identifier string, not %s",
				 name, json_kind(v));
		else
			check_identifier(c, p, v);
		return;
	case TP_PT_DICTIONARY:
		check_dictionary(c, name, v);
		if (c->kind == TP_STIX_SCO && json_is_object(v))
			tp_check_observable_dict_keys(c, name, v);
		return;
	case TP_PT_HASHES:
		check_dictionary(c, name, v);
		if (json_is_object(v))
			tp_check_hashes(c, v);
		return;
	case TP_PT_BINARY:
		if (!json_is_string(v) || !is_base64(json_string_value(v), json_string_length(v)))
			vc_error(c, "format", "'%s' must be base64-encoded binary", name);
		return;
	case TP_PT_HEX:
		if (!json_is_string(v) || !is_hex(json_string_value(v), json_string_length(v)))
			vc_error(c, "format", "'%s' must be hex (an even number of hex digits)",
				 name);
		return;
	case TP_PT_OPEN_VOCAB:
		if (!json_is_string(v))
			vc_error(c, "property-type", "'%s' must be a string, not %s", name,
				 json_kind(v));
		else
			tp_check_open_vocab(c, p->vocab, json_string_value(v));
		return;
	case TP_PT_ENUM:
		if (!json_is_string(v) || !tp_stix_vocab_has(p->vocab, json_string_value(v))) {
			char list[300];
			size_t len = 0;
			list[0] = '\0';
			for (size_t i = 0; p->vocab->values[i] && len + 1 < sizeof list; i++) {
				int w = snprintf(list + len, sizeof list - len, "%s%s",
						 i ? ", " : "", p->vocab->values[i]);
				if (w > 0)
					len += (size_t)w;
			}
			if (strcmp(p->name, "spec_version") == 0 && json_is_string(v))
				vc_error(c, "spec-version",
					 "spec_version '%.20s' is not STIX 2.1: tripact validates "
					 "STIX "
					 "2.1 content only",
					 json_string_value(v));
			else
				vc_error(c, "enum", "'%s' must be one of: %s", name, list);
		}
		return;
	case TP_PT_KILL_CHAIN:
		check_embedded(c, &tp_def_kill_chain_phase, v);
		if (json_is_object(v))
			tp_check_kill_chain(c, v);
		return;
	case TP_PT_EXTERNAL_REF:
		check_embedded(c, &tp_def_external_reference, v);
		if (json_is_object(v)) {
			if (!json_object_get(v, "description") && !json_object_get(v, "url") &&
			    !json_object_get(v, "external_id"))
				vc_error(c, "constraint",
					 "an external reference needs description, url or "
					 "external_id besides source_name");
		}
		return;
	case TP_PT_GRANULAR:
		check_embedded(c, &tp_def_granular_marking, v);
		if (json_is_object(v))
			tp_check_granular(c, v);
		return;
	case TP_PT_EXTENSIONS:
		check_extensions(c, v);
		return;
	case TP_PT_EMBEDDED:
		check_embedded(c, p->embedded, v);
		return;
	case TP_PT_OBSERVABLE_MAP:
		if (!json_is_object(v))
			vc_error(c, "property-type", "'%s' must be a dictionary of observables",
				 name);
		return; /* members: see checks.c (observed-data rules) */
	case TP_PT_LIST:
	case TP_PT_ANY:
		return;
	}
}

static void check_value(struct vctx *c, const struct tp_stix_prop_def *p, const json_t *v)
{
	if (p->flags & TP_PROP_RESERVED) {
		vc_error(c, "reserved", "'%s' is reserved by STIX 2.1 and must not be used",
			 p->name);
		return;
	}
	if (p->type != TP_PT_LIST) {
		check_scalar(c, p, p->type, v);
		return;
	}
	if (!json_is_array(v)) {
		vc_error(c, "property-type", "'%s' must be a list, not %s", p->name, json_kind(v));
		return;
	}
	if (json_array_size(v) == 0 && p->item != TP_PT_ANY) {
		vc_error(c, "format", "'%s' is an empty list (STIX 2.1 prohibits them)", p->name);
		return;
	}
	for (size_t i = 0; i < json_array_size(v); i++) {
		size_t s = vc_push_index(c, i);
		check_scalar(c, p, p->item, json_array_get(v, i));
		vc_pop(c, s);
	}
}

void tp_validate_props(struct vctx *c, const struct tp_stix_type_def *def, const json_t *o, int top)
{
	if (++c->depth > MAX_DEPTH) {
		vc_error(c, "limit", "nesting deeper than %d levels", MAX_DEPTH);
		c->depth--;
		return;
	}
	const char *k;
	const json_t *m;
	size_t have = 0; /* required properties seen */
	json_object_foreach((json_t *)o, k, m)
	{
		size_t s = vc_push(c, k);
		const struct tp_stix_prop_def *p = top ? tp_stix_schema_prop(def, k) : NULL;
		if (!top) {
			for (size_t i = 0; i < def->nprops && !p; i++)
				if (strcmp(def->props[i].name, k) == 0)
					p = &def->props[i];
		}
		if (p && (p->flags & TP_PROP_REQUIRED))
			have++;
		if (p)
			check_value(c, p, m);
		else
			tp_check_custom_property(c, k);
		vc_pop(c, s);
	}
	/* required properties */
	size_t ncommon = 0;
	const struct tp_stix_prop_def *common =
		top ? tp_stix_schema_common(def->kind, &ncommon) : NULL;
	size_t need = 0;
	for (size_t i = 0; i < def->nprops; i++)
		need += (def->props[i].flags & TP_PROP_REQUIRED) != 0;
	for (size_t i = 0; i < ncommon; i++)
		need += (common[i].flags & TP_PROP_REQUIRED) != 0;
	/* all seen (each key once): nothing to look for; otherwise find out
	 * which are missing */
	for (int pass = have == need ? 2 : 0; pass < 2; pass++) {
		const struct tp_stix_prop_def *ps = pass ? common : def->props;
		size_t n = pass ? ncommon : def->nprops;
		for (size_t i = 0; i < n; i++) {
			if (!(ps[i].flags & TP_PROP_REQUIRED) || json_object_get(o, ps[i].name))
				continue;
			if (strcmp(ps[i].name, "spec_version") == 0)
				vc_error(c, "spec-version",
					 "required property 'spec_version' is missing: STIX 2.0 "
					 "content? tripact validates STIX 2.1");
			else
				vc_error(c, "required-property",
					 "required property '%s' is missing", ps[i].name);
		}
	}
	c->depth--;
}

/* Custom objects: the common properties they do carry are still checked. */
static const struct tp_stix_type_def custom_sdo = {"(custom)", TP_STIX_SDO, NULL, 0, NULL, NULL};
static const struct tp_stix_type_def custom_sco = {"(custom)", TP_STIX_SCO, NULL, 0, NULL, NULL};

static void validate_custom(struct vctx *c, const json_t *o)
{
	tp_check_custom_type(c);
	int sdo_like = json_object_get(o, "created") != NULL;
	size_t n;
	const struct tp_stix_prop_def *common =
		tp_stix_schema_common(sdo_like ? TP_STIX_SDO : TP_STIX_SCO, &n);
	const char *k;
	const json_t *m;
	json_object_foreach((json_t *)o, k, m)
	{
		for (size_t i = 0; i < n; i++) {
			if (strcmp(common[i].name, k) != 0)
				continue;
			size_t s = vc_push(c, k);
			if (strcmp(k, "extensions") == 0) {
				const struct tp_stix_type_def *saved = c->def;
				c->def = sdo_like ? &custom_sdo : &custom_sco;
				check_value(c, &common[i], m);
				c->def = saved;
			} else {
				check_value(c, &common[i], m);
			}
			vc_pop(c, s);
		}
	}
	if (sdo_like) {
		for (size_t i = 0; i < n; i++)
			if ((common[i].flags & TP_PROP_REQUIRED) &&
			    !json_object_get(o, common[i].name))
				vc_error(c, "required-property",
					 "required property '%s' is missing", common[i].name);
	}
}

static void validate_one(struct vctx *c, const json_t *o);

static void validate_bundle(struct vctx *c, const json_t *o)
{
	const json_t *sv = json_object_get(o, "spec_version");
	if (sv) {
		size_t s = vc_push(c, "spec_version");
		if (json_is_string(sv) && strcmp(json_string_value(sv), "2.0") == 0)
			vc_error(c, "spec-version",
				 "this is a STIX 2.0 bundle (spec_version \"2.0\"): tripact "
				 "validates STIX 2.1 content only");
		else
			vc_error(c, "custom-content",
				 "a STIX 2.1 bundle has no spec_version property");
		vc_pop(c, s);
		if (json_is_string(sv) && strcmp(json_string_value(sv), "2.0") == 0)
			return;
	}
	tp_validate_props(c, c->def, o, 1);
	const json_t *objs = json_object_get(o, "objects");
	if (!json_is_array(objs))
		return;
	struct vctx sub = *c;
	sub.depth = 1; /* marks "inside a bundle" */
	for (size_t i = 0; i < json_array_size(objs); i++) {
		sub.plen = 0;
		sub.errors = 0;
		validate_one(&sub, json_array_get(objs, i));
	}
	c->errors += sub.errors;
}

static void validate_one(struct vctx *c, const json_t *o)
{
	if (c->counts)
		c->counts->objects++;
	c->obj = o;
	c->id = NULL;
	c->type = NULL;
	c->def = NULL;
	c->kind = TP_STIX_UNKNOWN;
	if (!json_is_object(o)) {
		vc_error(c, "property-type", "a STIX object must be a JSON object, not %s",
			 json_kind(o));
		return;
	}
	const json_t *tv = json_object_get(o, "type"), *iv = json_object_get(o, "id");
	c->id = json_string_value(iv);
	if (!tv || !json_is_string(tv)) {
		size_t s = vc_push(c, "type");
		vc_error(c, tv ? "property-type" : "required-property",
			 tv ? "'type' must be a string" : "required property 'type' is missing");
		vc_pop(c, s);
		return;
	}
	c->type = json_string_value(tv);
	c->kind = tp_stix_kind_of(c->type);
	c->def = tp_stix_schema_type(c->type);
	if (c->kind == TP_STIX_UNKNOWN) {
		size_t s = vc_push(c, "type");
		vc_error(c, "format",
			 "'%.80s' is not a valid type name (3-250 characters of a-z, 0-9 and "
			 "single hyphens)",
			 c->type);
		vc_pop(c, s);
		return;
	}
	if (iv) {
		size_t s = vc_push(c, "id");
		struct tp_diag d = {0};
		int version = 0;
		if (!json_is_string(iv))
			vc_error(c, "property-type", "'id' must be a string");
		else if (tp_stix_id_check(c->id, c->type, &version, &d) != TP_OK)
			vc_error(c, "format", "%s", d.message);
		else if (c->kind == TP_STIX_SCO && strcmp(c->type, "process") != 0) {
			if (version != 5)
				vc_should(c, 103,
					  "Cyber Observable ID value %s is not a valid UUIDv5 ID",
					  c->id);
		} else if (version != 4 && c->kind != TP_STIX_SCO) {
			vc_should(c, 103, "Given ID value %s is not a valid UUIDv4 ID", c->id);
		}
		vc_pop(c, s);
	}
	if (c->kind == TP_STIX_BUNDLE) {
		if (c->depth > 0) {
			vc_error(c, "constraint", "a bundle cannot contain a bundle");
			return;
		}
		validate_bundle(c, o);
		return;
	}
	if (c->kind == TP_STIX_CUSTOM) {
		validate_custom(c, o);
		return;
	}
	const json_t *sv = json_object_get(o, "spec_version");
	if (json_is_string(sv) && strcmp(json_string_value(sv), "2.0") == 0) {
		size_t s = vc_push(c, "spec_version");
		vc_error(c, "spec-version",
			 "STIX 2.0 object: tripact validates STIX 2.1 content only");
		vc_pop(c, s);
		return;
	}
	tp_validate_props(c, c->def, o, 1);
	tp_check_object_rules(c);
}

enum tp_err tp_stix_validate_object(const struct tp_stix_validator *v, const json_t *obj,
				    tp_stix_report_fn report, void *ctx,
				    struct tp_stix_counts *counts)
{
	struct vctx c;
	memset(&c, 0, sizeof c);
	c.v = v;
	c.obj = obj;
	c.report = report;
	c.rctx = ctx;
	c.counts = counts;
	validate_one(&c, obj);
	return c.errors ? TP_EVALIDATE : TP_OK;
}
