/*
 * The TAXII 2.1 server of a tripact node (libmicrohttpd, thread pool) and
 * the request parsers it is built on, exposed for tests and fuzzing.
 *
 *	struct tp_taxii_config cfg = {.store = s, .listen = "127.0.0.1:9000",
 *				      .threads = 4, .default_tlp = TP_TLP_AMBER};
 *	struct tp_taxii_server *srv;
 *	if (tp_taxii_start(&cfg, &srv, &d) != TP_OK) ...
 *	// GET http://127.0.0.1:9000/taxii2/ with a Bearer token
 *	tp_taxii_stop(srv);
 *
 * URL layout (TAXII 2.1 section 4): /taxii2/ (discovery), /<root>/,
 * /<root>/status/<id>/, /<root>/collections/, /<root>/collections/<c>/,
 * .../objects/, .../objects/<id>/, .../objects/<id>/versions/,
 * .../manifest/. Every read goes through tp_tlp_may_read().
 */
#ifndef TRIPACT_TAXII_H
#define TRIPACT_TAXII_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"
#include "tripact/store.h"
#include "tripact/tlp.h"

#define TP_TAXII_MEDIA "application/taxii+json;version=2.1"
#define TP_STIX_MEDIA  "application/stix+json;version=2.1"

/* ---- content negotiation (RFC 9110 section 12.5.1) ---- */

enum tp_media {
	TP_MEDIA_NONE = 0,
	TP_MEDIA_TAXII = 1, /* application/taxii+json;version=2.1 */
	TP_MEDIA_STIX = 2,  /* application/stix+json;version=2.1 */
};

/*
 * Picks the response type for an Accept header among `allowed` (bits of
 * enum tp_media, TAXII preferred on ties). A type without a version
 * parameter means the newest (2.1); another version does not match;
 * application/ *, * / * and q-values work as in HTTP; q=0 refuses. A missing or
 * empty header accepts anything. TP_EUNSUPPORTED (HTTP 406) if nothing
 * acceptable is offered, TP_EPARSE if the header is malformed.
 */
enum tp_err tp_taxii_accept(const char *accept, unsigned allowed, enum tp_media *out) TP_MUST_CHECK;

/* Classifies a request Content-Type among `allowed`; TP_EUNSUPPORTED
 * (HTTP 415) for anything else, including another version. */
enum tp_err tp_taxii_content_type(const char *ct, unsigned allowed,
				  enum tp_media *out) TP_MUST_CHECK;

/* ---- filters (TAXII 2.1 section 3.4) ---- */

enum tp_filter_bits {
	TP_F_ADDED_AFTER = 1 << 0,
	TP_F_LIMIT = 1 << 1,
	TP_F_NEXT = 1 << 2,
	TP_F_ID = 1 << 3,
	TP_F_TYPE = 1 << 4,
	TP_F_VERSION = 1 << 5,
	TP_F_SPEC_VERSION = 1 << 6,
};

#define TP_TAXII_PAGE_DEFAULT 100
#define TP_TAXII_PAGE_MAX     1000

/* Parsed query parameters; owns copies of the values the query points to. */
struct tp_taxii_filter {
	struct tp_query q;
	char *strings[3 * TP_QUERY_MAX_VALUES];
	int n_strings;
};

void tp_taxii_filter_init(struct tp_taxii_filter *f);
void tp_taxii_filter_free(struct tp_taxii_filter *f);
/*
 * Adds one decoded query parameter. `allowed` (TP_F_* bits) says which
 * filters the endpoint takes; anything else, a malformed value or more
 * than TP_QUERY_MAX_VALUES values is TP_EINVAL with the reason in d
 * (HTTP 400).
 */
enum tp_err tp_taxii_filter_add(struct tp_taxii_filter *f, const char *key, const char *value,
				unsigned allowed, struct tp_diag *d) TP_MUST_CHECK;

/* `next` tokens: an opaque cursor (the date_added of the last row served). */
void tp_taxii_next_format(tp_time_us cursor, char out[24]);
enum tp_err tp_taxii_next_parse(const char *s, tp_time_us *out) TP_MUST_CHECK;

/* ---- what may be stored ---- */

struct tp_stix_validator;

/*
 * Checks objects[i] of an incoming envelope or bundle (borrowed) before it
 * is stored: first what the store itself relies on (a JSON object with a
 * STIX id whose prefix is its type, spec_version 2.1, readable
 * created/modified), then, when v is not NULL, every error check of the
 * STIX 2.1 validator (validate.h; warnings do not reject). TP_EVALIDATE
 * with "objects[i].<path>: <reason>" in d.
 */
enum tp_err tp_taxii_check_object(const struct tp_stix_validator *v, const json_t *o, size_t i,
				  struct tp_diag *d) TP_MUST_CHECK;

/*
 * The text of each element of the top-level "objects" list of text (an
 * envelope or bundle that tp_json_load accepted, len bytes), copied without
 * the whitespace between tokens into out (at least len bytes, caller's);
 * element i is out[spans[i].off .. +spans[i].len). TP_EINVAL unless the list
 * is found with exactly n elements (then the caller serialises instead).
 */
struct tp_taxii_span {
	size_t off, len;
};
enum tp_err tp_taxii_object_texts(const char *text, size_t len, size_t n, char *out,
				  struct tp_taxii_span *spans) TP_MUST_CHECK;

/* ---- the server ---- */

struct tp_taxii_config {
	struct tp_store *store;	   /* borrowed; must outlive the server */
	const char *listen;	   /* "host:port"; port 0 picks a free one */
	unsigned threads;	   /* worker threads (0: 4) */
	unsigned timeout;	   /* seconds of client silence before closing (0: 30) */
	size_t max_content_length; /* request body cap (0: 10 MiB) */
	enum tp_tlp default_tlp;   /* for unmarked objects (collections may override) */
	int64_t node_org;	   /* this node's organisation (0: none) */
	const char *title;	   /* discovery title (NULL: "tripact TAXII node") */
	const char *tls_cert;	   /* PEM file names; both or neither */
	const char *tls_key;
	/* Called once per request with an access log line (no newline). */
	void (*log)(void *ctx, const char *line);
	void *log_ctx;
};

struct tp_taxii_server;

/* Starts serving in background threads. *out: caller owns (tp_taxii_stop). */
enum tp_err tp_taxii_start(const struct tp_taxii_config *cfg, struct tp_taxii_server **out,
			   struct tp_diag *d) TP_MUST_CHECK;
/* The port actually bound. */
unsigned tp_taxii_port(const struct tp_taxii_server *srv);
/* Stops accepting, finishes running requests, frees srv. NULL is fine. */
void tp_taxii_stop(struct tp_taxii_server *srv);

#endif
