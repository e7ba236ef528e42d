/*
 * Internals of the TAXII server shared by server.c (HTTP plumbing, auth,
 * logging), routes.c (the read endpoints) and ingest.c (POST objects).
 */
#ifndef TRIPACT_TAXII_INT_H
#define TRIPACT_TAXII_INT_H

#include <microhttpd.h>

#include "tripact/buf.h"
#include "tripact/taxii.h"

struct tp_taxii_server {
	struct tp_taxii_config cfg;
	struct MHD_Daemon *mhd;
	char *cert, *key; /* PEM text for TLS */
	unsigned port;
	char scheme[8];
	struct tp_stix_validator *validator; /* shared by every worker thread */
};

/* One request as the handlers see it. */
struct req {
	struct tp_taxii_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *url;
	struct tp_account acct;
	const char *body;
	size_t body_len;
	/* the TP_GRANT_* bits acct holds on the collection the URL names,
	 * once the router looked them up (have_bits) */
	unsigned bits;
	int have_bits;
};

/* The grant bits q's account holds on collection c (the router's when it
 * has them, else asked of the store). */
enum tp_err tp_taxii_access(const struct req *q, const struct tp_collection *c, unsigned *bits);

/* The response under construction. */
struct resp {
	unsigned status;
	struct tp_buf body;
	size_t sent;	   /* bytes of body handed to the connection */
	const char *ctype; /* static string */
	const char *allow; /* for 405 */
	int challenge;	   /* send WWW-Authenticate */
	char first[TP_TIME_BUFSZ], last[TP_TIME_BUFSZ];
};

/* Fills r with a TAXII error message resource; returns status. */
unsigned tp_taxii_error(struct resp *r, unsigned status, const char *title, const char *fmt, ...)
	TP_PRINTF(4, 5);

/* Sets r's body to the compact text of v (takes ownership of v). */
void tp_taxii_json(struct resp *r, unsigned status, json_t *v);

/* Dispatches an authenticated request. */
void tp_taxii_route(struct req *q, struct resp *r);

/* POST .../objects/: the envelope in q->body into collection c. */
void tp_taxii_ingest(struct req *q, struct resp *r, const struct tp_api_root *root,
		     const struct tp_collection *c);

/* "<type>--<uuid>" */
int tp_taxii_is_stix_id(const char *s, size_t n);

#endif
