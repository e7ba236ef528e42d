/*
 * RFC 8785 canonical JSON: see include/tripact/jcs.h.
 *
 * The two subtle parts are the member order (UTF-16 code units, so a
 * name with a character above U+FFFF sorts by its surrogates, before
 * U+E000..U+FFFF) and numbers: ECMAScript prints the shortest decimal
 * that round-trips, as an integer up to 1e21, in exponent form beyond.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/jcs.h"

/* Next UTF-16 code unit of a UTF-8 string; *pend holds a pending low
 * surrogate between calls. Input is valid UTF-8 (jansson checks it). */
static unsigned next_unit(const unsigned char **p, unsigned *pend)
{
	if (*pend) {
		unsigned u = *pend;
		*pend = 0;
		return u;
	}
	const unsigned char *s = *p;
	unsigned c;
	if (s[0] < 0x80) {
		c = s[0];
		*p += 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		c = ((s[0] & 0x1fu) << 6) | (s[1] & 0x3fu);
		*p += 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = ((s[0] & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
		*p += 3;
	} else {
		c = ((s[0] & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) |
		    (s[3] & 0x3fu);
		*p += 4;
	}
	if (c >= 0x10000) {
		c -= 0x10000;
		*pend = 0xdc00 + (c & 0x3ff);
		return 0xd800 + (c >> 10);
	}
	return c;
}

static int utf16_cmp(const void *a, const void *b)
{
	const unsigned char *x = *(const unsigned char *const *)a;
	const unsigned char *y = *(const unsigned char *const *)b;
	unsigned px = 0, py = 0;
	for (;;) {
		int ex = !*x && !px, ey = !*y && !py;
		if (ex || ey)
			return ex - ey == 0 ? 0 : (ex ? -1 : 1);
		unsigned ux = next_unit(&x, &px), uy = next_unit(&y, &py);
		if (ux != uy)
			return ux < uy ? -1 : 1;
	}
}

static enum tp_err put_string(struct tp_buf *b, const char *s, size_t n)
{
	enum tp_err e = tp_buf_putc(b, '"');
	size_t run = 0;
	for (size_t i = 0; i < n && e == TP_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\f')
			esc = "\\f";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c < 0x20) {
			snprintf(u, sizeof u, "\\u%04x", c);
			esc = u;
		}
		if (!esc)
			continue;
		e = tp_buf_append(b, s + run, i - run);
		if (e == TP_OK)
			e = tp_buf_puts(b, esc);
		run = i + 1;
	}
	if (e == TP_OK)
		e = tp_buf_append(b, s + run, n - run);
	return e == TP_OK ? tp_buf_putc(b, '"') : e;
}

/* ECMAScript Number::toString for a finite double. */
static enum tp_err put_number(struct tp_buf *b, double v)
{
	if (!isfinite(v))
		return TP_EINVAL;
	if (v == 0)
		return tp_buf_putc(b, '0');
	char tmp[40];
	int prec;
	for (prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp = [-]d[.ddd]e[+-]xx: split into digits and exponent */
	char digits[24];
	int nd = 0, neg = tmp[0] == '-';
	const char *p = tmp + neg;
	for (; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	digits[nd] = '\0';
	int exp10 = atoi(p + 1); /* value = 0.d1d2.. * 10^(exp10+1) */
	int n = exp10 + 1;
	enum tp_err e = neg ? tp_buf_putc(b, '-') : TP_OK;
	if (e != TP_OK)
		return e;
	if (nd <= n && n <= 21) {
		e = tp_buf_puts(b, digits);
		for (int i = nd; i < n && e == TP_OK; i++)
			e = tp_buf_putc(b, '0');
	} else if (0 < n && n <= 21) {
		e = tp_buf_printf(b, "%.*s.%s", n, digits, digits + n);
	} else if (-6 < n && n <= 0) {
		e = tp_buf_puts(b, "0.");
		for (int i = 0; i < -n && e == TP_OK; i++)
			e = tp_buf_putc(b, '0');
		if (e == TP_OK)
			e = tp_buf_puts(b, digits);
	} else {
		if (nd == 1)
			e = tp_buf_printf(b, "%se%c%d", digits, n - 1 >= 0 ? '+' : '-', abs(n - 1));
		else
			e = tp_buf_printf(b, "%c.%se%c%d", digits[0], digits + 1,
					  n - 1 >= 0 ? '+' : '-', abs(n - 1));
	}
	return e;
}

static enum tp_err put_object(struct tp_buf *b, const json_t *v)
{
	size_t n = json_object_size(v), i = 0;
	const char **keys = malloc((n ? n : 1) * sizeof *keys);
	if (!keys)
		return TP_ENOMEM;
	const char *k;
	json_t *m;
	json_object_foreach((json_t *)v, k, m) keys[i++] = k;
	qsort(keys, n, sizeof *keys, utf16_cmp);
	enum tp_err e = tp_buf_putc(b, '{');
	for (i = 0; i < n && e == TP_OK; i++) {
		if (i)
			e = tp_buf_putc(b, ',');
		if (e == TP_OK)
			e = put_string(b, keys[i], strlen(keys[i]));
		if (e == TP_OK)
			e = tp_buf_putc(b, ':');
		if (e == TP_OK)
			e = tp_jcs_append(b, json_object_get(v, keys[i]));
	}
	free(keys);
	return e == TP_OK ? tp_buf_putc(b, '}') : e;
}

enum tp_err tp_jcs_append(struct tp_buf *b, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return put_object(b, v);
	case JSON_ARRAY: {
		enum tp_err e = tp_buf_putc(b, '[');
		for (size_t i = 0; i < json_array_size(v) && e == TP_OK; i++) {
			if (i)
				e = tp_buf_putc(b, ',');
			if (e == TP_OK)
				e = tp_jcs_append(b, json_array_get(v, i));
		}
		return e == TP_OK ? tp_buf_putc(b, ']') : e;
	}
	case JSON_STRING:
		return put_string(b, json_string_value(v), json_string_length(v));
	case JSON_INTEGER: {
		json_int_t i = json_integer_value(v);
		/* beyond 2^53 ECMAScript sees the nearest double */
		if (i > (1LL << 53) || i < -(1LL << 53))
			return put_number(b, (double)i);
		return tp_buf_printf(b, "%lld", (long long)i);
	}
	case JSON_REAL:
		return put_number(b, json_real_value(v));
	case JSON_TRUE:
		return tp_buf_puts(b, "true");
	case JSON_FALSE:
		return tp_buf_puts(b, "false");
	case JSON_NULL:
		return tp_buf_puts(b, "null");
	}
	return TP_EINVAL;
}

char *tp_jcs_serialize(const json_t *v)
{
	struct tp_buf b;
	tp_buf_init(&b, 0);
	if (tp_jcs_append(&b, v) != TP_OK) {
		tp_buf_free(&b);
		return NULL;
	}
	return tp_buf_steal(&b);
}
