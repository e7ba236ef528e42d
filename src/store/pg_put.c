/*
 * Storing a batch of objects in PostgreSQL (tp_store_put_many) in a few
 * round trips instead of one per object, each step a pipeline (pg_pipe.h):
 *
 *   1. BEGIN, and SELECT ... FOR UPDATE of each collection the batch
 *      touches, in id order (two batches never wait on each other
 *      crosswise): their last date_added;
 *   2. the marking definitions, if any, with their markings rows;
 *   3. the other objects, each collection's new last_added, COMMIT.
 *
 * Before a step is sent its objects get their stamps and TLP; resolve()
 * reads the markings table, so step 3's objects see step 2's definitions.
 * A bundle of 100 indicators is two round trips; 5,000 are 21.
 *
 * date_added is handed out as objects are queued, before the server says
 * whether a version was new: a duplicate leaves a gap in a sequence that
 * stays unique and strictly increasing. A database error anywhere rolls
 * the whole batch back, as on SQLite, and names the object it came from.
 */
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "pg_pipe.h"
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

/* Each collection of the batch and its last date_added. */
struct last {
	int64_t collection;
	tp_time_us last;
};

#define MAX_COLLECTIONS 8

struct batch {
	struct pgc *c;
	const struct tp_store_put *puts;
	size_t n;
	struct tp_store_put_result *res;
	int *unresolved; /* per object */
	struct last ls[MAX_COLLECTIONS];
	int nls;
	int new_marking;
};

static struct last *last_of(struct batch *b, int64_t collection)
{
	for (int i = 0; i < b->nls; i++)
		if (b->ls[i].collection == collection)
			return &b->ls[i];
	return NULL;
}

static enum tp_err locked(void *ctx, int tag, const PGresult *r, struct tp_diag *d)
{
	struct batch *b = ctx;
	if (tag < 0)
		return TP_OK;
	if (!PQntuples(r))
		return tp_diag_set(d, TP_ENOTFOUND, "no such collection");
	b->ls[tag].last = pg_int(r, 0, 0);
	return TP_OK;
}

/* Step 1: BEGIN and lock the batch's collections (rows stay locked until
 * COMMIT: writers of one collection take their date_added in turn). */
static enum tp_err lock_collections(struct batch *b, struct tp_diag *d)
{
	for (size_t i = 0; i < b->n; i++) {
		int64_t id = b->puts[i].collection;
		if (last_of(b, id))
			continue;
		if (b->nls == MAX_COLLECTIONS)
			return tp_diag_set(d, TP_ELIMIT, "a batch may touch at most 8 collections");
		int k = b->nls++;
		for (; k > 0 && b->ls[k - 1].collection > id; k--)
			b->ls[k] = b->ls[k - 1];
		b->ls[k] = (struct last){id, 0};
	}
	struct pg_pipe p;
	pg_pipe_open(&p, b->c, locked, b, d);
	pg_pipe_send(&p, "BEGIN", NULL, 0, "batch", NULL, -1);
	for (int i = 0; i < b->nls; i++) {
		struct pg_arg a[] = {P_I(b->ls[i].collection)};
		pg_pipe_send(&p, "SELECT last_added FROM collections WHERE id=$1 FOR UPDATE", a, 1,
			     "collection", NULL, i);
	}
	return pg_pipe_close(&p);
}

static int is_marking_definition(const json_t *o)
{
	const char *type = tp_json_str(o, "type");
	return type && strcmp(type, "marking-definition") == 0;
}

/* Gives the objects of one step their date_added, version and TLP (in
 * res); those that cannot be stored get their reason there instead. */
static void stamp(struct batch *b, int markings)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct tp_store_put *p = &b->puts[i];
		if (is_marking_definition(p->object) != markings)
			continue;
		struct tp_store_put_result *r = &b->res[i];
		struct last *l = last_of(b, p->collection);
		tp_time_us added, version;
		if (!tp_store_put_stamps(p->object, l->last, &added, &version, r))
			continue;
		l->last = added;
		r->date_added = added;
		r->version = version;
		struct resolve_ctx rc = {b->c, p->origin};
		tp_tlp_of_object(p->object, resolve, &rc, p->default_tlp, &r->tlp,
				 &b->unresolved[i]);
	}
}

/*
 * Inserts one version, works out whether it is the newest of its id
 * (`latest`) and clears `latest` on the older ones. Answers how many rows
 * it inserted and, for a version already there, its date_added (the outer
 * SELECT sees the table as it was before this statement).
 */
static const char insert_sql[] =
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
	" SELECT (SELECT count(*) FROM ins), (SELECT date_added FROM objects WHERE"
	" collection=$1::bigint AND stix_id=$3::text AND version=$6::bigint)";

static enum tp_err stored(void *ctx, int tag, const PGresult *r, struct tp_diag *d)
{
	(void)d;
	struct batch *b = ctx;
	if (tag < 0 || pg_int(r, 0, 0) != 0)
		return TP_OK;
	b->res[tag].duplicate = 1;
	b->res[tag].date_added = PQgetisnull(r, 0, 1) ? 0 : pg_int(r, 0, 1);
	return TP_OK;
}

/* Queues object i's row (and, for a marking definition, its markings
 * row). */
static enum tp_err send_object(struct batch *b, struct pg_pipe *p, size_t i)
{
	const struct tp_store_put *o = &b->puts[i];
	const struct tp_store_put_result *r = &b->res[i];
	const char *id = tp_json_str(o->object, "id");
	const char *sv = tp_json_str(o->object, "spec_version");
	char *body = o->json ? strndup(o->json, o->json_len) : tp_json_dump(o->object);
	if (!body)
		return p->err = tp_diag_set(p->d, TP_ENOMEM, "out of memory");
	struct pg_arg a[] = {P_I(o->collection),
			     P_I(r->date_added),
			     P_S(id),
			     P_S(tp_json_str(o->object, "type")),
			     P_S(sv ? sv : "2.1"),
			     P_I(r->version),
			     P_I(o->origin),
			     P_I((int)r->tlp),
			     P_I(o->from_partner ? 1 : 0),
			     P_I((int)o->default_tlp),
			     P_I(b->unresolved[i]),
			     P_S(body)};
	/* libpq copies the parameters into its buffer as it queues them */
	enum tp_err e = pg_pipe_send(p, insert_sql, a, 12, "object", id, (int)i);
	free(body);
	if (e || !is_marking_definition(o->object))
		return e;
	enum tp_tlp lv = TP_TLP_RED;
	enum tp_marking_kind k = tp_tlp_of_definition(o->object, &lv);
	struct pg_arg m[] = {P_S(id), P_I(o->origin), P_I((int)k), P_I((int)lv)};
	b->new_marking = 1;
	return pg_pipe_send(p,
			    "INSERT INTO markings(stix_id, origin, kind, tlp) VALUES($1,$2,$3,$4)"
			    " ON CONFLICT(stix_id, origin) DO UPDATE SET kind=excluded.kind,"
			    " tlp=excluded.tlp",
			    m, 4, "marking", id, -1);
}

/* Queues each collection's new last_added, then COMMIT. */
static void send_commit(struct batch *b, struct pg_pipe *p)
{
	for (int i = 0; i < b->nls; i++) {
		struct pg_arg a[] = {P_I(b->ls[i].last), P_I(b->ls[i].collection)};
		pg_pipe_send(p, "UPDATE collections SET last_added=$1 WHERE id=$2", a, 2,
			     "collection", NULL, -1);
	}
	pg_pipe_send(p, "COMMIT", NULL, 0, "batch", NULL, -1);
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
		PQclear(pg_run(c, "UPDATE objects SET tlp=$1, unresolved=$2 WHERE rowid=$3", a, 3,
			       "re-evaluate", d, &e));
	}
	PQclear(sel);
	return e;
}

/* Steps 2 and 3; the COMMIT waits for the re-evaluation when the batch
 * brought marking definitions. */
static enum tp_err store_objects(struct batch *b, struct tp_diag *d)
{
	enum tp_err e = TP_OK;
	for (int markings = 1; markings >= 0 && !e; markings--) {
		stamp(b, markings);
		struct pg_pipe p;
		pg_pipe_open(&p, b->c, stored, b, d);
		for (size_t i = 0; i < b->n && !p.err; i++)
			if (is_marking_definition(b->puts[i].object) == markings &&
			    !b->res[i].err)
				send_object(b, &p, i);
		if (!markings && !b->new_marking)
			send_commit(b, &p);
		e = pg_pipe_close(&p);
	}
	if (e || !b->new_marking)
		return e;
	e = reevaluate(b->c, d);
	if (e)
		return e;
	struct pg_pipe p;
	pg_pipe_open(&p, b->c, NULL, NULL, d);
	send_commit(b, &p);
	return pg_pipe_close(&p);
}

enum tp_err pg_put_many(struct tp_store *s, const struct tp_store_put *puts, size_t n,
			struct tp_store_put_result *res, struct tp_diag *d)
{
	struct batch b = {.puts = puts, .n = n, .res = res};
	b.unresolved = calloc(n ? n : 1, sizeof *b.unresolved);
	if (!b.unresolved)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	b.c = pg_take(PGS(s), d);
	if (!b.c) {
		free(b.unresolved);
		return TP_EDB;
	}
	enum tp_err e = lock_collections(&b, d);
	if (!e)
		e = store_objects(&b, d);
	if (e && PQtransactionStatus(b.c->pg) != PQTRANS_IDLE)
		(void)pg_cmd(b.c, "ROLLBACK", NULL);
	pg_give(PGS(s), b.c);
	free(b.unresolved);
	return e;
}
