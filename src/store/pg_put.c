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
 * The objects of a step go up to 1,000 to a statement (rows_sql, their
 * columns as arrays): a bundle of 100 indicators is two round trips, and
 * so are 5,000 (five statements of rows in the second).
 *
 * date_added is handed out as objects are queued, before the server says
 * whether a version was new: a duplicate leaves a gap in a sequence that
 * stays unique and strictly increasing. A database error anywhere rolls
 * the whole batch back, as on SQLite. When the server refuses a statement
 * of many rows (text that is not UTF-8, say) it does not say which row:
 * the batch is then tried again one statement per object (insert_sql),
 * and the error names the object.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pg_int.h"
#include "pg_pipe.h"
#include "tripact/buf.h"
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
	int by_row;	  /* one statement per object (see pg_put_many) */
	int rows_refused; /* the server refused a statement of many rows */
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
	/* rows_sql joins its unnested arrays with the stored objects: planned
	 * without their values it expects few rows and scans the whole table
	 * (about 40 ms a batch of 100 against 100,000 stored objects) */
	pg_pipe_send(&p, "SET LOCAL plan_cache_mode = force_custom_plan", NULL, 0, "batch", NULL,
		     -1);
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

#define TAG_ROWS (-2)

/* A version already there: reported with its own date_added. */
static enum tp_err duplicate(struct batch *b, size_t i, const PGresult *r, int row,
			     struct tp_diag *d)
{
	if (PQgetisnull(r, row, 1))
		return tp_diag_set(d, TP_EDB, "object %s: neither stored nor found",
				   tp_json_str(b->puts[i].object, "id"));
	b->res[i].duplicate = 1;
	b->res[i].date_added = pg_int(r, row, 1);
	return TP_OK;
}

static enum tp_err stored(void *ctx, int tag, const PGresult *r, struct tp_diag *d)
{
	struct batch *b = ctx;
	if (tag >= 0) /* insert_sql: rows inserted, date_added found */
		return pg_int(r, 0, 0) ? TP_OK : duplicate(b, (size_t)tag, r, 0, d);
	if (tag != TAG_ROWS)
		return TP_OK;
	/* rows_sql: object index, date_added; a date_added other than the
	 * one handed out is an older row's */
	enum tp_err e = TP_OK;
	for (int k = 0; k < PQntuples(r) && !e; k++) {
		int64_t i = pg_int(r, k, 0);
		if (i < 0 || (size_t)i >= b->n)
			return tp_diag_set(d, TP_EDB, "objects: an answer for no object");
		if (PQgetisnull(r, k, 1) || pg_int(r, k, 1) != b->res[i].date_added)
			e = duplicate(b, (size_t)i, r, k, d);
	}
	return e;
}

/* Queues object i's row alone (insert_sql). */
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
	return e;
}

/* Queues the markings row of object i, a marking definition. */
static enum tp_err send_marking(struct batch *b, struct pg_pipe *p, size_t i)
{
	const struct tp_store_put *o = &b->puts[i];
	const char *id = tp_json_str(o->object, "id");
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

/*
 * Many objects in one statement: the rows' columns as arrays, unnested,
 * inserted in the order given (a second copy of a version in the batch
 * meets the first and is skipped), `latest` for the newest version of
 * each id unless a newer one is stored, cleared on the stored ones older
 * than a new latest. Answers each row's object index and the date_added
 * of its version: the stored one's (the statement sees the table as it
 * was before it) or that of its first copy in the statement, the one
 * inserted.
 */
static const char rows_sql[] =
	"WITH v AS (SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[],"
	" $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],"
	" $10::text[], $11::text[], $12::text[], $13::text[]) AS v(i, collection, added,"
	" version, origin, tlp, partner, dflt, unresolved, id, type, sv, body)),"
	" newest AS (SELECT collection, id, max(version) AS v,"
	" (SELECT max(o.version) FROM objects o WHERE o.collection=v.collection AND"
	" o.stix_id=v.id) AS stored FROM v GROUP BY collection, id),"
	" ins AS (INSERT INTO objects(collection, date_added, stix_id, type, spec_version,"
	" version, origin, tlp, partner, dflt, unresolved, body, latest)"
	" SELECT v.collection, v.added, v.id, v.type, v.sv, v.version, v.origin, v.tlp,"
	" v.partner, v.dflt, v.unresolved, v.body,"
	" v.version = n.v AND (n.stored IS NULL OR v.version > n.stored)"
	" FROM v JOIN newest n ON n.collection=v.collection AND n.id=v.id ORDER BY v.i"
	" ON CONFLICT(collection, stix_id, version) DO NOTHING"
	" RETURNING collection, stix_id, version, latest),"
	" upd AS (UPDATE objects o SET latest=false FROM ins WHERE ins.latest AND"
	" o.collection=ins.collection AND o.stix_id=ins.stix_id AND o.latest AND"
	" o.version<ins.version)"
	" SELECT v.i, coalesce(o.date_added, min(v.added) OVER (PARTITION BY v.collection,"
	" v.id, v.version)) FROM v LEFT JOIN objects o ON o.collection=v.collection AND"
	" o.stix_id=v.id AND o.version=v.version";

/* rows_sql's parameters, integers first */
enum {
	COL_INDEX,
	COL_COLLECTION,
	COL_ADDED,
	COL_VERSION,
	COL_ORIGIN,
	COL_TLP,
	COL_PARTNER,
	COL_DFLT,
	COL_UNRESOLVED,
	COL_ID,
	COL_TYPE,
	COL_SV,
	COL_BODY,
	N_COLS
};
#define OID_INT8 20
#define OID_TEXT 25
/* a statement's share of a batch: bounded in rows and in bytes */
#define ROWS_MAX   1000
#define ROWS_BYTES (16u << 20)

/* Columns in PostgreSQL's binary array form: a 20-byte header (one
 * dimension, no NULLs, element type, length, lower bound 1), then each
 * element as a 4-byte length and its bytes, all big-endian. */
struct rows {
	struct tp_buf col[N_COLS];
	int n;
};

static void be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static enum tp_err rows_clear(struct rows *rs)
{
	static const char header[20];
	enum tp_err e = TP_OK;
	rs->n = 0;
	for (int c = 0; c < N_COLS && !e; c++) {
		tp_buf_reset(&rs->col[c]);
		e = tp_buf_append(&rs->col[c], header, sizeof header);
	}
	return e;
}

static enum tp_err put_int(struct tp_buf *b, int64_t v)
{
	unsigned char x[12];
	be32(x, 8);
	be32(x + 4, (uint32_t)((uint64_t)v >> 32));
	be32(x + 8, (uint32_t)v);
	return tp_buf_append(b, x, sizeof x);
}

static enum tp_err put_text(struct tp_buf *b, const char *s, size_t n)
{
	unsigned char x[4];
	be32(x, (uint32_t)n);
	enum tp_err e = tp_buf_append(b, x, sizeof x);
	return e ? e : tp_buf_append(b, s, n);
}

static enum tp_err rows_add(struct rows *rs, const struct batch *b, size_t i)
{
	const struct tp_store_put *o = &b->puts[i];
	const struct tp_store_put_result *r = &b->res[i];
	int64_t ints[COL_ID] = {
		(int64_t)i,	 o->collection,	  r->date_added,	r->version,
		o->origin,	 (int64_t)r->tlp, o->from_partner != 0, (int64_t)o->default_tlp,
		b->unresolved[i]};
	char *dumped = o->json ? NULL : tp_json_dump(o->object);
	if (!o->json && !dumped)
		return TP_ENOMEM;
	const char *sv = tp_json_str(o->object, "spec_version");
	const char *texts[N_COLS - COL_ID] = {tp_json_str(o->object, "id"),
					      tp_json_str(o->object, "type"), sv ? sv : "2.1",
					      o->json ? o->json : dumped};
	enum tp_err e = TP_OK;
	for (int c = 0; c < COL_ID && !e; c++)
		e = put_int(&rs->col[c], ints[c]);
	for (int c = COL_ID; c < COL_BODY && !e; c++)
		e = put_text(&rs->col[c], texts[c - COL_ID], strlen(texts[c - COL_ID]));
	if (!e)
		e = put_text(&rs->col[COL_BODY], texts[COL_BODY - COL_ID],
			     o->json ? o->json_len : strlen(dumped));
	free(dumped);
	rs->n++;
	return e;
}

/* Queues the rows gathered so far as one statement and starts afresh. */
static enum tp_err rows_send(struct rows *rs, struct pg_pipe *p)
{
	if (!rs->n || p->err)
		return p->err;
	struct pg_arg a[N_COLS];
	for (int c = 0; c < N_COLS; c++) {
		unsigned char *h = (unsigned char *)rs->col[c].data;
		be32(h, 1);
		be32(h + 4, 0);
		be32(h + 8, c < COL_ID ? OID_INT8 : OID_TEXT);
		be32(h + 12, (uint32_t)rs->n);
		be32(h + 16, 1);
		a[c] = (struct pg_arg){.bin = rs->col[c].data, .len = (int)rs->col[c].len};
	}
	enum tp_err e = pg_pipe_send(p, rows_sql, a, N_COLS, "objects", NULL, TAG_ROWS);
	if (!e && rows_clear(rs))
		e = p->err = tp_diag_set(p->d, TP_ENOMEM, "out of memory");
	return e;
}

/* Queues one step's objects, ROWS_MAX to a statement, then the markings
 * rows of its marking definitions. */
static void send_rows(struct batch *b, struct pg_pipe *p, int markings)
{
	struct rows rs;
	for (int c = 0; c < N_COLS; c++)
		tp_buf_init(&rs.col[c], 0);
	if (rows_clear(&rs))
		p->err = tp_diag_set(p->d, TP_ENOMEM, "out of memory");
	for (size_t i = 0; i < b->n && !p->err; i++) {
		if (is_marking_definition(b->puts[i].object) != markings || b->res[i].err)
			continue;
		if (rows_add(&rs, b, i))
			p->err = tp_diag_set(p->d, TP_ENOMEM, "out of memory");
		else if (rs.n == ROWS_MAX || rs.col[COL_BODY].len > ROWS_BYTES)
			rows_send(&rs, p);
	}
	rows_send(&rs, p);
	for (size_t i = 0; i < b->n && markings && !p->err; i++)
		if (is_marking_definition(b->puts[i].object) && !b->res[i].err)
			send_marking(b, p, i);
	for (int c = 0; c < N_COLS; c++)
		tp_buf_free(&rs.col[c]);
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
		if (!b->by_row)
			send_rows(b, &p, markings);
		for (size_t i = 0; i < b->n && b->by_row && !p.err; i++)
			if (is_marking_definition(b->puts[i].object) == markings &&
			    !b->res[i].err) {
				send_object(b, &p, i);
				if (markings)
					send_marking(b, &p, i);
			}
		if (!markings && !b->new_marking)
			send_commit(b, &p);
		e = pg_pipe_close(&p);
		b->rows_refused = p.refused && p.refused_tag == TAG_ROWS;
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

/* One try at the whole batch, rolled back if it fails. */
static enum tp_err attempt(struct batch *b, struct tp_diag *d)
{
	b->nls = 0;
	b->new_marking = 0;
	b->rows_refused = 0;
	enum tp_err e = lock_collections(b, d);
	if (!e)
		e = store_objects(b, d);
	if (e && PQtransactionStatus(b->c->pg) != PQTRANS_IDLE)
		(void)pg_cmd(b->c, "ROLLBACK", NULL);
	return e;
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
	enum tp_err e = attempt(&b, d);
	if (e && b.rows_refused) {
		/* the server refused one of many rows without saying which:
		 * again, one statement per object, to name it */
		b.by_row = 1;
		e = attempt(&b, d);
	}
	pg_give(PGS(s), b.c);
	free(b.unresolved);
	return e;
}
