/*
 * The light STIX object view: the common properties every caller needs
 * (type, id, spec_version, created, modified), checked once when the
 * object is wrapped. See include/tripact/stix.h.
 */
#include <stdlib.h>
#include <string.h>

#include "stix_internal.h"
#include "tripact/json.h"
#include "tripact/uuid.h" /* TP_UUID_STRLEN */

struct tp_stix_object {
	json_t *json;
	const char *id;
	const char *type;
	enum tp_stix_kind kind;
	tp_time_us created, modified;
};

int tp_stix_type_valid(const char *s, size_t len)
{
	if (len < 3 || len > 250 || s[0] == '-' || s[len - 1] == '-')
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
		if (c == '-' && s[i + 1] == '-' && i + 1 < len)
			return 0;
	}
	return 1;
}

enum tp_err tp_stix_id_check(const char *id, const char *type, int *version, struct tp_diag *d)
{
	if (!id)
		return tp_diag_set(d, TP_EVALIDATE, "identifier is missing");
	const char *sep = strstr(id, "--");
	if (!sep)
		return tp_diag_set(d, TP_EVALIDATE,
				   "identifier '%.80s' is not of the form <type>--<UUID>", id);
	size_t tlen = (size_t)(sep - id);
	if (!tp_stix_type_valid(id, tlen))
		return tp_diag_set(d, TP_EVALIDATE, "identifier '%.80s' has an invalid type part",
				   id);
	if (type && (strlen(type) != tlen || memcmp(type, id, tlen) != 0))
		return tp_diag_set(d, TP_EVALIDATE,
				   "identifier '%.80s' does not start with its type '%.80s--'", id,
				   type);
	/* 8-4-4-4-12 lower-case hex, checked inline: this runs for every
	 * reference of every object */
	const char *us = sep + 2;
	size_t ulen = strlen(us);
	int upper = 0;
	for (size_t i = 0; ulen == TP_UUID_STRLEN && i < ulen; i++) {
		char ch = us[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (ch != '-')
				ulen = 0;
		} else if (ch >= 'A' && ch <= 'F') {
			upper = 1;
		} else if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'))) {
			ulen = 0;
		}
	}
	if (ulen != TP_UUID_STRLEN)
		return tp_diag_set(d, TP_EVALIDATE, "identifier '%.80s' has an invalid UUID", id);
	if (upper)
		return tp_diag_set(d, TP_EVALIDATE,
				   "identifier '%.80s': the UUID must be lower case", id);
	char var = us[19];
	if (var != '8' && var != '9' && var != 'a' && var != 'b')
		return tp_diag_set(d, TP_EVALIDATE,
				   "identifier '%.80s': the UUID is not an RFC 4122 variant UUID",
				   id);
	if (version)
		*version = us[14] >= 'a' ? us[14] - 'a' + 10 : us[14] - '0';
	return TP_OK;
}

static enum tp_err get_time(json_t *o, const char *key, int required, tp_time_us *out,
			    struct tp_diag *d)
{
	json_t *v = json_object_get(o, key);
	*out = 0;
	if (!v) {
		if (!required)
			return TP_OK;
		tp_diag_path(d, "%s", key);
		return tp_diag_set(d, TP_EVALIDATE, "required property '%s' is missing", key);
	}
	tp_diag_path(d, "%s", key);
	if (!json_is_string(v))
		return tp_diag_set(d, TP_EVALIDATE, "'%s' must be a timestamp string", key);
	struct tp_diag td = {0};
	if (tp_time_parse(json_string_value(v), json_string_length(v), 0, out, NULL, &td) != TP_OK)
		return tp_diag_set(d, TP_EVALIDATE, "'%s' is not an RFC 3339 UTC timestamp: %s",
				   key, td.message);
	return TP_OK;
}

enum tp_err tp_stix_object_new(json_t *json, struct tp_stix_object **out, struct tp_diag *d)
{
	tp_diag_object(d, NULL);
	tp_diag_path(d, "%s", "");
	if (!json_is_object(json))
		return tp_diag_set(d, TP_EVALIDATE, "a STIX object must be a JSON object");
	const char *type = tp_json_str(json, "type");
	const char *id = tp_json_str(json, "id");
	if (id)
		tp_diag_object(d, id);
	tp_diag_path(d, "type");
	if (!type)
		return tp_diag_set(d, TP_EVALIDATE,
				   json_object_get(json, "type")
					   ? "'type' must be a string"
					   : "required property 'type' is missing");
	enum tp_stix_kind kind = tp_stix_kind_of(type);
	if (kind == TP_STIX_UNKNOWN)
		return tp_diag_set(d, TP_EVALIDATE, "'%.80s' is not a valid STIX type name", type);
	if (kind == TP_STIX_BUNDLE)
		return tp_diag_set(d, TP_EVALIDATE, "a bundle is not a STIX object");
	tp_diag_path(d, "id");
	if (!id)
		return tp_diag_set(d, TP_EVALIDATE,
				   json_object_get(json, "id")
					   ? "'id' must be a string"
					   : "required property 'id' is missing");
	if (strlen(id) >= TP_STIX_ID_MAX)
		return tp_diag_set(d, TP_EVALIDATE, "'id' is longer than %d bytes",
				   TP_STIX_ID_MAX - 1);
	enum tp_err e = tp_stix_id_check(id, type, NULL, d);
	if (e != TP_OK)
		return e;
	const char *sv = tp_json_str(json, "spec_version");
	tp_diag_path(d, "spec_version");
	if (!sv && json_object_get(json, "spec_version"))
		return tp_diag_set(d, TP_EVALIDATE, "'spec_version' must be a string");
	if (sv && strcmp(sv, "2.1") != 0)
		return tp_diag_set(d, TP_EVALIDATE,
				   "spec_version '%.20s' is not supported (only STIX 2.1)", sv);
	/* custom objects without `created` are observable-like: spec_version is
	 * optional for them, as for SCOs */
	int sco_like = kind == TP_STIX_SCO ||
		       (kind == TP_STIX_CUSTOM && !json_object_get(json, "created"));
	if (!sv && !sco_like)
		return tp_diag_set(
			d, TP_EVALIDATE,
			"required property 'spec_version' is missing (STIX 2.0 content?)");
	int need_created = kind == TP_STIX_SDO || kind == TP_STIX_SRO || kind == TP_STIX_META;
	int need_modified = need_created && strcmp(type, "marking-definition") != 0;
	tp_time_us c, m;
	if ((e = get_time(json, "created", need_created, &c, d)) != TP_OK ||
	    (e = get_time(json, "modified", need_modified, &m, d)) != TP_OK)
		return e;
	if (json_object_get(json, "created") && json_object_get(json, "modified") && m < c) {
		tp_diag_path(d, "modified");
		return tp_diag_set(d, TP_EVALIDATE, "'modified' is earlier than 'created'");
	}
	struct tp_stix_object *o = malloc(sizeof *o);
	if (!o)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	o->json = json_incref(json);
	o->id = id;
	o->type = type;
	o->kind = kind;
	o->created = c;
	o->modified = m;
	tp_diag_path(d, "%s", "");
	*out = o;
	return TP_OK;
}

void tp_stix_object_free(struct tp_stix_object *o)
{
	if (!o)
		return;
	json_decref(o->json);
	free(o);
}

const char *tp_stix_object_id(const struct tp_stix_object *o)
{
	return o->id;
}
const char *tp_stix_object_type(const struct tp_stix_object *o)
{
	return o->type;
}
enum tp_stix_kind tp_stix_object_kind(const struct tp_stix_object *o)
{
	return o->kind;
}
tp_time_us tp_stix_object_created(const struct tp_stix_object *o)
{
	return o->created;
}
tp_time_us tp_stix_object_modified(const struct tp_stix_object *o)
{
	return o->modified;
}
json_t *tp_stix_object_json(const struct tp_stix_object *o)
{
	return o->json;
}
