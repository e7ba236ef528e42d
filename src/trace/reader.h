/*
 * Line readers shared by the chain importers (private to src/trace):
 * one file at a time, line numbers for errors, a cap on line length, a
 * progress callback, CSV field splitting (RFC 4180 quoting on one line)
 * and the "FILE:LINE: reason" diagnostics every importer reports.
 */
#ifndef TP_TRACE_READER_H
#define TP_TRACE_READER_H

#include <stdint.h>
#include <stdio.h>

#include "tripact/error.h"
#include "tripact/trace.h"

#define TPR_MAX_LINE   (64u << 20)
#define TPR_MAX_FIELDS 64

struct tpr {
	const char *path;
	FILE *f;
	char *line; /* the current line, NUL-terminated, inside buf (may be changed in place) */
	size_t len;
	char *buf; /* big reads: buf[pos..end) is read and not yet returned */
	size_t cap, pos, end;
	size_t scanned; /* buf[pos..scanned) holds no newline */
	size_t peeked;	/* tpr_peek_more goes on from here (when past pos) */
	int eof;
	uint64_t consumed; /* bytes of this file returned as lines so far */
	uint64_t dropped;  /* bytes of this file let go from the page cache */
	long lineno;
	uint64_t done_before; /* bytes of earlier files */
	uint64_t total;	      /* bytes of all files */
	uint64_t txs;
	const struct tp_trace_import_opts *opts;
	struct tp_trace_import_stats *stats;
};

/*
 * Lets the page cache go of [*dropped, upto) of the file fd, a step at a
 * time (64 MB; tests make it smaller), and moves *dropped on. An import
 * reads each byte of its input once: on a machine whose fresh memory is
 * dear (a virtual machine whose host takes freed pages back), keeping the
 * pages read made every later page cache page and every page of the
 * graph fresh memory. Importing 9.8 GB of JSON lines not in the page
 * cache took 46-48 CPU s with the pages kept, 29-40 with them let go
 * (20-21 s of system time against 5-6). Only a hint: nothing is lost.
 */
void tpr_drop_cache(int fd, uint64_t *dropped, uint64_t upto);
extern uint64_t tpr_drop_step;

enum tp_err tpr_open(struct tpr *r, const char *path, struct tp_diag *d) TP_MUST_CHECK;
void tpr_close(struct tpr *r);
/*
 * Next line without its newline (and CR); 0 at end, 1 on a line, <0 on error (d set).
 * r->line stays valid until the next call.
 */
int tpr_next(struct tpr *r, struct tp_diag *d);

/*
 * The line after r->line when it is already read in whole (nothing is read
 * and r->line stays valid): 1 with *line, *len (no newline or CR, not
 * NUL-terminated), else 0. The next tpr_next returns the same bytes.
 */
int tpr_peek(struct tpr *r, const char **line, size_t *len);

/*
 * Like tpr_peek, but each call returns the line after the one the last
 * call returned (the first call after tpr_next, the line after r->line),
 * so an importer can look several lines ahead. Peeked lines stay valid
 * until tpr_next has returned them; 0 when no further line is read in whole.
 */
int tpr_peek_more(struct tpr *r, const char **line, size_t *len);

/*
 * Reports a bad row: under skip_bad counts it (keeping the first reason)
 * and returns TP_OK; otherwise sets d to "path:line: message" and returns
 * code.
 */
enum tp_err tpr_bad(struct tpr *r, struct tp_diag *d, enum tp_err code, const char *fmt, ...)
	TP_PRINTF(4, 5);

/*
 * Splits line in place into at most TPR_MAX_FIELDS fields; returns the
 * count, or -1 on an unterminated quote.
 */
int tpr_csv_split(char *line, char **fields, int max);

/* Total size of the files (for the progress bar); unreadable ones count 0. */
uint64_t tpr_total_size(const char *const *files, size_t n);

/*
 * Copies a JSON text, turning bare integers of 19 or more digits into
 * strings, so that jansson (64-bit integers) keeps 78-digit values exact.
 * Caller owns the result (free()); NULL on allocation failure.
 */
char *tpr_quote_big_ints(const char *s, size_t len, size_t *outlen);

/* mkdir -p dir (0755); 0 or -1 with errno. */
int tpr_mkdirs(const char *dir);

#endif
