/*
 * Statements sent back to back without waiting for each one's answer
 * (libpq's pipeline mode): N statements cost one round trip to the server
 * instead of N. Storing a bundle of objects is then two round trips:
 * BEGIN and the collection's lock, then the rows and COMMIT (pg_put.c).
 *
 *	struct pg_pipe p;
 *	pg_pipe_open(&p, c, on_result, ctx, d);
 *	for (i = 0; i < n; i++)
 *		pg_pipe_send(&p, sql, args, nargs, "object", ids[i], i);
 *	e = pg_pipe_close(&p);
 *
 * Answers come back in the order sent, through on_result(ctx, tag, r).
 * After a failed statement the server skips the rest up to the next sync
 * point (and the transaction is aborted: the caller rolls back); the
 * failure reported is the first, named by the what and name sent with its
 * statement. At most PG_PIPE_MAX statements are in flight: the next send
 * first reads their answers, so that neither end can block on a full
 * socket while the other waits for it.
 */
#ifndef TRIPACT_PG_PIPE_H
#define TRIPACT_PG_PIPE_H

#include "pg_int.h"

#define PG_PIPE_MAX 256

struct pg_pipe_stmt {
	const char *what; /* borrowed, for messages: "object" */
	const char *name; /* borrowed, may be NULL: the object's id */
	int tag;	  /* the caller's: passed back to on_result */
};

struct pg_pipe {
	struct pgc *c;
	/* a statement's rows (r borrowed); an error stops the pipe */
	enum tp_err (*on_result)(void *ctx, int tag, const PGresult *r, struct tp_diag *d);
	void *ctx;
	struct tp_diag *d;
	enum tp_err err; /* the first failure */
	int refused;	 /* the server refused a statement: that of refused_tag */
	int refused_tag;
	int n; /* statements in flight */
	struct pg_pipe_stmt sent[PG_PIPE_MAX];
};

/* Puts c in pipeline mode. on_result may be NULL. */
enum tp_err pg_pipe_open(struct pg_pipe *p, struct pgc *c,
			 enum tp_err (*on_result)(void *, int, const PGresult *, struct tp_diag *),
			 void *ctx, struct tp_diag *d);
/* Queues sql (prepared first if c has not yet, which costs a round trip)
 * with args[0..n); returns the pipe's first failure so far, if any. */
enum tp_err pg_pipe_send(struct pg_pipe *p, const char *sql, const struct pg_arg *args, int n,
			 const char *what, const char *name, int tag);
/* Waits for the answers to everything sent and leaves pipeline mode; the
 * pipe's first failure. A connection left in pipeline mode after a lost
 * answer is closed by pg_give(). */
enum tp_err pg_pipe_close(struct pg_pipe *p);

#endif
