/*
 * Internals shared by the SQLite back end's files (sqlite.c: accounts and
 * settings; sqlite_objects.c: objects). Not part of the public interface.
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

struct conn {
	sqlite3 *db;
	struct stmt_slot cache[STMT_CACHE];
	unsigned next_evict;
};

struct sq {
	struct tp_store base;
	char *path;
	pthread_mutex_t mu;
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
/* Maps the connection's last error to a tp_err (TP_EEXIST for UNIQUE). */
enum tp_err sq_db_err(sqlite3 *db, struct tp_diag *d, const char *what);

enum tp_err sq_put_many(struct tp_store *s, const struct tp_store_put *puts, size_t n,
			struct tp_store_put_result *res, struct tp_diag *d);
enum tp_err sq_query(struct tp_store *s, const struct tp_query *q, const struct tp_tlp_viewer *v,
		     int with_body, int (*fn)(void *, const struct tp_store_row *), void *ctx,
		     int *more, struct tp_diag *d);
enum tp_err sq_delete(struct tp_store *s, const struct tp_query *q, const char *id,
		      const struct tp_tlp_viewer *v, int *count, struct tp_diag *d);

#endif
