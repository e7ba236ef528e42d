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
	" user INTEGER NOT NULL, created INTEGER NOT NULL, body TEXT NOT NULL);";

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

struct conn *sq_take(struct sq *q, struct tp_diag *d)
{
	pthread_mutex_lock(&q->mu);
	struct conn *c = q->n_idle ? q->idle[--q->n_idle] : NULL;
	pthread_mutex_unlock(&q->mu);
	return c ? c : conn_open(q, d);
}

void sq_give(struct sq *q, struct conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&q->mu);
	if (q->n_idle < POOL_MAX) {
		q->idle[q->n_idle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	conn_close(c);
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

static void sq_close(struct tp_store *s)
{
	struct sq *q = SQ(s);
	for (int i = 0; i < q->n_idle; i++)
		conn_close(q->idle[i]);
	pthread_mutex_destroy(&q->mu);
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

static void copy_col(char *dst, size_t n, sqlite3_stmt *st, int col)
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

/*
 * One-statement writes: binds up to four text/int arguments (text when the
 * string is non-NULL, else the integer), runs it and maps errors. *changes
 * receives the number of rows changed (may be NULL).
 */
struct arg {
	const char *s;
	int64_t i;
	int is_null;
};

static enum tp_err exec1(struct tp_store *s, const char *sql, const struct arg *args, int n,
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
	if (sqlite3_step(st) != SQLITE_DONE)
		e = sq_db_err(c->db, d, what);
	sqlite3_reset(st);
	if (changes)
		*changes = sqlite3_changes(c->db);
	if (rowid)
		*rowid = sqlite3_last_insert_rowid(c->db);
out:
	sq_give(SQ(s), c);
	return e;
}

#define A_S(x)                                                                                     \
	{                                                                                          \
		.s = (x)                                                                           \
	}
#define A_I(x)                                                                                     \
	{                                                                                          \
		.i = (x)                                                                           \
	}

/* ---- organisations and users ---- */

static enum tp_err check_name(const char *name, const char *what, struct tp_diag *d)
{
	if (!name || !*name || strlen(name) > 100)
		return tp_diag_set(d, TP_EINVAL, "%s name must be 1 to 100 characters", what);
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.' || *p == '@'))
			return tp_diag_set(d, TP_EINVAL,
					   "%s name '%s': only letters, digits and - _ . @ are "
					   "allowed",
					   what, name);
	return TP_OK;
}

static enum tp_err sq_org_add(struct tp_store *s, const char *name, const char *title, int64_t *id,
			      struct tp_diag *d)
{
	enum tp_err e = check_name(name, "organisation", d);
	if (e)
		return e;
	struct arg a[] = {A_S(name), A_S(title ? title : name)};
	int64_t row;
	e = exec1(s, "INSERT INTO orgs(name, title) VALUES(?1, ?2)", a, 2, NULL, &row,
		  "organisation", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, TP_EEXIST, "organisation '%s' already exists", name);
	if (!e && id)
		*id = row;
	return e;
}

static enum tp_err lookup_id(struct tp_store *s, const char *sql, const char *key, int64_t *id)
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

static enum tp_err sq_org_find(struct tp_store *s, const char *name, int64_t *id)
{
	return lookup_id(s, "SELECT id FROM orgs WHERE name=?1", name, id);
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
	e = exec1(s, "DELETE FROM orgs WHERE id=?1", a, 1, NULL, NULL, "organisation", d);
	if (e == TP_ECONFLICT)
		return tp_diag_set(d, e, "organisation '%s' still has users; remove them first",
				   name);
	return e;
}

static enum tp_err sq_user_add(struct tp_store *s, const char *name, const char *org_name,
			       const char *pwhash, int partner, struct tp_diag *d)
{
	enum tp_err e = check_name(name, "user", d);
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
	e = exec1(s, "INSERT INTO users(name, org, pwhash, partner) VALUES(?1, ?2, ?3, ?4)", a, 4,
		  NULL, NULL, "user", d);
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
		exec1(s, "UPDATE users SET pwhash=?1 WHERE name=?2", a, 2, &n, NULL, "user", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no user '%s'", name);
	return e;
}

static enum tp_err sq_user_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	struct arg a[] = {A_S(name)};
	int n = 0;
	enum tp_err e = exec1(s, "DELETE FROM users WHERE name=?1", a, 1, &n, NULL, "user", d);
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
	copy_col(a->name, sizeof a->name, st, 3);
	copy_col(a->org_name, sizeof a->org_name, st, 4);
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
	enum tp_err e = lookup_id(s, "SELECT id FROM users WHERE name=?1", user, &uid);
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
	enum tp_err e = exec1(s, "DELETE FROM tokens WHERE id=?1", a, 1, &n, NULL, "token", d);
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

/* ---- API roots and collections ---- */

static enum tp_err sq_root_add(struct tp_store *s, const char *name, const char *title,
			       const char *description, int is_default, struct tp_diag *d)
{
	enum tp_err e = check_name(name, "API root", d);
	if (e)
		return e;
	if (is_default) {
		e = exec1(s, "UPDATE roots SET is_default=0", NULL, 0, NULL, NULL, "API root", d);
		if (e)
			return e;
	}
	struct arg a[] = {A_S(name), A_S(title ? title : name), A_S(description ? description : ""),
			  A_I(is_default ? 1 : 0)};
	e = exec1(s, "INSERT INTO roots(name, title, description, is_default) VALUES(?1,?2,?3,?4)",
		  a, 4, NULL, NULL, "API root", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "API root '%s' already exists", name);
	return e;
}

static void read_root(sqlite3_stmt *st, struct tp_api_root *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	copy_col(r->name, sizeof r->name, st, 1);
	copy_col(r->title, sizeof r->title, st, 2);
	copy_col(r->description, sizeof r->description, st, 3);
	r->is_default = sqlite3_column_int(st, 4);
}

static enum tp_err sq_root_find(struct tp_store *s, const char *name, struct tp_api_root *out)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT id, name, title, description, is_default FROM roots"
				      " WHERE name=?1");
	if (st) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			read_root(st, out);
			e = TP_OK;
		} else if (rc == SQLITE_DONE) {
			e = TP_ENOTFOUND;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

static enum tp_err sq_root_list(struct tp_store *s, int (*fn)(void *, const struct tp_api_root *),
				void *ctx)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(
		c, "SELECT id, name, title, description, is_default FROM roots ORDER BY name");
	if (st) {
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct tp_api_root r;
			read_root(st, &r);
			if (fn(ctx, &r))
				break;
		}
		e = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? TP_OK : TP_EDB;
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

#define COLL_COLS "id, root, uuid, ifnull(alias, ''), title, description, default_tlp"

static void read_coll(sqlite3_stmt *st, struct tp_collection *o)
{
	memset(o, 0, sizeof *o);
	o->id = sqlite3_column_int64(st, 0);
	o->root = sqlite3_column_int64(st, 1);
	copy_col(o->uuid, sizeof o->uuid, st, 2);
	copy_col(o->alias, sizeof o->alias, st, 3);
	copy_col(o->title, sizeof o->title, st, 4);
	copy_col(o->description, sizeof o->description, st, 5);
	o->default_tlp = sqlite3_column_int(st, 6);
}

static enum tp_err sq_collection_find(struct tp_store *s, int64_t root, const char *key,
				      struct tp_collection *out)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT " COLL_COLS " FROM collections WHERE"
				      " (?1=0 OR root=?1) AND (uuid=?2 OR alias=?2)"
				      " ORDER BY uuid=?2 DESC LIMIT 1");
	if (st) {
		sqlite3_bind_int64(st, 1, root);
		sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			read_coll(st, out);
			e = TP_OK;
		} else if (rc == SQLITE_DONE) {
			e = TP_ENOTFOUND;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

static enum tp_err sq_collection_add(struct tp_store *s, const char *root_name, const char *uuid,
				     const char *alias, const char *title, const char *description,
				     int default_tlp, struct tp_collection *out, struct tp_diag *d)
{
	struct tp_api_root r;
	enum tp_err e = sq_root_find(s, root_name ? root_name : "", &r);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no API root '%s' (add it with 'admin api-root add')",
				   root_name ? root_name : "");
	if (e)
		return tp_diag_set(d, e, "cannot look up API root");
	char idbuf[TP_UUID_STRLEN + 1];
	struct tp_uuid u;
	if (uuid) {
		if (tp_uuid_parse(uuid, strlen(uuid), &u) != TP_OK)
			return tp_diag_set(d, TP_EINVAL, "collection id '%s' is not a UUID", uuid);
	} else if (tp_uuid_v4(&u) != TP_OK) {
		return tp_diag_set(d, TP_EIO, "cannot make a random UUID");
	}
	tp_uuid_format(&u, idbuf);
	if (alias && *alias) {
		e = check_name(alias, "collection alias", d);
		if (e)
			return e;
		struct tp_uuid tmp;
		if (tp_uuid_parse(alias, strlen(alias), &tmp) == TP_OK)
			return tp_diag_set(d, TP_EINVAL, "a collection alias cannot be a UUID");
	}
	if (!title || !*title)
		return tp_diag_set(d, TP_EINVAL, "a collection needs a title");
	struct arg a[] = {A_I(r.id),
			  A_S(idbuf),
			  {.is_null = !(alias && *alias), .s = alias},
			  A_S(title),
			  A_S(description ? description : ""),
			  A_I(default_tlp)};
	e = exec1(s,
		  "INSERT INTO collections(root, uuid, alias, title, description, default_tlp)"
		  " VALUES(?1,?2,?3,?4,?5,?6)",
		  a, 6, NULL, NULL, "collection", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "a collection with id %s or alias '%s' already exists",
				   idbuf, alias ? alias : "");
	if (!e && out)
		e = sq_collection_find(s, r.id, idbuf, out);
	return e;
}

static enum tp_err sq_collection_list(struct tp_store *s, int64_t root,
				      int (*fn)(void *, const struct tp_collection *), void *ctx)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st =
		sq_prep(c, "SELECT " COLL_COLS " FROM collections WHERE (?1=0 OR root=?1)"
			   " ORDER BY id");
	if (st) {
		sqlite3_bind_int64(st, 1, root);
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			struct tp_collection o;
			read_coll(st, &o);
			if (fn(ctx, &o))
				break;
		}
		e = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? TP_OK : TP_EDB;
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

static enum tp_err sq_collection_remove(struct tp_store *s, int64_t id, struct tp_diag *d)
{
	struct arg a[] = {A_I(id)};
	int n = 0;
	enum tp_err e =
		exec1(s, "DELETE FROM collections WHERE id=?1", a, 1, &n, NULL, "collection", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no such collection");
	return e;
}

static enum tp_err sq_grant(struct tp_store *s, int64_t collection, const char *user,
			    const char *org, unsigned bits, int revoke, struct tp_diag *d)
{
	int64_t uid = 0, oid = 0;
	enum tp_err e = user ? lookup_id(s, "SELECT id FROM users WHERE name=?1", user, &uid)
			     : sq_org_find(s, org, &oid);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no %s '%s'", user ? "user" : "organisation",
				   user ? user : org);
	if (e)
		return tp_diag_set(d, e, "cannot look up grantee");
	struct arg a[] = {A_I(collection),
			  {.is_null = !uid, .i = uid},
			  {.is_null = !oid, .i = oid},
			  A_I(bits)};
	if (revoke) {
		e = exec1(s,
			  "UPDATE grants SET bits = bits & ~?4 WHERE collection=?1 AND"
			  " ifnull(user,0)=ifnull(?2,0) AND ifnull(org,0)=ifnull(?3,0)",
			  a, 4, NULL, NULL, "grant", d);
		if (!e)
			e = exec1(s, "DELETE FROM grants WHERE bits=0", NULL, 0, NULL, NULL,
				  "grant", d);
		return e;
	}
	return exec1(s,
		     "INSERT INTO grants(collection, user, org, bits) VALUES(?1,?2,?3,?4)"
		     " ON CONFLICT(collection, ifnull(user, 0), ifnull(org, 0))"
		     " DO UPDATE SET bits = bits | excluded.bits",
		     a, 4, NULL, NULL, "grant", d);
}

static enum tp_err sq_access(struct tp_store *s, const struct tp_account *a, int64_t collection,
			     unsigned *bits)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT ifnull(sum(DISTINCT bits & 1), 0) |"
				      " ifnull(sum(DISTINCT bits & 2), 0) FROM grants"
				      " WHERE collection=?1 AND (user=?2 OR org=?3)");
	if (st) {
		sqlite3_bind_int64(st, 1, collection);
		sqlite3_bind_int64(st, 2, a->user);
		sqlite3_bind_int64(st, 3, a->org);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*bits = (unsigned)sqlite3_column_int(st, 0);
			e = TP_OK;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

static enum tp_err sq_list(struct tp_store *s, const char *what,
			   void (*fn)(void *, const char *line), void *ctx)
{
	static const struct {
		const char *what, *sql;
	} lists[] = {
		{"orgs", "SELECT name || '  ' || title FROM orgs ORDER BY name"},
		{"users",
		 "SELECT u.name || '  org=' || o.name || iif(u.partner, '  partner-node', '')"
		 " FROM users u JOIN orgs o ON o.id=u.org ORDER BY u.name"},
		{"tokens",
		 "SELECT t.id || '  user=' || u.name || '  label=' || t.label FROM tokens t"
		 " JOIN users u ON u.id=t.user ORDER BY t.id"},
		{"roots", "SELECT name || iif(is_default, '  (default)', '') || '  ' || title"
			  " FROM roots ORDER BY name"},
		{"collections",
		 "SELECT r.name || '  ' || c.uuid || '  alias=' || ifnull(c.alias, '-') ||"
		 " '  ' || c.title || '  tlp=' || CASE c.default_tlp WHEN -1 THEN 'node-default'"
		 " WHEN 0 THEN 'clear' WHEN 1 THEN 'green' WHEN 2 THEN 'amber' WHEN 3 THEN"
		 " 'amber+strict' ELSE 'red' END || '  objects=' || (SELECT count(*) FROM objects "
		 "WHERE"
		 " collection=c.id) FROM collections c JOIN roots r ON r.id=c.root ORDER BY c.id"},
		{"grants",
		 "SELECT ifnull(c.alias, c.uuid) || '  ' || iif(g.user IS NOT NULL,"
		 " 'user=' || u.name, 'org=' || o.name) || '  ' || iif(g.bits & 1, 'read',"
		 " '') || iif(g.bits = 3, ',', '') || iif(g.bits & 2, 'write', '')"
		 " FROM grants g JOIN collections c ON c.id=g.collection LEFT JOIN users u"
		 " ON u.id=g.user LEFT JOIN orgs o ON o.id=g.org ORDER BY c.id"},
	};
	const char *sql = NULL;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (strcmp(what, lists[i].what) == 0)
			sql = lists[i].sql;
	if (!sql)
		return TP_EINVAL;
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, sql);
	if (st) {
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			fn(ctx, (const char *)sqlite3_column_text(st, 0));
		e = rc == SQLITE_DONE ? TP_OK : TP_EDB;
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

/* ---- status resources ---- */

static enum tp_err sq_status_put(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
				 const char *json)
{
	struct arg a[] = {A_S(uuid), A_I(root), A_I(user), A_I(tp_time_now()), A_S(json)};
	return exec1(s,
		     "INSERT OR REPLACE INTO statuses(uuid, root, user, created, body)"
		     " VALUES(?1,?2,?3,?4,?5)",
		     a, 5, NULL, NULL, "status", NULL);
}

static enum tp_err sq_status_get(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
				 char **json)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st =
		sq_prep(c, "SELECT body FROM statuses WHERE uuid=?1 AND root=?2 AND user=?3");
	if (st) {
		sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, root);
		sqlite3_bind_int64(st, 3, user);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*json = strdup((const char *)sqlite3_column_text(st, 0));
			e = *json ? TP_OK : TP_ENOMEM;
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
