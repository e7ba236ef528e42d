/*
 * The node's store: STIX objects (every version), and the accounts,
 * organisations, API roots, collections, grants, tokens and status
 * resources of a TAXII node. One interface, several back ends: SQLite is the
 * embedded default (one file, <data>/tripact.db, WAL mode); a PostgreSQL
 * back end fills in the same operation table (src/store/backend.h).
 *
 *	struct tp_store *s;
 *	struct tp_diag d = {0};
 *	if (tp_store_open("/var/lib/tripact", &s, &d) != TP_OK) ...
 *	int64_t org;
 *	tp_store_org_add(s, "jp-nisc", "NISC Japan", &org, &d);
 *	...
 *	tp_store_close(s);
 *
 * A store is safe to share between threads: each call borrows one of a
 * small pool of database connections. Every read of objects takes a
 * struct tp_tlp_viewer and applies tp_tlp_may_read() inside the query, so a
 * withheld object never reaches the caller, its counts or its cursors.
 */
#ifndef TRIPACT_STORE_H
#define TRIPACT_STORE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"
#include "tripact/time.h"
#include "tripact/tlp.h"

struct tp_store;

/* Opens (creating if needed) the store in directory dir, or, when dir is a
 * postgres:// or postgresql:// URI, in that PostgreSQL database (its
 * tables are created on first open). *out: caller owns. */
enum tp_err tp_store_open(const char *dir, struct tp_store **out, struct tp_diag *d) TP_MUST_CHECK;
void tp_store_close(struct tp_store *s);

/* ---- node settings ---- */

/* Node-wide settings kept in the store (key/value text). *out: caller owns
 * (free()); TP_ENOTFOUND if unset. */
enum tp_err tp_store_setting_get(struct tp_store *s, const char *key, char **out) TP_MUST_CHECK;
enum tp_err tp_store_setting_set(struct tp_store *s, const char *key,
				 const char *value) TP_MUST_CHECK;

/* ---- organisations, users, tokens ---- */

enum tp_err tp_store_org_add(struct tp_store *s, const char *name, const char *title, int64_t *id,
			     struct tp_diag *d) TP_MUST_CHECK;
/* The id of organisation `name`, TP_ENOTFOUND if none. */
enum tp_err tp_store_org_find(struct tp_store *s, const char *name, int64_t *id) TP_MUST_CHECK;
/* Fails with TP_ECONFLICT while users still belong to it. */
enum tp_err tp_store_org_remove(struct tp_store *s, const char *name,
				struct tp_diag *d) TP_MUST_CHECK;

/* An authenticated account. */
struct tp_account {
	int64_t user;
	int64_t org;
	int partner; /* a partner node's account: what it posts is "from partner" */
	char name[128];
	char org_name[128];
};

/* Adds a user of organisation org_name; the password is hashed with
 * Argon2id (never stored). partner: the account of a partner node. */
enum tp_err tp_store_user_add(struct tp_store *s, const char *name, const char *org_name,
			      const char *password, int partner, struct tp_diag *d) TP_MUST_CHECK;
enum tp_err tp_store_user_passwd(struct tp_store *s, const char *name, const char *password,
				 struct tp_diag *d) TP_MUST_CHECK;
/* Removes the user with its tokens and grants. */
enum tp_err tp_store_user_remove(struct tp_store *s, const char *name,
				 struct tp_diag *d) TP_MUST_CHECK;
/* The account of user name, TP_ENOTFOUND if none. */
enum tp_err tp_store_user_find(struct tp_store *s, const char *name,
			       struct tp_account *out) TP_MUST_CHECK;
/* Checks a password: TP_EAUTH if the user is unknown or the password wrong. */
enum tp_err tp_store_login(struct tp_store *s, const char *name, const char *password,
			   struct tp_account *out) TP_MUST_CHECK;

#define TP_TOKEN_LEN 43 /* 32 random bytes, base64url without padding */
/* Creates an API token for user; token (TP_TOKEN_LEN + 1 bytes) receives it
 * once; only its SHA-256 is stored. *id: the token's number (for revoke). */
enum tp_err tp_store_token_create(struct tp_store *s, const char *user, const char *label,
				  char *token, int64_t *id, struct tp_diag *d) TP_MUST_CHECK;
enum tp_err tp_store_token_revoke(struct tp_store *s, int64_t id, struct tp_diag *d) TP_MUST_CHECK;
/* TP_EAUTH if token is not a live token. */
enum tp_err tp_store_token_check(struct tp_store *s, const char *token,
				 struct tp_account *out) TP_MUST_CHECK;

/* ---- API roots, collections, grants ---- */

struct tp_api_root {
	int64_t id;
	char name[64]; /* the URL path segment */
	char title[256];
	char description[512];
	int is_default;
};

struct tp_collection {
	int64_t id;	/* internal number */
	int64_t root;	/* its API root */
	char uuid[40];	/* the TAXII collection id */
	char alias[64]; /* "" if none */
	char title[256];
	char description[512];
	int default_tlp; /* enum tp_tlp for unmarked objects, -1: the node's */
};

enum tp_err tp_store_root_add(struct tp_store *s, const char *name, const char *title,
			      const char *description, int is_default,
			      struct tp_diag *d) TP_MUST_CHECK;
enum tp_err tp_store_root_find(struct tp_store *s, const char *name,
			       struct tp_api_root *out) TP_MUST_CHECK;
/* Calls fn for every API root in name order; stops early if fn returns non-zero. */
enum tp_err tp_store_root_list(struct tp_store *s, int (*fn)(void *, const struct tp_api_root *),
			       void *ctx) TP_MUST_CHECK;

/* Adds a collection under root_name. uuid may be NULL (a v4 id is made);
 * default_tlp: level of its unmarked objects, -1 for the node's default.
 * The collection actually created is copied to *out (may be NULL). */
enum tp_err tp_store_collection_add(struct tp_store *s, const char *root_name, const char *uuid,
				    const char *alias, const char *title, const char *description,
				    int default_tlp, struct tp_collection *out,
				    struct tp_diag *d) TP_MUST_CHECK;
/* Finds a collection of root by uuid or alias (root 0: any root). */
enum tp_err tp_store_collection_find(struct tp_store *s, int64_t root, const char *key,
				     struct tp_collection *out) TP_MUST_CHECK;
enum tp_err tp_store_collection_list(struct tp_store *s, int64_t root,
				     int (*fn)(void *, const struct tp_collection *),
				     void *ctx) TP_MUST_CHECK;
/* Removes a collection with its objects and grants. */
enum tp_err tp_store_collection_remove(struct tp_store *s, int64_t id,
				       struct tp_diag *d) TP_MUST_CHECK;

enum { TP_GRANT_READ = 1, TP_GRANT_WRITE = 2 };

/* Grants (or with revoke, takes away) bits of TP_GRANT_* on a collection to
 * a user (user != NULL) or a whole organisation (org != NULL). */
enum tp_err tp_store_grant(struct tp_store *s, int64_t collection, const char *user,
			   const char *org, unsigned bits, int revoke,
			   struct tp_diag *d) TP_MUST_CHECK;
/* The TP_GRANT_* bits an account holds on a collection (its own and its
 * organisation's). */
enum tp_err tp_store_access(struct tp_store *s, const struct tp_account *a, int64_t collection,
			    unsigned *bits) TP_MUST_CHECK;

/* What a request for a collection needs first: the API root named
 * root_name, its collection with uuid or alias key, and the TP_GRANT_*
 * bits account a holds on it (tp_store_root_find, _collection_find and
 * _access in one go: one round trip on PostgreSQL). TP_ENOTFOUND when
 * the root or the collection is not there (*found_root says which). */
enum tp_err tp_store_collection_open(struct tp_store *s, const char *root_name, const char *key,
				     const struct tp_account *a, struct tp_api_root *root,
				     struct tp_collection *c, unsigned *bits,
				     int *found_root) TP_MUST_CHECK;

/* Calls fn for each line of a human-readable listing of `what` ("orgs",
 * "users", "tokens", "roots", "collections", "grants"). */
enum tp_err tp_store_list(struct tp_store *s, const char *what,
			  void (*fn)(void *, const char *line), void *ctx) TP_MUST_CHECK;

/* ---- objects ---- */

/* One object to store. */
struct tp_store_put {
	int64_t collection;
	const json_t *object; /* borrowed; must have type and id */
	int64_t origin;	      /* originating organisation */
	int from_partner;
	enum tp_tlp default_tlp; /* for unmarked objects */
	/* Optional, borrowed: `object` as compact JSON text (json_len bytes,
	 * no NUL needed), stored and served as is. NULL: the store writes the
	 * text itself from `object`. */
	const char *json;
	size_t json_len;
};

/* What happened to one put. */
struct tp_store_put_result {
	enum tp_err err; /* TP_OK (stored or already present) or why not */
	int duplicate;	 /* that version was already in the collection */
	tp_time_us date_added;
	tp_time_us version;
	enum tp_tlp tlp;
	char message[256];
};

/*
 * Stores n objects in one transaction (all-or-nothing for database errors;
 * per-object problems are reported in res[i] and do not stop the others).
 * date_added is unique and strictly increasing within a collection. The
 * version of an object is its modified, else created, else date_added.
 * Marking definitions are stored first, so objects of the same batch that
 * reference them get the right TLP; objects stored earlier as RED because of
 * an unknown marking are re-evaluated when its definition arrives.
 */
enum tp_err tp_store_put_many(struct tp_store *s, const struct tp_store_put *puts, size_t n,
			      struct tp_store_put_result *res, struct tp_diag *d) TP_MUST_CHECK;

enum tp_version_sel {
	TP_VERSION_LAST = 1,
	TP_VERSION_FIRST = 2,
	TP_VERSION_ALL = 4,
};

#define TP_QUERY_MAX_VALUES 64

/* A TAXII filter set. Unset members select everything. */
struct tp_query {
	int64_t collection;
	tp_time_us added_after; /* 0: none */
	tp_time_us cursor;	/* from a `next` token; 0: none */
	int limit;		/* rows wanted (1..) */
	const char *ids[TP_QUERY_MAX_VALUES];
	int n_ids;
	const char *types[TP_QUERY_MAX_VALUES];
	int n_types;
	const char *spec_versions[TP_QUERY_MAX_VALUES];
	int n_spec_versions;
	unsigned versions;			/* TP_VERSION_* bits; 0 means LAST */
	tp_time_us stamps[TP_QUERY_MAX_VALUES]; /* match[version]=<timestamp> */
	int n_stamps;
};

/* One row returned by a query; every pointer is borrowed for the callback. */
struct tp_store_row {
	tp_time_us date_added;
	tp_time_us version;
	const char *id;
	const char *type;
	const char *spec_version;
	const char *json; /* the object as stored */
	size_t json_len;
	int64_t origin; /* originating organisation */
};

/*
 * Until tp_store_read_end(), the calling thread's reads of s share one read
 * transaction: one snapshot, one acquisition of the database's locks
 * instead of one per call. For requests that only read (the server wraps
 * each GET in it); no writes in between. Does nothing when the back end
 * has no use for it or a read section is already open on this thread.
 */
void tp_store_read_begin(struct tp_store *s);
void tp_store_read_end(struct tp_store *s);

/*
 * Runs q for viewer v, in date_added order, calling fn for at most q->limit
 * rows; *more is 1 when further visible rows exist. Withheld rows are
 * skipped inside the database: they are not counted and never reach fn.
 * with_body: 0 to skip loading the JSON text (manifests, versions).
 */
enum tp_err tp_store_query(struct tp_store *s, const struct tp_query *q,
			   const struct tp_tlp_viewer *v, int with_body,
			   int (*fn)(void *, const struct tp_store_row *), void *ctx, int *more,
			   struct tp_diag *d) TP_MUST_CHECK;

/* Deletes the versions of object id selected by q (ids/types ignored) that
 * v may see; *count receives how many. */
enum tp_err tp_store_delete(struct tp_store *s, const struct tp_query *q, const char *id,
			    const struct tp_tlp_viewer *v, int *count,
			    struct tp_diag *d) TP_MUST_CHECK;

/* ---- status resources ---- */

/* Stores a status resource (JSON text, borrowed) owned by user. */
enum tp_err tp_store_status_put(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
				const char *json) TP_MUST_CHECK;
/* *json: caller owns (free()); TP_ENOTFOUND unless it exists under root
 * and belongs to user. */
enum tp_err tp_store_status_get(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
				char **json) TP_MUST_CHECK;

/* ---- partner nodes this node syncs with (tripact sync, docs/sync.md) ---- */

enum { TP_PEER_PULL = 1, TP_PEER_PUSH = 2 };

struct tp_peer {
	int64_t id;
	char name[64];
	char url[512];		     /* the remote API root, ending in '/' */
	char remote_collection[128]; /* its id or alias there */
	int64_t collection;	     /* the local collection */
	char collection_key[64];     /* its alias, else its id (filled by find/list) */
	char as_user[128];	     /* the local partner-node account standing for the peer */
	unsigned mode;		     /* TP_PEER_PULL | TP_PEER_PUSH bits */
	char token_file[1024];	     /* Bearer token read from this file, or ... */
	char login[128];	     /* ... Basic login and password */
	char password[256];
	char ca_file[1024]; /* "" : the system's CAs */
	char pull_cursor[TP_TIME_BUFSZ]; /* the peer's X-TAXII-Date-Added-Last, "" : none */
	tp_time_us push_cursor;		 /* local date_added pushed up to, 0 : none */
};

/* Adds peer p (id, collection_key and the cursors are ignored; as_user must
 * name an existing user). TP_EEXIST if the name is taken. */
enum tp_err tp_store_peer_add(struct tp_store *s, const struct tp_peer *p,
			      struct tp_diag *d) TP_MUST_CHECK;
/* TP_ENOTFOUND if there is no peer name. */
enum tp_err tp_store_peer_find(struct tp_store *s, const char *name,
			       struct tp_peer *out) TP_MUST_CHECK;
/* Calls fn for every peer in name order; stops early if fn returns non-zero. */
enum tp_err tp_store_peer_list(struct tp_store *s, int (*fn)(void *, const struct tp_peer *),
			       void *ctx) TP_MUST_CHECK;
enum tp_err tp_store_peer_remove(struct tp_store *s, const char *name,
				 struct tp_diag *d) TP_MUST_CHECK;
/* Saves the cursors of peer id: pull_cursor NULL keeps it, push_cursor < 0
 * keeps it. */
enum tp_err tp_store_peer_set_cursors(struct tp_store *s, int64_t id, const char *pull_cursor,
				      tp_time_us push_cursor, struct tp_diag *d) TP_MUST_CHECK;

/* Versions stored in collection with after < date_added <= upto whose
 * origin is not not_origin, whoever may read them, in *count; *last: the
 * collection's latest date_added (0 if empty). Either may be NULL. */
enum tp_err tp_store_count_added(struct tp_store *s, int64_t collection, tp_time_us after,
				 tp_time_us upto, int64_t not_origin, int64_t *count,
				 tp_time_us *last) TP_MUST_CHECK;

/* *known: 1 if collection holds any version of object id, whoever may
 * read it. */
enum tp_err tp_store_id_known(struct tp_store *s, int64_t collection, const char *id,
			      int *known) TP_MUST_CHECK;

#endif
