/*
 * The SQLite back end, part two: API roots, collections, grants, the admin
 * listings and status resources. The shared helpers (sq_exec1 and the
 * others) are in sqlite.c; see sqlite_int.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"
#include "tripact/uuid.h"

/* ---- API roots and collections ---- */

enum tp_err sq_root_add(struct tp_store *s, const char *name, const char *title,
			const char *description, int is_default, struct tp_diag *d)
{
	enum tp_err e = sq_check_name(name, "API root", d);
	if (e)
		return e;
	if (is_default) {
		e = sq_exec1(s, "UPDATE roots SET is_default=0", NULL, 0, NULL, NULL, "API root",
			     d);
		if (e)
			return e;
	}
	struct arg a[] = {A_S(name), A_S(title ? title : name), A_S(description ? description : ""),
			  A_I(is_default ? 1 : 0)};
	e = sq_exec1(s,
		     "INSERT INTO roots(name, title, description, is_default) VALUES(?1,?2,?3,?4)",
		     a, 4, NULL, NULL, "API root", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "API root '%s' already exists", name);
	return e;
}

static void read_root(sqlite3_stmt *st, struct tp_api_root *r)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	sq_copy_col(r->name, sizeof r->name, st, 1);
	sq_copy_col(r->title, sizeof r->title, st, 2);
	sq_copy_col(r->description, sizeof r->description, st, 3);
	r->is_default = sqlite3_column_int(st, 4);
}

enum tp_err sq_root_find(struct tp_store *s, const char *name, struct tp_api_root *out)
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

enum tp_err sq_root_list(struct tp_store *s, int (*fn)(void *, const struct tp_api_root *),
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
	sq_copy_col(o->uuid, sizeof o->uuid, st, 2);
	sq_copy_col(o->alias, sizeof o->alias, st, 3);
	sq_copy_col(o->title, sizeof o->title, st, 4);
	sq_copy_col(o->description, sizeof o->description, st, 5);
	o->default_tlp = sqlite3_column_int(st, 6);
}

enum tp_err sq_collection_find(struct tp_store *s, int64_t root, const char *key,
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

enum tp_err sq_collection_add(struct tp_store *s, int64_t root, const char *uuid,
			      const char *alias, const char *title, const char *description,
			      int default_tlp, struct tp_diag *d)
{
	struct arg a[] = {A_I(root),
			  A_S(uuid),
			  {.is_null = !(alias && *alias), .s = alias},
			  A_S(title),
			  A_S(description ? description : ""),
			  A_I(default_tlp)};
	return sq_exec1(s,
			"INSERT INTO collections(root, uuid, alias, title, description, default_tlp)"
			" VALUES(?1,?2,?3,?4,?5,?6)",
			a, 6, NULL, NULL, "collection", d);
}

enum tp_err sq_collection_list(struct tp_store *s, int64_t root,
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

enum tp_err sq_collection_remove(struct tp_store *s, int64_t id, struct tp_diag *d)
{
	struct arg a[] = {A_I(id)};
	int n = 0;
	enum tp_err e =
		sq_exec1(s, "DELETE FROM collections WHERE id=?1", a, 1, &n, NULL, "collection", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no such collection");
	return e;
}

enum tp_err sq_grant(struct tp_store *s, int64_t collection, const char *user, const char *org,
		     unsigned bits, int revoke, struct tp_diag *d)
{
	int64_t uid = 0, oid = 0;
	enum tp_err e = user ? sq_lookup_id(s, "SELECT id FROM users WHERE name=?1", user, &uid)
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
		e = sq_exec1(s,
			     "UPDATE grants SET bits = bits & ~?4 WHERE collection=?1 AND"
			     " ifnull(user,0)=ifnull(?2,0) AND ifnull(org,0)=ifnull(?3,0)",
			     a, 4, NULL, NULL, "grant", d);
		if (!e)
			e = sq_exec1(s, "DELETE FROM grants WHERE bits=0", NULL, 0, NULL, NULL,
				     "grant", d);
		return e;
	}
	return sq_exec1(s,
			"INSERT INTO grants(collection, user, org, bits) VALUES(?1,?2,?3,?4)"
			" ON CONFLICT(collection, ifnull(user, 0), ifnull(org, 0))"
			" DO UPDATE SET bits = bits | excluded.bits",
			a, 4, NULL, NULL, "grant", d);
}

enum tp_err sq_access(struct tp_store *s, const struct tp_account *a, int64_t collection,
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

enum tp_err sq_list(struct tp_store *s, const char *what, void (*fn)(void *, const char *line),
		    void *ctx)
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

enum tp_err sq_status_put(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
			  const char *json)
{
	struct arg a[] = {A_S(uuid), A_I(root), A_I(user), A_I(tp_time_now()), A_S(json)};
	return sq_exec1(s,
			"INSERT OR REPLACE INTO statuses(uuid, root, user, created, body)"
			" VALUES(?1,?2,?3,?4,?5)",
			a, 5, NULL, NULL, "status", NULL);
}

enum tp_err sq_status_get(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
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
