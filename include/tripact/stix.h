/*
 * STIX 2.1 objects: a light, checked view of one object's common
 * properties over its JSON, and the deterministic ids of cyber-observable
 * objects (SCOs).
 *
 *	struct tp_stix_object *o;
 *	if (tp_stix_object_new(json, &o, &d) != TP_OK)
 *		... d.path = "modified", d.message = "modified is earlier than created"
 *	tp_stix_object_id(o);        // "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
 *	tp_stix_object_modified(o);  // 1463041047000000 (microseconds, UTC)
 *	tp_stix_object_free(o);
 *
 *	char id[TP_STIX_ID_MAX];
 *	tp_stix_sco_id(json_of("{\"type\":\"url\",\"value\":\"https://example.com/\"}"), id, &d);
 *	// "url--<UUIDv5 of {"value":"https://example.com/"} in the STIX namespace>"
 *
 * The object view checks only what every caller needs on every object
 * (type, id, spec_version, created, modified); full checking is the
 * validator's job (tripact/validate.h).
 */
#ifndef TRIPACT_STIX_H
#define TRIPACT_STIX_H

#include <jansson.h>
#include <stddef.h>

#include "tripact/error.h"
#include "tripact/time.h"

/* Room for any valid STIX id ("<type>--<uuid>", type at most 250 chars is
 * rejected above this) plus the NUL. */
#define TP_STIX_ID_MAX 160

enum tp_stix_kind {
	TP_STIX_SDO,
	TP_STIX_SRO,
	TP_STIX_SCO,
	TP_STIX_META /* marking-definition, language-content, extension-definition */,
	TP_STIX_BUNDLE,
	TP_STIX_CUSTOM,	 /* a syntactically valid type not defined by STIX 2.1 */
	TP_STIX_UNKNOWN, /* NULL or not a valid type name */
};

/* The kind of a STIX type name ("indicator" -> TP_STIX_SDO). */
enum tp_stix_kind tp_stix_kind_of(const char *type);

/* A short lower-case name for a kind ("sdo", "sco", ...). */
const char *tp_stix_kind_name(enum tp_stix_kind kind);

/*
 * 1 if s is a syntactically valid STIX type name: 3..250 characters of
 * a-z, 0-9 and '-', no "--", not starting or ending with '-'.
 */
int tp_stix_type_valid(const char *s, size_t len);

/*
 * Checks the syntax of an identifier "<type>--<uuid>" (RFC 4122 variant).
 * If type is not NULL the prefix must equal it. On success *version (may be
 * NULL) gets the UUID version.
 */
enum tp_err tp_stix_id_check(const char *id, const char *type, int *version,
			     struct tp_diag *d) TP_MUST_CHECK;

struct tp_stix_object;

/*
 * Checks and extracts the common properties of one STIX object: `type`
 * (valid name, not "bundle"), `id` (matching the type), `spec_version`
 * ("2.1"; absent is accepted for SCOs only), `created` and `modified`
 * (RFC 3339 UTC, modified >= created; required for SDOs/SROs and
 * language-content, `created` only for marking-definition; SCOs and
 * custom objects without them get 0). On failure d names the property in
 * d->path and the object id (if known) in d->object_id.
 * json: borrowed; the object keeps its own reference. *out: caller owns.
 */
enum tp_err tp_stix_object_new(json_t *json, struct tp_stix_object **out,
			       struct tp_diag *d) TP_MUST_CHECK;
void tp_stix_object_free(struct tp_stix_object *o);

/* Accessors; strings are borrowed and live as long as the object. */
const char *tp_stix_object_id(const struct tp_stix_object *o);
const char *tp_stix_object_type(const struct tp_stix_object *o);
enum tp_stix_kind tp_stix_object_kind(const struct tp_stix_object *o);
/* 0 when the object has no such property (SCOs). */
tp_time_us tp_stix_object_created(const struct tp_stix_object *o);
tp_time_us tp_stix_object_modified(const struct tp_stix_object *o);
/* The object's JSON (borrowed). */
json_t *tp_stix_object_json(const struct tp_stix_object *o);

/*
 * The deterministic id of an SCO (STIX 2.1 section 2.9): a UUIDv5 in the
 * STIX namespace over the RFC 8785 canonical JSON of the type's present
 * ID contributing properties. A `hashes` dictionary contributes one entry:
 * MD5, SHA-1, SHA-256 or SHA-512 in that order, else its first key (the
 * OASIS reference implementation's choice; see docs/internals/stix.md).
 * Returns TP_ENOTFOUND when the type has no ID contributing properties or
 * none is present (the spec then says to use a UUIDv4: the caller
 * decides), TP_EINVAL when sco is not an SCO of a known type.
 * sco: borrowed.
 */
enum tp_err tp_stix_sco_id(const json_t *sco, char out[TP_STIX_ID_MAX],
			   struct tp_diag *d) TP_MUST_CHECK;

#endif
