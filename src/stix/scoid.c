/*
 * Deterministic SCO ids (STIX 2.1 section 2.9). The id of
 *
 *	{"type": "domain-name", "value": "example.com", "resolves_to_refs": [...]}
 *
 * is "domain-name--" + UUIDv5(STIX namespace, JCS({"value": "example.com"})):
 * only the type's ID contributing properties that are present are used,
 * serialised as one RFC 8785 canonical JSON object. A `hashes` dictionary
 * contributes a single entry, the first of MD5, SHA-1, SHA-256, SHA-512
 * present, else its first key (the choice the OASIS reference
 * implementation makes, so ids match across producers).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix_internal.h"
#include "tripact/buf.h"
#include "tripact/jcs.h"
#include "tripact/json.h"
#include "tripact/uuid.h"

static json_t *one_hash(const json_t *hashes)
{
	static const char *const pref[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};
	const char *key = NULL;
	for (size_t i = 0; i < 4 && !key; i++)
		if (json_object_get(hashes, pref[i]))
			key = pref[i];
	if (!key) {
		void *it = json_object_iter((json_t *)hashes);
		if (!it)
			return NULL;
		key = json_object_iter_key(it);
	}
	json_t *o = json_object();
	if (o && json_object_set(o, key, json_object_get(hashes, key)) != 0) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* TP_UUID_STIX_NAMESPACE, 00abedb4-aa42-466c-9c01-fed23315a9b7, as bytes
 * (every id test vector in tests/data/stix/ids/ depends on it) */
static const struct tp_uuid stix_namespace = {{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c,
					       0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}};

enum tp_err tp_stix_sco_id(const json_t *sco, char out[TP_STIX_ID_MAX], struct tp_diag *d)
{
	const char *type = tp_json_str(sco, "type");
	const struct tp_stix_type_def *def = type ? tp_stix_schema_type(type) : NULL;
	if (!def || def->kind != TP_STIX_SCO)
		return tp_diag_set(d, TP_EINVAL, "'%.80s' is not a STIX 2.1 SCO type",
				   type ? type : "(no type)");
	if (!def->id_contrib)
		return tp_diag_set(d, TP_ENOTFOUND,
				   "%s has no ID contributing properties: its id is a UUIDv4",
				   type);
	json_t *c = json_object();
	if (!c)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	enum tp_err e = TP_OK;
	for (size_t i = 0; def->id_contrib[i] && e == TP_OK; i++) {
		const char *k = def->id_contrib[i];
		json_t *v = json_object_get(sco, k);
		if (!v)
			continue;
		if (strcmp(k, "hashes") == 0) {
			if (!json_is_object(v)) {
				e = tp_diag_set(d, TP_EVALIDATE, "'hashes' must be a dictionary");
				break;
			}
			json_t *h = one_hash(v);
			if (!h)
				continue; /* an empty dictionary contributes nothing */
			if (json_object_set_new(c, k, h) != 0)
				e = tp_diag_set(d, TP_ENOMEM, "out of memory");
		} else if (json_object_set(c, k, v) != 0) {
			e = tp_diag_set(d, TP_ENOMEM, "out of memory");
		}
	}
	if (e == TP_OK && json_object_size(c) == 0)
		e = tp_diag_set(d, TP_ENOTFOUND,
				"none of the ID contributing properties of %s is present", type);
	char *canon = NULL;
	if (e == TP_OK && !(canon = tp_jcs_serialize(c)))
		e = tp_diag_set(d, TP_EVALIDATE,
				"the ID contributing properties hold a "
				"number JSON cannot represent");
	if (e == TP_OK) {
		struct tp_uuid u;
		size_t tlen = strlen(type);
		if (tlen + 2 + TP_UUID_STRLEN >= TP_STIX_ID_MAX) {
			e = tp_diag_set(d, TP_ELIMIT, "type name too long for an id");
		} else {
			tp_uuid_v5(&stix_namespace, canon, strlen(canon), &u);
			memcpy(out, type, tlen);
			memcpy(out + tlen, "--", 2);
			tp_uuid_format(&u, out + tlen + 2); /* NUL-terminated */
		}
	}
	free(canon);
	json_decref(c);
	return e;
}
