/*
 * A record as the STIX cyber-observables a pattern would name. One row of
 * http.log
 *
 *	id.orig_h 10.0.1.4  id.resp_h 192.168.0.4  id.resp_p 8080
 *	method GET  host evil.example  uri /a.php  user_agent curl/8
 *
 * gives ipv4-addr 10.0.1.4, ipv4-addr 192.168.0.4, domain-name
 * evil.example, url "http://evil.example:8080/a.php" (built like Zeek's
 * HTTP::build_url, without doubling a port the Host header already has) and a network-traffic with
 *src_ref, dst_ref, ports, protocols ["tcp"?, "http"] and an http-request-ext (method lower-cased as
 *STIX asks, request_value, Host and User-Agent headers). docs/match.md has the table for every log.
 *
 * Matching needs ids only to resolve references, so it uses cheap unique
 * ones; the sightings re-map the few matched records with the
 * deterministic STIX ids (tp_stix_sco_id).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_int.h"
#include "tripact/json.h"
#include "tripact/stix.h"

struct obs_ctx {
	const struct record *r;
	struct ids *ids;
	json_t *objs, *refs;
	json_t *dict; /* observe_objects(): SCOs by id, instead of objs and refs */
	unsigned need; /* enum sco_kind */
};

static int ref_listed(const json_t *refs, const char *id)
{
	for (size_t i = 0; i < json_array_size(refs); i++)
		if (strcmp(json_string_value(json_array_get(refs, i)), id) == 0)
			return 1;
	return 0;
}

/*
 * Every key this file sets is one of its own ASCII literals (or a cheap
 * id): the _nocheck setters spare a UTF-8 scan of each key, several per
 * record. Values from the record are still checked (json_string).
 */

/* {"type": type} (type is ours: ASCII). */
static json_t *typed(const char *type)
{
	json_t *o = json_object();
	if (o && json_object_set_new_nocheck(o, "type", json_string_nocheck(type))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* {"type": type, "value": v}; NULL when v is not UTF-8 (STIX strings are). */
static json_t *value_sco(const char *type, const char *v, size_t n)
{
	json_t *o = typed(type);
	if (o && json_object_set_new_nocheck(o, "value", json_stringn(v, n))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* "<n>": the key of the SCO in its observation's objects dictionary. */
static void cheap_id(uint64_t n, char out[TP_STIX_ID_MAX])
{
	char digits[24];
	size_t k = 0, l = 0;
	do
		digits[k++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	while (k)
		out[l++] = digits[--k];
	out[l] = '\0';
}

/*
 * The STIX id of an SCO; one without ID contributing properties (an
 * x509-certificate with a subject but no hash or serial) gets a v4-form id
 * named over its whole content, so it is still the same on every run.
 */
static enum tp_err stable_id(const json_t *o, char out[TP_STIX_ID_MAX])
{
	enum tp_err e = tp_stix_sco_id(o, out, NULL);
	if (e != TP_ENOTFOUND)
		return e;
	char *text = tp_json_dump(o); /* keys in the fixed order they are made in */
	if (!text)
		return TP_ENOMEM;
	char id[96];
	named_id(tp_json_str(o, "type"), text, strlen(text), id);
	snprintf(out, TP_STIX_ID_MAX, "%s", id);
	free(text);
	return TP_OK;
}

/* Gives o an id and adds it to the observation; *id (may be NULL) gets it. */
static enum tp_err put(struct obs_ctx *c, json_t *o, char id[TP_STIX_ID_MAX])
{
	char tmp[TP_STIX_ID_MAX];
	char *out = id ? id : tmp;
	if (!o)
		return TP_ENOTFOUND; /* a value that is not UTF-8: no observable */
	if (c->ids->stable) {
		enum tp_err e = json_object_set_new_nocheck(o, "spec_version", json_string_nocheck("2.1"))
					? TP_ENOMEM
					: stable_id(o, out);
		if (e) {
			json_decref(o);
			return e;
		}
	} else {
		/* matching only: the id is the key in the objects dictionary */
		cheap_id(c->ids->next++, out);
		if (c->dict)
			return json_object_set_new_nocheck(c->dict, out, o) ? TP_ENOMEM : TP_OK;
		return json_array_append_new(c->objs, o) ||
				       json_array_append_new(c->refs, json_string_nocheck(out))
			       ? TP_ENOMEM
			       : TP_OK;
	}
	if (json_object_set_new_nocheck(o, "id", json_string_nocheck(out)) != 0) {
		json_decref(o);
		return TP_ENOMEM;
	}
	if (ref_listed(c->refs, out)) {
		json_decref(o); /* the same object twice (src == dst) */
		return TP_OK;
	}
	if (json_array_append_new(c->objs, o) ||
	    json_array_append_new(c->refs, json_string_nocheck(out)))
		return TP_ENOMEM;
	return TP_OK;
}

/* 4 or 6 if s is an IP address, 0 otherwise. */
static int ip_family(const char *s)
{
	unsigned char b[16];
	if (inet_pton(AF_INET, s, b) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, b) == 1)
		return 6;
	return 0;
}

static enum tp_err addr(struct obs_ctx *c, const char *s, char id[TP_STIX_ID_MAX])
{
	int fam = ip_family(s);
	if (!fam)
		return TP_ENOTFOUND;
	return put(c, value_sco(fam == 4 ? "ipv4-addr" : "ipv6-addr", s, strlen(s)), id);
}

/* A plausible DNS name: a dot, no blanks, not an address. */
static int is_domain(const char *s, size_t n)
{
	if (n == 0 || n > 253 || !memchr(s, '.', n) || ip_family(s))
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '/' || s[i] == '@')
			return 0;
	return 1;
}

static enum tp_err domain(struct obs_ctx *c, const char *s, size_t n, json_t *resolves,
			  char id[TP_STIX_ID_MAX])
{
	if (!is_domain(s, n))
		return TP_ENOTFOUND;
	json_t *o = value_sco("domain-name", s, n);
	if (o && resolves && json_array_size(resolves))
		json_object_set_nocheck(o, "resolves_to_refs", resolves);
	return put(c, o, id);
}

long port_value(const char *s)
{
	if (!s || !*s)
		return -1;
	char *end;
	long p = strtol(s, &end, 10);
	return *end || p < 0 || p > 65535 ? -1 : p;
}

long record_port(const struct record *r, enum field f)
{
	return port_value(record_get(r, f, NULL));
}

void lower_copy(char out[32], const char *s)
{
	snprintf(out, 32, "%s", s);
	for (; *out; out++)
		*out = (char)tolower((unsigned char)*out);
}

static const char *app_protocol(const char *log)
{
	static const char *const map[][2] = {{"http", "http"}, {"dns", "dns"},	 {"ssl", "tls"},
					     {"tls", "tls"},   {"smtp", "smtp"}, {"ssh", "ssh"}};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(log, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

static enum tp_err http_ext(const struct record *r, json_t *nt)
{
	const char *method = record_get(r, F_METHOD, NULL), *uri = record_get(r, F_URI, NULL);
	if (!method || !uri)
		return TP_OK; /* both are required by http-request-ext */
	char m[32];
	lower_copy(m, method);
	json_t *hdr = json_object();
	const char *host = record_get(r, F_HOST, NULL), *ua = record_get(r, F_USER_AGENT, NULL);
	if (host)
		json_object_set_new_nocheck(hdr, "Host", json_string(host));
	if (ua)
		json_object_set_new_nocheck(hdr, "User-Agent", json_string(ua));
	json_t *ext = json_object();
	if (!hdr || !ext) {
		json_decref(hdr);
		json_decref(ext);
		return TP_ENOMEM;
	}
	/* {"request_method": m, "request_value": uri}, both required: none
	 * when either is not UTF-8 (STIX strings are; a Zeek log writes the
	 * bytes of a URI as \xNN, which read back need not be) */
	json_t *mv = json_string(m), *uv = json_string(uri);
	if (!mv || !uv) {
		json_decref(mv);
		json_decref(uv);
		json_decref(hdr);
		json_decref(ext);
		return TP_OK;
	}
	json_object_set_new_nocheck(ext, "request_method", mv);
	json_object_set_new_nocheck(ext, "request_value", uv);
	if (json_object_size(hdr))
		json_object_set_nocheck(ext, "request_header", hdr);
	json_decref(hdr);
	json_t *exts = json_object();
	if (!exts || json_object_set_new_nocheck(exts, "http-request-ext", ext)) {
		if (!exts)
			json_decref(ext); /* a failed set took ext */
		json_decref(exts);
		return TP_ENOMEM;
	}
	return json_object_set_new_nocheck(nt, "extensions", exts) ? TP_ENOMEM : TP_OK;
}

static enum tp_err network(struct obs_ctx *c)
{
	const struct record *r = c->r;
	if (!(c->need & (S_ADDR | S_NT)))
		return TP_OK;
	const char *src = record_get(r, F_SRC, NULL), *dst = record_get(r, F_DST, NULL);
	char sid[TP_STIX_ID_MAX] = "", did[TP_STIX_ID_MAX] = "";
	enum tp_err e;
	if (src && (e = addr(c, src, sid)) && e != TP_ENOTFOUND)
		return e;
	if (dst && (e = addr(c, dst, did)) && e != TP_ENOTFOUND)
		return e;
	if ((!sid[0] && !did[0]) || !(c->need & S_NT))
		return TP_OK;
	json_t *nt = typed("network-traffic");
	json_t *protos = json_array();
	if (!nt || !protos) {
		json_decref(nt);
		json_decref(protos);
		return TP_ENOMEM;
	}
	if (sid[0])
		json_object_set_new_nocheck(nt, "src_ref", json_string_nocheck(sid));
	if (did[0])
		json_object_set_new_nocheck(nt, "dst_ref", json_string_nocheck(did));
	long sp = record_port(r, F_SRC_PORT), dp = record_port(r, F_DST_PORT);
	if (sp >= 0)
		json_object_set_new_nocheck(nt, "src_port", json_integer(sp));
	if (dp >= 0)
		json_object_set_new_nocheck(nt, "dst_port", json_integer(dp));
	const char *proto = record_get(r, F_PROTO, NULL);
	char p[32];
	if (proto && *proto) {
		lower_copy(p, proto);
	} else {
		/* protocols is required: the network layer is what we know */
		snprintf(p, sizeof p, "%s", strstr(sid[0] ? sid : did, "ipv6") ? "ipv6" : "ipv4");
	}
	json_array_append_new(protos, json_string(p));
	const char *app = app_protocol(r->log);
	if (app && strcmp(app, p) != 0)
		json_array_append_new(protos, json_string(app));
	json_object_set_new_nocheck(nt, "protocols", protos);
	if ((e = http_ext(r, nt))) {
		json_decref(nt);
		return e;
	}
	return put(c, nt, NULL);
}

static enum tp_err dns(struct obs_ctx *c)
{
	const struct record *r = c->r;
	if (!(c->need & (S_ADDR | S_DOMAIN)))
		return TP_OK;
	json_t *res = json_array();
	if (!res)
		return TP_ENOMEM;
	enum tp_err e = TP_OK;
	for (size_t i = 0; e == TP_OK && i < r->nv; i++) {
		if (r->v[i].field != F_ANSWER)
			continue;
		char id[TP_STIX_ID_MAX];
		const char *s = record_str(r, i);
		e = ip_family(s) ? addr(c, s, id) : domain(c, s, r->v[i].len, NULL, id);
		if (e == TP_OK && !ref_listed(res, id))
			e = json_array_append_new(res, json_string_nocheck(id)) ? TP_ENOMEM : TP_OK;
		else if (e == TP_ENOTFOUND)
			e = TP_OK; /* TXT, MX and other answers are not observables here */
	}
	size_t n;
	const char *q = record_get(r, F_QUERY, &n);
	if (e == TP_OK && q && (e = domain(c, q, n, res, NULL)) == TP_ENOTFOUND)
		e = TP_OK;
	json_decref(res);
	return e;
}

size_t host_name_len(const char *host, size_t hn)
{
	const char *colon = memchr(host, ':', hn);
	if (!colon || memchr(colon + 1, ':', hn - (size_t)(colon - host) - 1))
		return hn; /* no port, or an IPv6 address */
	return (size_t)(colon - host);
}

/* Zeek's HTTP::build_url_http: http:// host [:port unless 80] uri. */
enum tp_err record_url(const struct record *r, struct tp_buf *b, const char **url, size_t *n)
{
	size_t hn = 0;
	const char *host = record_get(r, F_HOST, &hn), *uri = record_get(r, F_URI, NULL);
	const char *given = record_get(r, F_URL, NULL);
	if (given) {
		*url = given;
		*n = strlen(given);
		return TP_OK;
	}
	if (!uri || (!host && !record_get(r, F_DST, NULL)))
		return TP_ENOTFOUND;
	tp_buf_reset(b);
	const char *dst = record_get(r, F_DST, NULL);
	/* an EVE fileinfo event may run from server to client: its
	 * http_port, when logged, is the server's */
	long dp = record_get(r, F_HTTP_PORT, NULL) ? record_port(r, F_HTTP_PORT)
						   : record_port(r, F_DST_PORT);
	enum tp_err e = tp_buf_puts(b, "http://");
	if (e == TP_OK && host)
		e = tp_buf_puts(b, host);
	else if (e == TP_OK)
		e = tp_buf_printf(b, ip_family(dst) == 6 ? "[%s]" : "%s", dst);
	/* Zeek would append the port to a Host that already has one */
	int has_port = host && host_name_len(host, hn) != hn;
	if (e == TP_OK && dp >= 0 && dp != 80 && !has_port)
		e = tp_buf_printf(b, ":%ld", dp);
	if (e == TP_OK)
		e = tp_buf_puts(b, uri);
	*url = b->data;
	*n = b->len;
	return e;
}

static enum tp_err http(struct obs_ctx *c)
{
	const struct record *r = c->r;
	size_t hn = 0;
	const char *host = record_get(r, F_HOST, &hn);
	enum tp_err e = TP_OK;
	if (host && (c->need & S_DOMAIN)) {
		/* the Host header may carry a port */
		size_t dn = host_name_len(host, hn);
		char name[256];
		if (dn < sizeof name) {
			memcpy(name, host, dn);
			name[dn] = '\0';
			if ((e = domain(c, name, dn, NULL, NULL)) && e != TP_ENOTFOUND)
				return e;
		}
	}
	if (!(c->need & S_URL))
		return TP_OK;
	const char *url;
	size_t n;
	e = record_url(r, &c->ids->url, &url, &n);
	if (e == TP_OK)
		e = put(c, value_sco("url", url, n), NULL);
	return e == TP_ENOTFOUND ? TP_OK : e;
}

int email_address(const char *s, const char **addr, size_t *n)
{
	const char *lt = strrchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
	const char *b = lt && gt ? lt + 1 : s, *end = lt && gt ? gt : s + strlen(s);
	while (b < end && isspace((unsigned char)*b))
		b++;
	while (end > b && isspace((unsigned char)end[-1]))
		end--;
	*addr = b;
	*n = (size_t)(end - b);
	return memchr(b, '@', *n) != NULL;
}

static enum tp_err email(struct obs_ctx *c, const char *s)
{
	const char *b;
	size_t n;
	if (!email_address(s, &b, &n))
		return TP_OK;
	return put(c, value_sco("email-addr", b, n), NULL);
}

size_t hash_text(const char *s, char out[HASH_TEXT_MAX])
{
	size_t n = 0;
	for (; *s && n + 1 < HASH_TEXT_MAX; s++)
		if (*s != ':')
			out[n++] = *s;
	out[n] = '\0';
	return n;
}

static json_t *hash_value(const char *s)
{
	char buf[HASH_TEXT_MAX];
	hash_text(s, buf);
	return json_string(buf);
}

long long size_value(const char *size)
{
	char *end;
	long long sz = size ? strtoll(size, &end, 10) : -1;
	return size && !*end && sz >= 0 ? sz : -1;
}

static enum tp_err file(struct obs_ctx *c)
{
	static const struct {
		enum field f;
		const char *name;
	} algs[] = {{F_MD5, "MD5"}, {F_SHA1, "SHA-1"}, {F_SHA256, "SHA-256"}};
	const struct record *r = c->r;
	json_t *hashes = json_object();
	if (!hashes)
		return TP_ENOMEM;
	for (size_t i = 0; i < 3; i++) {
		const char *h = record_get(r, algs[i].f, NULL);
		if (h && *h)
			json_object_set_new_nocheck(hashes, algs[i].name, hash_value(h));
	}
	const char *name = record_get(r, F_FILENAME, NULL);
	if (!json_object_size(hashes) && !name) {
		json_decref(hashes);
		return TP_OK; /* a file needs hashes or a name */
	}
	json_t *o = typed("file");
	if (!o) {
		json_decref(hashes);
		return TP_ENOMEM;
	}
	if (json_object_size(hashes))
		json_object_set_nocheck(o, "hashes", hashes);
	json_decref(hashes);
	if (name)
		json_object_set_new_nocheck(o, "name", json_string(name));
	const char *mime = record_get(r, F_MIME, NULL);
	long long sz = size_value(record_get(r, F_SIZE, NULL));
	if (sz >= 0)
		json_object_set_new_nocheck(o, "size", json_integer(sz));
	if (mime)
		json_object_set_new_nocheck(o, "mime_type", json_string(mime));
	return put(c, o, NULL);
}

static enum tp_err certificate(struct obs_ctx *c)
{
	const struct record *r = c->r;
	const char *s1 = record_get(r, F_CERT_SHA1, NULL),
		   *s256 = record_get(r, F_CERT_SHA256, NULL);
	const char *subj = record_get(r, F_CERT_SUBJECT, NULL);
	const char *iss = record_get(r, F_CERT_ISSUER, NULL);
	const char *ser = record_get(r, F_CERT_SERIAL, NULL);
	if (!s1 && !s256 && !subj && !iss && !ser)
		return TP_OK;
	json_t *o = typed("x509-certificate");
	if (!o)
		return TP_ENOMEM;
	if (s1 || s256) {
		json_t *h = json_object();
		if (s1)
			json_object_set_new_nocheck(h, "SHA-1", hash_value(s1));
		if (s256)
			json_object_set_new_nocheck(h, "SHA-256", hash_value(s256));
		json_object_set_new_nocheck(o, "hashes", h);
	}
	if (subj)
		json_object_set_new_nocheck(o, "subject", json_string(subj));
	if (iss)
		json_object_set_new_nocheck(o, "issuer", json_string(iss));
	if (ser)
		json_object_set_new_nocheck(o, "serial_number", json_string(ser));
	return put(c, o, NULL);
}

/* A step that found nothing to make is no failure. */
static enum tp_err step(enum tp_err e)
{
	return e == TP_ENOTFOUND ? TP_OK : e;
}

static enum tp_err observe_ctx(struct obs_ctx *cp)
{
	struct obs_ctx c = *cp;
	const struct record *r = c.r;
	enum tp_err e = step(network(&c));
	if (e == TP_OK)
		e = step(dns(&c));
	if (e == TP_OK)
		e = step(http(&c));
	for (size_t i = 0; e == TP_OK && i < r->nv; i++) {
		if ((r->v[i].field == F_SNI || r->v[i].field == F_DOMAIN) && (c.need & S_DOMAIN))
			e = step(domain(&c, record_str(r, i), r->v[i].len, NULL, NULL));
		else if (r->v[i].field == F_EMAIL && (c.need & S_EMAIL))
			e = step(email(&c, record_str(r, i)));
	}
	if (e == TP_OK && (c.need & S_FILE))
		e = step(file(&c));
	if (e == TP_OK && (c.need & S_X509))
		e = step(certificate(&c));
	if (e == TP_OK && (c.dict ? json_object_size(c.dict) : json_array_size(c.refs)) == 0)
		e = TP_ENOTFOUND;
	return e;
}

enum tp_err observe(const struct record *r, struct ids *ids, json_t *objs, json_t *refs)
{
	struct obs_ctx c = {r, ids, objs, refs, NULL, ids->need ? ids->need : ~0u};
	return observe_ctx(&c);
}

enum tp_err observe_objects(const struct record *r, struct ids *ids, json_t *dict)
{
	if (ids->stable)
		return TP_EINVAL; /* stable ids are for object_refs: use observe() */
	struct obs_ctx c = {r, ids, NULL, NULL, dict, ids->need ? ids->need : ~0u};
	return observe_ctx(&c);
}
