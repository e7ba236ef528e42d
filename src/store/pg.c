/*
 * The PostgreSQL store back end, for nodes that outgrow one machine: the
 * data argument is a libpq URI (postgres://user@host/db, or
 * postgresql:///db?host=/run/postgresql for a Unix socket). The schema is
 * the SQLite one (sqlite.c) in PostgreSQL's types, created on first open.
 *
 * Each thread borrows a connection from a small pool, like the SQLite back
 * end; each connection prepares its statements once. date_added stays
 * unique and strictly increasing per collection: a batch locks its
 * collections' rows (SELECT ... FOR UPDATE) and takes
 * max(now, last_added + 1 µs), so writers of one collection queue in the
 * database, also across processes and machines.
 *
 * The sharing policy is the SQL function tp_may_read(), a transcription of
 * tp_tlp_may_read() (src/stix/tlp.c) that PostgreSQL inlines into the
 * query: LIMIT counts only rows the viewer may see and `more` is exact.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

static const char schema[] =
	"SELECT pg_advisory_xact_lock(7406522);" /* one creator at a time */
	"CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS orgs(id BIGSERIAL PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" title TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS users(id BIGSERIAL PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" org BIGINT NOT NULL REFERENCES orgs(id), pwhash TEXT NOT NULL,"
	" partner INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS tokens(id BIGSERIAL PRIMARY KEY,"
	" user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" hash BYTEA UNIQUE NOT NULL, label TEXT NOT NULL DEFAULT '', created BIGINT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS roots(id BIGSERIAL PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
	" is_default INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS collections(id BIGSERIAL PRIMARY KEY,"
	" root BIGINT NOT NULL REFERENCES roots(id), uuid TEXT UNIQUE NOT NULL,"
	" alias TEXT, title TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',"
	" default_tlp INTEGER NOT NULL DEFAULT -1,"
	" last_added BIGINT NOT NULL DEFAULT 0, UNIQUE(root, alias));"
	"CREATE TABLE IF NOT EXISTS grants(collection BIGINT NOT NULL"
	" REFERENCES collections(id) ON DELETE CASCADE,"
	" user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,"
	" org BIGINT REFERENCES orgs(id) ON DELETE CASCADE, bits INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS grants_key ON grants(collection,"
	" coalesce(user_id, 0), coalesce(org, 0));"
	"CREATE TABLE IF NOT EXISTS objects(rowid BIGSERIAL PRIMARY KEY,"
	" collection BIGINT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
	" date_added BIGINT NOT NULL, stix_id TEXT NOT NULL, type TEXT NOT NULL,"
	" spec_version TEXT NOT NULL, version BIGINT NOT NULL, origin BIGINT NOT NULL,"
	" tlp INTEGER NOT NULL, partner INTEGER NOT NULL, dflt INTEGER NOT NULL,"
	" unresolved INTEGER NOT NULL, latest BOOLEAN NOT NULL DEFAULT false,"
	" body TEXT NOT NULL);"
	"CREATE UNIQUE INDEX IF NOT EXISTS objects_added ON objects(collection, date_added);"
	"CREATE UNIQUE INDEX IF NOT EXISTS objects_version ON objects(collection, stix_id,"
	" version);"
	"CREATE INDEX IF NOT EXISTS objects_type ON objects(collection, type, date_added);"
	"CREATE INDEX IF NOT EXISTS objects_unresolved ON objects(unresolved) WHERE"
	" unresolved<>0;"
	"CREATE TABLE IF NOT EXISTS markings(stix_id TEXT NOT NULL, origin BIGINT NOT NULL,"
	" kind INTEGER NOT NULL, tlp INTEGER NOT NULL, PRIMARY KEY(stix_id, origin));"
	"CREATE TABLE IF NOT EXISTS statuses(uuid TEXT PRIMARY KEY, root BIGINT NOT NULL,"
	" user_id BIGINT NOT NULL, created BIGINT NOT NULL, body TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS peers(id BIGSERIAL PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
	" url TEXT NOT NULL, remote_collection TEXT NOT NULL,"
	" collection BIGINT NOT NULL REFERENCES collections(id) ON DELETE CASCADE,"
	" as_user BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	" mode INTEGER NOT NULL, token_file TEXT NOT NULL DEFAULT '',"
	" login TEXT NOT NULL DEFAULT '', password TEXT NOT NULL DEFAULT '',"
	" ca_file TEXT NOT NULL DEFAULT '', pull_cursor TEXT NOT NULL DEFAULT '',"
	" push_cursor BIGINT NOT NULL DEFAULT 0);"
	/* tp_tlp_may_read(): 0 clear, 1 green, 2 amber, 3 amber+strict, 4 red */
	"CREATE OR REPLACE FUNCTION tp_may_read(tlp INTEGER, origin BIGINT, partner INTEGER,"
	" vorg BIGINT, vread INTEGER, node BIGINT) RETURNS BOOLEAN LANGUAGE sql IMMUTABLE"
	" AS $$ SELECT vread<>0 AND CASE"
	" WHEN tlp IN (0, 1) THEN true"
	" WHEN tlp IN (2, 3) THEN (vorg<>0 AND vorg=origin) OR partner=0"
	"  OR (node<>0 AND vorg=node)"
	" ELSE vorg<>0 AND vorg=origin END $$;";

/* libpq's own messages end with a newline: the length without it */
static int msg_len(const char *m)
{
	int len = (int)strlen(m);
	while (len && m[len - 1] == '\n')
		len--;
	return len;
}

enum tp_err pg_server_err(const PGresult *r, PGconn *pg, const char *what, struct tp_diag *d)
{
	const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (!msg)
		msg = PQerrorMessage(pg);
	int len = msg_len(msg);
	if (state && strcmp(state, "23505") == 0)
		return tp_diag_set(d, TP_EEXIST, "%s: already exists", what);
	if (state && strncmp(state, "23", 2) == 0)
		return tp_diag_set(d, TP_ECONFLICT, "%s: %.*s", what, len, msg);
	return tp_diag_set(d, TP_EDB, "%s: PostgreSQL: %.*s", what, len, msg);
}

static void conn_close(struct pgc *c)
{
	if (!c)
		return;
	for (int i = 0; i < PG_STMT_CACHE; i++)
		free(c->sql[i]);
	PQfinish(c->pg);
	free(c);
}

static void ignore_notice(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static struct pgc *conn_open(struct pgs *q, struct tp_diag *d)
{
	struct pgc *c = calloc(1, sizeof *c);
	if (!c) {
		tp_diag_set(d, TP_ENOMEM, "out of memory");
		return NULL;
	}
	c->pg = PQconnectdb(q->url);
	if (PQstatus(c->pg) != CONNECTION_OK) {
		const char *m = c->pg ? PQerrorMessage(c->pg) : "out of memory";
		tp_diag_set(d, TP_EDB, "cannot connect to PostgreSQL: %.*s", msg_len(m), m);
		conn_close(c);
		return NULL;
	}
	/* the library never prints: drop the server's notices ("already
	 * exists, skipping" when the schema is there) */
	PQsetNoticeProcessor(c->pg, ignore_notice, NULL);
	/* A prepared statement keeps one plan for all its values. Left to
	 * choose, PostgreSQL plans a page of objects anew at every call, which
	 * costs it three times what running the query does; the one plan
	 * (the collection's date_added index) serves every page. Queries whose
	 * best plan depends on their values use pg_run_planned(). An older
	 * server without the setting plans as before. */
	PQclear(PQexec(c->pg, "SET plan_cache_mode = force_generic_plan"));
	return c;
}

/* The connection holding this thread's read section, as in sqlite.c. */
static _Thread_local struct pgc *pinned;
static _Thread_local struct pgs *pinned_q;

/* Reads the answer to a read section's COMMIT (see pg_read_end); 0 if the
 * connection is no longer fit for use. */
static int settle(struct pgc *c)
{
	int ok = 1;
	PGresult *r;
	c->commit_due = 0;
	while ((r = PQgetResult(c->pg))) {
		ok = ok && PQresultStatus(r) == PGRES_COMMAND_OK;
		PQclear(r);
	}
	return ok && PQstatus(c->pg) == CONNECTION_OK && PQtransactionStatus(c->pg) == PQTRANS_IDLE;
}

struct pgc *pg_take(struct pgs *q, struct tp_diag *d)
{
	if (pinned && pinned_q == q)
		return pinned;
	for (;;) {
		pthread_mutex_lock(&q->mu);
		struct pgc *c = q->n_idle ? q->idle[--q->n_idle] : NULL;
		pthread_mutex_unlock(&q->mu);
		if (!c)
			return conn_open(q, d);
		if (!c->commit_due || settle(c))
			return c;
		conn_close(c);
	}
}

void pg_give(struct pgs *q, struct pgc *c)
{
	if (!c || c == pinned)
		return;
	/* a connection whose COMMIT is on its way is active until it lands */
	int idle = c->commit_due ? PQtransactionStatus(c->pg) == PQTRANS_ACTIVE
				 : PQtransactionStatus(c->pg) == PQTRANS_IDLE;
	if (PQstatus(c->pg) != CONNECTION_OK || !idle ||
	    PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF) {
		conn_close(c);
		return;
	}
	pthread_mutex_lock(&q->mu);
	if (q->n_idle < PG_POOL_MAX) {
		q->idle[q->n_idle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&q->mu);
	conn_close(c);
}

enum tp_err pg_cmd(struct pgc *c, const char *sql, struct tp_diag *d)
{
	PGresult *r = PQexec(c->pg, sql);
	enum tp_err e = TP_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		e = pg_server_err(r, c->pg, sql, d);
	PQclear(r);
	return e;
}

/* A statement: the prepared one called name, or sql planned for its
 * values when sql is not NULL. */
struct stmt {
	const char *sql;
	char name[16];
	int n;
	const struct pg_values *v;
};

static int send_stmt(PGconn *pg, const struct stmt *t)
{
	const struct pg_values *v = t->v;
	return t->sql ? PQsendQueryParams(pg, t->sql, t->n, NULL, v->vals, v->lens, v->fmts, 0)
		      : PQsendQueryPrepared(pg, t->name, t->n, v->vals, v->lens, v->fmts, 0);
}

/*
 * A read section costs no round trip of its own: BEGIN goes to the server
 * in one pipeline with the section's first statement (pg_run), and the
 * COMMIT of what only read is sent without waiting; the next borrower of
 * the connection reads its answer, long since there.
 */
static void pg_read_begin(struct tp_store *s)
{
	if (pinned)
		return;
	struct pgc *c = pg_take(PGS(s), NULL);
	if (!c)
		return;
	c->begin_due = 1;
	pinned = c;
	pinned_q = PGS(s);
}

static void pg_read_end(struct tp_store *s)
{
	if (!pinned || pinned_q != PGS(s))
		return;
	struct pgc *c = pinned;
	pinned = NULL;
	pinned_q = NULL;
	if (c->begin_due)
		c->begin_due = 0; /* nothing was read */
	else if (PQsendQuery(c->pg, "COMMIT") == 1)
		c->commit_due = 1;
	else
		(void)pg_cmd(c, "ROLLBACK", NULL);
	pg_give(PGS(s), c);
}

/* The answer to statement t; with a read section's BEGIN first when one
 * is due, both in one round trip. */
static PGresult *exec(struct pgc *c, const struct stmt *t)
{
	PGconn *pg = c->pg;
	const struct pg_values *v = t->v;
	if (!c->begin_due)
		return t->sql ? PQexecParams(pg, t->sql, t->n, NULL, v->vals, v->lens, v->fmts, 0)
			      : PQexecPrepared(pg, t->name, t->n, v->vals, v->lens, v->fmts, 0);
	c->begin_due = 0;
	if (PQenterPipelineMode(pg) != 1)
		return NULL;
	int sent = PQsendQueryParams(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ", 0, NULL, NULL,
				     NULL, NULL, 0) == 1 &&
		   send_stmt(pg, t) == 1 && PQpipelineSync(pg) == 1;
	/* each answer is followed by a NULL, the sync point's is not */
	PGresult *begin = sent ? PQgetResult(pg) : NULL;
	PGresult *r = begin && !PQgetResult(pg) ? PQgetResult(pg) : NULL;
	if (r && !PQgetResult(pg)) {
		PGresult *sync = PQgetResult(pg);
		if (PQresultStatus(sync) != PGRES_PIPELINE_SYNC) {
			PQclear(r);
			r = NULL;
		}
		PQclear(sync);
	}
	if (PQresultStatus(begin) != PGRES_COMMAND_OK) {
		PQclear(r);
		r = begin; /* the reason; the statement was skipped */
		begin = NULL;
	}
	PQclear(begin);
	/* failing to leave pipeline mode closes the connection (pg_give) */
	(void)PQexitPipelineMode(pg);
	return r;
}

int pg_cached(const struct pgc *c, const char *sql)
{
	for (int i = 0; i < PG_STMT_CACHE; i++)
		if (c->sql[i] && strcmp(c->sql[i], sql) == 0)
			return i;
	return -1;
}

void pg_stmt_name(int slot, char name[16])
{
	snprintf(name, 16, "tp%d", slot);
}

enum tp_err pg_prepare(struct pgc *c, const char *sql, int *slot, const char *what,
		       struct tp_diag *d)
{
	int k = pg_cached(c, sql);
	if (k >= 0) {
		*slot = k;
		return TP_OK;
	}
	k = (int)(c->next_evict++ % PG_STMT_CACHE);
	char name[16];
	pg_stmt_name(k, name);
	if (c->sql[k]) {
		char dealloc[32];
		snprintf(dealloc, sizeof dealloc, "DEALLOCATE %s", name);
		PQclear(PQexec(c->pg, dealloc));
		free(c->sql[k]);
		c->sql[k] = NULL;
	}
	PGresult *r = PQprepare(c->pg, name, sql, 0, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		enum tp_err e = pg_server_err(r, c->pg, what, d);
		PQclear(r);
		return e;
	}
	PQclear(r);
	c->sql[k] = strdup(sql);
	if (!c->sql[k]) {
		PQclear(PQexec(c->pg, "DEALLOCATE ALL"));
		memset(c->sql, 0, sizeof c->sql);
		return tp_diag_set(d, TP_ENOMEM, "%s: out of memory", what);
	}
	*slot = k;
	return TP_OK;
}

enum tp_err pg_values(const struct pg_arg *args, int n, struct pg_values *v, const char *what,
		      struct tp_diag *d)
{
	if (n > PG_MAX_ARGS)
		return tp_diag_set(d, TP_ELIMIT, "%s: too many parameters", what);
	for (int i = 0; i < n; i++) {
		v->lens[i] = 0;
		v->fmts[i] = 0;
		if (args[i].is_null) {
			v->vals[i] = NULL;
		} else if (args[i].s) {
			v->vals[i] = args[i].s;
		} else if (args[i].bin) {
			v->vals[i] = args[i].bin;
			v->lens[i] = args[i].len;
			v->fmts[i] = 1;
		} else {
			snprintf(v->nums[i], sizeof v->nums[i], "%lld", (long long)args[i].i);
			v->vals[i] = v->nums[i];
		}
	}
	return TP_OK;
}

/* r when it holds an answer, else NULL with *err and d set (r freed). */
static PGresult *answer(struct pgc *c, PGresult *r, const char *what, struct tp_diag *d,
			enum tp_err *err)
{
	ExecStatusType st = PQresultStatus(r);
	if (r && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK))
		return r;
	*err = pg_server_err(r, c->pg, what, d);
	PQclear(r);
	return NULL;
}

PGresult *pg_run(struct pgc *c, const char *sql, const struct pg_arg *args, int n, const char *what,
		 struct tp_diag *d, enum tp_err *err)
{
	struct pg_values v;
	int k;
	*err = pg_values(args, n, &v, what, d);
	if (!*err)
		*err = pg_prepare(c, sql, &k, what, d);
	if (*err)
		return NULL;
	struct stmt t = {.n = n, .v = &v};
	pg_stmt_name(k, t.name);
	return answer(c, exec(c, &t), what, d, err);
}

PGresult *pg_run_planned(struct pgc *c, const char *sql, const struct pg_arg *args, int n,
			 const char *what, struct tp_diag *d, enum tp_err *err)
{
	struct pg_values v;
	*err = pg_values(args, n, &v, what, d);
	if (*err)
		return NULL;
	struct stmt t = {.sql = sql, .n = n, .v = &v};
	return answer(c, exec(c, &t), what, d, err);
}

PGresult *pg_select(struct tp_store *s, const char *sql, const struct pg_arg *args, int n,
		    const char *what, struct tp_diag *d, enum tp_err *err)
{
	struct pgc *c = pg_take(PGS(s), d);
	if (!c) {
		*err = TP_EDB;
		return NULL;
	}
	PGresult *r = pg_run(c, sql, args, n, what, d, err);
	pg_give(PGS(s), c);
	return r;
}

enum tp_err pg_exec1(struct tp_store *s, const char *sql, const struct pg_arg *args, int n,
		     int *changes, int64_t *id, const char *what, struct tp_diag *d)
{
	enum tp_err e;
	PGresult *r = pg_select(s, sql, args, n, what, d, &e);
	if (!r)
		return e;
	if (changes)
		*changes = atoi(PQcmdTuples(r));
	if (id && PQntuples(r) > 0)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	return TP_OK;
}

void pg_copy(char *dst, size_t n, const PGresult *r, int row, int col)
{
	snprintf(dst, n, "%s", PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col));
}

int64_t pg_int(const PGresult *r, int row, int col)
{
	return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

enum tp_err pg_lookup_id(struct tp_store *s, const char *sql, const char *key, int64_t *id)
{
	struct pg_arg a[] = {P_S(key)};
	enum tp_err e;
	PGresult *r = pg_select(s, sql, a, 1, "lookup", NULL, &e);
	if (!r)
		return e;
	e = PQntuples(r) ? TP_OK : TP_ENOTFOUND;
	if (!e)
		*id = pg_int(r, 0, 0);
	PQclear(r);
	return e;
}

/* Runs sql with one text key and copies the first column of its only row
 * into *out (caller owns); TP_ENOTFOUND if no row. */
static enum tp_err select_text(struct tp_store *s, const char *sql, const struct pg_arg *a, int n,
			       char **out)
{
	enum tp_err e;
	PGresult *r = pg_select(s, sql, a, n, "read", NULL, &e);
	if (!r)
		return e;
	e = TP_ENOTFOUND;
	if (PQntuples(r)) {
		*out = strdup(PQgetvalue(r, 0, 0));
		e = *out ? TP_OK : TP_ENOMEM;
	}
	PQclear(r);
	return e;
}

static void pg_close(struct tp_store *s)
{
	struct pgs *q = PGS(s);
	for (int i = 0; i < q->n_idle; i++)
		conn_close(q->idle[i]);
	pthread_mutex_destroy(&q->mu);
	free(q->url);
	free(q);
}

/* ---- settings ---- */

static enum tp_err pg_setting_get(struct tp_store *s, const char *key, char **out)
{
	struct pg_arg a[] = {P_S(key)};
	return select_text(s, "SELECT value FROM settings WHERE key=$1", a, 1, out);
}

static enum tp_err pg_setting_set(struct tp_store *s, const char *key, const char *value)
{
	struct pg_arg a[] = {P_S(key), P_S(value)};
	return pg_exec1(s,
			"INSERT INTO settings(key, value) VALUES($1, $2)"
			" ON CONFLICT(key) DO UPDATE SET value=excluded.value",
			a, 2, NULL, NULL, "setting", NULL);
}

/* ---- organisations and users ---- */

static enum tp_err pg_org_add(struct tp_store *s, const char *name, const char *title, int64_t *id,
			      struct tp_diag *d)
{
	enum tp_err e = tp_store_check_name(name, "organisation", d);
	if (e)
		return e;
	struct pg_arg a[] = {P_S(name), P_S(title ? title : name)};
	int64_t row = 0;
	e = pg_exec1(s, "INSERT INTO orgs(name, title) VALUES($1, $2) RETURNING id", a, 2, NULL,
		     &row, "organisation", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, TP_EEXIST, "organisation '%s' already exists", name);
	if (!e && id)
		*id = row;
	return e;
}

static enum tp_err pg_org_find(struct tp_store *s, const char *name, int64_t *id)
{
	return pg_lookup_id(s, "SELECT id FROM orgs WHERE name=$1", name, id);
}

static enum tp_err pg_org_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	int64_t id;
	enum tp_err e = pg_org_find(s, name, &id);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no organisation '%s'", name);
	if (e)
		return tp_diag_set(d, e, "cannot look up organisation '%s'", name);
	struct pg_arg a[] = {P_I(id)};
	e = pg_exec1(s, "DELETE FROM orgs WHERE id=$1", a, 1, NULL, NULL, "organisation", d);
	if (e == TP_ECONFLICT)
		return tp_diag_set(d, e, "organisation '%s' still has users; remove them first",
				   name);
	return e;
}

static enum tp_err pg_user_add(struct tp_store *s, const char *name, const char *org_name,
			       const char *pwhash, int partner, struct tp_diag *d)
{
	enum tp_err e = tp_store_check_name(name, "user", d);
	if (e)
		return e;
	int64_t org;
	e = pg_org_find(s, org_name ? org_name : "", &org);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no organisation '%s' (add it with 'admin org add')",
				   org_name ? org_name : "");
	if (e)
		return tp_diag_set(d, e, "cannot look up organisation");
	struct pg_arg a[] = {P_S(name), P_I(org), P_S(pwhash), P_I(partner ? 1 : 0)};
	e = pg_exec1(s, "INSERT INTO users(name, org, pwhash, partner) VALUES($1, $2, $3, $4)", a,
		     4, NULL, NULL, "user", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "user '%s' already exists", name);
	return e;
}

/* A one-row update or delete keyed by name: TP_ENOTFOUND if no row. */
static enum tp_err change_named(struct tp_store *s, const char *sql, const struct pg_arg *a, int n,
				const char *what, const char *name, struct tp_diag *d)
{
	int changed = 0;
	enum tp_err e = pg_exec1(s, sql, a, n, &changed, NULL, what, d);
	if (!e && changed == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no %s '%s'", what, name);
	return e;
}

static enum tp_err pg_user_set_hash(struct tp_store *s, const char *name, const char *pwhash,
				    struct tp_diag *d)
{
	struct pg_arg a[] = {P_S(pwhash), P_S(name)};
	return change_named(s, "UPDATE users SET pwhash=$1 WHERE name=$2", a, 2, "user", name, d);
}

static enum tp_err pg_user_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	struct pg_arg a[] = {P_S(name)};
	return change_named(s, "DELETE FROM users WHERE name=$1", a, 1, "user", name, d);
}

#define ACCOUNT_COLS "u.id, u.org, u.partner, u.name, o.name"

static void read_account(const PGresult *r, struct tp_account *a)
{
	memset(a, 0, sizeof *a);
	a->user = pg_int(r, 0, 0);
	a->org = pg_int(r, 0, 1);
	a->partner = (int)pg_int(r, 0, 2);
	pg_copy(a->name, sizeof a->name, r, 0, 3);
	pg_copy(a->org_name, sizeof a->org_name, r, 0, 4);
}

/* Reads one account row of sql; *pwhash (may be NULL) from column 5. */
static enum tp_err account(struct tp_store *s, const char *sql, const char *key,
			   struct tp_account *a, char **pwhash)
{
	struct pg_arg arg[] = {P_S(key)};
	enum tp_err e;
	PGresult *r = pg_select(s, sql, arg, 1, "account", NULL, &e);
	if (!r)
		return e;
	e = TP_ENOTFOUND;
	if (PQntuples(r)) {
		read_account(r, a);
		e = TP_OK;
		if (pwhash) {
			*pwhash = strdup(PQgetvalue(r, 0, 5));
			e = *pwhash ? TP_OK : TP_ENOMEM;
		}
	}
	PQclear(r);
	return e;
}

static enum tp_err pg_user_get(struct tp_store *s, const char *name, struct tp_account *a,
			       char **pwhash)
{
	return account(s,
		       "SELECT " ACCOUNT_COLS ", u.pwhash FROM users u JOIN orgs o ON o.id=u.org"
		       " WHERE u.name=$1",
		       name, a, pwhash);
}

/* bytea's text input: \x and hex digits */
static void hex32(const unsigned char h[32], char out[67])
{
	out[0] = '\\';
	out[1] = 'x';
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 + 2 * i, 3, "%02x", h[i]);
}

static enum tp_err pg_token_add(struct tp_store *s, const char *user, const char *label,
				const unsigned char hash[32], int64_t *id, struct tp_diag *d)
{
	int64_t uid;
	enum tp_err e = pg_lookup_id(s, "SELECT id FROM users WHERE name=$1", user, &uid);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no user '%s'", user);
	if (e)
		return tp_diag_set(d, e, "cannot look up user '%s'", user);
	char hex[67];
	hex32(hash, hex);
	struct pg_arg a[] = {P_I(uid), P_S(hex), P_S(label), P_I(tp_time_now())};
	return pg_exec1(s,
			"INSERT INTO tokens(user_id, hash, label, created) VALUES($1,$2,$3,$4)"
			" RETURNING id",
			a, 4, NULL, id, "token", d);
}

static enum tp_err pg_token_revoke(struct tp_store *s, int64_t id, struct tp_diag *d)
{
	struct pg_arg a[] = {P_I(id)};
	int n = 0;
	enum tp_err e = pg_exec1(s, "DELETE FROM tokens WHERE id=$1", a, 1, &n, NULL, "token", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no token %lld", (long long)id);
	return e;
}

static enum tp_err pg_token_get(struct tp_store *s, const unsigned char hash[32],
				struct tp_account *a)
{
	char hex[67];
	hex32(hash, hex);
	return account(s,
		       "SELECT " ACCOUNT_COLS " FROM tokens t JOIN users u ON u.id=t.user_id"
		       " JOIN orgs o ON o.id=u.org WHERE t.hash=$1::bytea",
		       hex, a, NULL);
}

static const struct tp_store_ops pg_ops = {
	.name = "postgresql",
	.close = pg_close,
	.setting_get = pg_setting_get,
	.setting_set = pg_setting_set,
	.org_add = pg_org_add,
	.org_find = pg_org_find,
	.org_remove = pg_org_remove,
	.user_add = pg_user_add,
	.user_set_hash = pg_user_set_hash,
	.user_remove = pg_user_remove,
	.user_get = pg_user_get,
	.token_add = pg_token_add,
	.token_revoke = pg_token_revoke,
	.token_get = pg_token_get,
	.root_add = pg_root_add,
	.root_find = pg_root_find,
	.root_list = pg_root_list,
	.collection_add = pg_collection_add,
	.collection_find = pg_collection_find,
	.collection_list = pg_collection_list,
	.collection_remove = pg_collection_remove,
	.grant = pg_grant,
	.access = pg_access,
	.collection_open = pg_collection_open,
	.list = pg_list,
	.put_many = pg_put_many,
	.query = pg_query,
	.delete_versions = pg_delete,
	.status_put = pg_status_put,
	.status_get = pg_status_get,
	.peer_add = pg_peer_add,
	.peer_find = pg_peer_find,
	.peer_list = pg_peer_list,
	.peer_remove = pg_peer_remove,
	.peer_set_cursors = pg_peer_set_cursors,
	.count_added = pg_count_added,
	.id_known = pg_id_known,
	.read_begin = pg_read_begin,
	.read_end = pg_read_end,
};

enum tp_err tp_store_pg_open(const char *url, struct tp_store **out, struct tp_diag *d)
{
	struct pgs *q = calloc(1, sizeof *q);
	if (!q)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	q->base.ops = &pg_ops;
	pthread_mutex_init(&q->mu, NULL);
	q->url = strdup(url);
	if (!q->url) {
		pg_close(&q->base);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	struct pgc *c = conn_open(q, d);
	if (!c) {
		pg_close(&q->base);
		return TP_EDB;
	}
	/* one implicit transaction: the advisory lock holds until its end */
	PGresult *r = PQexec(c->pg, schema);
	enum tp_err e = TP_OK;
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK)
		e = pg_server_err(r, c->pg, "cannot create the schema", d);
	PQclear(r);
	pg_give(q, c);
	if (e) {
		pg_close(&q->base);
		return e;
	}
	*out = &q->base;
	return TP_OK;
}
