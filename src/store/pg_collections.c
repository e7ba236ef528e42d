/*
 * The PostgreSQL back end, part two: API roots, collections, grants, the
 * admin listings and status resources (as sqlite_collections.c; helpers in
 * pg.c, see pg_int.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "tripact/uuid.h"

/* ---- API roots and collections ---- */

enum tp_err pg_root_add(struct tp_store *s, const char *name, const char *title,
			const char *description, int is_default, struct tp_diag *d)
{
	enum tp_err e = tp_store_check_name(name, "API root", d);
	if (e)
		return e;
	if (is_default) {
		e = pg_exec1(s, "UPDATE roots SET is_default=0", NULL, 0, NULL, NULL, "API root",
			     d);
		if (e)
			return e;
	}
	struct pg_arg a[] = {P_S(name), P_S(title ? title : name),
			     P_S(description ? description : ""), P_I(is_default ? 1 : 0)};
	e = pg_exec1(s,
		     "INSERT INTO roots(name, title, description, is_default) VALUES($1,$2,$3,$4)",
		     a, 4, NULL, NULL, "API root", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "API root '%s' already exists", name);
	return e;
}

static void read_root(const PGresult *r, int i, struct tp_api_root *o)
{
	memset(o, 0, sizeof *o);
	o->id = pg_int(r, i, 0);
	pg_copy(o->name, sizeof o->name, r, i, 1);
	pg_copy(o->title, sizeof o->title, r, i, 2);
	pg_copy(o->description, sizeof o->description, r, i, 3);
	o->is_default = (int)pg_int(r, i, 4);
}

#define ROOT_COLS "SELECT id, name, title, description, is_default FROM roots"

enum tp_err pg_root_find(struct tp_store *s, const char *name, struct tp_api_root *out)
{
	struct pg_arg a[] = {P_S(name)};
	enum tp_err e;
	PGresult *r = pg_select(s, ROOT_COLS " WHERE name=$1", a, 1, "API root", NULL, &e);
	if (!r)
		return e;
	e = PQntuples(r) ? TP_OK : TP_ENOTFOUND;
	if (!e)
		read_root(r, 0, out);
	PQclear(r);
	return e;
}

enum tp_err pg_root_list(struct tp_store *s, int (*fn)(void *, const struct tp_api_root *),
			 void *ctx)
{
	enum tp_err e;
	PGresult *r = pg_select(s, ROOT_COLS " ORDER BY name", NULL, 0, "API root", NULL, &e);
	if (!r)
		return e;
	for (int i = 0; i < PQntuples(r); i++) {
		struct tp_api_root o;
		read_root(r, i, &o);
		if (fn(ctx, &o))
			break;
	}
	PQclear(r);
	return TP_OK;
}

#define COLL_COLS "id, root, uuid, coalesce(alias, '') AS alias, title, description, default_tlp"
/* COLL_COLS of a subquery named c, from "c." on */
#define COLL_ALIASED "id, c.root, c.uuid, c.alias, c.title, c.description, c.default_tlp"

/* Row i's collection, from column at on (COLL_COLS' order). */
static void read_coll_at(const PGresult *r, int i, int at, struct tp_collection *c)
{
	memset(c, 0, sizeof *c);
	c->id = pg_int(r, i, at);
	c->root = pg_int(r, i, at + 1);
	pg_copy(c->uuid, sizeof c->uuid, r, i, at + 2);
	pg_copy(c->alias, sizeof c->alias, r, i, at + 3);
	pg_copy(c->title, sizeof c->title, r, i, at + 4);
	pg_copy(c->description, sizeof c->description, r, i, at + 5);
	c->default_tlp = (int)pg_int(r, i, at + 6);
}

static void read_coll(const PGresult *r, int i, struct tp_collection *c)
{
	read_coll_at(r, i, 0, c);
}

enum tp_err pg_collection_find(struct tp_store *s, int64_t root, const char *key,
			       struct tp_collection *out)
{
	struct pg_arg a[] = {P_I(root), P_S(key)};
	enum tp_err e;
	PGresult *r = pg_select(s,
				"SELECT " COLL_COLS " FROM collections WHERE"
				" ($1=0 OR root=$1) AND (uuid=$2 OR alias=$2)"
				" ORDER BY uuid=$2 DESC LIMIT 1",
				a, 2, "collection", NULL, &e);
	if (!r)
		return e;
	e = PQntuples(r) ? TP_OK : TP_ENOTFOUND;
	if (!e)
		read_coll(r, 0, out);
	PQclear(r);
	return e;
}

enum tp_err pg_collection_add(struct tp_store *s, int64_t root, const char *uuid,
			      const char *alias, const char *title, const char *description,
			      int default_tlp, struct tp_diag *d)
{
	struct pg_arg a[] = {P_I(root),
			     P_S(uuid),
			     {.is_null = !(alias && *alias), .s = alias},
			     P_S(title),
			     P_S(description ? description : ""),
			     P_I(default_tlp)};
	return pg_exec1(s,
			"INSERT INTO collections(root, uuid, alias, title, description, default_tlp)"
			" VALUES($1,$2,$3,$4,$5,$6)",
			a, 6, NULL, NULL, "collection", d);
}

enum tp_err pg_collection_list(struct tp_store *s, int64_t root,
			       int (*fn)(void *, const struct tp_collection *), void *ctx)
{
	struct pg_arg a[] = {P_I(root)};
	enum tp_err e;
	PGresult *r = pg_select(s,
				"SELECT " COLL_COLS " FROM collections WHERE ($1=0 OR root=$1)"
				" ORDER BY id",
				a, 1, "collection", NULL, &e);
	if (!r)
		return e;
	for (int i = 0; i < PQntuples(r); i++) {
		struct tp_collection o;
		read_coll(r, i, &o);
		if (fn(ctx, &o))
			break;
	}
	PQclear(r);
	return TP_OK;
}

enum tp_err pg_collection_remove(struct tp_store *s, int64_t id, struct tp_diag *d)
{
	struct pg_arg a[] = {P_I(id)};
	int n = 0;
	enum tp_err e =
		pg_exec1(s, "DELETE FROM collections WHERE id=$1", a, 1, &n, NULL, "collection", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no such collection");
	return e;
}

enum tp_err pg_grant(struct tp_store *s, int64_t collection, const char *user, const char *org,
		     unsigned bits, int revoke, struct tp_diag *d)
{
	int64_t uid = 0, oid = 0;
	enum tp_err e = user ? pg_lookup_id(s, "SELECT id FROM users WHERE name=$1", user, &uid)
			     : pg_lookup_id(s, "SELECT id FROM orgs WHERE name=$1", org, &oid);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e, "no %s '%s'", user ? "user" : "organisation",
				   user ? user : org);
	if (e)
		return tp_diag_set(d, e, "cannot look up grantee");
	struct pg_arg a[] = {P_I(collection),
			     {.is_null = !uid, .i = uid},
			     {.is_null = !oid, .i = oid},
			     P_I(bits)};
	if (revoke) {
		e = pg_exec1(s,
			     "UPDATE grants SET bits = bits & ~$4::int WHERE collection=$1 AND"
			     " coalesce(user_id,0)=coalesce($2::bigint,0) AND"
			     " coalesce(org,0)=coalesce($3::bigint,0)",
			     a, 4, NULL, NULL, "grant", d);
		if (!e)
			e = pg_exec1(s, "DELETE FROM grants WHERE bits=0", NULL, 0, NULL, NULL,
				     "grant", d);
		return e;
	}
	return pg_exec1(s,
			"INSERT INTO grants(collection, user_id, org, bits) VALUES($1,$2,$3,$4)"
			" ON CONFLICT(collection, coalesce(user_id, 0), coalesce(org, 0))"
			" DO UPDATE SET bits = grants.bits | excluded.bits",
			a, 4, NULL, NULL, "grant", d);
}

enum tp_err pg_access(struct tp_store *s, const struct tp_account *a, int64_t collection,
		      unsigned *bits)
{
	struct pg_arg arg[] = {P_I(collection), P_I(a->user), P_I(a->org)};
	enum tp_err e;
	PGresult *r = pg_select(s,
				"SELECT coalesce(bit_or(bits), 0) FROM grants"
				" WHERE collection=$1 AND (user_id=$2 OR org=$3)",
				arg, 3, "grant", NULL, &e);
	if (!r)
		return e;
	*bits = (unsigned)pg_int(r, 0, 0);
	PQclear(r);
	return TP_OK;
}

enum tp_err pg_collection_open(struct tp_store *s, const char *root_name, const char *key,
			       const struct tp_account *a, struct tp_api_root *root,
			       struct tp_collection *c, unsigned *bits, int *found_root)
{
	/* pg_root_find, pg_collection_find and pg_access as one statement:
	 * a request's first three round trips become one */
	struct pg_arg arg[] = {P_S(root_name), P_S(key), P_I(a->user), P_I(a->org)};
	enum tp_err e;
	PGresult *r = pg_select(
		s,
		"SELECT r.id, r.name, r.title, r.description, r.is_default, c.id IS NOT NULL,"
		" c." COLL_ALIASED ","
		" (SELECT coalesce(bit_or(g.bits), 0) FROM grants g"
		"  WHERE g.collection=c.id AND (g.user_id=$3 OR g.org=$4))"
		" FROM roots r LEFT JOIN LATERAL (SELECT " COLL_COLS " FROM collections"
		"  WHERE root=r.id AND (uuid=$2 OR alias=$2) ORDER BY uuid=$2 DESC LIMIT 1) c ON true"
		" WHERE r.name=$1",
		arg, 4, "collection", NULL, &e);
	if (!r)
		return e;
	if (!PQntuples(r)) {
		PQclear(r);
		return TP_ENOTFOUND;
	}
	read_root(r, 0, root);
	*found_root = 1;
	e = strcmp(PQgetvalue(r, 0, 5), "t") == 0 ? TP_OK : TP_ENOTFOUND;
	if (!e) {
		read_coll_at(r, 0, 6, c);
		*bits = (unsigned)pg_int(r, 0, 13);
	}
	PQclear(r);
	return e;
}

enum tp_err pg_list(struct tp_store *s, const char *what, void (*fn)(void *, const char *line),
		    void *ctx)
{
	static const struct {
		const char *what, *sql;
	} lists[] = {
		{"orgs", "SELECT name || '  ' || title FROM orgs ORDER BY name"},
		{"users", "SELECT u.name || '  org=' || o.name || CASE WHEN u.partner<>0 THEN"
			  " '  partner-node' ELSE '' END FROM users u JOIN orgs o ON o.id=u.org"
			  " ORDER BY u.name"},
		{"tokens",
		 "SELECT t.id || '  user=' || u.name || '  label=' || t.label FROM tokens t"
		 " JOIN users u ON u.id=t.user_id ORDER BY t.id"},
		{"roots", "SELECT name || CASE WHEN is_default<>0 THEN '  (default)' ELSE '' END"
			  " || '  ' || title FROM roots ORDER BY name"},
		{"collections",
		 "SELECT r.name || '  ' || c.uuid || '  alias=' || coalesce(c.alias, '-') ||"
		 " '  ' || c.title || '  tlp=' || CASE c.default_tlp WHEN -1 THEN 'node-default'"
		 " WHEN 0 THEN 'clear' WHEN 1 THEN 'green' WHEN 2 THEN 'amber' WHEN 3 THEN"
		 " 'amber+strict' ELSE 'red' END || '  objects=' || (SELECT count(*) FROM objects"
		 " WHERE collection=c.id) FROM collections c JOIN roots r ON r.id=c.root"
		 " ORDER BY c.id"},
		{"grants",
		 "SELECT coalesce(c.alias, c.uuid) || '  ' || CASE WHEN g.user_id IS NOT NULL"
		 " THEN 'user=' || u.name ELSE 'org=' || o.name END || '  ' ||"
		 " CASE WHEN g.bits & 1 <> 0 THEN 'read' ELSE '' END ||"
		 " CASE WHEN g.bits = 3 THEN ',' ELSE '' END ||"
		 " CASE WHEN g.bits & 2 <> 0 THEN 'write' ELSE '' END"
		 " FROM grants g JOIN collections c ON c.id=g.collection LEFT JOIN users u"
		 " ON u.id=g.user_id LEFT JOIN orgs o ON o.id=g.org ORDER BY c.id"},
	};
	const char *sql = NULL;
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (strcmp(what, lists[i].what) == 0)
			sql = lists[i].sql;
	if (!sql)
		return TP_EINVAL;
	enum tp_err e;
	PGresult *r = pg_select(s, sql, NULL, 0, what, NULL, &e);
	if (!r)
		return e;
	for (int i = 0; i < PQntuples(r); i++)
		fn(ctx, PQgetvalue(r, i, 0));
	PQclear(r);
	return TP_OK;
}

/* ---- status resources ---- */

enum tp_err pg_status_put(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
			  const char *json)
{
	struct pg_arg a[] = {P_S(uuid), P_I(root), P_I(user), P_I(tp_time_now()), P_S(json)};
	return pg_exec1(s,
			"INSERT INTO statuses(uuid, root, user_id, created, body)"
			" VALUES($1,$2,$3,$4,$5) ON CONFLICT(uuid) DO UPDATE SET"
			" root=excluded.root, user_id=excluded.user_id,"
			" created=excluded.created, body=excluded.body",
			a, 5, NULL, NULL, "status", NULL);
}

enum tp_err pg_status_get(struct tp_store *s, const char *uuid, int64_t root, int64_t user,
			  char **json)
{
	struct pg_arg a[] = {P_S(uuid), P_I(root), P_I(user)};
	enum tp_err e;
	PGresult *r = pg_select(s,
				"SELECT body FROM statuses WHERE uuid=$1 AND root=$2 AND"
				" user_id=$3",
				a, 3, "status", NULL, &e);
	if (!r)
		return e;
	e = TP_ENOTFOUND;
	if (PQntuples(r)) {
		*json = strdup(PQgetvalue(r, 0, 0));
		e = *json ? TP_OK : TP_ENOMEM;
	}
	PQclear(r);
	return e;
}
