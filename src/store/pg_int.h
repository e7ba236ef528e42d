/*
 * Internals shared by the PostgreSQL back end's files (pg.c: connections,
 * schema, settings, organisations, users, tokens; pg_collections.c: API
 * roots, collections, grants, listings, statuses, peers; pg_objects.c:
 * queries and deletes; pg_put.c: storing objects over pg_pipe.c's
 * pipelines). Not part of the public interface.
 */
#ifndef TRIPACT_PG_INT_H
#define TRIPACT_PG_INT_H

#include <libpq-fe.h>
#include <pthread.h>

#include "backend.h"

#define PG_POOL_MAX   16
#define PG_STMT_CACHE 32
/* the most parameters of a statement: a TAXII query with every list full */
#define PG_MAX_ARGS (7 + 4 * TP_QUERY_MAX_VALUES)

/* One connection with the statements it has prepared (named "tp<n>"). */
struct pgc {
	PGconn *pg;
	char *sql[PG_STMT_CACHE];
	unsigned next_evict;
	int begin_due;	/* a read section's BEGIN, to go with its first statement */
	int commit_due; /* a read section's COMMIT was sent, its answer not read */
};

struct pgs {
	struct tp_store base;
	char *url;
	pthread_mutex_t mu;
	struct pgc *idle[PG_POOL_MAX];
	int n_idle;
};

#define PGS(s) ((struct pgs *)(s))

/* A statement parameter: NULL when is_null, text when s is not NULL,
 * PostgreSQL's binary form of len bytes when bin is not NULL, else the
 * integer. */
struct pg_arg {
	const char *s;
	int64_t i;
	int is_null;
	const char *bin;
	int len;
};

#define P_S(x)                                                                                     \
	{                                                                                          \
		.s = (x)                                                                           \
	}
#define P_I(x)                                                                                     \
	{                                                                                          \
		.i = (x)                                                                           \
	}

/* Borrows a connection (opening one if the pool is empty); NULL on failure
 * with d set. */
struct pgc *pg_take(struct pgs *q, struct tp_diag *d);
/* Returns a connection to the pool (closing it if it is broken, still in
 * a transaction or in pipeline mode). */
void pg_give(struct pgs *q, struct pgc *c);
/*
 * Runs sql (prepared once per connection) with args[0..n); returns the
 * result (caller owns, PQclear) or NULL with d set to the server's message
 * prefixed by what. SQLSTATE 23505 maps to TP_EEXIST, other integrity
 * violations to TP_ECONFLICT, the rest to TP_EDB.
 */
PGresult *pg_run(struct pgc *c, const char *sql, const struct pg_arg *args, int n, const char *what,
		 struct tp_diag *d, enum tp_err *err);
/* The server's error in r (or the connection's when r has none) as a
 * tp_err with d's message prefixed by what, mapped as for pg_run. */
enum tp_err pg_server_err(const PGresult *r, PGconn *pg, const char *what, struct tp_diag *d);
/* The slot of sql's prepared statement on c, -1 if it has none. */
int pg_cached(const struct pgc *c, const char *sql);
/* *slot: the slot of sql's prepared statement on c, preparing it first if
 * needed (which may evict another slot's). */
enum tp_err pg_prepare(struct pgc *c, const char *sql, int *slot, const char *what,
		       struct tp_diag *d);
/* The statement name of a slot: "tp<slot>". */
void pg_stmt_name(int slot, char name[16]);
/* libpq's form of args[0..n): vals[i] borrows from args or nums; lens and
 * fmts for binary values. */
struct pg_values {
	char nums[PG_MAX_ARGS][24];
	const char *vals[PG_MAX_ARGS];
	int lens[PG_MAX_ARGS];
	int fmts[PG_MAX_ARGS];
};
enum tp_err pg_values(const struct pg_arg *args, int n, struct pg_values *v, const char *what,
		      struct tp_diag *d);
/* pg_run without a prepared statement: planned for these values (a
 * connection's prepared statements keep one plan for all values). */
PGresult *pg_run_planned(struct pgc *c, const char *sql, const struct pg_arg *args, int n,
			 const char *what, struct tp_diag *d, enum tp_err *err);
/* pg_run on a borrowed connection. */
PGresult *pg_select(struct tp_store *s, const char *sql, const struct pg_arg *args, int n,
		    const char *what, struct tp_diag *d, enum tp_err *err);
/* One-statement write; *changes (may be NULL): rows changed; *id (may be
 * NULL): the first column of the first row returned (RETURNING id). */
enum tp_err pg_exec1(struct tp_store *s, const char *sql, const struct pg_arg *args, int n,
		     int *changes, int64_t *id, const char *what, struct tp_diag *d);
/* Runs a command without parameters (BEGIN, COMMIT...). */
enum tp_err pg_cmd(struct pgc *c, const char *sql, struct tp_diag *d);
/* Looks up one id by a text key: TP_ENOTFOUND if no row. */
enum tp_err pg_lookup_id(struct tp_store *s, const char *sql, const char *key, int64_t *id);
void pg_copy(char *dst, size_t n, const PGresult *r, int row, int col);
int64_t pg_int(const PGresult *r, int row, int col);

enum tp_err pg_root_add(struct tp_store *s, const char *name, const char *title,
			const char *description, int is_default, struct tp_diag *d);
enum tp_err pg_root_find(struct tp_store *s, const char *name, struct tp_api_root *out);
enum tp_err pg_root_list(struct tp_store *s, int (*fn)(void *, const struct tp_api_root *),
			 void *ctx);
enum tp_err pg_collection_find(struct tp_store *s, int64_t root, const char *key,
			       struct tp_collection *out);
enum tp_err pg_collection_add(struct tp_store *s, int64_t root, const char *uuid,
			      const char *alias, const char *title, const char *description,
			      int default_tlp, struct tp_diag *d);
enum tp_err pg_collection_list(struct tp_store *s, int64_t root,
			       int (*fn)(void *, const struct tp_collection *), void *ctx);
enum tp_err pg_collection_remove(struct tp_store *s, int64_t id, struct tp_diag *d);
enum tp_err pg_grant(struct tp_store *s, int64_t collection, const char *user, const char *org,
		     unsigned bits, int revoke, struct tp_diag *d);
enum tp_err pg_access(struct tp_store *s, const struct tp_account *a, int64_t collection,
		      unsigned *bits);
enum tp_err pg_collection_open(struct tp_store *s, const char *root_name, const char *key,
			       const struct tp_account *a, struct tp_api_root *root,
			       struct tp_collection *c, unsigned *bits, int *found_root);
enum tp_err pg_list(struct tp_store *s, const char *what, void (*fn)(void *, const char *line),
		    void *ctx);
enum tp_err pg_status_put(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
			  const char *json);
enum tp_err pg_status_get(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
			  char **json);
enum tp_err pg_peer_add(struct tp_store *s, const struct tp_peer *p, struct tp_diag *d);
enum tp_err pg_peer_find(struct tp_store *s, const char *name, struct tp_peer *out);
enum tp_err pg_peer_list(struct tp_store *s, int (*fn)(void *, const struct tp_peer *), void *ctx);
enum tp_err pg_peer_remove(struct tp_store *s, const char *name, struct tp_diag *d);
enum tp_err pg_peer_set_cursors(struct tp_store *s, int64_t id, const char *pull_cursor,
				tp_time_us push_cursor, struct tp_diag *d);
enum tp_err pg_count_added(struct tp_store *s, int64_t collection, tp_time_us after,
			   tp_time_us upto, int64_t not_origin, int64_t *count, tp_time_us *last);
enum tp_err pg_id_known(struct tp_store *s, int64_t collection, const char *id, int *known);

enum tp_err pg_put_many(struct tp_store *s, const struct tp_store_put *puts, size_t n,
			struct tp_store_put_result *res, struct tp_diag *d);
enum tp_err pg_query(struct tp_store *s, const struct tp_query *q, const struct tp_tlp_viewer *v,
		     int with_body, int (*fn)(void *, const struct tp_store_row *), void *ctx,
		     int *more, struct tp_diag *d);
enum tp_err pg_delete(struct tp_store *s, const struct tp_query *q, const char *id,
		      const struct tp_tlp_viewer *v, int *count, struct tp_diag *d);

#endif
