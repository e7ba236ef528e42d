/*
 * Objects in the PostgreSQL store: put (one transaction per batch), TAXII
 * queries, deletes -- the statements of sqlite_objects.c in PostgreSQL's
 * dialect, with the same WHERE clause (query_sql.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "query_sql.h"
#include "tripact/json.h"

struct resolve_ctx {
	struct pgc *c;
	int64_t origin;
};

/* Marking definitions are trusted only from the organisation whose objects
 * use them (as in sqlite_objects.c). */
static enum tp_marking_kind resolve(void *ctx, const char *id, enum tp_tlp *level)
{
	struct resolve_ctx *rc = ctx;
	struct pg_arg a[] = {P_S(id), P_I(rc->origin)};
	enum tp_err e;
	PGresult *r = pg_run(rc->c, "SELECT kind, tlp FROM markings WHERE stix_id=$1 AND origin=$2",
			     a, 2, "marking", NULL, &e);
	enum tp_marking_kind k = TP_MARKING_UNKNOWN;
	if (r && PQntuples(r)) {
		k = (enum tp_marking_kind)pg_int(r, 0, 0);
		*level = (enum tp_tlp)pg_int(r, 0, 1);
	}
	PQclear(r);
	return k;
}

/* Runs a statement whose rows are not wanted. */
static enum tp_err run(struct pgc *c, const char *sql, const struct pg_arg *a, int n,
		       const char *what, struct tp_diag *d, int *changes)
{
	enum tp_err e;
	PGresult *r = pg_run(c, sql, a, n, what, d, &e);
	if (r && changes)
		*changes = atoi(PQcmdTuples(r));
	PQclear(r);
	return e;
}

/* Per-batch memory of each collection's last date_added. */
struct last {
	int64_t collection;
	tp_time_us last;
};

/* The collection's row stays locked until the batch ends: writers of one
 * collection take their date_added one after the other. */
static enum tp_err last_added(struct pgc *c, struct last *ls, int *n, int64_t coll,
			      struct last **out, struct tp_diag *d)
{
	for (int i = 0; i < *n; i++)
		if (ls[i].collection == coll) {
			*out = &ls[i];
			return TP_OK;
		}
	if (*n == 8)
		return tp_diag_set(d, TP_ELIMIT, "a batch may touch at most 8 collections");
	struct pg_arg a[] = {P_I(coll)};
	enum tp_err e;
	PGresult *r = pg_run(c, "SELECT last_added FROM collections WHERE id=$1 FOR UPDATE", a, 1,
			     "collection", d, &e);
	if (!r)
		return e;
	if (!PQntuples(r)) {
		PQclear(r);
		return tp_diag_set(d, TP_ENOTFOUND, "no such collection");
	}
	ls[*n].collection = coll;
	ls[*n].last = pg_int(r, 0, 0);
	PQclear(r);
	*out = &ls[(*n)++];
	return TP_OK;
}

/*
 * Inserts one version, works out whether it is the newest of its id
 * (`latest`) and clears `latest` on the older ones: one round trip to the
 * server. *inserted: 0 if that version was already there.
 */
static enum tp_err store_row(struct pgc *c, const struct tp_store_put *p, const char *id,
			     const char *type, tp_time_us added, tp_time_us version, int unresolved,
			     struct tp_store_put_result *r, int *inserted, struct tp_diag *d)
{
	const char *sv = tp_json_str(p->object, "spec_version");
	char *body = p->json ? strndup(p->json, p->json_len) : tp_json_dump(p->object);
	if (!body)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	struct pg_arg a[] = {P_I(p->collection),
			     P_I(added),
			     P_S(id),
			     P_S(type),
			     P_S(sv ? sv : "2.1"),
			     P_I(version),
			     P_I(p->origin),
			     P_I((int)r->tlp),
			     P_I(p->from_partner ? 1 : 0),
			     P_I((int)p->default_tlp),
			     P_I(unresolved),
			     P_S(body)};
	enum tp_err e;
	PGresult *res = pg_run(
		c,
		"WITH prev AS (SELECT max(version) AS v FROM objects WHERE collection=$1::bigint"
		" AND stix_id=$3::text),"
		" ins AS (INSERT INTO objects(collection, date_added, stix_id, type, spec_version,"
		" version, origin, tlp, partner, dflt, unresolved, body, latest)"
		" SELECT $1::bigint, $2::bigint, $3::text, $4::text, $5::text, $6::bigint,"
		" $7::bigint, $8::int, $9::int, $10::int, $11::int, $12::text,"
		" prev.v IS NULL OR $6::bigint > prev.v FROM prev"
		" ON CONFLICT(collection, stix_id, version) DO NOTHING RETURNING latest),"
		" upd AS (UPDATE objects SET latest=false WHERE collection=$1::bigint AND"
		" stix_id=$3::text AND latest AND version<$6::bigint AND"
		" EXISTS (SELECT 1 FROM ins WHERE ins.latest))"
		" SELECT count(*) FROM ins",
		a, 12, "object", d, &e);
	free(body);
	if (!res)
		return e;
	*inserted = (int)pg_int(res, 0, 0);
	PQclear(res);
	return TP_OK;
}

/* Stores one object; per-object problems go to r, database errors return. */
static enum tp_err put_one(struct pgc *c, const struct tp_store_put *p, struct last *l,
			   struct tp_store_put_result *r, int *new_marking, struct tp_diag *d)
{
	const char *id = tp_json_str(p->object, "id");
	const char *type = tp_json_str(p->object, "type");
	tp_time_us added, version;
	if (!tp_store_put_stamps(p->object, l->last, &added, &version, r))
		return TP_OK;
	int unresolved = 0;
	struct resolve_ctx rc = {c, p->origin};
	tp_tlp_of_object(p->object, resolve, &rc, p->default_tlp, &r->tlp, &unresolved);
	int inserted = 0;
	enum tp_err e = store_row(c, p, id, type, added, version, unresolved, r, &inserted, d);
	if (e)
		return e;
	r->version = version;
	if (!inserted) {
		struct pg_arg key[] = {P_I(p->collection), P_S(id), P_I(version)};
		r->duplicate = 1;
		PGresult *res = pg_run(c,
				       "SELECT date_added FROM objects WHERE collection=$1 AND"
				       " stix_id=$2 AND version=$3",
				       key, 3, "object", d, &e);
		if (!res)
			return e;
		if (PQntuples(res))
			r->date_added = pg_int(res, 0, 0);
		PQclear(res);
	} else {
		r->date_added = added;
		l->last = added;
	}
	if (!e && strcmp(type, "marking-definition") == 0) {
		enum tp_tlp lv = TP_TLP_RED;
		enum tp_marking_kind k = tp_tlp_of_definition(p->object, &lv);
		struct pg_arg m[] = {P_S(id), P_I(p->origin), P_I((int)k), P_I((int)lv)};
		e = run(c,
			"INSERT INTO markings(stix_id, origin, kind, tlp) VALUES($1,$2,$3,$4)"
			" ON CONFLICT(stix_id, origin) DO UPDATE SET kind=excluded.kind,"
			" tlp=excluded.tlp",
			m, 4, "marking", d, NULL);
		*new_marking = 1;
	}
	return e;
}

/* Objects held as RED because of a marking the node did not know: look at
 * them again now that new definitions have arrived. */
static enum tp_err reevaluate(struct pgc *c, struct tp_diag *d)
{
	enum tp_err e;
	PGresult *sel = pg_run(c,
			       "SELECT rowid, origin, dflt, body FROM objects WHERE"
			       " unresolved<>0",
			       NULL, 0, "re-evaluate", d, &e);
	if (!sel)
		return e;
	for (int i = 0; i < PQntuples(sel) && !e; i++) {
		json_t *o = NULL;
		const char *body = PQgetvalue(sel, i, 3);
		if (tp_json_load(body, strlen(body), &o, NULL) != TP_OK)
			continue;
		struct resolve_ctx r = {c, pg_int(sel, i, 1)};
		enum tp_tlp t;
		int unresolved;
		tp_tlp_of_object(o, resolve, &r, (enum tp_tlp)pg_int(sel, i, 2), &t, &unresolved);
		json_decref(o);
		struct pg_arg a[] = {P_I((int)t), P_I(unresolved), P_I(pg_int(sel, i, 0))};
		e = run(c, "UPDATE objects SET tlp=$1, unresolved=$2 WHERE rowid=$3", a, 3,
			"re-evaluate", d, NULL);
	}
	PQclear(sel);
	return e;
}

/* COMMIT when e is TP_OK (returning the COMMIT's error if any), else
 * ROLLBACK. */
static enum tp_err write_end(struct pgc *c, enum tp_err e, struct tp_diag *d)
{
	if (!e)
		e = pg_cmd(c, "COMMIT", d);
	if (e)
		(void)pg_cmd(c, "ROLLBACK", NULL);
	return e;
}

enum tp_err pg_put_many(struct tp_store *s, const struct tp_store_put *puts, size_t n,
			struct tp_store_put_result *res, struct tp_diag *d)
{
	struct pgc *c = pg_take(PGS(s), d);
	if (!c)
		return TP_EDB;
	struct last ls[8];
	int nls = 0, new_marking = 0;
	enum tp_err e = pg_cmd(c, "BEGIN", d);
	if (e)
		goto out;
	/* Marking definitions first, so the batch's own objects can use them. */
	for (int pass = 0; pass < 2 && !e; pass++) {
		for (size_t i = 0; i < n && !e; i++) {
			const char *type = tp_json_str(puts[i].object, "type");
			int is_md = type && strcmp(type, "marking-definition") == 0;
			if (is_md != (pass == 0))
				continue;
			struct last *l = NULL;
			e = last_added(c, ls, &nls, puts[i].collection, &l, d);
			if (!e)
				e = put_one(c, &puts[i], l, &res[i], &new_marking, d);
		}
	}
	for (int i = 0; i < nls && !e; i++) {
		struct pg_arg a[] = {P_I(ls[i].last), P_I(ls[i].collection)};
		e = run(c, "UPDATE collections SET last_added=$1 WHERE id=$2", a, 2, "collection",
			d, NULL);
	}
	if (!e && new_marking)
		e = reevaluate(c, d);
	e = write_end(c, e, d);
out:
	pg_give(PGS(s), c);
	return e;
}

/* The parameters of a query_sql.h statement, in its order. */
static int query_args(struct pg_arg *a, const struct tp_query *q, const struct tp_tlp_viewer *v,
		      const char *id, int64_t limit)
{
	tp_time_us lo = q->added_after > q->cursor ? q->added_after : q->cursor;
	int n = 0;
	a[n++] = (struct pg_arg)P_I(q->collection);
	a[n++] = (struct pg_arg)P_I(lo);
	a[n++] = (struct pg_arg)P_I(v->org);
	a[n++] = (struct pg_arg)P_I(v->can_read ? 1 : 0);
	a[n++] = (struct pg_arg)P_I(v->node_org);
	a[n++] = (struct pg_arg)P_I(limit);
	if (id)
		a[n++] = (struct pg_arg)P_S(id);
	for (int i = 0; i < q->n_ids; i++)
		a[n++] = (struct pg_arg)P_S(q->ids[i]);
	for (int i = 0; i < q->n_types; i++)
		a[n++] = (struct pg_arg)P_S(q->types[i]);
	for (int i = 0; i < q->n_spec_versions; i++)
		a[n++] = (struct pg_arg)P_S(q->spec_versions[i]);
	for (int i = 0; i < q->n_stamps; i++)
		a[n++] = (struct pg_arg)P_I(q->stamps[i]);
	return n;
}

enum tp_err pg_query(struct tp_store *s, const struct tp_query *q, const struct tp_tlp_viewer *v,
		     int with_body, int (*fn)(void *, const struct tp_store_row *), void *ctx,
		     int *more, struct tp_diag *d)
{
	struct tp_buf b;
	tp_buf_init(&b, 1 << 16);
	*more = 0;
	enum tp_err e = tp_store_sql_query(&b, '$',
					   with_body ? "SELECT o.date_added, o.version, o.stix_id,"
						       " o.type, o.spec_version, o.body, o.origin"
						       " FROM objects o"
						     : "SELECT o.date_added, o.version, o.stix_id,"
						       " o.type, o.spec_version, NULL, o.origin"
						       " FROM objects o",
					   q, NULL, " ORDER BY o.date_added LIMIT $6");
	if (e) {
		tp_buf_free(&b);
		return tp_diag_set(d, e, "query too large");
	}
	struct pg_arg a[PG_MAX_ARGS];
	int n = query_args(a, q, v, NULL, (int64_t)q->limit + 1);
	PGresult *r = pg_select(s, b.data, a, n, "query", d, &e);
	tp_buf_free(&b);
	if (!r)
		return e;
	int rows = PQntuples(r);
	if (rows > q->limit) {
		*more = 1;
		rows = q->limit;
	}
	for (int i = 0; i < rows; i++) {
		struct tp_store_row row = {
			.date_added = pg_int(r, i, 0),
			.version = pg_int(r, i, 1),
			.id = PQgetvalue(r, i, 2),
			.type = PQgetvalue(r, i, 3),
			.spec_version = PQgetvalue(r, i, 4),
			.json = PQgetisnull(r, i, 5) ? NULL : PQgetvalue(r, i, 5),
			.json_len = PQgetisnull(r, i, 5) ? 0 : (size_t)PQgetlength(r, i, 5),
			.origin = pg_int(r, i, 6),
		};
		if (fn(ctx, &row))
			break;
	}
	PQclear(r);
	return TP_OK;
}

enum tp_err pg_delete(struct tp_store *s, const struct tp_query *q, const char *id,
		      const struct tp_tlp_viewer *v, int *count, struct tp_diag *d)
{
	struct tp_buf b;
	tp_buf_init(&b, 1 << 16);
	enum tp_err e = tp_store_sql_query(
		&b, '$', "DELETE FROM objects WHERE rowid IN (SELECT o.rowid FROM objects o", q,
		id, " LIMIT $6)");
	if (e) {
		tp_buf_free(&b);
		return tp_diag_set(d, e, "query too large");
	}
	struct pgc *c = pg_take(PGS(s), d);
	if (!c) {
		tp_buf_free(&b);
		return TP_EDB;
	}
	e = pg_cmd(c, "BEGIN", d);
	if (e)
		goto out;
	struct pg_arg a[PG_MAX_ARGS];
	int n = query_args(a, q, v, id, INT64_MAX);
	e = run(c, b.data, a, n, "delete", d, count);
	/* the newest remaining version is the latest again */
	struct pg_arg key[] = {P_I(q->collection), P_S(id)};
	if (!e)
		e = run(c,
			"UPDATE objects SET latest = (version = (SELECT max(version) FROM objects n"
			" WHERE n.collection=$1 AND n.stix_id=$2)) WHERE collection=$1 AND"
			" stix_id=$2",
			key, 2, "delete", d, NULL);
	e = write_end(c, e, d);
out:
	pg_give(PGS(s), c);
	tp_buf_free(&b);
	return e;
}
