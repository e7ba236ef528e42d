/*
 * Node-to-node sync over TAXII 2.1: a tripact node pulls a partner node's
 * collection into one of its own and pushes one of its own to the partner,
 * with the sharing policy (docs/sharing-policy.md) applied to every copy.
 * docs/sync.md tells the whole story; peers live in the store
 * (tp_store_peer_*).
 *
 *	struct tp_peer p;
 *	tp_store_peer_find(s, "jp", &p);
 *	struct tp_sync_stats st = {0};
 *	struct tp_sync_options o = {.timeout = 60};
 *	if (tp_sync_peer(s, &p, &o, &st, &d) != TP_OK) ... // d names peer, URL, HTTP status
 *	// st.pulled, st.pushed, st.skipped_tlp
 *
 * Pull: GET objects/?added_after=<pull cursor>&match[version]=all, page by
 * page; each page is checked like a POST, stored as posted by the peer's
 * local partner-node account, then the cursor (the page's
 * X-TAXII-Date-Added-Last) is saved. A crash re-fetches at most one page,
 * which the store's version rules make harmless.
 * Push: the local versions added after the push cursor that the peer's
 * account may read here (tp_store_query with its viewer), except those
 * that originated in the peer's own organisation, POSTed in envelopes under
 * the peer's max_content_length; the cursor moves only over what the peer
 * accepted.
 */
#ifndef TRIPACT_SYNC_H
#define TRIPACT_SYNC_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/buf.h"
#include "tripact/error.h"
#include "tripact/store.h"
#include "tripact/time.h"

/* ---- the pieces that need no network (unit-tested) ---- */

/* Bytes of an envelope around its objects: {"objects":[ ... ]} */
#define TP_SYNC_ENVELOPE_OVERHEAD 14

/* How many of the n leading objects (lens[i] bytes of JSON text each) fit
 * together in one envelope of at most max bytes; 0 when the first alone
 * does not fit. */
size_t tp_sync_envelope_fit(const size_t *lens, size_t n, size_t max);

/* Appends {"objects":[texts[0],...,texts[n-1]]} to b. */
enum tp_err tp_sync_envelope_write(struct tp_buf *b, const char *const *texts, const size_t *lens,
				   size_t n) TP_MUST_CHECK;

/* Checks a peer's X-TAXII-Date-Added-Last (NULL: missing) and copies it to
 * out as the next pull cursor. TP_EPARSE unless an RFC 3339 UTC time. */
enum tp_err tp_sync_pull_cursor(const char *header, char out[TP_TIME_BUFSZ]) TP_MUST_CHECK;

/* The push cursor after a round that went through every version up to
 * upto: upto when the peer accepted them all, else just before the
 * earliest refused one (first_refused, a local date_added; 0: none), never
 * behind old. */
tp_time_us tp_sync_push_cursor(tp_time_us old, tp_time_us upto, tp_time_us first_refused);

/* Checks a peer's API root URL: http:// or https://, a host, ending in '/'. */
enum tp_err tp_sync_url_check(const char *url, struct tp_diag *d) TP_MUST_CHECK;

/* ---- one sync round ---- */

struct tp_sync_options {
	long timeout; /* seconds per HTTP request (0: 60) */
	int page;     /* objects per GET page (0: 1000) */
	/* Called with one line per object the peer refused or that was
	 * rejected on pull (no newline). May be NULL. */
	void (*problem)(void *ctx, const char *line);
	void *ctx;
};

struct tp_sync_stats {
	size_t pulled;	     /* versions stored here that were new */
	size_t pulled_known; /* versions received that were already here */
	size_t rejected;     /* received objects that failed the checks */
	size_t pushed;	     /* versions the peer accepted */
	size_t refused;	     /* versions the peer refused */
	size_t skipped_tlp;  /* versions the peer's account may not read here */
	size_t not_echoed;   /* versions from the peer's own organisation */
};

/*
 * Pulls then pushes (as p->mode says) collection p->collection with peer p.
 * Stops at the first transport or HTTP error, with d naming the peer, the
 * URL, the HTTP status and the peer's error title and description; the
 * cursors then cover exactly what was stored or accepted before it.
 * Per-object problems go to o->problem and make the result TP_EVALIDATE
 * once the round is over.
 */
enum tp_err tp_sync_peer(struct tp_store *s, const struct tp_peer *p,
			 const struct tp_sync_options *o, struct tp_sync_stats *st,
			 struct tp_diag *d) TP_MUST_CHECK;

#endif
