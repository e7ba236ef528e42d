/*
 * Internals of sync shared by http.c (the libcurl client), remote.c (what
 * the peer's API root and collection say), pull.c, push.c and sync.c.
 */
#ifndef TRIPACT_SYNC_INT_H
#define TRIPACT_SYNC_INT_H

#include <curl/curl.h>
#include <jansson.h>

#include "tripact/sync.h"
#include "tripact/validate.h"

/* Largest response body accepted from a peer. */
#define SYNC_BODY_MAX ((size_t)512 << 20)

/* A libcurl handle set up for one peer: its credentials, CA, timeout. */
struct http {
	CURL *curl;
	const struct tp_peer *peer;
	struct curl_slist *get_headers, *post_headers;
	char error[CURL_ERROR_SIZE];
};

struct reply {
	long status;
	struct tp_buf body;
	char added_last[TP_TIME_BUFSZ + 8]; /* X-TAXII-Date-Added-Last, "" if none */
	int too_big;			    /* the body went over SYNC_BODY_MAX */
};

enum tp_err http_open(struct http *h, const struct tp_peer *p, long timeout, struct tp_diag *d);
void http_close(struct http *h);
void reply_init(struct reply *r);
void reply_free(struct reply *r);
/*
 * GET url (body NULL) or POST body (an envelope) to url, then parse the
 * reply's JSON into *json (caller owns) when json is not NULL. Any
 * transport error or a status other than want is an error naming the peer,
 * the method, the URL, the status and the peer's TAXII error title and
 * description.
 */
enum tp_err http_call(struct http *h, const char *url, const char *body, size_t len, long want,
		      struct reply *r, json_t **json, struct tp_diag *d);

/* The peer's side: what its API root and collection allow. */
struct remote {
	char objects_url[1024];	 /* .../collections/<id>/objects/ */
	char manifest_url[1024]; /* .../collections/<id>/manifest/ */
	char status_url[1024];	 /* .../status/ */
	size_t max_content_length;
	int can_read, can_write;
};

/* Reads the API root and finds p->remote_collection (id or alias) there;
 * checks it may be read (pull) and written (push). */
enum tp_err remote_open(struct http *h, const struct tp_peer *p, struct remote *out,
			struct tp_diag *d);

/* What both directions need from the local side. */
struct local {
	struct tp_store *store;
	const struct tp_peer *peer;
	struct tp_account as; /* the peer's local partner-node account */
	unsigned as_bits;     /* its grants on the collection */
	enum tp_tlp default_tlp;
	int64_t node_org;
	const struct tp_sync_options *opt;
	struct tp_sync_stats *st;
};

/* Hands a per-object problem line to the caller's hook. */
void sync_problem(const struct local *l, const char *fmt, ...) TP_PRINTF(2, 3);

enum tp_err sync_pull(struct local *l, struct http *h, const struct remote *rm, struct tp_diag *d);
enum tp_err sync_push(struct local *l, struct http *h, const struct remote *rm, struct tp_diag *d);

#endif
