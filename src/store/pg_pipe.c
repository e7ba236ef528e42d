/*
 * libpq's pipeline mode behind a small queue (see pg_pipe.h). A sync point
 * is sent every PG_PIPE_MAX statements and at the end: the answers to one
 * batch of statements are read while nothing else is in flight.
 */
#include <stdio.h>
#include <string.h>

#include "pg_pipe.h"

enum tp_err pg_pipe_open(struct pg_pipe *p, struct pgc *c,
			 enum tp_err (*on_result)(void *, int, const PGresult *, struct tp_diag *),
			 void *ctx, struct tp_diag *d)
{
	p->c = c;
	p->on_result = on_result;
	p->ctx = ctx;
	p->d = d;
	p->n = 0;
	p->err = TP_OK;
	p->refused = 0;
	p->refused_tag = 0;
	if (PQenterPipelineMode(c->pg) != 1)
		p->err = pg_server_err(NULL, c->pg, "pipeline", d);
	return p->err;
}

/* Statement s failed with r (NULL: the connection did). */
static enum tp_err fail(struct pg_pipe *p, const struct pg_pipe_stmt *s, const PGresult *r)
{
	char what[192];
	snprintf(what, sizeof what, "%s%s%s", s->what, s->name ? " " : "", s->name ? s->name : "");
	return pg_server_err(r, p->c->pg, what, p->d);
}

/* The next answer, past the NULL that ends the one before; NULL if the
 * connection is lost. */
static PGresult *next_result(PGconn *pg)
{
	PGresult *r = PQgetResult(pg);
	return r ? r : PQgetResult(pg);
}

/* Sends a sync point and reads the answers to the statements in flight. */
static void collect(struct pg_pipe *p)
{
	PGconn *pg = p->c->pg;
	int n = p->n;
	p->n = 0;
	if (PQpipelineSync(pg) != 1) {
		if (!p->err)
			p->err = pg_server_err(NULL, pg, "pipeline", p->d);
		return;
	}
	for (int i = 0; i < n; i++) {
		PGresult *r = next_result(pg);
		if (!r) {
			if (!p->err)
				p->err = fail(p, &p->sent[i], NULL);
			return; /* the connection stays in pipeline mode: closed */
		}
		ExecStatusType st = PQresultStatus(r);
		if (p->err)
			; /* skipped by the server, or not wanted */
		else if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
			p->err = p->on_result ? p->on_result(p->ctx, p->sent[i].tag, r, p->d)
					      : TP_OK;
		else {
			p->err = fail(p, &p->sent[i], r);
			p->refused = 1;
			p->refused_tag = p->sent[i].tag;
		}
		PQclear(r);
	}
	PGresult *r = next_result(pg);
	if (PQresultStatus(r) != PGRES_PIPELINE_SYNC && !p->err)
		p->err = pg_server_err(r, pg, "pipeline", p->d);
	PQclear(r);
}

/* Makes sql's prepared statement on the connection: preparing waits for the
 * server's answer, so it happens outside pipeline mode. */
static int prepare(struct pg_pipe *p, const char *sql, const char *what)
{
	int k = pg_cached(p->c, sql);
	if (k >= 0)
		return k;
	PGconn *pg = p->c->pg;
	if (p->n)
		collect(p);
	if (!p->err && PQexitPipelineMode(pg) != 1)
		p->err = pg_server_err(NULL, pg, "pipeline", p->d);
	if (!p->err)
		p->err = pg_prepare(p->c, sql, &k, what, p->d);
	if (!p->err && PQenterPipelineMode(pg) != 1)
		p->err = pg_server_err(NULL, pg, "pipeline", p->d);
	return p->err ? -1 : k;
}

enum tp_err pg_pipe_send(struct pg_pipe *p, const char *sql, const struct pg_arg *args, int n,
			 const char *what, const char *name, int tag)
{
	if (!p->err && p->n == PG_PIPE_MAX)
		collect(p);
	if (p->err)
		return p->err;
	struct pg_values v;
	p->err = pg_values(args, n, &v, what, p->d);
	int k = p->err ? -1 : prepare(p, sql, what);
	if (k < 0)
		return p->err;
	char stmt[16];
	pg_stmt_name(k, stmt);
	struct pg_pipe_stmt s = {what, name, tag};
	if (PQsendQueryPrepared(p->c->pg, stmt, n, v.vals, v.lens, v.fmts, 0) != 1)
		return p->err = fail(p, &s, NULL);
	p->sent[p->n++] = s;
	return TP_OK;
}

enum tp_err pg_pipe_close(struct pg_pipe *p)
{
	if (p->n)
		collect(p);
	if (PQexitPipelineMode(p->c->pg) != 1 && !p->err)
		p->err = pg_server_err(NULL, p->c->pg, "pipeline", p->d);
	return p->err;
}
