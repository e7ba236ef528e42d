/*
 * Zeek's TSV log writer read back. The headers say how to split:
 *
 *	#separator \x09
 *	#set_separator	,
 *	#empty_field	(empty)
 *	#unset_field	-
 *	#path	dns
 *	#fields	ts	uid	id.orig_h	...	answers
 *	#types	time	string	addr	...	vector[string]
 *	1588205199.824370	Cvf4...	10.0.1.6	...	10.0.0.4,fe80::1
 *
 * A row is split on the separator, container columns (set[..], vector[..])
 * on the set separator, and only then are \xNN escapes decoded, so an
 * escaped tab or comma inside a value stays part of it. "-" is unset and
 * "(empty)" an empty container: neither gives a value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "match_int.h"

#define MAX_COLUMNS 512

struct zeek_tsv {
	char sep, setsep;
	char empty[32], unset[32];
	size_t empty_len, unset_len;
	char log[32];
	int ncols;		/* 0 until #fields */
	int field[MAX_COLUMNS]; /* enum field or -1 */
	unsigned char container[MAX_COLUMNS];
	int ntypes;
	struct tp_buf tmp;
};

enum tp_err zeek_tsv_new(struct zeek_tsv **out)
{
	struct zeek_tsv *z = calloc(1, sizeof *z);
	if (!z)
		return TP_ENOMEM;
	z->sep = '\t';
	z->setsep = ',';
	strcpy(z->empty, "(empty)");
	strcpy(z->unset, "-");
	z->empty_len = 7;
	z->unset_len = 1;
	tp_buf_init(&z->tmp, 1 << 24);
	*out = z;
	return TP_OK;
}

void zeek_tsv_free(struct zeek_tsv *z)
{
	if (!z)
		return;
	tp_buf_free(&z->tmp);
	free(z);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes \xNN escapes of s[0..n) into tmp (NUL-terminated). */
static enum tp_err unescape(struct tp_buf *tmp, const char *s, size_t n)
{
	tp_buf_reset(tmp);
	enum tp_err e = tp_buf_reserve(tmp, n);
	for (size_t i = 0; e == TP_OK && i < n; i++) {
		int hi, lo;
		if (s[i] == '\\' && i + 3 < n && s[i + 1] == 'x' && (hi = hexval(s[i + 2])) >= 0 &&
		    (lo = hexval(s[i + 3])) >= 0) {
			e = tp_buf_putc(tmp, (char)(hi << 4 | lo));
			i += 3;
		} else {
			e = tp_buf_putc(tmp, s[i]);
		}
	}
	return e;
}

/* A header value that is one character once unescaped ("\x09", ","). */
static enum tp_err one_char(struct zeek_tsv *z, const char *v, size_t n, char *out,
			    const char *what, struct tp_diag *d)
{
	if (unescape(&z->tmp, v, n) != TP_OK)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	if (z->tmp.len != 1)
		return tp_diag_set(d, TP_EUNSUPPORTED, "%s must be one character, not '%.*s'", what,
				   (int)n, v);
	*out = z->tmp.data[0];
	return TP_OK;
}

static enum tp_err copy_word(char *dst, size_t cap, const char *v, size_t n, const char *what,
			     struct tp_diag *d)
{
	if (n >= cap)
		return tp_diag_set(d, TP_ELIMIT, "%s longer than %zu bytes", what, cap - 1);
	memcpy(dst, v, n);
	dst[n] = '\0';
	return TP_OK;
}

/* The columns of #fields (names) or #types (container or not). */
static enum tp_err columns(struct zeek_tsv *z, const char *v, size_t n, int types,
			   struct tp_diag *d)
{
	int c = 0;
	for (size_t i = 0; i <= n; c++) {
		const char *end = memchr(v + i, z->sep, n - i);
		size_t w = end ? (size_t)(end - (v + i)) : n - i;
		if (c == MAX_COLUMNS)
			return tp_diag_set(d, TP_ELIMIT, "more than %d columns", MAX_COLUMNS);
		if (types)
			z->container[c] = (w >= 4 && memcmp(v + i, "set[", 4) == 0) ||
					  (w >= 7 && memcmp(v + i, "vector[", 7) == 0);
		else
			z->field[c] = zeek_field(z->log, v + i, w);
		i += w + 1;
	}
	if (types) {
		z->ntypes = c;
		if (z->ncols && c != z->ncols)
			return tp_diag_set(d, TP_EPARSE, "#types has %d columns, #fields %d", c,
					   z->ncols);
	} else {
		z->ncols = c;
		memset(z->container, 0, sizeof z->container);
		z->ntypes = 0;
	}
	return TP_OK;
}

static enum tp_err header(struct zeek_tsv *z, const char *line, size_t len, struct tp_diag *d)
{
	if (len >= 11 && memcmp(line, "#separator ", 11) == 0)
		return one_char(z, line + 11, len - 11, &z->sep, "#separator", d);
	const char *tab = memchr(line, z->sep, len);
	if (!tab)
		return TP_OK; /* "#close", comments */
	size_t kn = (size_t)(tab - line);
	const char *v = tab + 1;
	size_t vn = len - kn - 1;
#define KEY(s) (kn == sizeof(s) - 1 && memcmp(line, s, kn) == 0)
	if (KEY("#set_separator"))
		return one_char(z, v, vn, &z->setsep, "#set_separator", d);
	if (KEY("#empty_field")) {
		enum tp_err e = copy_word(z->empty, sizeof z->empty, v, vn, "#empty_field", d);
		z->empty_len = strlen(z->empty);
		return e;
	}
	if (KEY("#unset_field")) {
		enum tp_err e = copy_word(z->unset, sizeof z->unset, v, vn, "#unset_field", d);
		z->unset_len = strlen(z->unset);
		return e;
	}
	if (KEY("#path")) {
		z->ncols = 0; /* a new log: #fields must follow */
		return copy_word(z->log, sizeof z->log, v, vn, "#path", d);
	}
	if (KEY("#fields"))
		return columns(z, v, vn, 0, d);
	if (KEY("#types")) {
		if (!z->ncols)
			return tp_diag_set(d, TP_EPARSE, "#types before #fields");
		return columns(z, v, vn, 1, d);
	}
#undef KEY
	return TP_OK;
}

static enum tp_err value(struct zeek_tsv *z, int col, const char *v, size_t n, struct record *r,
			 struct tp_diag *d)
{
	if (memchr(v, '\\', n)) {
		if (unescape(&z->tmp, v, n) != TP_OK)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		v = z->tmp.data;
		n = z->tmp.len;
	}
	enum field f = (enum field)z->field[col];
	if (f == F_TS) {
		if (parse_epoch(v, n, &r->ts) != 0)
			return tp_diag_set(d, TP_EPARSE, "column %d (ts): '%.*s' is not a time",
					   col + 1, (int)(n > 40 ? 40 : n), v);
		return TP_OK;
	}
	if (record_add(r, f, v, n) != TP_OK)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	return TP_OK;
}

static enum tp_err cell(struct zeek_tsv *z, int col, const char *v, size_t n, struct record *r,
			struct tp_diag *d)
{
	size_t un = z->unset_len, en = z->empty_len;
	if ((n == un && memcmp(v, z->unset, n) == 0) || (n == en && memcmp(v, z->empty, n) == 0))
		return TP_OK;
	if (!z->container[col])
		return value(z, col, v, n, r, d);
	for (size_t i = 0; i <= n;) {
		const char *end = memchr(v + i, z->setsep, n - i);
		size_t w = end ? (size_t)(end - (v + i)) : n - i;
		enum tp_err e = value(z, col, v + i, w, r, d);
		if (e)
			return e;
		i += w + 1;
	}
	return TP_OK;
}

enum tp_err zeek_tsv_line(struct zeek_tsv *z, char *line, size_t len, struct record *r, int *got,
			  struct tp_diag *d)
{
	*got = 0;
	size_t k = 0;
	while (k < len && (line[k] == ' ' || line[k] == '\t'))
		k++; /* some tools indent the first header; rows never start blank */
	if (k < len && line[k] == '#')
		return header(z, line + k, len - k, d);
	if (!z->ncols)
		return tp_diag_set(d, TP_EPARSE, "a row before the #fields header");
	size_t seps = 0;
	for (size_t i = 0; i < len; i++)
		seps += line[i] == z->sep;
	if (seps + 1 != (size_t)z->ncols)
		return tp_diag_set(d, TP_EPARSE, "%zu columns, the #fields header has %d", seps + 1,
				   z->ncols);
	record_reset(r);
	snprintf(r->log, sizeof r->log, "%s", z->log);
	int col = 0;
	for (size_t i = 0; i <= len; col++) {
		const char *end = memchr(line + i, z->sep, len - i);
		size_t w = end ? (size_t)(end - (line + i)) : len - i;
		if (z->field[col] >= 0) {
			enum tp_err e = cell(z, col, line + i, w, r, d);
			if (e)
				return e;
		}
		i += w + 1;
	}
	*got = 1;
	return TP_OK;
}
