/*
 * Objects in the PostgreSQL store: TAXII queries and deletes -- the
 * statements of sqlite_objects.c in PostgreSQL's dialect, with the same
 * WHERE clause (query_sql.c). Storing objects is pg_put.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "query_sql.h"

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
	struct pgc *c = pg_take(PGS(s), d);
	PGresult *r = NULL;
	/* a page of everything after a point has one good plan; which index
	 * suits a list of types or ids depends on the values */
	if (c && (q->n_ids || q->n_types || q->n_spec_versions || q->n_stamps))
		r = pg_run_planned(c, b.data, a, n, "query", d, &e);
	else if (c)
		r = pg_run(c, b.data, a, n, "query", d, &e);
	else
		e = TP_EDB;
	pg_give(PGS(s), c);
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
