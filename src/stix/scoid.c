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
	/* The contributing properties present, sorted by name: names are ASCII,
	 * so byte order is the UTF-16 order RFC 8785 asks for, and none needs
	 * escaping. Serialised straight from the object, no copy. */
	const char *names[16];
	const json_t *vals[16];
	size_t n = 0;
	enum tp_err e = TP_OK;
	for (size_t i = 0; def->id_contrib[i]; i++) {
		const char *k = def->id_contrib[i];
		const json_t *v = json_object_get(sco, k);
		if (!v)
			continue;
		if (strcmp(k, "hashes") == 0) {
			if (!json_is_object(v))
				return tp_diag_set(d, TP_EVALIDATE,
						   "'hashes' must be a dictionary");
			if (json_object_size(v) == 0)
				continue; /* an empty dictionary contributes nothing */
		}
		if (n == sizeof names / sizeof *names)
			return tp_diag_set(d, TP_ELIMIT, "too many ID contributing properties");
		size_t j = n++;
		for (; j > 0 && strcmp(names[j - 1], k) > 0; j--) {
			names[j] = names[j - 1];
			vals[j] = vals[j - 1];
		}
		names[j] = k;
		vals[j] = v;
	}
	if (n == 0)
		return tp_diag_set(d, TP_ENOTFOUND,
				   "none of the ID contributing properties of %s is present", type);
	struct tp_buf b;
	tp_buf_init(&b, 0);
	e = tp_buf_putc(&b, '{');
	for (size_t i = 0; i < n && e == TP_OK; i++) {
		if (i)
			e = tp_buf_putc(&b, ',');
		if (e == TP_OK)
			e = tp_buf_putc(&b, '"');
		if (e == TP_OK)
			e = tp_buf_puts(&b, names[i]);
		if (e == TP_OK)
			e = tp_buf_append(&b, "\":", 2);
		if (e != TP_OK)
			break;
		if (strcmp(names[i], "hashes") == 0) {
			json_t *h = one_hash(vals[i]);
			e = h ? tp_jcs_append(&b, h) : TP_ENOMEM;
			json_decref(h);
		} else {
			e = tp_jcs_append(&b, vals[i]);
		}
	}
	if (e == TP_OK)
		e = tp_buf_putc(&b, '}');
	if (e != TP_OK) {
		tp_buf_free(&b);
		return e == TP_ENOMEM ? tp_diag_set(d, TP_ENOMEM, "out of memory")
				      : tp_diag_set(d, TP_EVALIDATE,
						    "the ID contributing properties hold a "
						    "number JSON cannot represent");
	}
	struct tp_uuid u;
	size_t tlen = strlen(type);
	if (tlen + 2 + TP_UUID_STRLEN >= TP_STIX_ID_MAX) {
		e = tp_diag_set(d, TP_ELIMIT, "type name too long for an id");
	} else {
		tp_uuid_v5(&stix_namespace, b.data, b.len, &u);
		memcpy(out, type, tlen);
		memcpy(out + tlen, "--", 2);
		tp_uuid_format(&u, out + tlen + 2); /* NUL-terminated */
	}
	tp_buf_free(&b);
	return e;
}
