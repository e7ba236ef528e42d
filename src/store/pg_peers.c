/*
 * The PostgreSQL back end's partner nodes: the peers table and the counts
 * used by `tripact sync` (the contracts and why are in sqlite_peers.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"

#define PEER_COLS                                                                                  \
	"p.id, p.name, p.url, p.remote_collection, p.collection,"                                  \
	" coalesce(c.alias, c.uuid), u.name, p.mode, p.token_file, p.login, p.password,"           \
	" p.ca_file, p.pull_cursor, p.push_cursor"                                                 \
	" FROM peers p JOIN collections c ON c.id=p.collection JOIN users u ON u.id=p.as_user"

static void read_peer(const PGresult *r, int i, struct tp_peer *p)
{
	memset(p, 0, sizeof *p);
	p->id = pg_int(r, i, 0);
	pg_copy(p->name, sizeof p->name, r, i, 1);
	pg_copy(p->url, sizeof p->url, r, i, 2);
	pg_copy(p->remote_collection, sizeof p->remote_collection, r, i, 3);
	p->collection = pg_int(r, i, 4);
	pg_copy(p->collection_key, sizeof p->collection_key, r, i, 5);
	pg_copy(p->as_user, sizeof p->as_user, r, i, 6);
	p->mode = (unsigned)pg_int(r, i, 7);
	pg_copy(p->token_file, sizeof p->token_file, r, i, 8);
	pg_copy(p->login, sizeof p->login, r, i, 9);
	pg_copy(p->password, sizeof p->password, r, i, 10);
	pg_copy(p->ca_file, sizeof p->ca_file, r, i, 11);
	pg_copy(p->pull_cursor, sizeof p->pull_cursor, r, i, 12);
	p->push_cursor = pg_int(r, i, 13);
}

enum tp_err pg_peer_add(struct tp_store *s, const struct tp_peer *p, struct tp_diag *d)
{
	enum tp_err e = tp_store_check_name(p->name, "peer", d);
	if (e)
		return e;
	int64_t user;
	e = pg_lookup_id(s, "SELECT id FROM users WHERE name=$1", p->as_user, &user);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e,
				   "no user '%s' (add it with 'admin user add ... "
				   "--partner-node')",
				   p->as_user);
	if (e)
		return tp_diag_set(d, e, "cannot look up user '%s'", p->as_user);
	struct pg_arg a[] = {P_S(p->name),	 P_S(p->url),	P_S(p->remote_collection),
			     P_I(p->collection), P_I(user),	P_I((int64_t)p->mode),
			     P_S(p->token_file), P_S(p->login), P_S(p->password),
			     P_S(p->ca_file)};
	e = pg_exec1(s,
		     "INSERT INTO peers(name, url, remote_collection, collection, as_user, mode,"
		     " token_file, login, password, ca_file)"
		     " VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
		     a, 10, NULL, NULL, "peer", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "peer '%s' already exists", p->name);
	return e;
}

enum tp_err pg_peer_find(struct tp_store *s, const char *name, struct tp_peer *out)
{
	struct pg_arg a[] = {P_S(name)};
	enum tp_err e;
	PGresult *r = pg_select(s, "SELECT " PEER_COLS " WHERE p.name=$1", a, 1, "peer", NULL, &e);
	if (!r)
		return e;
	e = PQntuples(r) ? TP_OK : TP_ENOTFOUND;
	if (!e)
		read_peer(r, 0, out);
	PQclear(r);
	return e;
}

enum tp_err pg_peer_list(struct tp_store *s, int (*fn)(void *, const struct tp_peer *), void *ctx)
{
	enum tp_err e;
	PGresult *r =
		pg_select(s, "SELECT " PEER_COLS " ORDER BY p.name", NULL, 0, "peer", NULL, &e);
	if (!r)
		return e;
	struct tp_peer p;
	for (int i = 0; i < PQntuples(r); i++) {
		read_peer(r, i, &p);
		if (fn(ctx, &p))
			break;
	}
	PQclear(r);
	return TP_OK;
}

enum tp_err pg_peer_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	struct pg_arg a[] = {P_S(name)};
	int n = 0;
	enum tp_err e = pg_exec1(s, "DELETE FROM peers WHERE name=$1", a, 1, &n, NULL, "peer", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no peer '%s'", name);
	return e;
}

enum tp_err pg_peer_set_cursors(struct tp_store *s, int64_t id, const char *pull_cursor,
				tp_time_us push_cursor, struct tp_diag *d)
{
	struct pg_arg a[] = {{.s = pull_cursor, .is_null = !pull_cursor},
			     {.i = push_cursor, .is_null = push_cursor < 0},
			     P_I(id)};
	int n = 0;
	enum tp_err e = pg_exec1(s,
				 "UPDATE peers SET pull_cursor=coalesce($1, pull_cursor),"
				 " push_cursor=coalesce($2, push_cursor) WHERE id=$3",
				 a, 3, &n, NULL, "peer cursor", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "the peer was removed meanwhile");
	return e;
}

enum tp_err pg_count_added(struct tp_store *s, int64_t collection, tp_time_us after,
			   tp_time_us upto, int64_t not_origin, int64_t *count, tp_time_us *last)
{
	struct pg_arg a[] = {P_I(collection), P_I(after), P_I(upto), P_I(not_origin)};
	enum tp_err e;
	/* one statement, one snapshot: the count and the latest agree */
	PGresult *r = pg_select(
		s,
		"SELECT (SELECT count(*) FROM objects WHERE collection=$1 AND date_added>$2"
		" AND date_added<=$3 AND origin<>$4),"
		" (SELECT coalesce(max(date_added), 0) FROM objects WHERE collection=$1)",
		a, 4, "count", NULL, &e);
	if (!r)
		return e;
	if (count)
		*count = pg_int(r, 0, 0);
	if (last)
		*last = pg_int(r, 0, 1);
	PQclear(r);
	return TP_OK;
}

enum tp_err pg_id_known(struct tp_store *s, int64_t collection, const char *id, int *known)
{
	struct pg_arg a[] = {P_I(collection), P_S(id)};
	enum tp_err e;
	PGresult *r = pg_select(s,
				"SELECT EXISTS(SELECT 1 FROM objects WHERE collection=$1"
				" AND stix_id=$2)::int",
				a, 2, "object", NULL, &e);
	if (!r)
		return e;
	*known = (int)pg_int(r, 0, 0);
	PQclear(r);
	return TP_OK;
}
