/*
 * Bounded growable byte buffers. Every buffer fed from outside has a size
 * cap set at init, so hostile input hits TP_ELIMIT instead of exhausting
 * memory. The data is always NUL-terminated (the NUL is not counted in len).
 *
 *	struct tp_buf b;
 *	tp_buf_init(&b, 1 << 20);            // at most 1 MiB
 *	if (tp_buf_printf(&b, "%d", 42) != TP_OK) ...
 *	use(b.data, b.len);
 *	tp_buf_free(&b);
 */
#ifndef TRIPACT_BUF_H
#define TRIPACT_BUF_H

#include <stddef.h>

#include "tripact/error.h"

struct tp_buf {
	char *data;	/* NUL-terminated; NULL until the first append */
	size_t len;	/* bytes used, without the NUL */
	size_t cap;	/* bytes allocated */
	size_t max;	/* cap on len; 0 means SIZE_MAX/2 */
};

void tp_buf_init(struct tp_buf *b, size_t max);
void tp_buf_free(struct tp_buf *b);
/* Empties the buffer, keeping its memory. */
void tp_buf_reset(struct tp_buf *b);
/* Ensures room for n more bytes (and the NUL). */
enum tp_err tp_buf_reserve(struct tp_buf *b, size_t n) TP_MUST_CHECK;
enum tp_err tp_buf_append(struct tp_buf *b, const void *p, size_t n) TP_MUST_CHECK;
enum tp_err tp_buf_putc(struct tp_buf *b, char c) TP_MUST_CHECK;
enum tp_err tp_buf_puts(struct tp_buf *b, const char *s) TP_MUST_CHECK;
enum tp_err tp_buf_printf(struct tp_buf *b, const char *fmt, ...)
	TP_PRINTF(2, 3) TP_MUST_CHECK;
/* Hands the data to the caller (caller owns; free()); the buffer is emptied. */
char *tp_buf_steal(struct tp_buf *b);

#endif
