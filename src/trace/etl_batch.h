/*
 * Scanned bitcoin-etl lines on their way from the scanning thread to the
 * graph thread (private to src/trace; used by import_utxo.c). A batch
 * holds up to TPE_BATCH_LINES consecutive lines of one file: a copy of
 * their bytes, each line's scan (etl_scan.h) with the ids already turned
 * into binary and the address hashes worked out, and, after its last line,
 * the reader's error if reading stopped there. The graph thread checks
 * and adds the lines in order, exactly as if it had scanned them itself.
 */
#ifndef TP_TRACE_ETL_BATCH_H
#define TP_TRACE_ETL_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "etl_scan.h"
#include "raw_batch.h"
#include "tripact/error.h"

/* A transaction id from a line: ok when it was a string of one. tx: the
 * graph's transaction of that id once a look-ahead found it (TPG_NONE
 * until then; ids are never removed, so a found one stays). */
struct tpe_ref {
	uint8_t id[32];
	int ok;
	uint32_t tx;
};

/* A scanned line, kept until it is imported. */
struct tpe_line {
	struct tpe_scan *sc;
	const char *line; /* the bytes scanned */
	size_t len;	  /* 0: an empty line, nothing scanned */
	long lineno;
	uint64_t consumed; /* bytes of the file up to and with this line's newline */
	enum tp_err e;
	const struct tpe_tx *tx;
	int step; /* the prefetch steps done */
	/* worked out once, for the prefetches and the import: */
	struct tpe_ref *ids; /* [0] the transaction's id, [1 + i] the one inputs[i] spends */
	uint64_t *ahash;     /* [k] the tpg_addr_hash of outputs[k]'s address, if it has one */
	size_t ids_cap, ahash_cap;
	char why[300];
};

/* Starts loading, for writing, what scanning a line into l writes first. */
void tpe_line_prefetch(const struct tpe_line *l);

/* Frees what l holds (its scanner and arrays), not l itself. */
void tpe_line_free(struct tpe_line *l);

#define TPE_BATCH_LINES 256
#define TPE_BATCH_TEXT	(256u << 10) /* bytes of lines a batch holds, unless one is longer */

struct tpe_batch {
	struct tpe_line line[TPE_BATCH_LINES];
	size_t n;
	char *text; /* the lines' bytes, each followed by a NUL */
	size_t used, text_cap;
	/* set when reading stopped after these lines: tpr_next's result and diag */
	int end_rc;
	struct tp_diag end;
};

/*
 * Copies line[0..len) into b and returns the slot for it, with sc, line,
 * len and lineno set; NULL when b is full or has no room for the bytes
 * (hand it over and retry), or out of memory while b is empty (*nomem).
 */
struct tpe_line *tpe_batch_add(struct tpe_batch *b, const char *line, size_t len, long lineno,
			       int *nomem);

/*
 * The queue of batches from the scanning thread to the graph thread:
 * raw_batch.h's tpi_pipe (its ring order, waiting, stopping and closing),
 * with batch[k] travelling as its ring slot k (that slot's own raw batch
 * stays empty). The producer fills tpe_pipe_fill() and hands it over with
 * tpe_pipe_push(); the consumer takes tpe_pipe_pop(), may look at the
 * batch after it with tpe_pipe_peek(), and gives it back with
 * tpi_pipe_done(&p->q). Batches arrive in file order.
 */
/* Batches in flight: more of them lost to the cache what they gained
 * (32 took the 2M-transaction import from ~4 to 6-7 CPU s). */
#define TPE_PIPE_DEPTH 4

struct tpe_pipe {
	struct tpi_pipe q;
	struct tpe_batch batch[TPE_PIPE_DEPTH];
};

/* Sets up p (caller owns it; tpe_pipe_destroy); TP_ENOMEM on failure. */
enum tp_err tpe_pipe_init(struct tpe_pipe *p) TP_MUST_CHECK;
void tpe_pipe_destroy(struct tpe_pipe *p);
/* Producer: the batch it fills next (empty after a push). */
struct tpe_batch *tpe_pipe_fill(struct tpe_pipe *p);
/* Producer: hands over the filled batch; 0, or -1 once the consumer stopped. */
int tpe_pipe_push(struct tpe_pipe *p);
/* Consumer: the next batch in order, or NULL when closed and drained. */
struct tpe_batch *tpe_pipe_pop(struct tpe_pipe *p);
/* Consumer: the batch after the popped one if it is already pushed, else NULL. */
struct tpe_batch *tpe_pipe_peek(struct tpe_pipe *p);

#endif
