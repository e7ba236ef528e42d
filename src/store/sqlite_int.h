/*
 * Internals shared by the SQLite back end's files (sqlite.c: connections,
 * settings, organisations, users, tokens; sqlite_collections.c: API roots,
 * collections, grants, listings, statuses; sqlite_objects.c: objects). Not
 * part of the public interface.
 */
#ifndef TRIPACT_SQLITE_INT_H
#define TRIPACT_SQLITE_INT_H

#include <pthread.h>
#include <sqlite3.h>

#include "backend.h"

#define POOL_MAX   16
#define STMT_CACHE 24

struct stmt_slot {
	char *sql;
	sqlite3_stmt *st;
};

/* Frames in the write-ahead log before a writer, after its commit and with
 * the write lock released, copies them back into the database. */
#define CHECKPOINT_PAGES 4000

struct conn {
	sqlite3 *db;
	struct stmt_slot cache[STMT_CACHE];
	unsigned next_evict;
	int wal_pages; /* frames in the log after this connection's last commit */
};

struct sq {
	struct tp_store base;
	char *path;
	pthread_mutex_t mu;
	/* Writers of this process queue here rather than in SQLite's busy
	 * handler, which sleeps (1, 2, 5, 10 ms...) between retries. */
	pthread_mutex_t write_mu;
	pthread_mutex_t checkpoint_mu;
	struct conn *idle[POOL_MAX];
	int n_idle;
};

#define SQ(s) ((struct sq *)(s))

/* Borrows a connection (opening one if the pool is empty); NULL on failure. */
struct conn *sq_take(struct sq *q, struct tp_diag *d);
/* Returns a connection to the pool. */
void sq_give(struct sq *q, struct conn *c);
/* A cached prepared statement, reset and unbound; NULL on error. */
sqlite3_stmt *sq_prep(struct conn *c, const char *sql);
/* Takes the process's write lock, then BEGIN IMMEDIATE. */
enum tp_err sq_write_begin(struct sq *q, struct conn *c, struct tp_diag *d);
/* COMMIT when e is TP_OK (returning the COMMIT's error if any), else
 * ROLLBACK; releases the write lock, then checkpoints if the log is long. */
enum tp_err sq_write_end(struct sq *q, struct conn *c, enum tp_err e, struct tp_diag *d);
/* Maps the connection's last error to a tp_err (TP_EEXIST for UNIQUE). */
enum tp_err sq_db_err(sqlite3 *db, struct tp_diag *d, const char *what);

/* ---- helpers shared by the back end's files (defined in sqlite.c) ---- */

/*
 * One-statement writes: binds args[0..n) (NULL when is_null, text when s
 * is not NULL, else the integer), runs the statement and maps errors.
 * *changes and *rowid (either may be NULL) receive the rows changed and the
 * last rowid inserted.
 */
struct arg {
	const char *s;
	int64_t i;
	int is_null;
};

#define A_S(x)                                                                                     \
	{                                                                                          \
		.s = (x)                                                                           \
	}
#define A_I(x)                                                                                     \
	{                                                                                          \
		.i = (x)                                                                           \
	}

enum tp_err sq_exec1(struct tp_store *s, const char *sql, const struct arg *args, int n,
		     int *changes, int64_t *rowid, const char *what, struct tp_diag *d);
enum tp_err sq_check_name(const char *name, const char *what, struct tp_diag *d);
enum tp_err sq_lookup_id(struct tp_store *s, const char *sql, const char *key, int64_t *id);
void sq_copy_col(char *dst, size_t n, sqlite3_stmt *st, int col);
enum tp_err sq_org_find(struct tp_store *s, const char *name, int64_t *id);

/* ---- API roots, collections, grants, listings, statuses
 * (sqlite_collections.c) ---- */
enum tp_err sq_root_add(struct tp_store *s, const char *name, const char *title,
			const char *description, int is_default, struct tp_diag *d);
enum tp_err sq_root_find(struct tp_store *s, const char *name, struct tp_api_root *out);
enum tp_err sq_root_list(struct tp_store *s, int (*fn)(void *, const struct tp_api_root *),
			 void *ctx);
enum tp_err sq_collection_find(struct tp_store *s, int64_t root, const char *key,
			       struct tp_collection *out);
enum tp_err sq_collection_add(struct tp_store *s, int64_t root, const char *uuid,
			      const char *alias, const char *title, const char *description,
			      int default_tlp, struct tp_diag *d);
enum tp_err sq_collection_list(struct tp_store *s, int64_t root,
			       int (*fn)(void *, const struct tp_collection *), void *ctx);
enum tp_err sq_collection_remove(struct tp_store *s, int64_t id, struct tp_diag *d);
enum tp_err sq_grant(struct tp_store *s, int64_t collection, const char *user, const char *org,
		     unsigned bits, int revoke, struct tp_diag *d);
enum tp_err sq_access(struct tp_store *s, const struct tp_account *a, int64_t collection,
		      unsigned *bits);
enum tp_err sq_list(struct tp_store *s, const char *what, void (*fn)(void *, const char *line),
		    void *ctx);
enum tp_err sq_status_put(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
			  const char *json);
enum tp_err sq_status_get(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
			  char **json);

enum tp_err sq_put_many(struct tp_store *s, const struct tp_store_put *puts, size_t n,
			struct tp_store_put_result *res, struct tp_diag *d);
enum tp_err sq_query(struct tp_store *s, const struct tp_query *q, const struct tp_tlp_viewer *v,
		     int with_body, int (*fn)(void *, const struct tp_store_row *), void *ctx,
		     int *more, struct tp_diag *d);
enum tp_err sq_delete(struct tp_store *s, const struct tp_query *q, const char *id,
		      const struct tp_tlp_viewer *v, int *count, struct tp_diag *d);

/* ---- partner nodes (sqlite_peers.c) ---- */
enum tp_err sq_peer_add(struct tp_store *s, const struct tp_peer *p, struct tp_diag *d);
enum tp_err sq_peer_find(struct tp_store *s, const char *name, struct tp_peer *out);
enum tp_err sq_peer_list(struct tp_store *s, int (*fn)(void *, const struct tp_peer *), void *ctx);
enum tp_err sq_peer_remove(struct tp_store *s, const char *name, struct tp_diag *d);
enum tp_err sq_peer_set_cursors(struct tp_store *s, int64_t id, const char *pull_cursor,
				tp_time_us push_cursor, struct tp_diag *d);
enum tp_err sq_count_added(struct tp_store *s, int64_t collection, tp_time_us after,
			   tp_time_us upto, int64_t not_origin, int64_t *count, tp_time_us *last);
enum tp_err sq_id_known(struct tp_store *s, int64_t collection, const char *id, int *known);

#endif
