/*
 * The match module's private view. Every reader turns a line of its format
 * into one `struct record`: a log name, a time and a list of values, each
 * tagged with a field of the small vocabulary below (what the STIX mapping
 * needs, nothing else). observe.c maps a record to SCOs without knowing
 * where it came from.
 */
#ifndef TP_MATCH_INT_H
#define TP_MATCH_INT_H

#include <stdint.h>

#include "tripact/buf.h"
#include "tripact/match.h"

enum field {
	F_SRC, /* originator address */
	F_DST,
	F_SRC_PORT,
	F_DST_PORT,
	F_PROTO,  /* transport: tcp, udp, icmp */
	F_QUERY,  /* DNS query name */
	F_ANSWER, /* DNS answer: address or name */
	F_HOST,	  /* HTTP Host */
	F_URI,	  /* HTTP request URI */
	F_URL,	  /* a whole URL (jsonl) */
	F_METHOD,
	F_USER_AGENT,
	F_SNI, /* TLS server name */
	F_MD5,
	F_SHA1,
	F_SHA256,
	F_FILENAME,
	F_SIZE,
	F_MIME,
	F_EMAIL, /* sender or recipient, "Name <a@b>" accepted */
	F_CERT_SUBJECT,
	F_CERT_ISSUER,
	F_CERT_SERIAL,
	F_CERT_SHA1,
	F_CERT_SHA256,
	F_DOMAIN,    /* any other domain name (jsonl) */
	F_HTTP_PORT, /* the server's port of an HTTP exchange (EVE http.http_port) */
	F_TS,	     /* only in the tables: the record's time goes to record.ts */
	F_NFIELDS
};

/* The field's name on the command line (--map), NULL past the end. */
const char *field_name(enum field f);
/* -1 if name is no field. */
int field_of(const char *name);

#define REC_MAX_VALUES 256

struct value {
	uint8_t field;
	uint32_t off, len; /* in record.text */
};

struct record {
	char log[32];  /* "conn", "dns", ... ("" unknown) */
	tp_time_us ts; /* 0: unknown */
	long line;
	struct value v[REC_MAX_VALUES];
	size_t nv;
	size_t dropped; /* values beyond REC_MAX_VALUES */
	struct tp_buf text;
};

void record_reset(struct record *r);
/* Adds a value (copied); values past the cap are counted in dropped. */
enum tp_err record_add(struct record *r, enum field f, const char *s, size_t n) TP_MUST_CHECK;
static inline const char *record_str(const struct record *r, size_t i)
{
	return r->text.data + r->v[i].off;
}
/* The first value of field f, or NULL. */
const char *record_get(const struct record *r, enum field f, size_t *len);

/* The last second a STIX timestamp can hold (9999-12-31T23:59:59Z): a
 * record time past it could not be written into a sighting. */
#define TS_MAX_SECONDS 253402300799LL
/* "1588206738.095510" (epoch seconds) -> microseconds; -1 if malformed
 * or past TS_MAX_SECONDS. */
int parse_epoch(const char *s, size_t n, tp_time_us *out);
/* The field a Zeek column of log `log` feeds, or -1 (zeek_fields.c). */
int zeek_field(const char *log, const char *column, size_t len);

/* ---- readers: one line in, one record out (0 = record, 1 = no record,
 * e.g. a header; an error fills d->message) ---- */

struct zeek_tsv; /* header state of one TSV input */
enum tp_err zeek_tsv_new(struct zeek_tsv **out) TP_MUST_CHECK;
void zeek_tsv_free(struct zeek_tsv *z);
enum tp_err zeek_tsv_line(struct zeek_tsv *z, char *line, size_t len, struct record *r, int *got,
			  struct tp_diag *d) TP_MUST_CHECK;

struct json_map {
	int field;
	char *key; /* dotted path */
};
/* JSON readers: log is the file's log name when the line has none. */
enum tp_err json_line(enum tp_match_format f, const char *line, size_t len, const char *file_log,
		      const struct json_map *map, size_t nmap, struct record *r,
		      struct tp_diag *d) TP_MUST_CHECK;
/* The format of an input from its first non-blank line. */
enum tp_match_format detect_format(const char *line, size_t len);

/* ---- mapping ---- */

/* Kinds of SCO observe() makes; a set of them says which to make. */
enum sco_kind {
	S_ADDR = 1 << 0, /* ipv4-addr, ipv6-addr */
	S_NT = 1 << 1,	 /* network-traffic */
	S_DOMAIN = 1 << 2,
	S_URL = 1 << 3,
	S_FILE = 1 << 4,
	S_X509 = 1 << 5,
	S_EMAIL = 1 << 6,
};

/* The kinds a pattern can look at (referenced objects included):
 * "[network-traffic:dst_ref.value = '10.0.0.1']" -> S_NT | S_ADDR. */
unsigned pattern_needs(const char *pattern);

struct ids {
	int stable;    /* 1: deterministic STIX ids; 0: cheap unique ones */
	unsigned need; /* enum sco_kind set to make; 0: all */
	uint64_t next;
	struct tp_buf url; /* scratch, reused: caller inits and frees */
};
/*
 * Appends the record's SCOs to objs (caller's array) and their ids to refs
 * (the observed-data's object_refs), refs[i] naming objs[i]. With
 * ids->stable 0 the ids are "0", "1", ... (keys of an objects dictionary)
 * and the SCOs carry none. TP_ENOTFOUND when it has none.
 */
enum tp_err observe(const struct record *r, struct ids *ids, json_t *objs,
		    json_t *refs) TP_MUST_CHECK;
/*
 * The same SCOs put straight into dict (caller's object) under their ids,
 * the `objects` dictionary an observed-data can carry: no arrays to copy.
 * Only with ids->stable 0 (else TP_EINVAL). TP_ENOTFOUND when it has none.
 */
enum tp_err observe_objects(const struct record *r, struct ids *ids, json_t *dict) TP_MUST_CHECK;

/* Values as observe() writes them, shared with the probes (probe.c). */

/* The port s gives, -1 if s is NULL or not a port. */
long port_value(const char *s);
/* The port in the first value of f, -1 if none or not a port. */
long record_port(const struct record *r, enum field f);
/* s cut to 31 bytes and lower-cased (a method, a protocol). */
void lower_copy(char out[32], const char *s);
/* The length of the name in a Host header ("a.example:8080" -> 9). */
size_t host_name_len(const char *host, size_t hn);
/* The record's url: F_URL as given, else built from host, port and uri
 * like Zeek (in b, caller's scratch). TP_ENOTFOUND when it has none. */
enum tp_err record_url(const struct record *r, struct tp_buf *b, const char **url,
		       size_t *n) TP_MUST_CHECK;
/* The file size s gives (F_SIZE), -1 if s is NULL or not a size. */
long long size_value(const char *s);
/* "Name <a@b.example>" -> "a@b.example" (*addr, *n); 0 if it has no '@'. */
int email_address(const char *s, const char **addr, size_t *n);
/* Hash values as Suricata writes them ("aa:bb:..") lose their colons;
 * cut to HASH_TEXT_MAX - 1 bytes. The length. */
#define HASH_TEXT_MAX 160
size_t hash_text(const char *s, char out[HASH_TEXT_MAX]);

/* ---- indicators ---- */

/* The most records an indicator's window keeps (window.c). */
#define WINDOW_MAX	1024
#define WINDOW_MAX_TEXT "1024"

/*
 * 0: one observation expression without qualifiers, matched record by
 * record; 1: several, or qualifiers, matched over a window of records;
 * -1: neither, *why says why (static).
 */
int pattern_shape(const char *pattern, const char **why);
/* The next [..] block at depth 0 from s on, or NULL; its length. */
const char *pattern_block(const char *s);
size_t pattern_block_len(const char *block);

/* The deterministic identity id `tripact import` gives name. */
void identity_id(const char *name, char out[96]);
/* A deterministic v4-form id "<type>--<uuid>" over name (convert's namespace). */
void named_id(const char *type, const char *name, size_t len, char out[96]);

#endif
