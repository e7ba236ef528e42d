/*
 * UUIDs (RFC 4122 / RFC 9562) as STIX uses them: random v4 ids for SDOs and
 * SROs, name-based v5 (SHA-1) ids for SCOs:
 *
 *	struct tp_uuid ns, u;
 *	tp_uuid_parse(TP_UUID_STIX_NAMESPACE, 36, &ns);
 *	tp_uuid_v5(&ns, "{\"value\":\"example.com\"}", 23, &u);
 *	char s[TP_UUID_STRLEN + 1];
 *	tp_uuid_format(&u, s);   // "bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
 */
#ifndef TRIPACT_UUID_H
#define TRIPACT_UUID_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"

#define TP_UUID_STRLEN 36
/* The STIX 2.1 namespace for deterministic SCO ids (section 2.9). */
#define TP_UUID_STIX_NAMESPACE "00abedb4-aa42-466c-9c01-fed23315a9b7"

struct tp_uuid {
	uint8_t b[16];
};

/* A random version-4 UUID (getrandom). */
enum tp_err tp_uuid_v4(struct tp_uuid *out) TP_MUST_CHECK;
/* The version-5 UUID of name[0..len) in namespace ns. */
void tp_uuid_v5(const struct tp_uuid *ns, const void *name, size_t len,
		struct tp_uuid *out);
/*
 * A deterministic UUID in version-4 form: the first 16 bytes of
 * SHA-256(ns || name) with v4's version and variant bits. For SDOs and
 * SROs that must keep the same id on every import (STIX 2.1 section 2.9
 * says they SHOULD be v4): 122 bits of a cryptographic hash are as unlikely
 * to collide as 122 random bits, and the namespace keeps them apart from
 * other producers' ids.
 */
void tp_uuid_named_v4(const struct tp_uuid *ns, const void *name, size_t len,
		      struct tp_uuid *out);
/* Parses the 8-4-4-4-12 hex form (either case); TP_EPARSE otherwise. */
enum tp_err tp_uuid_parse(const char *s, size_t len, struct tp_uuid *out) TP_MUST_CHECK;
/* Writes the lower-case form and a NUL: out has TP_UUID_STRLEN + 1 bytes. */
void tp_uuid_format(const struct tp_uuid *u, char *out);
/* The version nibble (1..8), 0 for the nil UUID. */
int tp_uuid_version(const struct tp_uuid *u);
/* 1 if the variant bits are RFC 4122's (10xx). */
int tp_uuid_is_rfc4122(const struct tp_uuid *u);

#endif
