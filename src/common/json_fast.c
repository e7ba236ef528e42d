/*
 * The fast path of tp_json_load: a strict RFC 8259 parser that builds
 * jansson values directly from the input bytes.
 *
 * jansson's json_loadb reads its input one byte at a time through a
 * callback, copies every string into a scratch buffer and then again into
 * the value, and looks every key up twice. Here strings without escapes
 * go straight from the input span into json_stringn_nocheck, keys into
 * json_object_setn_new_nocheck (a duplicate key shows as a set that does
 * not grow the object), and numbers are converted in place.
 *
 * The parser only ever accepts what json_loadb(JSON_REJECT_DUPLICATES)
 * accepts, with an equal value. Anything else -- malformed input, but also
 * legal input it leaves to jansson (nesting deeper than FAST_MAX_DEPTH,
 * integers that do not fit json_int_t, a real that overflows, a locale
 * whose decimal point is not '.') -- makes it decline, and tp_json_load
 * hands the same bytes to jansson, which then gives the value or the
 * exact diagnosis (message, line, column). The differential test
 * (tests/unit/common/test_json_fast.c) and fuzz/fuzz_json_fast.c hold it
 * to that.
 *
 *	json_t *v;
 *	if (tp_json_load_fast("{\"a\":[1,\"x\"]}", 13, &v) == TP_OK)
 *		json_decref(v);	// {"a": [1, "x"]}
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/json.h"

/* Deeper documents are left to jansson (its own limit is 2048). */
#define FAST_MAX_DEPTH 256

struct parser {
	const unsigned char *p, *end;
	char *scratch; /* decoded escaped strings */
	size_t scap;
	int depth;
};

/* A byte that ends the quick scan of a string: '"', '\\', < 0x20, >= 0x80. */
static inline int string_stop(unsigned c)
{
	return c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
}

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* Nonzero if any of the 8 bytes in v is one string_stop() is true of. */
static inline uint64_t any_stop(uint64_t v)
{
	uint64_t q = v ^ (ONES * '"'), b = v ^ (ONES * '\\');
	return ((v - ONES * 0x20) | (q - ONES) | (b - ONES) | v) & HIGHS;
}

static inline void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end &&
	       (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
		ps->p++;
}

/*
 * Length of the well-formed UTF-8 sequence at s (lead byte >= 0x80), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t utf8_len(const unsigned char *s, const unsigned char *end)
{
	unsigned c = s[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	if ((size_t)(end - s) < n)
		return 0;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static int hex4(const unsigned char *s, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * Decodes the string whose body starts at ps->p (just past the opening
 * quote; first is the first byte needing attention) into ps->scratch.
 * On success ps->p is past the closing quote.
 */
static int decode_escaped(struct parser *ps, const unsigned char *first, const char **s,
			  size_t *len)
{
	/* The decoded text is never longer than the raw text up to the
	 * closing quote. */
	const unsigned char *close = first;
	while (close < ps->end && *close != '"')
		close += *close == '\\' ? 2 : 1;
	if (close >= ps->end)
		return -1;
	size_t need = (size_t)(close - ps->p) + 1;
	if (need > ps->scap) {
		size_t cap = ps->scap ? ps->scap : 256;
		while (cap < need)
			cap *= 2;
		char *n = realloc(ps->scratch, cap);
		if (!n)
			return -1;
		ps->scratch = n;
		ps->scap = cap;
	}
	char *o = ps->scratch;
	memcpy(o, ps->p, (size_t)(first - ps->p));
	o += first - ps->p;
	const unsigned char *q = first, *end = ps->end;
	while (q < end) {
		unsigned c = *q;
		if (!string_stop(c)) {
			*o++ = (char)c;
			q++;
		} else if (c == '"') {
			*s = ps->scratch;
			*len = (size_t)(o - ps->scratch);
			ps->p = q + 1;
			return 0;
		} else if (c >= 0x80) {
			size_t n = utf8_len(q, end);
			if (!n)
				return -1;
			memcpy(o, q, n);
			o += n;
			q += n;
		} else if (c < 0x20) {
			return -1;
		} else { /* backslash */
			if (end - q < 2)
				return -1;
			switch (q[1]) {
			case '"':
				*o++ = '"';
				break;
			case '\\':
				*o++ = '\\';
				break;
			case '/':
				*o++ = '/';
				break;
			case 'b':
				*o++ = '\b';
				break;
			case 'f':
				*o++ = '\f';
				break;
			case 'n':
				*o++ = '\n';
				break;
			case 'r':
				*o++ = '\r';
				break;
			case 't':
				*o++ = '\t';
				break;
			case 'u': {
				unsigned cp, lo;
				if (end - q < 6 || hex4(q + 2, &cp))
					return -1;
				q += 6;
				if (cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
					return -1;
				if (cp >= 0xd800 && cp <= 0xdbff) {
					if (end - q < 6 || q[0] != '\\' || q[1] != 'u' ||
					    hex4(q + 2, &lo) || lo < 0xdc00 || lo > 0xdfff)
						return -1;
					q += 6;
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				}
				o = put_utf8(o, cp);
				continue;
			}
			default:
				return -1;
			}
			q += 2;
		}
	}
	return -1;
}

/*
 * Scans the string at ps->p (on the opening quote). *s and *len: the decoded
 * bytes, either a span of the input or ps->scratch (valid until the next
 * string is decoded).
 */
static int scan_string(struct parser *ps, const char **s, size_t *len)
{
	const unsigned char *q = ++ps->p, *end = ps->end;
	for (;;) {
		/* eight bytes at a time through plain text */
		while (end - q >= 8) {
			uint64_t v, m;
			memcpy(&v, q, 8);
			if ((m = any_stop(v))) {
				/* the bytes before the first flagged one are plain */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				q += __builtin_ctzll(m) / 8;
#endif
				break;
			}
			q += 8;
		}
		while (q < end && !string_stop(*q))
			q++;
		if (q >= end)
			return -1;
		if (*q == '"') {
			*s = (const char *)ps->p;
			*len = (size_t)(q - ps->p);
			ps->p = q + 1;
			return 0;
		}
		if (*q >= 0x80) {
			size_t n = utf8_len(q, end);
			if (!n)
				return -1;
			q += n;
			continue;
		}
		if (*q < 0x20)
			return -1;
		return decode_escaped(ps, q, s, len);
	}
}

static json_t *parse_number(struct parser *ps)
{
	const unsigned char *q = ps->p, *end = ps->end, *start = q;
	int neg = 0, real = 0;
	if (*q == '-') {
		neg = 1;
		q++;
	}
	if (q >= end || *q < '0' || *q > '9')
		return NULL;
	uint64_t mag = 0;
	int overflow = 0;
	if (*q == '0') {
		q++;
		if (q < end && *q >= '0' && *q <= '9')
			return NULL;
	} else {
		while (q < end && *q >= '0' && *q <= '9') {
			unsigned d = *q++ - '0';
			if (mag > (UINT64_MAX - d) / 10)
				overflow = 1;
			else
				mag = mag * 10 + d;
		}
	}
	if (q < end && *q == '.') {
		real = 1;
		q++;
		if (q >= end || *q < '0' || *q > '9')
			return NULL;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		real = 1;
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if (q >= end || *q < '0' || *q > '9')
			return NULL;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
	}
	ps->p = q;
	if (!real) {
		/* Out of range: jansson reports "too big integer". */
		if (overflow || mag > (uint64_t)INT64_MAX + (uint64_t)neg)
			return NULL;
		json_int_t v = neg ? (json_int_t)(0 - mag) : (json_int_t)mag;
		return json_integer(v);
	}
	char buf[64];
	size_t n = (size_t)(q - start);
	if (n >= sizeof buf || localeconv()->decimal_point[0] != '.' ||
	    localeconv()->decimal_point[1])
		return NULL;
	memcpy(buf, start, n);
	buf[n] = '\0';
	errno = 0;
	double d = strtod(buf, NULL);
	if (isinf(d) || isnan(d)) /* jansson: "real number overflow" */
		return NULL;
	return json_real(d);
}

static json_t *parse_value(struct parser *ps);

/*
 * After an object member or array element: consumes ',' (returns 1, more
 * follow) or the closing bracket (returns 0); anything else is -1.
 */
static int after_member(struct parser *ps, char close)
{
	skip_ws(ps);
	if (ps->p >= ps->end)
		return -1;
	if (*ps->p == ',') {
		ps->p++;
		skip_ws(ps);
		return 1;
	}
	if (*ps->p == close) {
		ps->p++;
		return 0;
	}
	return -1;
}

static json_t *parse_object(struct parser *ps)
{
	json_t *obj = json_object();
	if (!obj)
		return NULL;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == '}') {
		ps->p++;
		return obj;
	}
	for (;;) {
		if (ps->p >= ps->end || *ps->p != '"')
			goto fail;
		const char *k;
		size_t klen;
		char kbuf[128], *kheap = NULL;
		if (scan_string(ps, &k, &klen))
			goto fail;
		if (k == ps->scratch) {
			/* the value may reuse the scratch buffer */
			if (klen <= sizeof kbuf) {
				memcpy(kbuf, k, klen);
				k = kbuf;
			} else {
				kheap = malloc(klen);
				if (!kheap)
					goto fail;
				memcpy(kheap, k, klen);
				k = kheap;
			}
		}
		skip_ws(ps);
		if (ps->p >= ps->end || *ps->p != ':') {
			free(kheap);
			goto fail;
		}
		ps->p++;
		skip_ws(ps);
		json_t *v = parse_value(ps);
		if (!v) {
			free(kheap);
			goto fail;
		}
		size_t before = json_object_size(obj);
		/* A duplicate key replaces the value and does not grow the object. */
		int bad = json_object_setn_new_nocheck(obj, k, klen, v) ||
			  json_object_size(obj) == before;
		free(kheap);
		if (bad)
			goto fail;
		int more = after_member(ps, '}');
		if (more < 0)
			goto fail;
		if (!more)
			return obj;
	}
fail:
	json_decref(obj);
	return NULL;
}

static json_t *parse_array(struct parser *ps)
{
	json_t *arr = json_array();
	if (!arr)
		return NULL;
	ps->p++;
	skip_ws(ps);
	if (ps->p < ps->end && *ps->p == ']') {
		ps->p++;
		return arr;
	}
	for (;;) {
		json_t *v = parse_value(ps);
		if (!v || json_array_append_new(arr, v))
			goto fail;
		int more = after_member(ps, ']');
		if (more < 0)
			goto fail;
		if (!more)
			return arr;
	}
fail:
	json_decref(arr);
	return NULL;
}

static int literal(struct parser *ps, const char *word, size_t n)
{
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return -1;
	ps->p += n;
	return 0;
}

/* The value at ps->p (no leading whitespace), or NULL to decline. */
static json_t *parse_value(struct parser *ps)
{
	if (ps->p >= ps->end)
		return NULL;
	json_t *v;
	switch (*ps->p) {
	case '{':
	case '[':
		if (++ps->depth > FAST_MAX_DEPTH)
			return NULL;
		v = *ps->p == '{' ? parse_object(ps) : parse_array(ps);
		ps->depth--;
		return v;
	case '"': {
		const char *s;
		size_t len;
		if (scan_string(ps, &s, &len))
			return NULL;
		return json_stringn_nocheck(s, len);
	}
	case 't':
		return literal(ps, "true", 4) ? NULL : json_true();
	case 'f':
		return literal(ps, "false", 5) ? NULL : json_false();
	case 'n':
		return literal(ps, "null", 4) ? NULL : json_null();
	default:
		return parse_number(ps);
	}
}

enum tp_err tp_json_load_fast(const char *text, size_t len, json_t **out)
{
	struct parser ps = {.p = (const unsigned char *)text,
			    .end = (const unsigned char *)text + len};
	skip_ws(&ps);
	/* As json_loadb without JSON_DECODE_ANY: an object or an array. */
	if (ps.p >= ps.end || (*ps.p != '{' && *ps.p != '['))
		return TP_EPARSE;
	json_t *v = parse_value(&ps);
	free(ps.scratch);
	if (!v)
		return TP_EPARSE;
	skip_ws(&ps);
	if (ps.p != ps.end) {
		json_decref(v);
		return TP_EPARSE;
	}
	*out = v;
	return TP_OK;
}
