/*
 * The operation table a store back end fills in. struct tp_store is the
 * first member of every back end's own structure; the public functions in
 * store.c only dispatch. Contracts are those of include/tripact/store.h.
 */
#ifndef TRIPACT_STORE_BACKEND_H
#define TRIPACT_STORE_BACKEND_H

#include <pthread.h>

#include "tripact/store.h"
#include "tripact/uuid.h"

struct tp_store_ops {
	const char *name;
	void (*close)(struct tp_store *s);
	enum tp_err (*setting_get)(struct tp_store *s, const char *key, char **out);
	enum tp_err (*setting_set)(struct tp_store *s, const char *key, const char *value);
	enum tp_err (*org_add)(struct tp_store *s, const char *name, const char *title, int64_t *id,
			       struct tp_diag *d);
	enum tp_err (*org_find)(struct tp_store *s, const char *name, int64_t *id);
	enum tp_err (*org_remove)(struct tp_store *s, const char *name, struct tp_diag *d);
	/* pwhash: an Argon2id encoded string (account.c makes it) */
	enum tp_err (*user_add)(struct tp_store *s, const char *name, const char *org_name,
				const char *pwhash, int partner, struct tp_diag *d);
	enum tp_err (*user_set_hash)(struct tp_store *s, const char *name, const char *pwhash,
				     struct tp_diag *d);
	enum tp_err (*user_remove)(struct tp_store *s, const char *name, struct tp_diag *d);
	/* *pwhash: caller owns */
	enum tp_err (*user_get)(struct tp_store *s, const char *name, struct tp_account *a,
				char **pwhash);
	enum tp_err (*token_add)(struct tp_store *s, const char *user, const char *label,
				 const unsigned char hash[32], int64_t *id, struct tp_diag *d);
	enum tp_err (*token_revoke)(struct tp_store *s, int64_t id, struct tp_diag *d);
	enum tp_err (*token_get)(struct tp_store *s, const unsigned char hash[32],
				 struct tp_account *a);
	enum tp_err (*root_add)(struct tp_store *s, const char *name, const char *title,
				const char *description, int is_default, struct tp_diag *d);
	enum tp_err (*root_find)(struct tp_store *s, const char *name, struct tp_api_root *out);
	enum tp_err (*root_list)(struct tp_store *s, int (*fn)(void *, const struct tp_api_root *),
				 void *ctx);
	/* inserts only: store.c found the root and checked the rest (the
	 * uuid is the canonical one); TP_EEXIST for a taken id or alias */
	enum tp_err (*collection_add)(struct tp_store *s, int64_t root, const char *uuid,
				      const char *alias, const char *title, const char *description,
				      int default_tlp, struct tp_diag *d);
	enum tp_err (*collection_find)(struct tp_store *s, int64_t root, const char *key,
				       struct tp_collection *out);
	enum tp_err (*collection_list)(struct tp_store *s, int64_t root,
				       int (*fn)(void *, const struct tp_collection *), void *ctx);
	enum tp_err (*collection_remove)(struct tp_store *s, int64_t id, struct tp_diag *d);
	enum tp_err (*grant)(struct tp_store *s, int64_t collection, const char *user,
			     const char *org, unsigned bits, int revoke, struct tp_diag *d);
	enum tp_err (*access)(struct tp_store *s, const struct tp_account *a, int64_t collection,
			      unsigned *bits);
	/* optional: store.c does root_find, collection_find and access */
	enum tp_err (*collection_open)(struct tp_store *s, const char *root_name, const char *key,
				       const struct tp_account *a, struct tp_api_root *root,
				       struct tp_collection *c, unsigned *bits, int *found_root);
	enum tp_err (*list)(struct tp_store *s, const char *what,
			    void (*fn)(void *, const char *line), void *ctx);
	enum tp_err (*put_many)(struct tp_store *s, const struct tp_store_put *puts, size_t n,
				struct tp_store_put_result *res, struct tp_diag *d);
	enum tp_err (*query)(struct tp_store *s, const struct tp_query *q,
			     const struct tp_tlp_viewer *v, int with_body,
			     int (*fn)(void *, const struct tp_store_row *), void *ctx, int *more,
			     struct tp_diag *d);
	/* q is already the delete's query (store.c: every version by default) */
	enum tp_err (*delete_versions)(struct tp_store *s, const struct tp_query *q, const char *id,
				       const struct tp_tlp_viewer *v, int *count,
				       struct tp_diag *d);
	enum tp_err (*status_put)(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
				  const char *json);
	enum tp_err (*status_get)(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
				  char **json);
	enum tp_err (*peer_add)(struct tp_store *s, const struct tp_peer *p, struct tp_diag *d);
	enum tp_err (*peer_find)(struct tp_store *s, const char *name, struct tp_peer *out);
	enum tp_err (*peer_list)(struct tp_store *s, int (*fn)(void *, const struct tp_peer *),
				 void *ctx);
	enum tp_err (*peer_remove)(struct tp_store *s, const char *name, struct tp_diag *d);
	enum tp_err (*peer_set_cursors)(struct tp_store *s, int64_t id, const char *pull_cursor,
					tp_time_us push_cursor, struct tp_diag *d);
	enum tp_err (*count_added)(struct tp_store *s, int64_t collection, tp_time_us after,
				   tp_time_us upto, int64_t not_origin, int64_t *count,
				   tp_time_us *last);
	enum tp_err (*id_known)(struct tp_store *s, int64_t collection, const char *id, int *known);
	/* optional (NULL): see tp_store_read_begin() */
	void (*read_begin)(struct tp_store *s);
	void (*read_end)(struct tp_store *s);
};

#define TP_LOGIN_CACHE 64

/* A password that passed Argon2id recently, remembered by the SHA-256 of
 * (name, password) next to the hash it matched: a changed or removed
 * password no longer matches, so revocation stays immediate. */
struct tp_login_memo {
	unsigned char key[32];
	char pwhash[160];
};

struct tp_store {
	const struct tp_store_ops *ops;
	pthread_mutex_t login_mu;
	struct tp_login_memo login[TP_LOGIN_CACHE];
};

/* The SQLite back end: opens <dir>/tripact.db. */
enum tp_err tp_store_sqlite_open(const char *dir, struct tp_store **out, struct tp_diag *d);
/* The PostgreSQL back end: url is a libpq connection URI (postgres://...). */
enum tp_err tp_store_pg_open(const char *url, struct tp_store **out, struct tp_diag *d);

/* Names of organisations, users, API roots, aliases and peers: 1 to 100
 * letters, digits and - _ . @ (they appear in URLs and listings). */
enum tp_err tp_store_check_name(const char *name, const char *what, struct tp_diag *d);
/* Checks a new collection's uuid (NULL: a v4 id is made), alias and title;
 * idbuf receives the id in canonical form. */
enum tp_err tp_store_collection_check(const char *uuid, const char *alias, const char *title,
				      char idbuf[TP_UUID_STRLEN + 1], struct tp_diag *d);
/* Clears r, then gives object o its date_added (after last, the
 * collection's latest) and version (modified, else created, else
 * date_added). 0 with r->err and r->message set if o cannot be stored. */
int tp_store_put_stamps(const json_t *o, tp_time_us last, tp_time_us *added, tp_time_us *version,
			struct tp_store_put_result *r);

#endif
