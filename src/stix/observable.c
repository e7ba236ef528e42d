/*
 * Rules for cyber-observable objects (STIX 2.1 section 6): the constraints
 * between an SCO's properties, its extensions and its dictionaries, e.g.
 *
 *	{"type": "network-traffic", "is_active": true, "end": "...", ...}
 *	-> end: "'end' must not be present when 'is_active' is true"
 *
 * and that a UUIDv5 id is the object's deterministic id.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "stix_internal.h"
#include "tripact/json.h"

void tp_check_observable_dict_keys(struct vctx *c, const char *prop, const json_t *dict)
{
	static const char *const exceptions[] = {
		"hashes",
		"file_header_hashes",
		"request_header",
		"additional_header_fields",
		"document_info_dict",
		"exif_tags",
		"ipfix",
		"options",
		"environment_variables",
		"key",
		"startup_info",
		NULL,
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
				vc_should(c, 142, "dictionary key '%.80s' should be all lowercase",
					  k);
				break;
			}
	}
	return;
special:
	if (strcmp(prop, "document_info_dict") == 0) {
		static const char *const did[] = {"Title",   "Author",	 "Subject",	 "Keywords",
						  "Creator", "Producer", "CreationDate", "ModDate",
						  "Trapped", NULL};
		json_object_foreach((json_t *)dict, k, v)
		{
			int ok = 0;
			for (size_t i = 0; did[i] && !ok; i++)
				ok = strcmp(did[i], k) == 0;
			if (!ok)
				vc_should(c, 276,
					  "'%.80s' is not a valid PDF Document Information "
					  "Dictionary key",
					  k);
		}
	} else if (strcmp(prop, "options") == 0) {
		static const char *const pre[] = {"SO_",    "ICMP_", "ICMP6_", "IP_", "IPV6_",
						  "MCAST_", "TCP_",  "IRLMP_", NULL};
		json_object_foreach((json_t *)dict, k, v)
		{
			int ok = 0;
			for (size_t i = 0; pre[i] && !ok; i++)
				ok = strncmp(k, pre[i], strlen(pre[i])) == 0;
			if (!ok)
				vc_should(c, 275,
					  "socket option '%.80s' should start with SO_, ICMP_, "
					  "ICMP6_, IP_, "
					  "IPV6_, MCAST_, TCP_ or IRLMP_",
					  k);
		}
	}
}

/* IANA character set names: letters, digits, '_', '(', ')', '-'. */
static void check_charset(struct vctx *c, const char *prop)
{
	const char *v = tp_json_str(c->obj, prop);
	if (!v)
		return;
	int ok = *v != '\0';
	for (const char *p = v; *p && ok; p++)
		ok = isalnum((unsigned char)*p) || strchr("_()-", *p) != NULL;
	if (!ok) {
		size_t s = vc_push(c, prop);
		vc_error(c, "format", "'%s' is not an IANA character set name ('%.40s')", prop, v);
		vc_pop(c, s);
	}
}

static void check_network_traffic(struct vctx *c)
{
	const json_t *o = c->obj;
	vc_order(c, "start", "end", 0);
	if (!vc_has(o, "src_ref") && !vc_has(o, "dst_ref"))
		vc_error_at(c, NULL, "constraint", "network-traffic needs src_ref or dst_ref");
	if (json_is_true(json_object_get(o, "is_active")) && vc_has(o, "end"))
		vc_error_at(c, "end", "constraint",
			    "'end' must not be present when 'is_active' is true");
	if (!vc_has(o, "src_port") || !vc_has(o, "dst_port"))
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
			vc_should(c, 272,
				  "protocol '%.40s' should be a lower-case IANA service name", p);
			vc_pop(c, s2);
			vc_pop(c, s);
		}
	}
	const json_t *tcp = json_object_get(json_object_get(o, "extensions"), "tcp-ext");
	if (json_is_object(tcp) && !vc_has(tcp, "src_flags_hex") && !vc_has(tcp, "dst_flags_hex"))
		vc_error_at(c, "extensions", "constraint",
			    "tcp-ext needs src_flags_hex or dst_flags_hex");
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

/* Artifact mime_type MUST be an IANA media type: checked offline by its
 * form, top-level type from the registry's list. */
static void check_artifact_mime(struct vctx *c)
{
	static const char *const tops[] = {"application/", "audio/", "font/",	   "image/",
					   "message/",	   "model/", "multipart/", "text/",
					   "video/",	   NULL};
	const char *m = tp_json_str(c->obj, "mime_type");
	if (!m)
		return;
	const char *rest = NULL;
	for (size_t i = 0; tops[i] && !rest; i++)
		if (strncmp(m, tops[i], strlen(tops[i])) == 0)
			rest = m + strlen(tops[i]);
	int ok = rest && *rest;
	for (const char *p = rest; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr(".+_-", *p) != NULL;
	if (!ok) {
		size_t s = vc_push(c, "mime_type");
		vc_error(
			c, "format",
			"'mime_type' ('%.60s') must be an IANA media type of the form type/subtype",
			m);
		vc_pop(c, s);
	}
}

void tp_check_sco_rules(struct vctx *c)
{
	const json_t *o = c->obj;
	const char *t = c->type;
	if (strcmp(t, "artifact") == 0) {
		int bin = vc_has(o, "payload_bin"), url = vc_has(o, "url");
		if (bin == url)
			vc_error_at(c, NULL, "constraint",
				    "artifact needs exactly one of payload_bin and url");
		if (url && !vc_has(o, "hashes"))
			vc_error_at(c, "url", "required-property",
				    "an artifact with a url must have hashes");
		if (vc_has(o, "decryption_key") && !vc_has(o, "encryption_algorithm"))
			vc_error_at(c, "decryption_key", "constraint",
				    "'decryption_key' requires 'encryption_algorithm'");
		check_artifact_mime(c);
	} else if (strcmp(t, "email-message") == 0) {
		int multi = json_is_true(json_object_get(o, "is_multipart"));
		if (multi && vc_has(o, "body"))
			vc_error_at(c, "body", "constraint",
				    "'body' must not be present when is_multipart is true");
		if (!multi && vc_has(o, "body_multipart"))
			vc_error_at(
				c, "body_multipart", "constraint",
				"'body_multipart' must not be present when is_multipart is false");
		const json_t *parts = json_object_get(o, "body_multipart");
		for (size_t i = 0; json_is_array(parts) && i < json_array_size(parts); i++) {
			const json_t *p = json_array_get(parts, i);
			if (json_is_object(p) && vc_has(p, "body") == vc_has(p, "body_raw_ref")) {
				size_t s = vc_push(c, "body_multipart"), s2 = vc_push_index(c, i);
				vc_error(c, "constraint",
					 "a MIME part needs exactly one of body and body_raw_ref");
				vc_pop(c, s2);
				vc_pop(c, s);
			}
		}
	} else if (strcmp(t, "file") == 0) {
		if (!vc_has(o, "hashes") && !vc_has(o, "name"))
			vc_error_at(c, NULL, "constraint", "a file needs hashes or name");
		check_mime_type(c, "mime_type");
		check_charset(c, "name_enc");
	} else if (strcmp(t, "directory") == 0) {
		check_charset(c, "path_enc");
	} else if (strcmp(t, "software") == 0) {
		const json_t *ls = json_object_get(o, "languages");
		for (size_t i = 0; json_is_array(ls) && i < json_array_size(ls); i++) {
			const char *l = json_string_value(json_array_get(ls, i));
			if (l && !(strlen(l) == 3 && islower((unsigned char)l[0]) &&
				   islower((unsigned char)l[1]) && islower((unsigned char)l[2]))) {
				size_t s = vc_push(c, "languages"), s2 = vc_push_index(c, i);
				vc_error(c, "format", "'%.40s' is not an ISO 639-2 language code",
					 l);
				vc_pop(c, s2);
				vc_pop(c, s);
			}
		}
	} else if (strcmp(t, "network-traffic") == 0) {
		check_network_traffic(c);
	} else if (strcmp(t, "process") == 0 || strcmp(t, "x509-certificate") == 0) {
		if (!has_other_than_common(o))
			vc_error_at(c, NULL, "constraint",
				    "this object must have at least one property of its own");
		const char *prio = tp_json_str(
			json_object_get(json_object_get(o, "extensions"), "windows-process-ext"),
			"priority");
		if (prio && (strlen(prio) < 7 || strcmp(prio + strlen(prio) - 6, "_CLASS") != 0))
			vc_should(c, 149,
				  "The 'priority' property of object '%s' should end in '_CLASS'",
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
