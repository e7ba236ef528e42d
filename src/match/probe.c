/*
 * Records that cannot match skip their JSON. Before a record is mapped to
 * SCOs (observe.c) and loaded as observed-data, the values observe() would
 * write are probed straight from the record's fields against the compiled
 * set's path keys. A conn.log row
 *
 *	id.orig_h 10.0.1.4  id.resp_h 192.168.0.4  id.resp_p 8080
 *
 * against indicators on ipv4-addr:value and network-traffic:dst_port
 * probes "10.0.1.4" and "192.168.0.4" at ipv4-addr:value and 8080 at
 * network-traffic:dst_port. When no probe gives a candidate no indicator
 * can match and the record is done; otherwise it takes the JSON path,
 * which gives the answer. Building and freeing the JSON was about two
 * fifths of a record's cost, and almost no record matches.
 *
 * This is exact only if every value the JSON would hold at a key is
 * probed: the slots below cover every (type, path) observe() writes a
 * string or integer at, with the same values (the helpers are shared).
 * Probing more is harmless (a record built for nothing). The probes are
 * left out, and every record built, when the set evaluates an indicator
 * on every observation, or has a key on an SCO type observe() makes that
 * no slot covers (network-traffic:src_ref, x509-certificate:version).
 */
#include <stdlib.h>
#include <string.h>

#include "engine.h"

enum slot {
	P_IPV4,
	P_IPV6,
	P_SRC_PORT,
	P_DST_PORT,
	P_METHOD,
	P_REQUEST,
	P_HOST_HEADER,
	P_UA_HEADER,
	P_DOMAIN,
	P_URL,
	P_MD5,
	P_SHA1,
	P_SHA256,
	P_FILE_NAME,
	P_FILE_SIZE,
	P_MIME,
	P_CERT_SHA1,
	P_CERT_SHA256,
	P_SUBJECT,
	P_ISSUER,
	P_SERIAL,
	P_EMAIL,
	P_NSLOTS
};

#define HTTP_EXT "network-traffic:extensions.http-request-ext."

static const char *const slot_path[P_NSLOTS] = {
	[P_IPV4] = "ipv4-addr:value",
	[P_IPV6] = "ipv6-addr:value",
	[P_SRC_PORT] = "network-traffic:src_port",
	[P_DST_PORT] = "network-traffic:dst_port",
	[P_METHOD] = HTTP_EXT "request_method",
	[P_REQUEST] = HTTP_EXT "request_value",
	[P_HOST_HEADER] = HTTP_EXT "request_header.Host",
	[P_UA_HEADER] = HTTP_EXT "request_header.User-Agent",
	[P_DOMAIN] = "domain-name:value",
	[P_URL] = "url:value",
	[P_MD5] = "file:hashes.MD5",
	[P_SHA1] = "file:hashes.SHA-1",
	[P_SHA256] = "file:hashes.SHA-256",
	[P_FILE_NAME] = "file:name",
	[P_FILE_SIZE] = "file:size",
	[P_MIME] = "file:mime_type",
	[P_CERT_SHA1] = "x509-certificate:hashes.SHA-1",
	[P_CERT_SHA256] = "x509-certificate:hashes.SHA-256",
	[P_SUBJECT] = "x509-certificate:subject",
	[P_ISSUER] = "x509-certificate:issuer",
	[P_SERIAL] = "x509-certificate:serial_number",
	[P_EMAIL] = "email-addr:value",
};

/* The SCO types observe() makes: a key on any other can never match. */
static const char *const made_types[] = {"ipv4-addr",	     "ipv6-addr", "network-traffic",
					 "domain-name",	     "url",	  "file",
					 "x509-certificate", "email-addr"};

struct probes {
	long key[P_NSLOTS]; /* the set's key for each slot, -1 if it has none */
	struct tp_buf url;  /* scratch for record_url */
};

/* 1: key path (type:props) is on a type observe() makes. */
static int made_type(const char *path)
{
	size_t tl = strcspn(path, ":");
	for (size_t i = 0; i < sizeof made_types / sizeof made_types[0]; i++)
		if (strlen(made_types[i]) == tl && memcmp(made_types[i], path, tl) == 0)
			return 1;
	return 0;
}

/* The slot of key path, or -1. */
static int slot_of(const char *path)
{
	for (int s = 0; s < P_NSLOTS; s++)
		if (strcmp(slot_path[s], path) == 0)
			return s;
	return -1;
}

enum tp_err probes_new(struct tp_match *m)
{
	if (m->no_probes || !tp_pattern_set_indexed(m->set))
		return TP_OK;
	struct probes *p = malloc(sizeof *p);
	if (!p)
		return TP_ENOMEM;
	for (int s = 0; s < P_NSLOTS; s++)
		p->key[s] = -1;
	for (size_t k = 0; k < tp_pattern_set_nkeys(m->set); k++) {
		char path[512];
		int s = -1;
		if (tp_pattern_set_key_path(m->set, k, path, sizeof path) == 0 ||
		    ((s = slot_of(path)) < 0 && made_type(path))) {
			free(p); /* a key no slot covers: every record is built */
			return TP_OK;
		}
		if (s >= 0)
			p->key[s] = (long)k;
	}
	tp_buf_init(&p->url, 1 << 20);
	m->probes = p;
	return TP_OK;
}

void probes_free(struct probes *p)
{
	if (!p)
		return;
	tp_buf_free(&p->url);
	free(p);
}

/* 1 if string v[0..n) at slot s gives an indicator a chance. */
static int str(const struct tp_match *m, enum slot s, const char *v, size_t n)
{
	long k = m->probes->key[s];
	return k >= 0 && v && tp_pattern_set_probe(m->set, m->sc, (size_t)k, v, n);
}

/* The same for a C string (what observe() gives json_string). */
static int cstr(const struct tp_match *m, enum slot s, const char *v)
{
	return v && str(m, s, v, strlen(v));
}

/* The same for an integer; negative is none (ports and sizes). */
static int num(const struct tp_match *m, enum slot s, long long v)
{
	long k = m->probes->key[s];
	return k >= 0 && v >= 0 && tp_pattern_set_probe_int(m->set, m->sc, (size_t)k, v);
}

/* An address slot by its text: IPv6 addresses have a colon, IPv4 none. */
static int address(const struct tp_match *m, const char *v)
{
	return v && cstr(m, strchr(v, ':') ? P_IPV6 : P_IPV4, v);
}

/* The first value of f. */
static const char *first(const struct record *r, enum field f)
{
	return record_get(r, f, NULL);
}

/* network(): addresses, ports and the http-request-ext. */
static int network(const struct tp_match *m, const struct record *r)
{
	if (address(m, first(r, F_SRC)) || address(m, first(r, F_DST)) ||
	    num(m, P_SRC_PORT, record_port(r, F_SRC_PORT)) ||
	    num(m, P_DST_PORT, record_port(r, F_DST_PORT)))
		return 1;
	const char *method = first(r, F_METHOD);
	char lowered[32];
	if (method && m->probes->key[P_METHOD] >= 0) {
		lower_copy(lowered, method);
		if (cstr(m, P_METHOD, lowered))
			return 1;
	}
	return cstr(m, P_REQUEST, first(r, F_URI)) || cstr(m, P_HOST_HEADER, first(r, F_HOST)) ||
	       cstr(m, P_UA_HEADER, first(r, F_USER_AGENT));
}

/* dns(), http()'s domain, sni, domain and email values. */
static int names(const struct tp_match *m, const struct record *r)
{
	for (size_t i = 0; i < r->nv; i++) {
		const char *v = record_str(r, i);
		const char *a;
		size_t n;
		switch (r->v[i].field) {
		case F_ANSWER: /* an address or a name */
			if (address(m, v) || str(m, P_DOMAIN, v, r->v[i].len))
				return 1;
			break;
		case F_SNI:
		case F_DOMAIN:
			if (str(m, P_DOMAIN, v, r->v[i].len))
				return 1;
			break;
		case F_EMAIL:
			if (email_address(v, &a, &n) && str(m, P_EMAIL, a, n))
				return 1;
			break;
		default:
			break;
		}
	}
	size_t n, hn;
	const char *q = record_get(r, F_QUERY, &n), *host = record_get(r, F_HOST, &hn);
	if (q && str(m, P_DOMAIN, q, n))
		return 1;
	size_t dn = host ? host_name_len(host, hn) : 0;
	return host && dn < 256 && str(m, P_DOMAIN, host, dn);
}

/* A hash value as observe() writes it (colons dropped). */
static int hash(const struct tp_match *m, enum slot s, const char *v)
{
	char buf[HASH_TEXT_MAX];
	return v && m->probes->key[s] >= 0 && str(m, s, buf, hash_text(v, buf));
}

static int file_and_cert(const struct tp_match *m, const struct record *r)
{
	return hash(m, P_MD5, first(r, F_MD5)) || hash(m, P_SHA1, first(r, F_SHA1)) ||
	       hash(m, P_SHA256, first(r, F_SHA256)) ||
	       cstr(m, P_FILE_NAME, first(r, F_FILENAME)) || num(m, P_FILE_SIZE, file_size(r)) ||
	       cstr(m, P_MIME, first(r, F_MIME)) || hash(m, P_CERT_SHA1, first(r, F_CERT_SHA1)) ||
	       hash(m, P_CERT_SHA256, first(r, F_CERT_SHA256)) ||
	       cstr(m, P_SUBJECT, first(r, F_CERT_SUBJECT)) ||
	       cstr(m, P_ISSUER, first(r, F_CERT_ISSUER)) ||
	       cstr(m, P_SERIAL, first(r, F_CERT_SERIAL));
}

int probe_record(struct tp_match *m, const struct record *r)
{
	if (!m->probes)
		return 1;
	if (network(m, r) || names(m, r) || file_and_cert(m, r))
		return 1;
	if (m->probes->key[P_URL] < 0)
		return 0;
	const char *url;
	size_t n;
	enum tp_err e = record_url(r, &m->probes->url, &url, &n);
	/* a URL too long for the buffer: the JSON path reports it */
	return e == TP_ENOTFOUND ? 0 : e != TP_OK || str(m, P_URL, url, n);
}
