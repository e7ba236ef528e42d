/*
 * The SQLite back end's partner nodes: the peers table (one row per peer
 * this node pulls from or pushes to, with its two cursors) and the count
 * that lets `tripact sync` report what the sharing policy kept back.
 *
 * Objects without created or modified (SCOs) take their version from
 * date_added, so each copy would be a new version: sync asks
 * tp_store_id_known() before storing one, lest it bounce between nodes.
 *
 * The pull cursor is the peer's own X-TAXII-Date-Added-Last text, kept as
 * received (its clock, its precision); the push cursor is a local
 * date_added. Both are saved by tp_store_peer_set_cursors() once what they
 * cover is stored here or accepted there (src/sync/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_int.h"

#define PEER_COLS                                                                                  \
	"p.id, p.name, p.url, p.remote_collection, p.collection,"                                  \
	" ifnull(c.alias, c.uuid), u.name, p.mode, p.token_file, p.login, p.password,"             \
	" p.ca_file, p.pull_cursor, p.push_cursor"                                                 \
	" FROM peers p JOIN collections c ON c.id=p.collection JOIN users u ON u.id=p.as_user"

static void read_peer(sqlite3_stmt *st, struct tp_peer *p)
{
	memset(p, 0, sizeof *p);
	p->id = sqlite3_column_int64(st, 0);
	sq_copy_col(p->name, sizeof p->name, st, 1);
	sq_copy_col(p->url, sizeof p->url, st, 2);
	sq_copy_col(p->remote_collection, sizeof p->remote_collection, st, 3);
	p->collection = sqlite3_column_int64(st, 4);
	sq_copy_col(p->collection_key, sizeof p->collection_key, st, 5);
	sq_copy_col(p->as_user, sizeof p->as_user, st, 6);
	p->mode = (unsigned)sqlite3_column_int(st, 7);
	sq_copy_col(p->token_file, sizeof p->token_file, st, 8);
	sq_copy_col(p->login, sizeof p->login, st, 9);
	sq_copy_col(p->password, sizeof p->password, st, 10);
	sq_copy_col(p->ca_file, sizeof p->ca_file, st, 11);
	sq_copy_col(p->pull_cursor, sizeof p->pull_cursor, st, 12);
	p->push_cursor = sqlite3_column_int64(st, 13);
}

enum tp_err sq_peer_add(struct tp_store *s, const struct tp_peer *p, struct tp_diag *d)
{
	enum tp_err e = sq_check_name(p->name, "peer", d);
	if (e)
		return e;
	int64_t user;
	e = sq_lookup_id(s, "SELECT id FROM users WHERE name=?1", p->as_user, &user);
	if (e == TP_ENOTFOUND)
		return tp_diag_set(d, e,
				   "no user '%s' (add it with 'admin user add ... "
				   "--partner-node')",
				   p->as_user);
	if (e)
		return tp_diag_set(d, e, "cannot look up user '%s'", p->as_user);
	struct arg a[] = {A_S(p->name),	      A_S(p->url),   A_S(p->remote_collection),
			  A_I(p->collection), A_I(user),     A_I((int64_t)p->mode),
			  A_S(p->token_file), A_S(p->login), A_S(p->password),
			  A_S(p->ca_file)};
	e = sq_exec1(s,
		     "INSERT INTO peers(name, url, remote_collection, collection, as_user, mode,"
		     " token_file, login, password, ca_file)"
		     " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
		     a, 10, NULL, NULL, "peer", d);
	if (e == TP_EEXIST)
		return tp_diag_set(d, e, "peer '%s' already exists", p->name);
	return e;
}

enum tp_err sq_peer_find(struct tp_store *s, const char *name, struct tp_peer *out)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT " PEER_COLS " WHERE p.name=?1");
	if (st) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			read_peer(st, out);
			e = TP_OK;
		} else if (rc == SQLITE_DONE) {
			e = TP_ENOTFOUND;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

enum tp_err sq_peer_list(struct tp_store *s, int (*fn)(void *, const struct tp_peer *), void *ctx)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT " PEER_COLS " ORDER BY p.name");
	if (st) {
		int rc;
		struct tp_peer p;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			read_peer(st, &p);
			if (fn(ctx, &p))
				break;
		}
		e = rc == SQLITE_ROW || rc == SQLITE_DONE ? TP_OK : TP_EDB;
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

enum tp_err sq_peer_remove(struct tp_store *s, const char *name, struct tp_diag *d)
{
	struct arg a[] = {A_S(name)};
	int n = 0;
	enum tp_err e = sq_exec1(s, "DELETE FROM peers WHERE name=?1", a, 1, &n, NULL, "peer", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "no peer '%s'", name);
	return e;
}

enum tp_err sq_peer_set_cursors(struct tp_store *s, int64_t id, const char *pull_cursor,
				tp_time_us push_cursor, struct tp_diag *d)
{
	struct arg a[] = {{.s = pull_cursor, .is_null = !pull_cursor},
			  {.i = push_cursor, .is_null = push_cursor < 0},
			  A_I(id)};
	int n = 0;
	enum tp_err e = sq_exec1(s,
				 "UPDATE peers SET pull_cursor=ifnull(?1, pull_cursor),"
				 " push_cursor=ifnull(?2, push_cursor) WHERE id=?3",
				 a, 3, &n, NULL, "peer cursor", d);
	if (!e && n == 0)
		return tp_diag_set(d, TP_ENOTFOUND, "the peer was removed meanwhile");
	return e;
}

enum tp_err sq_count_added(struct tp_store *s, int64_t collection, tp_time_us after,
			   tp_time_us upto, int64_t not_origin, int64_t *count, tp_time_us *last)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	/* one statement, one snapshot: the count and the latest agree */
	sqlite3_stmt *st = sq_prep(
		c, "SELECT (SELECT count(*) FROM objects WHERE collection=?1 AND date_added>?2"
		   " AND date_added<=?3 AND origin!=?4),"
		   " (SELECT ifnull(max(date_added), 0) FROM objects WHERE collection=?1)");
	if (st) {
		sqlite3_bind_int64(st, 1, collection);
		sqlite3_bind_int64(st, 2, after);
		sqlite3_bind_int64(st, 3, upto);
		sqlite3_bind_int64(st, 4, not_origin);
		if (sqlite3_step(st) == SQLITE_ROW) {
			if (count)
				*count = sqlite3_column_int64(st, 0);
			if (last)
				*last = sqlite3_column_int64(st, 1);
			e = TP_OK;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}

enum tp_err sq_id_known(struct tp_store *s, int64_t collection, const char *id, int *known)
{
	struct conn *c = sq_take(SQ(s), NULL);
	if (!c)
		return TP_EDB;
	enum tp_err e = TP_EDB;
	sqlite3_stmt *st = sq_prep(c, "SELECT EXISTS(SELECT 1 FROM objects WHERE collection=?1"
				      " AND stix_id=?2)");
	if (st) {
		sqlite3_bind_int64(st, 1, collection);
		sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*known = sqlite3_column_int(st, 0);
			e = TP_OK;
		}
		sqlite3_reset(st);
	}
	sq_give(SQ(s), c);
	return e;
}
