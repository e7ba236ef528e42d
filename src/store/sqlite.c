/*
 * The SQLite store back end: one file, <data>/tripact.db, in WAL mode so
 * readers never wait for the writer. Each thread borrows a connection from
 * a small pool; each connection keeps its prepared statements.
 *
 * Objects live in one table with one row per (collection, id, version).
 * date_added is unique and strictly increasing per collection: the writer
 * holds the database's write lock (BEGIN IMMEDIATE) and takes
 * max(now, collections.last_added + 1 µs). A page of a TAXII query is then
 * "rows with date_added > cursor, in date_added order, first N" -- an index
 * range scan whose cost does not depend on how many rows the collection
 * holds, and which neither skips nor repeats rows while others write (new
 * rows always sort after every existing one).
 *
 * The sharing policy runs inside the query as the SQL function
 * tp_may_read(), which calls tp_tlp_may_read(), so LIMIT counts only rows
 * the viewer may see and `more` is exact.
 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "backend.h"
#include "sqlite_int.h"
#include "tripact/buf.h"
#include "tripact/json.h"
#include "tripact/uuid.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS orgs(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" title TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS users(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" org INTEGER NOT NULL REFERENCES orgs(id), pwhash TEXT NOT NULL,"
	" partner INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS tokens(id INTEGER PRIMARY KEY,"
	" user INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" hash BLOB UNIQUE NOT NULL, label TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS roots(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
	" is_default INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS collections(id INTEGER PRIMARY KEY,"
	" root INTEGER NOT NULL REFERENCES roots(id), uuid TEXT UNIQUE NOT NULL,"
	" alias TEXT, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
	" default_tlp INTEGER NOT NULL DEFAULT -1,"
	" last_added INTEGER NOT NULL DEFAULT 0, UNIQUE(root, alias));"
	"CREATE TABLE IF NOT EXISTS grants(collection INTEGER NOT NULL"
	" REFERENCES collections(id) ON DELETE CASCADE,"
	" user INTEGER REFERENCES users(id) ON DELETE CASCADE,"
	" org INTEGER REFERENCES orgs(id) ON DELETE CASCADE, bits INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS grants_key ON grants(collection,"
	" ifnull(user, 0), ifnull(org, 0));"
	"CREATE TABLE IF NOT EXISTS objects(rowid INTEGER PRIMARY KEY,"
	" collection INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
	" date_added INTEGER NOT NULL, stix_id TEXT NOT NULL, type TEXT NOT NULL,"
	" spec_version TEXT NOT NULL, version INTEGER NOT NULL, origin INTEGER NOT NULL,"
	" tlp INTEGER NOT NULL, partner INTEGER NOT NULL, dflt INTEGER NOT NULL,"
	" unresolved INTEGER NOT NULL, latest INTEGER NOT NULL DEFAULT 0,"
	" body TEXT NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS objects_added ON objects(collection, date_added);"
	"CREATE UNIQUE INDEX IF NOT EXISTS objects_version ON objects(collection, stix_id, "
	"version);"
	"CREATE INDEX IF NOT EXISTS objects_type ON objects(collection, type, date_added);"
	"CREATE INDEX IF NOT EXISTS objects_unresolved ON objects(unresolved) WHERE unresolved;"
	"CREATE TABLE IF NOT EXISTS markings(stix_id TEXT NOT NULL, origin INTEGER NOT NULL,"
	" kind INTEGER NOT NULL, tlp INTEGER NOT NULL, PRIMARY KEY(stix_id, origin));"
	"CREATE TABLE IF NOT EXISTS statuses(uuid TEXT PRIMARY KEY, root INTEGER NOT NULL,"
	" user INTEGER NOT NULL, created INTEGER NOT NULL, body TEXT NOT NULL);"
	/* partner nodes this node syncs with (sqlite_peers.c); stores made
	 * before it get the table on their next open */
	"CREATE TABLE IF NOT EXISTS peers(id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" url TEXT NOT NULL, remote_collection TEXT NOT NULL,"
	" collection INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
	" as_user INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" mode INTEGER NOT NULL, token_file TEXT NOT NULL DEFAULT '',"
	" login TEXT NOT NULL DEFAULT '', password TEXT NOT NULL DEFAULT '',"
	" ca_file TEXT NOT NULL DEFAULT '', pull_cursor TEXT NOT NULL DEFAULT '',"
	" push_cursor INTEGER NOT NULL DEFAULT 0);";

enum tp_err sq_db_err(sqlite3 *db, struct tp_diag *d, const char *what)
{
	int rc = sqlite3_extended_errcode(db);
	if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return tp_diag_set(d, TP_EEXIST, "%s: already exists", what);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)
		return tp_diag_set(d, TP_ECONFLICT, "%s: %s", what, sqlite3_errmsg(db));
	return tp_diag_set(d, TP_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

/* tp_may_read(tlp, origin, partner, viewer_org, viewer_can_read, node_org) */
static void fn_may_read(sqlite3_context *cx, int argc, sqlite3_value **av)
{
	struct tp_tlp_viewer v = {
		.org = sqlite3_value_int64(av[3]),
		.can_read = sqlite3_value_int(av[4]),
		.node_org = sqlite3_value_int64(av[5]),
	};
	struct tp_tlp_subject s = {
		.tlp = (enum tp_tlp)sqlite3_value_int(av[0]),
		.origin = sqlite3_value_int64(av[1]),
		.from_partner = sqlite3_value_int(av[2]),
	};
	sqlite3_result_int(cx, tp_tlp_may_read(&v, &s));
}

/* Replaces SQLite's automatic checkpoint, which would run inside COMMIT
 * while this process's writers wait: remember the log's length and let
 * sq_write_end() checkpoint once the write lock is released. */
static int on_wal(void *ctx, sqlite3 *db, const char *name, int pages)
{
	(void)db;
	(void)name;
	((struct conn *)ctx)->wal_pages = pages;
	return SQLITE_OK;
}

static struct conn *conn_open(struct sq *q, struct tp_diag *d)
{
	struct conn *c = calloc(1, sizeof *c);
	if (!c) {
		tp_diag_set(d, TP_ENOMEM, "out of memory");
		return NULL;
	}
	int rc = sqlite3_open_v2(q->path, &c->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		tp_diag_set(d, TP_EDB, "cannot open %s: %s", q->path,
			    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(c->db, 10000);
	char *msg = NULL;
	/* synchronous=NORMAL in WAL: a committed transaction survives the
	 * process being killed; only an OS crash can lose the last commits. */
	if (sqlite3_exec(c->db,
			 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
			 "PRAGMA foreign_keys=ON; PRAGMA cache_size=-8000;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		tp_diag_set(d, TP_EDB, "cannot set up %s: %s", q->path, msg ? msg : "?");
		sqlite3_free(msg);
		goto fail;
	}
	sqlite3_create_function(c->db, "tp_may_read", 6,
				SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
				fn_may_read, NULL, NULL);
	sqlite3_wal_hook(c->db, on_wal, c);
	return c;
fail:
	sqlite3_close(c->db);
	free(c);
	return NULL;
}

static void conn_close(struct conn *c)
{
	if (!c)
		return;
	for (int i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(c->cache[i].st);
		free(c->cache[i].sql);
	}
	sqlite3_close(c->db);
	free(c);
}

/* The connection holding this thread's read section (tp_store_read_begin),
 * if any: every call of the thread uses it until the section ends. */
static _Thread_local struct conn *pinned;
static _Thread_local struct sq *pinned_q;

struct conn *sq_take(struct sq *q, struct tp_diag *d)
{
	if (pinned && pinned_q == q)
		return pinned;
	pthread_mutex_lock(&q->mu);
	struct conn *c = q->n_idle ? q->idle[--q->n_idle] : NULL;
	pthread_mutex_unlock(&q->mu);
	return c ? c : conn_open(q, d);
}

void sq_give(struct sq *q, struct conn *c)
{
	if (!c || c == pinned)
		return;
	pthread_mutex_lock(&q->mu);
	if (q->n_idle < POOL_MAX) {
		q->idle[q->n_idle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	conn_close(c);
}

static void sq_read_begin(struct tp_store *s)
{
	if (pinned)
		return;
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return;
	if (sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
		sq_give(SQ(s), c);
		return;
	}
	pinned = c;
	pinned_q = SQ(s);
}

static void sq_read_end(struct tp_store *s)
{
	if (!pinned || pinned_q != SQ(s))
		return;
	struct conn *c = pinned;
	pinned = NULL;
	pinned_q = NULL;
	if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	if (!sqlite3_get_autocommit(c->db)) { /* still in the transaction: not reusable */
		conn_close(c);
		return;
	}
	sq_give(SQ(s), c);
}

/* A prepared statement for sql, reset and unbound; owned by the cache. */
sqlite3_stmt *sq_prep(struct conn *c, const char *sql)
{
	for (int i = 0; i < STMT_CACHE; i++) {
		if (c->cache[i].sql && strcmp(c->cache[i].sql, sql) == 0) {
			sqlite3_reset(c->cache[i].st);
			sqlite3_clear_bindings(c->cache[i].st);
			return c->cache[i].st;
		}
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		return NULL;
	char *copy = strdup(sql);
	if (!copy) {
		sqlite3_finalize(st);
		return NULL;
	}
	unsigned k = c->next_evict++ % STMT_CACHE;
	sqlite3_finalize(c->cache[k].st);
	free(c->cache[k].sql);
	c->cache[k].sql = copy;
	c->cache[k].st = st;
	return st;
}

enum tp_err sq_write_begin(struct sq *q, struct conn *c, struct tp_diag *d)
{
	pthread_mutex_lock(&q->write_mu);
	if (sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
		enum tp_err e = sq_db_err(c->db, d, "begin");
		pthread_mutex_unlock(&q->write_mu);
		return e;
	}
	return TP_OK;
}

static void checkpoint(struct sq *q, struct conn *c)
{
	if (c->wal_pages < CHECKPOINT_PAGES)
		return;
	c->wal_pages = 0;
	/* one checkpoint at a time; PASSIVE: writers and readers go on */
	if (pthread_mutex_trylock(&q->checkpoint_mu) != 0)
		return;
	sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	pthread_mutex_unlock(&q->checkpoint_mu);
}

enum tp_err sq_write_end(struct sq *q, struct conn *c, enum tp_err e, struct tp_diag *d)
{
	if (!e && sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		e = sq_db_err(c->db, d, "commit");
	if (e)
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	pthread_mutex_unlock(&q->write_mu);
	checkpoint(q, c);
	return e;
}

static void sq_close(struct tp_store *s)
{
	struct sq *q = SQ(s);
	for (int i = 0; i < q->n_idle; i++)
		conn_close(q->idle[i]);
	pthread_mutex_destroy(&q->mu);
	pthread_mutex_destroy(&q->write_mu);
	pthread_mutex_destroy(&q->checkpoint_mu);
	free(q->path);
	free(q);
}

/* Runs a statement expected to produce no rows. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

void sq_copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);
	snprintf(dst, n, "%s", s ? s : "");
}

/* ---- settings ---- */

static enum tp_err sq_setting_get(struct tp_store *s, const char *key, char **out)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT value FROM settings WHERE key=?1");
	if (st) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = strdup((const char *)sqlite3_column_text(st, 0));
			e = *out ? TP_OK : TP_ENOMEM;
		} else if (rc == SQLITE_DONE) {
			e = TP_ENOTFOUND;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

static enum tp_err sq_setting_set(struct tp_store *s, const char *key, const char *value)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "INSERT OR REPLACE INTO settings(key, value) VALUES(?1, ?2)");
	enum tp_err e = TP_EDB;
	if (st) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
		e = step_done(st) ? TP_OK : TP_EDB;
	}
	sq_give(SQ(s), c);
	return e;
}

enum tp_err sq_exec1(struct tp_store *s, const char *sql, const struct arg *args, int n,
		     int *changes, int64_t *rowid, const char *what, struct tp_diag *d)
{
	struct conn *c = sq_take(SQ(s), d);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_OK;
	sqlite3_stmt *st = sq_prep(c, sql);
	if (!st) {
		e = sq_db_err(c->db, d, what);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (args[i].is_null)
			sqlite3_bind_null(st, i + 1);
		else if (args[i].s)
			sqlite3_bind_text(st, i + 1, args[i].s, -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, args[i].i);
	}
	pthread_mutex_lock(&SQ(s)->write_mu);
	if (sqlite3_step(st) != SQLITE_DONE)
		e = sq_db_err(c->db, d, what);
	sqlite3_reset(st);
	if (changes)
		*changes = sqlite3_changes(c->db);
	if (rowid)
		*rowid = sqlite3_last_insert_rowid(c->db);
	pthread_mutex_unlock(&SQ(s)->write_mu);
	checkpoint(SQ(s), c);
out:
	sq_give(SQ(s), c);
	return e;
}

/* ---- organisations and users ---- */

enum tp_err sq_check_name(const char *name, const char *what, struct tp_diag *d)
{
	return tp_store_check_name(name, what, d);
}

static enum tp_err sq_org_add(struct tp_store *s, const char *name, const char *title, int64_t *id,
			      struct tp_diag *d)
{
	enum tp_err e = sq_check_name(name, "organisation", d);
	if (e)
		return e;
	struct arg a[] = {A_S(name), A_S(title ? title : name)};
	int64_t row;
	e = sq_exec1(s, "INSERT INTO orgs(name, title) VALUES(?1, ?2)", a, 2, NULL, &row,
		     "organisation", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, TP_EEXIST, "organisation '%s' already exists", name);
	if (!e && id)
		*id = row;
	return e;
}

enum tp_err sq_lookup_id(struct tp_store *s, const char *sql, const char *key, int64_t *id)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, sql);
	if (st) {
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*id = sqlite3_column_int64(st, 0);
			e = TP_OK;
		} else if (rc == SQLITE_DONE) {
			e = TP_ENOTFOUND;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

enum tp_err sq_org_find(struct tp_store *s, const char *name, int64_t *id)
{
	return sq_lookup_id(s, "SELECT id FROM orgs WHERE name=?1", name, id);
}

static enum tp_err sq_org_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	int64_t id;
	enum tp_err e = sq_org_find(s, name, &id);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no organisation '%s'", name);
	if (e)
		return tp_diag_set(d, e, "cannot look up organisation '%s'", name);
	struct arg a[] = {A_I(id)};
	e = sq_exec1(s, "DELETE FROM orgs WHERE id=?1", a, 1, NULL, NULL, "organisation", d);
	if (e == TP_ECONFLICT)
		return tp_diag_set(d, e, "organisation '%s' still has users; remove them first",
				   name);
	return e;
}

static enum tp_err sq_user_add(struct tp_store *s, const char *name, const char *org_name,
			       const char *pwhash, int partner, struct tp_diag *d)
{
	enum tp_err e = sq_check_name(name, "user", d);
	if (e)
		return e;
	int64_t org;
	e = sq_org_find(s, org_name ? org_name : "", &org);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no organisation '%s' (add it with 'admin org add')",
				   org_name ? org_name : "");
	if (e)
		return tp_diag_set(d, e, "cannot look up organisation");
	struct arg a[] = {A_S(name), A_I(org), A_S(pwhash), A_I(partner ? 1 : 0)};
	e = sq_exec1(s, "INSERT INTO users(name, org, pwhash, partner) VALUES(?1, ?2, ?3, ?4)", a,
		     4, NULL, NULL, "user", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "user '%s' already exists", name);
	return e;
}

static enum tp_err sq_user_set_hash(struct tp_store *s, const char *name, const char *pwhash,
				    struct tp_diag *d)
{
	struct arg a[] = {A_S(pwhash), A_S(name)};
	int n = 0;
	enum tp_err e =
		sq_exec1(s, "UPDATE users SET pwhash=?1 WHERE name=?2", a, 2, &n, NULL, "user", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no user '%s'", name);
	return e;
}

static enum tp_err sq_user_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	struct arg a[] = {A_S(name)};
	int n = 0;
	enum tp_err e = sq_exec1(s, "DELETE FROM users WHERE name=?1", a, 1, &n, NULL, "user", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no user '%s'", name);
	return e;
}

#define ACCOUNT_COLS "u.id, u.org, u.partner, u.name, o.name"

static void read_account(sqlite3_stmt *st, struct tp_account *a)
{
	memset(a, 0, sizeof *a);
	a->user = sqlite3_column_int64(st, 0);
	a->org = sqlite3_column_int64(st, 1);
	a->partner = sqlite3_column_int(st, 2);
	sq_copy_col(a->name, sizeof a->name, st, 3);
	sq_copy_col(a->org_name, sizeof a->org_name, st, 4);
}

static enum tp_err sq_user_get(struct tp_store *s, const char *name, struct tp_account *a,
			       char **pwhash)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT " ACCOUNT_COLS ", u.pwhash FROM users u JOIN orgs o"
				      " ON o.id=u.org WHERE u.name=?1");
	if (st) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			read_account(st, a);
			*pwhash = strdup((const char *)sqlite3_column_text(st, 5));
			e = *pwhash ? TP_OK : TP_ENOMEM;
		} else if (rc == SQLITE_DONE) {
			e = TP_ENOTFOUND;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

static enum tp_err sq_token_add(struct tp_store *s, const char *user, const char *label,
				const unsigned char hash[32], int64_t *id, struct tp_diag *d)
{
	int64_t uid;
	enum tp_err e = sq_lookup_id(s, "SELECT id FROM users WHERE name=?1", user, &uid);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no user '%s'", user);
	if (e)
		return tp_diag_set(d, e, "cannot look up user '%s'", user);
	struct conn *c = sq_take(SQ(s), d);
	if (!c)
		return TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "INSERT INTO tokens(user, hash, label, created)"
				      " VALUES(?1, ?2, ?3, ?4)");
	if (!st) {
		e = sq_db_err(c->db, d, "token");
	} else {
		sqlite3_bind_int64(st, 1, uid);
		sqlite3_bind_blob(st, 2, hash, 32, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, label, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, tp_time_now());
		e = step_done(st) ? TP_OK : sq_db_err(c->db, d, "token");
		if (!e && id)
			*id = sqlite3_last_insert_rowid(c->db);
	}
	sq_give(SQ(s), c);
	return e;
}

static enum tp_err sq_token_revoke(struct tp_store *s, int64_t id, struct tp_diag *d)
{
	struct arg a[] = {A_I(id)};
	int n = 0;
	enum tp_err e = sq_exec1(s, "DELETE FROM tokens WHERE id=?1", a, 1, &n, NULL, "token", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no token %lld", (long long)id);
	return e;
}

static enum tp_err sq_token_get(struct tp_store *s, const unsigned char hash[32],
				struct tp_account *a)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT " ACCOUNT_COLS " FROM tokens t JOIN users u ON"
				      " u.id=t.user JOIN orgs o ON o.id=u.org WHERE t.hash=?1");
	if (st) {
		sqlite3_bind_blob(st, 1, hash, 32, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			read_account(st, a);
			e = TP_OK;
		} else if (rc == SQLITE_DONE) {
			e = TP_ENOTFOUND;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

static const struct tp_store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.setting_get = sq_setting_get,
	.setting_set = sq_setting_set,
	.org_add = sq_org_add,
	.org_find = sq_org_find,
	.org_remove = sq_org_remove,
	.user_add = sq_user_add,
	.user_set_hash = sq_user_set_hash,
	.user_remove = sq_user_remove,
	.user_get = sq_user_get,
	.token_add = sq_token_add,
	.token_revoke = sq_token_revoke,
	.token_get = sq_token_get,
	.root_add = sq_root_add,
	.root_find = sq_root_find,
	.root_list = sq_root_list,
	.collection_add = sq_collection_add,
	.collection_find = sq_collection_find,
	.collection_list = sq_collection_list,
	.collection_remove = sq_collection_remove,
	.grant = sq_grant,
	.access = sq_access,
	.list = sq_list,
	.put_many = sq_put_many,
	.query = sq_query,
	.delete_versions = sq_delete,
	.status_put = sq_status_put,
	.status_get = sq_status_get,
	.peer_add = sq_peer_add,
	.peer_find = sq_peer_find,
	.peer_list = sq_peer_list,
	.peer_remove = sq_peer_remove,
	.peer_set_cursors = sq_peer_set_cursors,
	.count_added = sq_count_added,
	.id_known = sq_id_known,
	.read_begin = sq_read_begin,
	.read_end = sq_read_end,
};

enum tp_err tp_store_sqlite_open(const char *dir, struct tp_store **out, struct tp_diag *d)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return tp_diag_set(d, TP_EIO, "cannot create %s: %m", dir);
	struct sq *q = calloc(1, sizeof *q);
	if (!q)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	q->base.ops = &sqlite_ops;
	pthread_mutex_init(&q->mu, NULL);
	pthread_mutex_init(&q->write_mu, NULL);
	pthread_mutex_init(&q->checkpoint_mu, NULL);
	size_t n = strlen(dir) + 16;
	q->path = malloc(n);
	if (!q->path) {
		sq_close(&q->base);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	snprintf(q->path, n, "%s/tripact.db", dir);
	struct conn *c = conn_open(q, d);
	if (!c) {
		sq_close(&q->base);
		return d ? d->code : TP_EDB;
	}
	char *msg = NULL;
	if (sqlite3_exec(c->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
		tp_diag_set(d, TP_EDB, "cannot create the schema in %s: %s", q->path,
			    msg ? msg : "?");
		sqlite3_free(msg);
		conn_close(c);
		sq_close(&q->base);
		return TP_EDB;
	}
	/* a store made before the `latest` column existed cannot be served */
	sqlite3_stmt *probe = NULL;
	if (sqlite3_prepare_v2(c->db, "SELECT latest FROM objects LIMIT 0", -1, &probe, NULL) !=
	    SQLITE_OK) {
		tp_diag_set(d, TP_EDB,
			    "%s was made by an older development version of tripact: "
			    "re-create it",
			    q->path);
		conn_close(c);
		sq_close(&q->base);
		return TP_EDB;
	}
	sqlite3_finalize(probe);
	sq_give(q, c);
	*out = &q->base;
	return TP_OK;
}
