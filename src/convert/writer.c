/*
 * The import writer: turns records into STIX 2.1 objects and streams them
 * into one bundle. Nothing is kept but the 16-byte keys of the ids already
 * written, so a million-line list costs ~32 MB of set, not a JSON tree.
 *
 * Ids are deterministic (tp_uuid_named_v4 in TP_CONVERT_NAMESPACE: the
 * same name gives the same id, in the v4 form STIX asks of SDOs and SROs):
 *	identity      "identity|<name>"
 *	indicator     "indicator|<identity id>|<pattern>"
 *	relationship  "relationship|<source id>|<type>|<target id>"
 *	bundle        "bundle|<identity id>|<time>"
 * SCOs use the STIX namespace over their id-contributing properties.
 *
 *	maltrail line "hxxp://evil[.]com/a" with --identity "JP NISC (demo)":
 *	{"type":"indicator","id":"indicator--<v4 form>","pattern":
 *	 "[url:value = 'http://evil.com/a']","valid_from":...,"external_references":
 *	 [{"source_name":"maltrail","description":"apt_lazarus.txt line 12"}],...}
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"
#include "tripact/json.h"
#include "tripact/stix.h"

static const struct {
	const char *name, *uuid, *level;
} tlps[] = {
	[TP_TLP_CLEAR] = {"TLP:CLEAR", "94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"},
	[TP_TLP_GREEN] = {"TLP:GREEN", "bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"},
	[TP_TLP_AMBER] = {"TLP:AMBER", "55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"},
	[TP_TLP_AMBER_STRICT] = {"TLP:AMBER+STRICT", "939a9414-2ddd-4d32-a0cd-375ea402b003",
				 "amber+strict"},
	[TP_TLP_RED] = {"TLP:RED", "e828b379-4e03-4974-9ac4-e53a884c97c1", "red"},
};
#define TLP_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

enum tp_err tp_convert_tlp_parse(const char *s, enum tp_tlp *out)
{
	if (strncasecmp(s, "tlp:", 4) == 0)
		s += 4;
	if (strcasecmp(s, "white") == 0) {
		*out = TP_TLP_CLEAR;
		return TP_OK;
	}
	for (int t = TP_TLP_CLEAR; t <= TP_TLP_RED; t++)
		if (strcasecmp(s, tlps[t].level) == 0) {
			*out = t;
			return TP_OK;
		}
	return TP_EINVAL;
}

const char *tp_convert_tlp_id(enum tp_tlp tlp)
{
	static const char *const ids[] = {
		NULL,
		"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	};
	return (unsigned)tlp <= TP_TLP_RED ? ids[tlp] : NULL;
}

/* ---- id set ---- */

static uint64_t key_hash(const uint8_t *k)
{
	uint64_t h;
	memcpy(&h, k, sizeof h); /* UUID bytes are already uniform */
	return h ^ (h >> 29);
}

/* 1 if added, 0 if present, -1 out of memory. */
static int idset_add(struct idset *s, const uint8_t key[16])
{
	if ((s->n + 1) * 4 >= s->cap * 3) {
		size_t ncap = s->cap ? s->cap * 2 : 1024;
		uint8_t(*nk)[16] = calloc(ncap, 16);
		if (!nk)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			static const uint8_t zero[16];
			if (memcmp(s->keys[i], zero, 16) == 0)
				continue;
			size_t j = key_hash(s->keys[i]) & (ncap - 1);
			while (memcmp(nk[j], zero, 16) != 0)
				j = (j + 1) & (ncap - 1);
			memcpy(nk[j], s->keys[i], 16);
		}
		free(s->keys);
		s->keys = nk;
		s->cap = ncap;
	}
	static const uint8_t zero[16];
	size_t j = key_hash(key) & (s->cap - 1);
	while (memcmp(s->keys[j], zero, 16) != 0) {
		if (memcmp(s->keys[j], key, 16) == 0)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	memcpy(s->keys[j], key, 16);
	s->n++;
	return 1;
}

static int idset_has(const struct idset *s, const uint8_t key[16])
{
	static const uint8_t zero[16];
	if (!s->cap)
		return 0;
	size_t j = key_hash(key) & (s->cap - 1);
	while (memcmp(s->keys[j], zero, 16) != 0) {
		if (memcmp(s->keys[j], key, 16) == 0)
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	return 0;
}

/* The key of a STIX id: its UUID, mixed with the type (SCOs of two types
 * may share a UUID). 0 if the id has no UUID (then it is not de-duplicated). */
static void uuid_key(const char *type, size_t tlen, const struct tp_uuid *u, uint8_t key[16])
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < tlen; i++)
		h = (h ^ (uint8_t)type[i]) * 16777619u;
	memcpy(key, u->b, 16);
	for (int i = 0; i < 4; i++)
		key[i] ^= (uint8_t)(h >> (8 * i));
	key[15] |= 1; /* never all-zero */
}

static int id_key(const char *id, uint8_t key[16])
{
	const char *dd = strstr(id, "--");
	struct tp_uuid u;
	if (!dd || tp_uuid_parse(dd + 2, strlen(dd + 2), &u) != TP_OK)
		return 0;
	uuid_key(id, (size_t)(dd - id), &u, key);
	return 1;
}

/* ---- output ---- */

static enum tp_err put(struct tp_convert *c, const char *s, size_t n)
{
	if (c->fatal)
		return c->fatal;
	enum tp_err e = c->sink(c->ctx, s, n);
	if (e != TP_OK)
		c->fatal = e;
	return e;
}

static enum tp_err put_object(struct tp_convert *c, const char *s, size_t n)
{
	enum tp_err e = put(c, c->written ? ",\n" : "\n", c->written ? 2 : 1);
	if (e == TP_OK)
		e = put(c, s, n);
	if (e == TP_OK)
		c->written++;
	return e;
}

/* Appends s as a JSON string (quotes included); invalid UTF-8 bytes become
 * U+FFFD so the bundle always stays valid JSON. */
static enum tp_err json_str(struct tp_buf *b, const char *s)
{
	enum tp_err e = tp_buf_putc(b, '"');
	const unsigned char *p = (const unsigned char *)s;
	while (e == TP_OK && *p) {
		/* a run of bytes that need no escaping goes in at once */
		const unsigned char *q = p;
		while (*q >= 0x20 && *q < 0x80 && *q != '"' && *q != '\\')
			q++;
		if (q > p) {
			e = tp_buf_append(b, p, (size_t)(q - p));
			p = q;
			continue;
		}
		unsigned char ch = *p;
		if (ch == '"' || ch == '\\') {
			char esc[2] = {'\\', (char)ch};
			e = tp_buf_append(b, esc, 2);
			p++;
		} else if (ch < 0x20) {
			static const char esc[] = "btn\0fr";
			if (ch >= 8 && ch <= 13 && ch != 11)
				e = tp_buf_printf(b, "\\%c", esc[ch - 8]);
			else
				e = tp_buf_printf(b, "\\u%04x", ch);
			p++;
		} else {
			int n = ch >= 0xc2 && ch <= 0xdf   ? 2
				: ch >= 0xe0 && ch <= 0xef ? 3
				: ch >= 0xf0 && ch <= 0xf4 ? 4
							   : 0;
			int ok = n > 0;
			for (int i = 1; ok && i < n; i++)
				ok = (p[i] & 0xc0) == 0x80;
			if (ok && n == 3) {
				unsigned cp =
					(ch & 0x0f) << 12 | (p[1] & 0x3f) << 6 | (p[2] & 0x3f);
				ok = cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff);
			}
			if (ok && n == 4) {
				unsigned cp = (ch & 0x07) << 18 | (p[1] & 0x3f) << 12;
				ok = cp >= 0x10000 && cp <= 0x10ffff;
			}
			if (ok) {
				e = tp_buf_append(b, p, n);
				p += n;
			} else {
				e = tp_buf_puts(b, "\xef\xbf\xbd");
				p++;
			}
		}
	}
	if (e == TP_OK)
		e = tp_buf_putc(b, '"');
	return e;
}

/* Appends the NULL-terminated list of strings: printf costs too much here. */
static enum tp_err cat(struct tp_buf *b, ...)
{
	va_list ap;
	va_start(ap, b);
	enum tp_err e = TP_OK;
	for (const char *s; e == TP_OK && (s = va_arg(ap, const char *)) != NULL;)
		e = tp_buf_append(b, s, strlen(s));
	va_end(ap);
	return e;
}

enum tp_err tp_convert_need_tlp(struct tp_convert *c, enum tp_tlp tlp)
{
	if (tlp == TP_TLP_NONE || c->tlp_written[tlp])
		return TP_OK;
	c->tlp_written[tlp] = 1;
	json_t *m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "type",
			      "marking-definition", "spec_version", "2.1", "id",
			      tp_convert_tlp_id(tlp), "created", "2022-10-01T00:00:00.000Z", "name",
			      tlps[tlp].name, "extensions", TLP_EXTENSION, "extension_type",
			      "property-extension", "tlp_2_0", tlps[tlp].level);
	if (!m)
		return TP_ENOMEM;
	return tp_convert_emit(c, m, TP_TLP_NONE);
}

static enum tp_err emit(struct tp_convert *c, json_t *obj, enum tp_tlp tlp, int dedup)
{
	const char *id = tp_json_str(obj, "id");
	const char *type = tp_json_str(obj, "type");
	uint8_t key[16];
	enum tp_err e = TP_OK;
	if (id && id_key(id, key)) {
		int r = idset_add(&c->ids, key);
		if (r < 0) {
			json_decref(obj);
			return TP_ENOMEM;
		}
		if (r == 0 && dedup) {
			if (!type || strcmp(type, "relationship") != 0)
				c->st.duplicates++; /* a record's object, not a derived one */
			json_decref(obj);
			return TP_OK;
		}
	}
	if (tlp == TP_TLP_NONE)
		tlp = c->o.tlp;
	if (type && strcmp(type, "marking-definition") != 0 && tlp != TP_TLP_NONE &&
	    !json_object_get(obj, "object_marking_refs")) {
		e = tp_convert_need_tlp(c, tlp);
		if (e == TP_OK &&
		    json_object_set_new(obj, "object_marking_refs",
					json_pack("[s]", tp_convert_tlp_id(tlp))) != 0)
			e = TP_ENOMEM;
	}
	char *s = e == TP_OK ? json_dumps(obj, JSON_COMPACT) : NULL;
	if (e == TP_OK && !s)
		e = TP_ENOMEM;
	if (e == TP_OK)
		e = put_object(c, s, strlen(s));
	if (e == TP_OK && type) {
		if (strcmp(type, "indicator") == 0)
			c->st.indicators++;
		else if (strcmp(type, "relationship") == 0)
			c->st.relationships++;
		else if (json_object_get(obj, "created"))
			c->st.other++;
		else
			c->st.observables++;
	}
	free(s);
	json_decref(obj);
	return e;
}

enum tp_err tp_convert_emit(struct tp_convert *c, json_t *obj, enum tp_tlp tlp)
{
	return emit(c, obj, tlp, 1);
}

enum tp_err tp_convert_emit_version(struct tp_convert *c, json_t *obj)
{
	return emit(c, obj, TP_TLP_NONE, 0);
}

/* The producer's identity goes out with the first object that refers to it. */
static enum tp_err need_identity(struct tp_convert *c)
{
	if (c->identity_written)
		return TP_OK;
	c->identity_written = 1;
	json_t *ident = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "identity",
				  "spec_version", "2.1", "id", c->identity_id, "created_by_ref",
				  c->identity_id, "created", c->time, "modified", c->time, "name",
				  c->o.identity, "identity_class", "organization");
	return ident ? tp_convert_emit(c, ident, TP_TLP_NONE) : TP_ENOMEM;
}

static void make_id(struct tp_convert *c, const char *type, const char *name, size_t len, char *out,
		    struct tp_uuid *uuid)
{
	struct tp_uuid u;
	tp_uuid_named_v4(&c->ns, name, len, &u);
	if (uuid)
		*uuid = u;
	size_t n = strlen(type);
	memcpy(out, type, n);
	memcpy(out + n, "--", 2);
	tp_uuid_format(&u, out + n + 2);
}

/*
 * Copies the object `id` of the ATT&CK bundle (opts.attack) into the output
 * once, with the identity and markings it refers to, so a bundle whose
 * indicators indicate ATT&CK objects stands alone.
 */
static enum tp_err copy_attack(struct tp_convert *c, const char *id, int depth)
{
	uint8_t key[16];
	if (!c->o.attack || !c->o.include_targets || !id || depth > 2 || !id_key(id, key) ||
	    idset_has(&c->ids, key))
		return TP_OK;
	size_t i;
	const json_t *o;
	json_array_foreach(json_object_get((const json_t *)c->o.attack, "objects"), i, o)
	{
		const char *oid = tp_json_str(o, "id");
		if (!oid || strcmp(oid, id) != 0)
			continue;
		json_t *copy = json_deep_copy(o);
		if (!copy)
			return TP_ENOMEM;
		if (!json_object_get(copy, "spec_version"))
			json_object_set_new(copy, "spec_version", json_string("2.1"));
		enum tp_err e = copy_attack(c, tp_json_str(o, "created_by_ref"), depth + 1);
		size_t k;
		const json_t *m;
		json_array_foreach(json_object_get(o, "object_marking_refs"), k, m)
		{
			if (e == TP_OK)
				e = copy_attack(c, json_string_value(m), depth + 1);
		}
		if (e != TP_OK) {
			json_decref(copy);
			return e;
		}
		/* ATT&CK objects keep MITRE's markings (the TLP only joins an
		 * object that has none) */
		return tp_convert_emit(c, copy, TP_TLP_NONE);
	}
	return TP_OK;
}

enum tp_err tp_convert_relate(struct tp_convert *c, const char *src, const char *type,
			      const char *dst, enum tp_tlp tlp)
{
	char name[512], id[96];
	int n = snprintf(name, sizeof name, "relationship|%s|%s|%s", src, type, dst);
	if (n < 0 || (size_t)n >= sizeof name)
		return TP_EINVAL;
	make_id(c, "relationship", name, (size_t)n, id, NULL);
	enum tp_err e = need_identity(c);
	if (e == TP_OK)
		e = copy_attack(c, dst, 0);
	if (e != TP_OK)
		return e;
	json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type",
			      "relationship", "spec_version", "2.1", "id", id, "created_by_ref",
			      c->identity_id, "created", c->time, "modified", c->time,
			      "relationship_type", type, "source_ref", src, "target_ref", dst);
	if (!r)
		return TP_ENOMEM;
	return tp_convert_emit(c, r, tlp);
}

enum tp_err tp_convert_sco_id(const json_t *sco, char *out)
{
	enum tp_err e = tp_stix_sco_id(sco, out, NULL);
	if (e != TP_ENOTFOUND && e != TP_EINVAL)
		return e;
	/* no ID contributing property present, or a custom SCO type whose
	 * contributing properties are unknown: a UUIDv4, as the spec says */
	const char *type = tp_json_str(sco, "type");
	if (!type || !tp_stix_type_valid(type, strlen(type)) ||
	    strlen(type) + 2 + TP_UUID_STRLEN >= TP_STIX_ID_MAX)
		return TP_EINVAL;
	struct tp_uuid u;
	e = tp_uuid_v4(&u);
	if (e != TP_OK)
		return e;
	snprintf(out, TP_STIX_ID_MAX, "%s--", type);
	tp_uuid_format(&u, out + strlen(out));
	return TP_OK;
}

enum tp_err tp_convert_reject(struct tp_convert *c, const char *file, long line, const char *path,
			      const char *fmt, ...)
{
	struct tp_diag d;
	tp_diag_clear(&d);
	d.code = TP_EPARSE;
	d.line = line;
	if (path)
		tp_diag_path(&d, "%s", path);
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d.message, sizeof d.message, fmt, ap);
	va_end(ap);
	c->st.rejected++;
	if (c->report)
		c->report(c->ctx, file, &d);
	return TP_OK;
}

/* An SCO for an observable (MISP to_ids false). */
static enum tp_err observable(struct tp_convert *c, const struct tp_convert_rec *r,
			      enum tp_ioc_kind k, const char *v)
{
	const char *type = NULL;
	json_t *props = NULL;
	switch (k) {
	case TP_IOC_IPV4:
		type = "ipv4-addr";
		break;
	case TP_IOC_IPV6:
		type = "ipv6-addr";
		break;
	case TP_IOC_DOMAIN:
		type = "domain-name";
		break;
	case TP_IOC_URL:
		type = "url";
		break;
	case TP_IOC_EMAIL:
		type = "email-addr";
		break;
	case TP_IOC_FILENAME:
		type = "file";
		props = json_pack("{s:s}", "name", v);
		break;
	case TP_IOC_MD5:
	case TP_IOC_SHA1:
	case TP_IOC_SHA256:
	case TP_IOC_SHA512: {
		static const char *const alg[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};
		type = "file";
		props = json_pack("{s:{s:s}}", "hashes", alg[k - TP_IOC_MD5], v);
		break;
	}
	default:
		return tp_convert_reject(c, r->file, r->line, r->path,
					 "a %s value has no STIX 2.1 observable; it is converted "
					 "only as an indicator (to_ids)",
					 tp_ioc_kind_name(k));
	}
	if (!props)
		props = json_pack("{s:s}", "value", v);
	json_t *o = props ? json_pack("{s:s, s:s}", "type", type, "spec_version", "2.1") : NULL;
	if (!o || json_object_update(o, props) != 0) {
		json_decref(o);
		json_decref(props);
		return TP_ENOMEM;
	}
	json_decref(props);
	char id[TP_STIX_ID_MAX];
	enum tp_err e = tp_convert_sco_id(o, id);
	if (e == TP_OK && json_object_set_new(o, "id", json_string(id)) != 0)
		e = TP_ENOMEM;
	if (e != TP_OK) {
		json_decref(o);
		return e;
	}
	return tp_convert_emit(c, o, r->tlp);
}

static enum tp_err put_str_member(struct tp_buf *b, const char *key, const char *v)
{
	enum tp_err e = cat(b, ",\"", key, "\":", NULL);
	return e == TP_OK ? json_str(b, v) : e;
}

/* Serialises the indicator directly: this is the hot path of big lists. */
static enum tp_err indicator(struct tp_convert *c, const struct tp_convert_rec *r,
			     enum tp_ioc_kind k, const char *value, const char *id, enum tp_tlp tlp)
{
	struct tp_buf *b = &c->obj;
	tp_buf_reset(b);
	enum tp_err e = cat(b, "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"", id,
			    "\",\"created_by_ref\":\"", c->identity_id, "\",\"created\":\"",
			    c->time, "\",\"modified\":\"", c->time, "\"", NULL);
	if (e == TP_OK)
		e = put_str_member(b, "name", value);
	/* the base file name and the source, for the reference */
	const char *base = strrchr(r->file, '/');
	base = base ? base + 1 : r->file;
	const char *src = c->o.source ? c->o.source : base;
	/* A description always (a SHOULD of STIX); the source's reference URL
	 * goes there too, as a URL in external_references SHOULD come with
	 * the hashes of the document, which an import cannot know. */
	if (e == TP_OK) {
		struct tp_buf *dsc = &c->esc;
		tp_buf_reset(dsc);
		if (r->description && *r->description)
			e = tp_buf_puts(dsc, r->description);
		else
			e = cat(dsc, tp_ioc_kind_name(k), " listed in ", base,
				strcmp(src, base) ? " (" : "", strcmp(src, base) ? src : "",
				strcmp(src, base) ? ")" : "", NULL);
		if (e == TP_OK && r->ref_url && !strstr(dsc->data, r->ref_url))
			e = cat(dsc, "\nReference: ", r->ref_url, NULL);
		if (e == TP_ELIMIT)
			e = TP_OK; /* a cut description */
		if (e == TP_OK)
			e = put_str_member(b, "description", dsc->data);
	}
	if (e == TP_OK)
		e = cat(b, ",\"indicator_types\":[\"malicious-activity\"]", NULL);
	if (e == TP_OK)
		e = put_str_member(b, "pattern", c->pat.data);
	if (e == TP_OK)
		e = cat(b,
			",\"pattern_type\":\"stix\",\"pattern_version\":\"2.1\",\"valid_from\":\"",
			c->time, "\"", NULL);
	if (e == TP_OK && r->nlabels) {
		e = tp_buf_puts(b, ",\"labels\":[");
		for (size_t i = 0; e == TP_OK && i < r->nlabels; i++) {
			if (i)
				e = tp_buf_putc(b, ',');
			if (e == TP_OK)
				e = json_str(b, r->labels[i]);
		}
		if (e == TP_OK)
			e = tp_buf_putc(b, ']');
	}
	/* the source reference */
	if (e == TP_OK)
		e = tp_buf_puts(b, ",\"external_references\":[{\"source_name\":");
	if (e == TP_OK)
		e = json_str(b, src);
	if (e == TP_OK) {
		tp_buf_reset(&c->esc);
		char num[32];
		snprintf(num, sizeof num, "%ld", r->line);
		if (r->line)
			e = cat(&c->esc, base, " line ", num, NULL);
		else if (r->path)
			e = cat(&c->esc, base, " ", r->path, NULL);
		else
			e = tp_buf_puts(&c->esc, base);
		if (e == TP_OK)
			e = put_str_member(b, "description", c->esc.data);
	}
	if (e == TP_OK && r->ref_id)
		e = put_str_member(b, "external_id", r->ref_id);
	if (e == TP_OK)
		e = tp_buf_puts(b, "}]");
	if (e == TP_OK && tlp != TP_TLP_NONE)
		e = cat(b, ",\"object_marking_refs\":[\"", tp_convert_tlp_id(tlp), "\"]", NULL);
	if (e == TP_OK)
		e = tp_buf_putc(b, '}');
	if (e == TP_OK)
		e = put_object(c, b->data, b->len);
	return e;
}

enum tp_err tp_convert_rec(struct tp_convert *c, const struct tp_convert_rec *r)
{
	struct tp_diag d;
	enum tp_ioc_kind k = r->kind;
	c->st.rows++;
	d.message[0] = '\0';
	enum tp_err e = tp_ioc_classify(r->value, &k, &c->value, &d);
	if (e == TP_EPARSE)
		return tp_convert_reject(c, r->file, r->line, r->path, "%s", d.message);
	if (e != TP_OK)
		return e;
	if (r->allowed && !(r->allowed & (1u << k)))
		return tp_convert_reject(c, r->file, r->line, r->path,
					 "'%.80s' is a %s value, not %s", c->value.data,
					 tp_ioc_kind_name(k),
					 r->declared ? r->declared : "the declared type");
	enum tp_tlp tlp = r->tlp != TP_TLP_NONE ? r->tlp : c->o.tlp;
	if (r->observable)
		return observable(c, r, k, c->value.data);
	const char *wl = tp_warninglists_match(c->o.warninglists, k, c->value.data);
	if (wl) {
		/* a likely false positive: kept as data, not as a detection */
		struct tp_diag w;
		tp_diag_clear(&w);
		w.code = TP_EVALIDATE;
		w.line = r->line;
		if (r->path)
			tp_diag_path(&w, "%s", r->path);
		snprintf(w.message, sizeof w.message,
			 "'%.200s' is on the MISP warninglist '%.200s': imported as an "
			 "observable, not an indicator",
			 c->value.data, wl);
		c->st.warned++;
		if (c->report)
			c->report(c->ctx, r->file, &w);
		return observable(c, r, k, c->value.data);
	}
	tp_buf_reset(&c->pat);
	e = tp_ioc_pattern(k, c->value.data, &c->pat);
	if (e != TP_OK)
		return e;
	/* indicator id: producer + pattern */
	tp_buf_reset(&c->name);
	e = cat(&c->name, "indicator|", c->identity_id, "|", c->pat.data, NULL);
	if (e != TP_OK)
		return e;
	char id[96];
	struct tp_uuid u;
	make_id(c, "indicator", c->name.data, c->name.len, id, &u);
	uint8_t key[16];
	uuid_key("indicator", 9, &u, key);
	int added = idset_add(&c->ids, key);
	if (added < 0)
		return TP_ENOMEM;
	if (added == 0) {
		/* written already; this record may still add attributions */
		c->st.duplicates++;
	} else {
		e = need_identity(c);
		if (e == TP_OK)
			e = tp_convert_need_tlp(c, tlp);
		if (e == TP_OK)
			e = indicator(c, r, k, c->value.data, id, tlp);
		if (e != TP_OK)
			return e;
		c->st.indicators++;
	}
	for (size_t i = 0; e == TP_OK && i < c->o.n_attribute_to; i++)
		e = tp_convert_relate(c, id, "indicates", c->o.attribute_to[i], tlp);
	for (size_t i = 0; e == TP_OK && i < r->ntargets; i++)
		e = tp_convert_relate(c, id, "indicates", r->targets[i], tlp);
	return e;
}

/* ---- life cycle ---- */

static int ids_ok(const char *const *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *t = ids[i];
		const char *dd = t ? strstr(t, "--") : NULL;
		struct tp_uuid u;
		if (!dd || dd == t || tp_uuid_parse(dd + 2, strlen(dd + 2), &u) != TP_OK)
			return 0;
	}
	return 1;
}

enum tp_err tp_convert_set_targets(struct tp_convert *c, const char *const *ids, size_t n,
				   const char *source)
{
	if (!ids_ok(ids, n))
		return TP_EINVAL;
	c->o.attribute_to = ids;
	c->o.n_attribute_to = n;
	c->o.source = source;
	return TP_OK;
}

enum tp_err tp_convert_new(const struct tp_convert_opts *opts, tp_convert_sink_fn sink,
			   tp_convert_report_fn report, void *ctx, struct tp_convert **out)
{
	if (!opts || !sink || !out)
		return TP_EINVAL;
	if (!ids_ok(opts->attribute_to, opts->n_attribute_to))
		return TP_EINVAL;
	struct tp_convert *c = calloc(1, sizeof *c);
	if (!c)
		return TP_ENOMEM;
	c->o = *opts;
	if (!c->o.identity)
		c->o.identity = "tripact import";
	c->sink = sink;
	c->report = report;
	c->ctx = ctx;
	if (tp_uuid_parse(TP_CONVERT_NAMESPACE, TP_UUID_STRLEN, &c->ns) != TP_OK) {
		free(c);
		return TP_EINVAL;
	}
	tp_time_format(c->o.time ? c->o.time : tp_time_now(), 3, c->time);
	tp_buf_init(&c->obj, 1 << 24);
	tp_buf_init(&c->value, 1 << 20);
	tp_buf_init(&c->pat, 1 << 21);
	tp_buf_init(&c->esc, 1 << 20);
	tp_buf_init(&c->name, 1 << 21);
	char name[600];
	int n = snprintf(name, sizeof name, "identity|%s", c->o.identity);
	if (n < 0 || (size_t)n >= sizeof name) {
		tp_convert_free(c);
		return TP_EINVAL;
	}
	make_id(c, "identity", name, (size_t)n, c->identity_id, NULL);

	char bid[96];
	if (!c->o.bundle_id) {
		n = snprintf(name, sizeof name, "bundle|%s|%s", c->identity_id, c->time);
		make_id(c, "bundle", name, (size_t)n, bid, NULL);
	}
	struct tp_buf *b = &c->obj;
	enum tp_err e = tp_buf_puts(b, "{\"type\":\"bundle\",\"id\":");
	if (e == TP_OK)
		e = json_str(b, c->o.bundle_id ? c->o.bundle_id : bid);
	if (e == TP_OK)
		e = tp_buf_puts(b, ",\"objects\":[");
	if (e == TP_OK)
		e = put(c, b->data, b->len);
	if (e != TP_OK) {
		tp_convert_free(c);
		return e;
	}
	*out = c;
	return TP_OK;
}

enum tp_err tp_convert_finish(struct tp_convert *c, struct tp_convert_stats *stats,
			      struct tp_diag *d)
{
	enum tp_err e = put(c, "\n]}\n", 4);
	if (stats)
		*stats = c->st;
	if (e != TP_OK)
		return tp_diag_set(d, e, "cannot write the bundle: %s", tp_strerror(e));
	return TP_OK;
}

void tp_convert_free(struct tp_convert *c)
{
	if (!c)
		return;
	free(c->ids.keys);
	tp_buf_free(&c->obj);
	tp_buf_free(&c->value);
	tp_buf_free(&c->pat);
	tp_buf_free(&c->esc);
	tp_buf_free(&c->name);
	free(c);
}

int tp_convert_getline(FILE *in, struct tp_buf *b, enum tp_err *err)
{
	tp_buf_reset(b);
	int ch, any = 0;
	for (;;) {
		/* fill the reserved room directly; grow only when it is full */
		if (tp_buf_reserve(b, 256) != TP_OK) {
			*err = TP_ELIMIT;
			return -1;
		}
		size_t room = b->cap - 1 - b->len;
		char *p = b->data + b->len;
		size_t n = 0;
		while (n < room && (ch = getc_unlocked(in)) != EOF) {
			any = 1;
			if (ch == '\n') {
				b->len += n;
				b->data[b->len] = '\0';
				return 1;
			}
			p[n++] = (char)ch;
		}
		b->len += n;
		b->data[b->len] = '\0';
		if (n < room)
			break; /* EOF */
	}
	if (ferror(in)) {
		*err = TP_EIO;
		return -1;
	}
	return any;
}
