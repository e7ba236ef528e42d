/*
 * Object-path check against the STIX 2.1 SCO definitions (STIX 2.1
 * section 6): the object type must be a standard SCO or a custom one
 * (x-...), and the first property a property of that SCO or a custom
 * x_ one. Anything else is a warning, never an error: producers do use
 * types from drafts and extensions.
 *
 *	[file:nmae = 'a']   ->  "file: 'nmae' is not a STIX 2.1 property of file"
 *
 * This table is the pattern module's own copy, to be replaced by the STIX
 * library's schema lookup (stix_schema.h) once it is available.
 */
#include <stdio.h>
#include <string.h>

#include "ast.h"

static const char *const common[] = {
	"type", "id", "spec_version", "object_marking_refs", "granular_markings", "defanged",
	"extensions", NULL,
};

static const struct sco {
	const char *type;
	const char *props[24];
} scos[] = {
	{"artifact", {"mime_type", "payload_bin", "url", "hashes", "encryption_algorithm",
		      "decryption_key"}},
	{"autonomous-system", {"number", "name", "rir"}},
	{"directory", {"path", "path_enc", "ctime", "mtime", "atime", "contains_refs"}},
	{"domain-name", {"value", "resolves_to_refs"}},
	{"email-addr", {"value", "display_name", "belongs_to_ref"}},
	{"email-message", {"is_multipart", "date", "content_type", "from_ref", "sender_ref",
			   "to_refs", "cc_refs", "bcc_refs", "message_id", "subject",
			   "received_lines", "additional_header_fields", "body", "body_multipart",
			   "raw_email_ref"}},
	{"file", {"hashes", "size", "name", "name_enc", "magic_number_hex", "mime_type", "ctime",
		  "mtime", "atime", "parent_directory_ref", "contains_refs", "content_ref"}},
	{"ipv4-addr", {"value", "resolves_to_refs", "belongs_to_refs"}},
	{"ipv6-addr", {"value", "resolves_to_refs", "belongs_to_refs"}},
	{"mac-addr", {"value"}},
	{"mutex", {"name"}},
	{"network-traffic", {"start", "end", "is_active", "src_ref", "dst_ref", "src_port",
			     "dst_port", "protocols", "src_byte_count", "dst_byte_count",
			     "src_packets", "dst_packets", "ipfix", "src_payload_ref",
			     "dst_payload_ref", "encapsulates_refs", "encapsulated_by_ref"}},
	{"process", {"is_hidden", "pid", "created_time", "cwd", "command_line",
		     "environment_variables", "opened_connection_refs", "creator_user_ref",
		     "image_ref", "parent_ref", "child_refs"}},
	{"software", {"name", "cpe", "swid", "languages", "vendor", "version"}},
	{"url", {"value"}},
	{"user-account", {"user_id", "credential", "account_login", "account_type", "display_name",
			  "is_service_account", "is_privileged", "can_escalate_privs",
			  "is_disabled", "account_created", "account_expires",
			  "credential_last_changed", "account_first_login",
			  "account_last_login"}},
	{"windows-registry-key", {"key", "values", "modified_time", "creator_user_ref",
				  "number_of_subkeys"}},
	{"x509-certificate", {"is_self_signed", "hashes", "version", "serial_number",
			      "signature_algorithm", "issuer", "validity_not_before",
			      "validity_not_after", "subject", "subject_public_key_algorithm",
			      "subject_public_key_modulus", "subject_public_key_exponent",
			      "x509_v3_extensions"}},
};

static int eq(const char *a, size_t an, const char *b)
{
	return strlen(b) == an && memcmp(a, b, an) == 0;
}

static const char *warn(struct arena *a, int type_unknown, const struct path *p)
{
	const struct step *s = &p->steps[0];
	int tn = (int)(p->typelen > 60 ? 60 : p->typelen);
	int kn = (int)(s->keylen > 60 ? 60 : s->keylen);
	char *w = arena_alloc(a, 256);
	if (!w)
		return NULL;
	if (type_unknown)
		snprintf(w, 256,
			 "%.*s: not a STIX 2.1 cyber-observable type (custom types start with 'x-')",
			 tn, p->type);
	else
		snprintf(w, 256,
			 "%.*s: '%.*s' is not a STIX 2.1 property of %.*s (custom ones start with 'x_')",
			 tn, p->type, kn, s->key, tn, p->type);
	return w;
}

const char *tp_pattern_schema_check(struct arena *a, const struct path *p)
{
	if (p->typelen >= 2 && p->type[0] == 'x' && p->type[1] == '-')
		return NULL;
	const struct sco *t = NULL;
	for (size_t i = 0; i < sizeof scos / sizeof scos[0]; i++)
		if (eq(p->type, p->typelen, scos[i].type))
			t = &scos[i];
	if (!t)
		return warn(a, 1, p);
	const struct step *s = &p->steps[0];
	if (s->keylen >= 2 && s->key[0] == 'x' && s->key[1] == '_')
		return NULL;
	for (size_t i = 0; common[i]; i++)
		if (eq(s->key, s->keylen, common[i]))
			return NULL;
	for (size_t i = 0; i < 24 && t->props[i]; i++)
		if (eq(s->key, s->keylen, t->props[i]))
			return NULL;
	return warn(a, 0, p);
}
