/*
 * Objects in the SQLite store: put (one transaction per batch), TAXII
 * queries, deletes. See sqlite.c for the layout and why pages are cheap.
 *
 * The WHERE clause of a query (filters, versions, the sharing policy as
 * the SQL function tp_may_read()) is built by query_sql.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_sql.h"
#include "sqlite_int.h"
#include "tripact/buf.h"
#include "tripact/json.h"

struct resolve_ctx {
	struct conn *c;
	int64_t origin;
};

/* Marking definitions are trusted only from the organisation whose objects
 * use them: another organisation cannot relabel someone else's RED. */
static enum tp_marking_kind resolve(void *ctx, const char *id, enum tp_tlp *level)
{
	struct resolve_ctx *r = ctx;
	sqlite3_stmt *st =
		sq_prep(r->c, "SELECT kind, tlp FROM markings WHERE stix_id=?1 AND origin=?2");
	enum tp_marking_kind k = TP_MARKING_UNKNOWN;
	if (!st)
		return k;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, r->origin);
	if (sqlite3_step(st) == SQLITE_ROW) {
		k = (enum tp_marking_kind)sqlite3_column_int(st, 0);
		*level = (enum tp_tlp)sqlite3_column_int(st, 1);
	}
	sqlite3_reset(st);
	return k;
}

static int step_ok(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

/* Per-batch memory of each collection's last date_added. */
struct last {
	int64_t collection;
	tp_time_us last;
};

static enum tp_err last_added(struct conn *c, struct last *ls, int *n, int64_t coll,
			      struct last **out, struct tp_diag *d)
{
	for (int i = 0; i < *n; i++)
		if (ls[i].collection == coll) {
			*out = &ls[i];
			return TP_OK;
		}
	if (*n == 8)
		return tp_diag_set(d, TP_ELIMIT, "a batch may touch at most 8 collections");
	sqlite3_stmt *st = sq_prep(c, "SELECT last_added FROM collections WHERE id=?1");
	if (!st)
		return sq_db_err(c->db, d, "collection");
	sqlite3_bind_int64(st, 1, coll);
	int rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return rc == SQLITE_DONE ? tp_diag_set(d, TP_ENOTFOUND, "no such collection")
					 : sq_db_err(c->db, d, "collection");
	}
	ls[*n].collection = coll;
	ls[*n].last = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	*out = &ls[(*n)++];
	return TP_OK;
}

/* Stores one object; per-object problems go to r, database errors return. */
static enum tp_err put_one(struct conn *c, const struct tp_store_put *p, struct last *l,
			   struct tp_store_put_result *r, int *new_marking, struct tp_diag *d)
{
	const char *id = tp_json_str(p->object, "id");
	const char *type = tp_json_str(p->object, "type");
	const char *sv = tp_json_str(p->object, "spec_version");
	tp_time_us added, version;
	if (!tp_store_put_stamps(p->object, l->last, &added, &version, r))
		return TP_OK;
	int unresolved = 0;
	struct resolve_ctx rc = {c, p->origin};
	tp_tlp_of_object(p->object, resolve, &rc, p->default_tlp, &r->tlp, &unresolved);
	/* `latest` marks the newest version of an id in its collection, so a
	 * page of last versions rarely needs to look for newer ones */
	sqlite3_stmt *st = sq_prep(c, "SELECT max(version) FROM objects WHERE collection=?1 AND"
				      " stix_id=?2");
	if (!st)
		return sq_db_err(c->db, d, "object");
	sqlite3_bind_int64(st, 1, p->collection);
	sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
	int have_older = 0;
	tp_time_us newest = 0;
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		have_older = 1;
		newest = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	int latest = !have_older || version > newest;
	char *body = p->json ? NULL : tp_json_dump(p->object);
	if (!p->json && !body)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	st = sq_prep(c, "INSERT INTO objects(collection, date_added, stix_id, type, spec_version,"
			" version, origin, tlp, partner, dflt, unresolved, body, latest)"
			" VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"
			" ON CONFLICT(collection, stix_id, version) DO NOTHING");
	if (!st) {
		free(body);
		return sq_db_err(c->db, d, "object");
	}
	sqlite3_bind_int64(st, 1, p->collection);
	sqlite3_bind_int64(st, 2, added);
	sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, sv ? sv : "2.1", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, version);
	sqlite3_bind_int64(st, 7, p->origin);
	sqlite3_bind_int(st, 8, (int)r->tlp);
	sqlite3_bind_int(st, 9, p->from_partner ? 1 : 0);
	sqlite3_bind_int(st, 10, (int)p->default_tlp);
	sqlite3_bind_int(st, 11, unresolved);
	if (p->json)
		sqlite3_bind_text64(st, 12, p->json, p->json_len, SQLITE_STATIC, SQLITE_UTF8);
	else
		sqlite3_bind_text(st, 12, body, -1, free);
	sqlite3_bind_int(st, 13, latest);
	int ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	if (!ok)
		return sq_db_err(c->db, d, "object");
	r->version = version;
	if (sqlite3_changes(c->db) == 0) {
		r->duplicate = 1;
		st = sq_prep(c, "SELECT date_added FROM objects WHERE collection=?1 AND"
				" stix_id=?2 AND version=?3");
		if (!st)
			return sq_db_err(c->db, d, "object");
		sqlite3_bind_int64(st, 1, p->collection);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, version);
		if (sqlite3_step(st) == SQLITE_ROW)
			r->date_added = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	} else {
		r->date_added = added;
		l->last = added;
		if (latest && have_older) {
			st = sq_prep(c, "UPDATE objects SET latest=0 WHERE collection=?1 AND"
					" stix_id=?2 AND latest AND version<?3");
			if (!st)
				return sq_db_err(c->db, d, "object");
			sqlite3_bind_int64(st, 1, p->collection);
			sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, version);
			if (!step_ok(st))
				return sq_db_err(c->db, d, "object");
		}
	}
	if (strcmp(type, "marking-definition") == 0) {
		enum tp_tlp lv = TP_TLP_RED;
		enum tp_marking_kind k = tp_tlp_of_definition(p->object, &lv);
		st = sq_prep(c, "INSERT OR REPLACE INTO markings(stix_id, origin, kind, tlp)"
				" VALUES(?1,?2,?3,?4)");
		if (!st)
			return sq_db_err(c->db, d, "marking");
		sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, p->origin);
		sqlite3_bind_int(st, 3, (int)k);
		sqlite3_bind_int(st, 4, (int)lv);
		if (!step_ok(st))
			return sq_db_err(c->db, d, "marking");
		*new_marking = 1;
	}
	return TP_OK;
}

/* Objects held as RED because of a marking the node did not know: look at
 * them again now that new definitions have arrived. */
static enum tp_err reevaluate(struct conn *c, struct tp_diag *d)
{
	sqlite3_stmt *sel = NULL, *upd;
	if (sqlite3_prepare_v2(c->db,
			       "SELECT rowid, origin, dflt, body FROM objects WHERE"
			       " unresolved",
			       -1, &sel, NULL) != SQLITE_OK)
		return sq_db_err(c->db, d, "re-evaluate");
	enum tp_err e = TP_OK;
	int rc;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		json_t *o = NULL;
		const char *body = (const char *)sqlite3_column_text(sel, 3);
		if (tp_json_load(body, strlen(body), &o, NULL) != TP_OK)
			continue;
		struct resolve_ctx r = {c, sqlite3_column_int64(sel, 1)};
		enum tp_tlp t;
		int unresolved;
		tp_tlp_of_object(o, resolve, &r, (enum tp_tlp)sqlite3_column_int(sel, 2), &t,
				 &unresolved);
		json_decref(o);
		upd = sq_prep(c, "UPDATE objects SET tlp=?1, unresolved=?2 WHERE rowid=?3");
		if (!upd) {
			e = sq_db_err(c->db, d, "re-evaluate");
			break;
		}
		sqlite3_bind_int(upd, 1, (int)t);
		sqlite3_bind_int(upd, 2, unresolved);
		sqlite3_bind_int64(upd, 3, sqlite3_column_int64(sel, 0));
		if (!step_ok(upd)) {
			e = sq_db_err(c->db, d, "re-evaluate");
			break;
		}
	}
	if (!e && rc != SQLITE_DONE && rc != SQLITE_ROW)
		e = sq_db_err(c->db, d, "re-evaluate");
	sqlite3_finalize(sel);
	return e;
}

enum tp_err sq_put_many(struct tp_store *s, const struct tp_store_put *puts, size_t n,
			struct tp_store_put_result *res, struct tp_diag *d)
{
	struct conn *c = sq_take(SQ(s), d);
	if (!c)
		return TP_EDB;
	struct last ls[8];
	int nls = 0, new_marking = 0;
	enum tp_err e = sq_write_begin(SQ(s), c, d);
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
		sqlite3_stmt *st = sq_prep(c, "UPDATE collections SET last_added=?1 WHERE id=?2");
		if (!st) {
			e = sq_db_err(c->db, d, "collection");
			break;
		}
		sqlite3_bind_int64(st, 1, ls[i].last);
		sqlite3_bind_int64(st, 2, ls[i].collection);
		if (!step_ok(st))
			e = sq_db_err(c->db, d, "collection");
	}
	if (!e && new_marking)
		e = reevaluate(c, d);
	e = sq_write_end(SQ(s), c, e, d);
out:
	sq_give(SQ(s), c);
	return e;
}

static void bind_all(sqlite3_stmt *st, const struct tp_query *q, const struct tp_tlp_viewer *v,
		     const char *id, int64_t limit)
{
	tp_time_us lo = q->added_after > q->cursor ? q->added_after : q->cursor;
	sqlite3_bind_int64(st, 1, q->collection);
	sqlite3_bind_int64(st, 2, lo);
	sqlite3_bind_int64(st, 3, v->org);
	sqlite3_bind_int(st, 4, v->can_read ? 1 : 0);
	sqlite3_bind_int64(st, 5, v->node_org);
	sqlite3_bind_int64(st, 6, limit);
	int p = 7;
	if (id)
		sqlite3_bind_text(st, p++, id, -1, SQLITE_STATIC);
	for (int i = 0; i < q->n_ids; i++)
		sqlite3_bind_text(st, p++, q->ids[i], -1, SQLITE_STATIC);
	for (int i = 0; i < q->n_types; i++)
		sqlite3_bind_text(st, p++, q->types[i], -1, SQLITE_STATIC);
	for (int i = 0; i < q->n_spec_versions; i++)
		sqlite3_bind_text(st, p++, q->spec_versions[i], -1, SQLITE_STATIC);
	for (int i = 0; i < q->n_stamps; i++)
		sqlite3_bind_int64(st, p++, q->stamps[i]);
}

enum tp_err sq_query(struct tp_store *s, const struct tp_query *q, const struct tp_tlp_viewer *v,
		     int with_body, int (*fn)(void *, const struct tp_store_row *), void *ctx,
		     int *more, struct tp_diag *d)
{
	struct tp_buf b;
	tp_buf_init(&b, 1 << 16);
	*more = 0;
	enum tp_err e =
		tp_store_sql_query(&b, '?',
				   with_body ? "SELECT o.date_added, o.version, o.stix_id, o.type,"
					       " o.spec_version, o.body, o.origin FROM objects o"
					     : "SELECT o.date_added, o.version, o.stix_id, o.type,"
					       " o.spec_version, NULL, o.origin FROM objects o",
				   q, NULL, " ORDER BY o.date_added LIMIT ?6");
	if (e) {
		tp_buf_free(&b);
		return tp_diag_set(d, e, "query too large");
	}
	struct conn *c = sq_take(SQ(s), d);
	if (!c) {
		tp_buf_free(&b);
		return TP_EDB;
	}
	sqlite3_stmt *st = sq_prep(c, b.data);
	if (!st) {
		e = sq_db_err(c->db, d, "query");
		goto out;
	}
	bind_all(st, q, v, NULL, (int64_t)q->limit + 1);
	int rc, n = 0;
	/* One read transaction for the whole page: a consistent snapshot. */
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n == q->limit) {
			*more = 1;
			break;
		}
		struct tp_store_row r = {
			.date_added = sqlite3_column_int64(st, 0),
			.version = sqlite3_column_int64(st, 1),
			.id = (const char *)sqlite3_column_text(st, 2),
			.type = (const char *)sqlite3_column_text(st, 3),
			.spec_version = (const char *)sqlite3_column_text(st, 4),
			.json = (const char *)sqlite3_column_text(st, 5),
			.json_len = (size_t)sqlite3_column_bytes(st, 5),
			.origin = sqlite3_column_int64(st, 6),
		};
		n++;
		if (fn(ctx, &r))
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		e = sq_db_err(c->db, d, "query");
	sqlite3_reset(st);
out:
	sq_give(SQ(s), c);
	tp_buf_free(&b);
	return e;
}

enum tp_err sq_delete(struct tp_store *s, const struct tp_query *q, const char *id,
		      const struct tp_tlp_viewer *v, int *count, struct tp_diag *d)
{
	struct tp_buf b;
	tp_buf_init(&b, 1 << 16);
	enum tp_err e = tp_store_sql_query(
		&b, '?', "DELETE FROM objects WHERE rowid IN (SELECT o.rowid FROM objects o", q,
		id, " LIMIT ?6)");
	if (e) {
		tp_buf_free(&b);
		return tp_diag_set(d, e, "query too large");
	}
	struct conn *c = sq_take(SQ(s), d);
	if (!c) {
		tp_buf_free(&b);
		return TP_EDB;
	}
	sqlite3_stmt *st = sq_prep(c, b.data);
	if (!st) {
		e = sq_db_err(c->db, d, "delete");
	} else {
		e = sq_write_begin(SQ(s), c, d);
		if (e)
			goto out;
		bind_all(st, q, v, id, INT64_MAX);
		if (step_ok(st))
			*count = sqlite3_changes(c->db);
		else
			e = sq_db_err(c->db, d, "delete");
		/* the newest remaining version is the latest again */
		sqlite3_stmt *up =
			e ? NULL
			  : sq_prep(c, "UPDATE objects SET latest = (version = (SELECT"
				       " max(version) FROM objects n WHERE n.collection=?1"
				       " AND n.stix_id=?2)) WHERE collection=?1 AND"
				       " stix_id=?2");
		if (!e && !up)
			e = sq_db_err(c->db, d, "delete");
		if (!e) {
			sqlite3_bind_int64(up, 1, q->collection);
			sqlite3_bind_text(up, 2, id, -1, SQLITE_STATIC);
			if (!step_ok(up))
				e = sq_db_err(c->db, d, "delete");
		}
		e = sq_write_end(SQ(s), c, e, d);
	}
out:
	sq_give(SQ(s), c);
	tp_buf_free(&b);
	return e;
}
