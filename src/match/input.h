/* Line input for the match readers (input.c). */
#ifndef TP_MATCH_INPUT_H
#define TP_MATCH_INPUT_H

#include <zlib.h>

#include "tripact/buf.h"
#include "tripact/error.h"

struct input {
	gzFile gz;
	const char *mem; /* or memory */
	size_t memlen, mempos;
	char buf[1 << 16];
	size_t bpos, blen;
	int eof;
	long lineno;  /* of the line last returned */
	size_t bytes; /* read so far */
	struct tp_buf line;
};

/* path "-" is stdin. Close with input_close even on failure. */
enum tp_err input_open(struct input *in, const char *path, struct tp_diag *d) TP_MUST_CHECK;
/* text is borrowed until input_close. */
void input_open_mem(struct input *in, const char *text, size_t len);
void input_close(struct input *in);
/* *got = 1 and the next line (NUL-terminated, no line end; the storage is
 * reused by the next call), or *got = 0 at the end. */
enum tp_err input_next(struct input *in, char **line, size_t *len, int *got,
		       struct tp_diag *d) TP_MUST_CHECK;

#endif
