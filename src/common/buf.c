/* Bounded growable buffers: see include/tripact/buf.h. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/buf.h"

void tp_buf_init(struct tp_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : SIZE_MAX / 2;
}

void tp_buf_free(struct tp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void tp_buf_reset(struct tp_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

enum tp_err tp_buf_reserve(struct tp_buf *b, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return TP_ELIMIT;
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return TP_OK;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return TP_ENOMEM;
	b->data = p;
	b->cap = cap;
	return TP_OK;
}

enum tp_err tp_buf_append(struct tp_buf *b, const void *p, size_t n)
{
	enum tp_err e = tp_buf_reserve(b, n);
	if (e != TP_OK)
		return e;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return TP_OK;
}

enum tp_err tp_buf_putc(struct tp_buf *b, char c)
{
	return tp_buf_append(b, &c, 1);
}

enum tp_err tp_buf_puts(struct tp_buf *b, const char *s)
{
	return tp_buf_append(b, s, strlen(s));
}

enum tp_err tp_buf_printf(struct tp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return TP_EINVAL;
	enum tp_err e = tp_buf_reserve(b, (size_t)n);
	if (e != TP_OK)
		return e;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return TP_OK;
}

char *tp_buf_steal(struct tp_buf *b)
{
	char *p = b->data;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}
