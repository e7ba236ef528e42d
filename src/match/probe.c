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

/* How observe() writes a field's value, and at which slot. */
enum how {
	H_NONE,
	H_ADDR,	  /* ipv4-addr or ipv6-addr value */
	H_ANSWER, /* an address, or a domain name */
	H_STR,	  /* as is */
	H_CSTR,	  /* up to a NUL (json_string) */
	H_PORT,	  /* integer */
	H_SIZE,	  /* integer */
	H_HASH,	  /* without colons */
	H_METHOD, /* lower-cased */
	H_HOST,	  /* the Host header, and its name as a domain name */
	H_EMAIL,  /* the address of "Name <a@b>" */
};

static const struct rule {
	enum how how;
	enum slot slot;
	int every; /* every value of the field, not only the first */
} rules[F_NFIELDS] = {
	[F_SRC] = {H_ADDR, P_IPV4, 0},
	[F_DST] = {H_ADDR, P_IPV4, 0},
	[F_SRC_PORT] = {H_PORT, P_SRC_PORT, 0},
	[F_DST_PORT] = {H_PORT, P_DST_PORT, 0},
	[F_QUERY] = {H_STR, P_DOMAIN, 0},
	[F_ANSWER] = {H_ANSWER, P_DOMAIN, 1},
	[F_HOST] = {H_HOST, P_HOST_HEADER, 0},
	[F_URI] = {H_CSTR, P_REQUEST, 0},
	[F_METHOD] = {H_METHOD, P_METHOD, 0},
	[F_USER_AGENT] = {H_CSTR, P_UA_HEADER, 0},
	[F_SNI] = {H_STR, P_DOMAIN, 1},
	[F_DOMAIN] = {H_STR, P_DOMAIN, 1},
	[F_MD5] = {H_HASH, P_MD5, 0},
	[F_SHA1] = {H_HASH, P_SHA1, 0},
	[F_SHA256] = {H_HASH, P_SHA256, 0},
	[F_FILENAME] = {H_CSTR, P_FILE_NAME, 0},
	[F_SIZE] = {H_SIZE, P_FILE_SIZE, 0},
	[F_MIME] = {H_CSTR, P_MIME, 0},
	[F_EMAIL] = {H_EMAIL, P_EMAIL, 1},
	[F_CERT_SUBJECT] = {H_CSTR, P_SUBJECT, 0},
	[F_CERT_ISSUER] = {H_CSTR, P_ISSUER, 0},
	[F_CERT_SERIAL] = {H_CSTR, P_SERIAL, 0},
	[F_CERT_SHA1] = {H_HASH, P_CERT_SHA1, 0},
	[F_CERT_SHA256] = {H_HASH, P_CERT_SHA256, 0},
	/* F_URL: with the URL built from host, port and uri, below */
};

/* 1 if a slot that field f's values go to has a key. */
static int wanted(const long key[P_NSLOTS], enum field f)
{
	const struct rule *u = &rules[f];
	int addr = key[P_IPV4] >= 0 || key[P_IPV6] >= 0;
	switch (u->how) {
	case H_NONE:
		return 0;
	case H_ADDR:
		return addr;
	case H_ANSWER:
		return addr || key[P_DOMAIN] >= 0;
	case H_HOST:
		return key[P_HOST_HEADER] >= 0 || key[P_DOMAIN] >= 0;
	default:
		return key[u->slot] >= 0;
	}
}

_Static_assert(F_NFIELDS <= 32, "a set of fields fits 32 bits");

struct probes {
	long key[P_NSLOTS]; /* the set's key for each slot, -1 if it has none */
	uint32_t wanted;    /* 1 << field: the fields some key wants */
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
	p->wanted = 0;
	for (int f = 0; f < F_NFIELDS; f++)
		if (wanted(p->key, (enum field)f))
			p->wanted |= 1u << f;
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
	return str(m, s, v, strlen(v));
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
	return cstr(m, strchr(v, ':') ? P_IPV6 : P_IPV4, v);
}

/* 1 if value v[0..n) of a field written the way u says gives a candidate. */
static int probe_value(const struct tp_match *m, const struct rule *u, const char *v, size_t n)
{
	char buf[HASH_TEXT_MAX];
	const char *a;
	size_t an;
	switch (u->how) {
	case H_ADDR:
		return address(m, v);
	case H_ANSWER:
		return address(m, v) || str(m, P_DOMAIN, v, n);
	case H_STR:
		return str(m, u->slot, v, n);
	case H_CSTR:
		return cstr(m, u->slot, v);
	case H_PORT:
		return num(m, u->slot, port_value(v));
	case H_SIZE:
		return num(m, u->slot, size_value(v));
	case H_HASH:
		return str(m, u->slot, buf, hash_text(v, buf));
	case H_METHOD:
		lower_copy(buf, v);
		return cstr(m, u->slot, buf);
	case H_HOST:
		an = host_name_len(v, n);
		return cstr(m, P_HOST_HEADER, v) || (an < 256 && str(m, P_DOMAIN, v, an));
	case H_EMAIL:
		return email_address(v, &a, &an) && str(m, u->slot, a, an);
	default:
		return 0;
	}
}

int probe_record(struct tp_match *m, const struct record *r)
{
	struct probes *p = m->probes;
	if (!p)
		return 1;
	uint32_t seen = 0; /* fields whose first value was probed */
	for (size_t i = 0; i < r->nv; i++) {
		enum field f = (enum field)r->v[i].field;
		const struct rule *u = &rules[f];
		if (!u->every) {
			if (seen & 1u << f)
				continue;
			seen |= 1u << f;
		}
		if (p->wanted & 1u << f && probe_value(m, u, record_str(r, i), r->v[i].len))
			return 1;
	}
	if (p->key[P_URL] < 0)
		return 0;
	const char *url;
	size_t n;
	enum tp_err e = record_url(r, &p->url, &url, &n);
	/* a URL too long for the buffer: the JSON path reports it */
	return e == TP_ENOTFOUND ? 0 : e != TP_OK || str(m, P_URL, url, n);
}
