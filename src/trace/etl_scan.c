/*
 * bitcoin-etl transaction lines without a JSON tree (see etl_scan.h).
 *
 * Recursive descent over the bytes of one line. The objects the importer
 * reads (the transaction, inputs[i], outputs[i]) hand each member to a
 * function that keeps the fields it wants; every other value goes through
 * skip_value, which checks it as strictly as jansson would and keeps
 * nothing. Duplicate keys are refused at every depth, as
 * JSON_REJECT_DUPLICATES does: bitcoin-etl's own member names have a bit
 * each in a per-object mask, other names are compared as spans.
 *
 * Decoded strings go to one arena per line, sized up front (twice the
 * line: a decoded string is never longer than its JSON text, nor is a
 * joined address list), so pointers into it stay valid for the line.
 *
 * Anything jansson refuses must be refused here, and the other way round
 * (but for a NUL byte jansson lets through after a number or a literal):
 * fuzz/fuzz_etl_scan.c compares the two.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "etl_scan_state.h"

#define MAX_DEPTH     2048 /* jansson's JSON_PARSER_MAX_DEPTH */
#define PAIRWISE_KEYS 16   /* more unknown names in one object: sorted at its end */

enum key tpe_key_id(const char *k, size_t n)
{
#define IS(lit) (memcmp(k, lit, sizeof lit - 1) == 0)
	switch (n) {
	case 3:
		return IS("fee") ? K_FEE : K_OTHER;
	case 4:
		return IS("hash") ? K_HASH : IS("size") ? K_SIZE : IS("type") ? K_TYPE : K_OTHER;
	case 5:
		return IS("value") ? K_VALUE : IS("index") ? K_INDEX : K_OTHER;
	case 6:
		return IS("inputs") ? K_INPUTS : K_OTHER;
	case 7:
		return IS("outputs") ? K_OUTPUTS : IS("version") ? K_VERSION : K_OTHER;
	case 8:
		return IS("sequence") ? K_SEQUENCE : K_OTHER;
	case 9:
		return IS("addresses") ? K_ADDRESSES : IS("lock_time") ? K_LOCK_TIME : K_OTHER;
	case 10:
		return IS("script_hex")	  ? K_SCRIPT_HEX
		       : IS("script_asm") ? K_SCRIPT_ASM
		       : IS("block_hash") ? K_BLOCK_HASH
					  : K_OTHER;
	case 11:
		return IS("is_coinbase")   ? K_IS_COINBASE
		       : IS("input_count") ? K_INPUT_COUNT
		       : IS("input_value") ? K_INPUT_VALUE
		       : IS("txinwitness") ? K_TXINWITNESS
					   : K_OTHER;
	case 12:
		return IS("block_number")   ? K_BLOCK_NUMBER
		       : IS("output_count") ? K_OUTPUT_COUNT
		       : IS("output_value") ? K_OUTPUT_VALUE
		       : IS("virtual_size") ? K_VIRTUAL_SIZE
					    : K_OTHER;
	case 15:
		return IS("block_timestamp") ? K_BLOCK_TIMESTAMP : K_OTHER;
	case 18:
		return IS("spent_output_index") ? K_SPENT_INDEX : K_OTHER;
	case 19:
		return IS("required_signatures") ? K_REQUIRED_SIGNATURES : K_OTHER;
	case 22:
		return IS("spent_transaction_hash") ? K_SPENT_HASH : K_OTHER;
	}
	return K_OTHER;
#undef IS
}

/* ---- errors ---------------------------------------------------------- */

static int fail_at(struct tpe_scan *s, const unsigned char *at, const char *fmt, ...)
	TP_PRINTF(3, 4);

/* Writes "path: why (column N)" into the caller's buffer; returns -1. */
static int fail_at(struct tpe_scan *s, const unsigned char *at, const char *fmt, ...)
{
	char why[160], idx[24] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	int top = s->at_top.n > 40 ? 40 : (int)s->at_top.n;
	int sub = s->at_sub.n > 40 ? 40 : (int)s->at_sub.n;
	if (top && s->at_index >= 0)
		snprintf(idx, sizeof idx, "[%ld]", s->at_index);
	snprintf(s->msg, s->msgcap, "%.*s%s%s%.*s%s%s (column %ld)", top, s->at_top.s, idx,
		 top && sub ? "." : "", top ? sub : 0, s->at_sub.s, top ? ": " : "", why,
		 (long)(at - s->line) + 1);
	return -1;
}

#define fail(s, ...) fail_at((s), (s)->p, __VA_ARGS__)

static int out_of_memory(struct tpe_scan *s)
{
	s->nomem = 1;
	return fail(s, "out of memory");
}

/* ---- lexical pieces ---------------------------------------------------- */

static inline void skip_ws(struct tpe_scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\r' || *s->p == '\n'))
		s->p++;
}

/* "unexpected end of line" or "unexpected 'x'", whichever is true at s->p. */
static int unexpected(struct tpe_scan *s, const char *wanted)
{
	if (s->p >= s->end)
		return fail(s, "line ends where %s should be", wanted);
	if (*s->p < 0x20 || *s->p >= 0x7f)
		return fail(s, "byte 0x%02x where %s should be", *s->p, wanted);
	return fail(s, "'%c' where %s should be", *s->p, wanted);
}

#define BYTES(c) (0x0101010101010101ULL * (c))

/* Nonzero when one of the 8 bytes of w is '"', '\\', below 0x20 or above 0x7f. */
static inline uint64_t stops_string(uint64_t w)
{
	uint64_t quote = w ^ BYTES('"'), slash = w ^ BYTES('\\');
	return (w | (w - BYTES(0x20)) | (quote - BYTES(1)) | (slash - BYTES(1))) & BYTES(0x80);
}

/*
 * Length of the UTF-8 sequence at q (q[0] >= 0x80) if it is well formed
 * (shortest form, no surrogates, at most U+10FFFF, as jansson checks), or 0.
 */
static size_t utf8_seq(const unsigned char *q, const unsigned char *end)
{
	unsigned c = q[0];
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
	if (c < 0xc2 || c > 0xf4 || (size_t)(end - q) < n)
		return 0;
	unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
	unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
	if (q[1] < lo || q[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((q[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* Hex digit value + 16, 0 for any other byte. */
static const uint8_t hexv[256] = {
	['0'] = 16, ['1'] = 17, ['2'] = 18, ['3'] = 19, ['4'] = 20, ['5'] = 21,
	['6'] = 22, ['7'] = 23, ['8'] = 24, ['9'] = 25, ['a'] = 26, ['b'] = 27,
	['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31, ['A'] = 26, ['B'] = 27,
	['C'] = 28, ['D'] = 29, ['E'] = 30, ['F'] = 31,
};

/* The \uXXXX code unit at q (on the backslash), or -1. */
static long unit_at(const unsigned char *q, const unsigned char *end)
{
	if (end - q < 6 || q[0] != '\\' || q[1] != 'u')
		return -1;
	long v = 0;
	for (int i = 2; i < 6; i++) {
		if (!hexv[q[i]])
			return -1;
		v = v << 4 | (hexv[q[i]] & 15);
	}
	return v;
}

static char *put_utf8(char *o, unsigned long cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
		return o;
	}
	int n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
	static const unsigned char lead[5] = {0, 0, 0xc0, 0xe0, 0xf0};
	for (int i = n - 1; i > 0; i--, cp >>= 6)
		o[i] = (char)(0x80 | (cp & 0x3f));
	o[0] = (char)(lead[n] | cp);
	return o + n;
}

/* What \c stands for, for the one-letter escapes; -1 for others. */
static int simple_escape(unsigned c)
{
	switch (c) {
	case '"':
	case '\\':
	case '/':
		return (int)c;
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'n':
		return '\n';
	case 'r':
		return '\r';
	case 't':
		return '\t';
	}
	return -1;
}

/*
 * The rest of a string that has an escape at q: decodes [start, closing
 * quote) into the arena. jansson's rules: \u0000 and lone surrogates are
 * refused.
 */
static int decode_string(struct tpe_scan *s, const unsigned char *start, const unsigned char *q,
			 struct span *out)
{
	const unsigned char *end = s->end;
	char *o0 = s->arena + s->aused, *o = o0;
	memcpy(o, start, (size_t)(q - start));
	o += q - start;
	while (q < end) {
		unsigned c = *q;
		if (c == '"') {
			out->s = o0;
			out->n = (size_t)(o - o0);
			s->aused += out->n;
			s->p = q + 1;
			return 0;
		}
		if (c < 0x20)
			return fail_at(s, q, "control character 0x%02x in a string", c);
		if (c >= 0x80) {
			size_t n = utf8_seq(q, end);
			if (!n)
				return fail_at(s, q, "invalid UTF-8 in a string");
			memcpy(o, q, n);
			o += n;
			q += n;
			continue;
		}
		if (c != '\\') {
			*o++ = (char)c;
			q++;
			continue;
		}
		int e = q + 1 < end ? simple_escape(q[1]) : -1;
		if (e >= 0) {
			*o++ = (char)e;
			q += 2;
			continue;
		}
		long cp = unit_at(q, end);
		if (cp < 0)
			return fail_at(s, q, "invalid escape in a string");
		if (cp == 0)
			return fail_at(s, q, "\\u0000 is not allowed in a string");
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return fail_at(s, q, "lone low surrogate \\u%04lx", cp);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			long lo = unit_at(q + 6, end);
			if (lo < 0xdc00 || lo > 0xdfff)
				return fail_at(s, q, "high surrogate \\u%04lx without its low half",
					       cp);
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			q += 6;
		}
		q += 6;
		o = put_utf8(o, (unsigned long)cp);
	}
	return fail_at(s, start - 1, "string not closed");
}

/* The string at s->p (on its opening quote); *out its decoded bytes. */
static int scan_string(struct tpe_scan *s, struct span *out)
{
	const unsigned char *start = s->p + 1, *q = start, *end = s->end;
	for (;;) {
		while (end - q >= 8) {
			uint64_t w, m;
			memcpy(&w, q, 8);
			if ((m = stops_string(w))) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
				q += __builtin_ctzll(m) / 8;
#endif
				break;
			}
			q += 8;
		}
		while (q < end && *q != '"' && *q != '\\' && *q >= 0x20 && *q < 0x80)
			q++;
		if (q >= end)
			return fail_at(s, start - 1, "string not closed");
		if (*q == '"') {
			out->s = (const char *)start;
			out->n = (size_t)(q - start);
			s->p = q + 1;
			return 0;
		}
		if (*q >= 0x80) {
			size_t n = utf8_seq(q, end);
			if (!n)
				return fail_at(s, q, "invalid UTF-8 in a string");
			q += n;
			continue;
		}
		return decode_string(s, start, q, out);
	}
}

/*
 * Whether a JSON real whose significant digits are digits[0..n) (first one
 * nonzero) times 10^(exp10 - n + 1) overflows a double, as strtod decides
 * for jansson ("real number overflow"). Only the boundary decade needs
 * strtod; 40 digits and a sticky one decide its rounding.
 */
static int real_overflows(const unsigned char *int_part, size_t nint, const unsigned char *frac,
			  size_t nfrac, long exp)
{
	char digits[64];
	size_t n = 0;
	long exp10 = 0;
	int sticky = 0, found = 0;
	for (size_t i = 0; i < nint + nfrac; i++) {
		unsigned char c = i < nint ? int_part[i] : frac[i - nint];
		if (!found && c == '0')
			continue;
		if (!found)
			exp10 = i < nint ? (long)(nint - 1 - i) : -(long)(i - nint + 1);
		found = 1;
		if (n < 40)
			digits[n++] = (char)c;
		else if (c != '0')
			sticky = 1;
	}
	if (!found)
		return 0;
	exp10 += exp;
	if (exp10 < 308)
		return 0;
	if (exp10 > 308)
		return 1;
	if (sticky)
		digits[n++] = '1';
	snprintf(digits + n, sizeof digits - n, "e%ld", exp10 - (long)n + 1);
	return strtod(digits, NULL) > 1.7976931348623157e308;
}

static int scan_number(struct tpe_scan *s, struct tpe_val *v)
{
	const unsigned char *q = s->p, *end = s->end;
	int neg = *q == '-';
	q += neg;
	if (q >= end || *q < '0' || *q > '9')
		return fail(s, "invalid number");
	const unsigned char *int_part = q;
	uint64_t mag = 0;
	int big = 0;
	if (*q == '0' && q + 1 < end && q[1] >= '0' && q[1] <= '9')
		return fail(s, "invalid number (leading zero)");
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		unsigned d = *q - '0';
		if (mag > (UINT64_MAX - d) / 10)
			big = 1;
		else
			mag = mag * 10 + d;
	}
	size_t nint = (size_t)(q - int_part), nfrac = 0;
	const unsigned char *frac = q;
	int real = 0;
	long exp = 0;
	if (q < end && *q == '.') {
		real = 1;
		frac = ++q;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
		nfrac = (size_t)(q - frac);
		if (!nfrac)
			return fail_at(s, q, "invalid number (no digit after '.')");
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		real = 1;
		q++;
		int eneg = q < end && *q == '-';
		if (q < end && (*q == '-' || *q == '+'))
			q++;
		if (q >= end || *q < '0' || *q > '9')
			return fail_at(s, q, "invalid number (no digit in the exponent)");
		for (; q < end && *q >= '0' && *q <= '9'; q++)
			if (exp < 1000000000000000L) /* saturates far beyond any line */
				exp = exp * 10 + (*q - '0');
		if (eneg)
			exp = -exp;
	}
	if (!real) {
		if (big || mag > (uint64_t)INT64_MAX + (uint64_t)neg)
			return fail(s, "integer too big for 64 bits");
		v->kind = TPE_INT;
		v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	} else {
		if (real_overflows(int_part, nint, frac, nfrac, exp))
			return fail(s, "real number overflow");
		v->kind = TPE_REAL;
	}
	s->p = q;
	return 0;
}

/* ---- values, objects, arrays ------------------------------------------- */

typedef int (*member_fn)(struct tpe_scan *s, enum key k, struct span name, void *ctx);
typedef int (*element_fn)(struct tpe_scan *s, size_t i, void *ctx);

static int scan_value(struct tpe_scan *s, struct tpe_val *v);

static int skip_value(struct tpe_scan *s)
{
	struct tpe_val v;
	return scan_value(s, &v);
}

static int skip_member(struct tpe_scan *s, enum key k, struct span name, void *ctx)
{
	(void)k, (void)name, (void)ctx;
	return skip_value(s);
}

static int skip_element(struct tpe_scan *s, size_t i, void *ctx)
{
	(void)i, (void)ctx;
	return skip_value(s);
}

static int enter(struct tpe_scan *s)
{
	if (++s->depth > MAX_DEPTH)
		return fail(s, "nested deeper than %d", MAX_DEPTH);
	return 0;
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
	return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Refuses a name outside key_id's list seen before in the object whose names start at base. */
static int other_name(struct tpe_scan *s, size_t base, struct span name)
{
	if (s->nkeys == s->kcap) {
		size_t cap = s->kcap ? s->kcap * 2 : 64;
		struct span *k = realloc(s->keys, cap * sizeof *k);
		if (!k)
			return out_of_memory(s);
		s->keys = k;
		s->kcap = cap;
	}
	if (s->nkeys - base < PAIRWISE_KEYS)
		for (size_t i = base; i < s->nkeys; i++)
			if (s->keys[i].n == name.n && !memcmp(s->keys[i].s, name.s, name.n))
				return fail(s, "duplicate key \"%.*s\"",
					    name.n > 40 ? 40 : (int)name.n, name.s);
	s->keys[s->nkeys++] = name;
	return 0;
}

/* The object's many other names, sorted: any two alike? */
static int no_duplicate_names(struct tpe_scan *s, size_t base)
{
	size_t n = s->nkeys - base;
	if (n <= PAIRWISE_KEYS)
		return 0;
	struct span *k = s->keys + base;
	qsort(k, n, sizeof *k, span_cmp);
	for (size_t i = 1; i < n; i++)
		if (!span_cmp(&k[i - 1], &k[i]))
			return fail(s, "duplicate key \"%.*s\"", k[i].n > 40 ? 40 : (int)k[i].n,
				    k[i].s);
	return 0;
}

/*
 * After a member or an element: 1 past a ',' (more follow), 0 on the
 * closing bracket (left for the caller), -1 on anything else.
 */
static int after_item(struct tpe_scan *s, char close)
{
	skip_ws(s);
	if (s->p < s->end && *s->p == ',') {
		s->p++;
		skip_ws(s);
		return 1;
	}
	if (s->p < s->end && *s->p == close)
		return 0;
	return close == '}' ? unexpected(s, "',' or '}'") : unexpected(s, "',' or ']'");
}

/* The object at s->p (on '{'): each member's value goes to fn. */
static int scan_object(struct tpe_scan *s, member_fn fn, void *ctx)
{
	if (enter(s))
		return -1;
	size_t base = s->nkeys;
	uint64_t seen = 0;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (s->p >= s->end || *s->p != '"')
			return unexpected(s, "a member name in double quotes");
		struct span name;
		if (scan_string(s, &name))
			return -1;
		enum key k = tpe_key_id(name.s, name.n);
		if (k != K_OTHER) {
			if (seen >> k & 1)
				return fail(s, "duplicate key \"%.*s\"", (int)name.n, name.s);
			seen |= 1ULL << k;
		} else if (other_name(s, base, name)) {
			return -1;
		}
		if (s->depth == 1) { /* the transaction's member: the path's start */
			s->at_top = name;
			s->at_index = -1;
			s->at_sub.n = 0;
		}
		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return unexpected(s, "':'");
		s->p++;
		skip_ws(s);
		if (fn(s, k, name, ctx))
			return -1;
		int more = after_item(s, '}');
		if (more < 0)
			return -1;
		if (!more)
			break;
	}
	if (no_duplicate_names(s, base))
		return -1;
	s->p++;
	s->nkeys = base;
	s->depth--;
	return 0;
}

/* The array at s->p (on '['): fn reads each element. */
static int scan_array(struct tpe_scan *s, element_fn fn, void *ctx)
{
	if (enter(s))
		return -1;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		s->depth--;
		return 0;
	}
	for (size_t i = 0;; i++) {
		if (fn(s, i, ctx))
			return -1;
		int more = after_item(s, ']');
		if (more < 0)
			return -1;
		if (!more)
			break;
	}
	s->p++;
	s->depth--;
	return 0;
}

static int literal(struct tpe_scan *s, const char *word, size_t n, enum tpe_kind kind,
		   struct tpe_val *v)
{
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return unexpected(s, "a value");
	s->p += n;
	v->kind = kind;
	return 0;
}

static int scan_value(struct tpe_scan *s, struct tpe_val *v)
{
	if (s->p >= s->end)
		return unexpected(s, "a value");
	/* jansson counts every value, scalars too, against its depth limit */
	if (s->depth >= MAX_DEPTH && *s->p != '{' && *s->p != '[')
		return fail(s, "nested deeper than %d", MAX_DEPTH);
	switch (*s->p) {
	case '"': {
		struct span str;
		if (scan_string(s, &str))
			return -1;
		v->kind = TPE_STR;
		v->s = str.s;
		v->len = str.n;
		return 0;
	}
	case '{':
		v->kind = TPE_OBJECT;
		return scan_object(s, skip_member, NULL);
	case '[':
		v->kind = TPE_ARRAY;
		return scan_array(s, skip_element, NULL);
	case 't':
		return literal(s, "true", 4, TPE_TRUE, v);
	case 'f':
		return literal(s, "false", 5, TPE_FALSE, v);
	case 'n':
		return literal(s, "null", 4, TPE_NULL, v);
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return scan_number(s, v);
		return unexpected(s, "a value");
	}
}

/* ---- the fields the importer reads -------------------------------------- */

struct joining {
	struct tpe_addrs *a;
	size_t count;
	char buf[TPE_ADDR_CAP];
	size_t n;
};

static int address_element(struct tpe_scan *s, size_t i, void *ctx)
{
	struct joining *j = ctx;
	struct tpe_val v;
	if (scan_value(s, &v))
		return -1;
	(void)i;
	if (j->a->bad)
		return 0;
	if (v.kind != TPE_STR || v.len == 0 || j->n + v.len + 2 > sizeof j->buf) {
		j->a->bad = 1;
		return 0;
	}
	if (j->count++ == 0) {
		j->a->s = v.s;
		j->a->len = v.len;
	} else {
		j->buf[j->n++] = '+';
	}
	memcpy(j->buf + j->n, v.s, v.len);
	j->n += v.len;
	return 0;
}

/* An "addresses" value: several are joined with '+' in the arena. */
static int scan_addresses(struct tpe_scan *s, struct tpe_addrs *a)
{
	if (s->p >= s->end || *s->p != '[') {
		struct tpe_val v;
		if (scan_value(s, &v))
			return -1;
		a->kind = v.kind;
		return 0;
	}
	struct joining j = {.a = a};
	a->kind = TPE_ARRAY;
	if (scan_array(s, address_element, &j))
		return -1;
	if (!a->bad && j.count > 1) {
		memcpy(s->arena + s->aused, j.buf, j.n);
		a->s = s->arena + s->aused;
		a->len = j.n;
		s->aused += j.n;
	}
	return 0;
}

/*
 * Where a scalar member is kept, by key: offset + 1 into its struct, 0 for
 * members not kept.
 */
#define AT(type, field) (offsetof(type, field) + 1)
static const size_t io_field[K_TXINWITNESS + 1] = {
	[K_SPENT_HASH] = AT(struct tpe_io, spent_hash),
	[K_SPENT_INDEX] = AT(struct tpe_io, spent_index),
	[K_INDEX] = AT(struct tpe_io, index),
	[K_VALUE] = AT(struct tpe_io, value),
};
static const size_t tx_field[K_TXINWITNESS + 1] = {
	[K_HASH] = AT(struct tpe_tx, hash),
	[K_BLOCK_NUMBER] = AT(struct tpe_tx, block_number),
	[K_BLOCK_TIMESTAMP] = AT(struct tpe_tx, block_timestamp),
	[K_IS_COINBASE] = AT(struct tpe_tx, is_coinbase),
};

/* The value of member k, kept in rec if fields says where, else skipped. */
static int scan_field(struct tpe_scan *s, const size_t *fields, enum key k, void *rec)
{
	if (!fields[k])
		return skip_value(s);
	return scan_value(s, (struct tpe_val *)((char *)rec + fields[k] - 1));
}

static int io_member(struct tpe_scan *s, enum key k, struct span name, void *ctx)
{
	struct tpe_io *io = ctx;
	s->at_sub = name;
	if (k == K_ADDRESSES)
		return scan_addresses(s, &io->addrs);
	return scan_field(s, io_field, k, io);
}

struct io_list {
	struct tpe_io **arr;
	size_t *cap, *n;
};

int tpe_io_grow(struct tpe_io **arr, size_t *cap, size_t i)
{
	size_t c = *cap ? *cap : 16;
	while (c <= i)
		c *= 2;
	struct tpe_io *q = realloc(*arr, c * sizeof *q);
	if (!q)
		return -1;
	*arr = q;
	*cap = c;
	return 0;
}

/* Element i of inputs or outputs: an object, or any value (then all absent). */
static int io_element(struct tpe_scan *s, size_t i, void *ctx)
{
	struct io_list *l = ctx;
	struct tpe_io *io = tpe_io_at(l->arr, l->cap, l->n, i);
	if (!io)
		return out_of_memory(s);
	s->at_index = (long)i;
	s->at_sub.n = 0;
	if (s->p < s->end && *s->p == '{')
		return scan_object(s, io_member, io);
	return skip_value(s);
}

/* inputs or outputs: an array read element by element, or any other value. */
static int scan_list(struct tpe_scan *s, struct io_list l, enum tpe_kind *kind)
{
	if (s->p < s->end && *s->p == '[') {
		*kind = TPE_ARRAY;
		return scan_array(s, io_element, &l);
	}
	struct tpe_val v;
	if (scan_value(s, &v))
		return -1;
	*kind = v.kind;
	return 0;
}

static int tx_member(struct tpe_scan *s, enum key k, struct span name, void *ctx)
{
	struct tpe_tx *tx = ctx;
	(void)name;
	if (k == K_INPUTS)
		return scan_list(s, (struct io_list){&tx->in, &s->incap, &tx->nin},
				 &tx->inputs_kind);
	if (k == K_OUTPUTS)
		return scan_list(s, (struct io_list){&tx->out, &s->outcap, &tx->nout},
				 &tx->outputs_kind);
	return scan_field(s, tx_field, k, tx);
}

/* ---- the API --------------------------------------------------------- */

enum tp_err tpe_scan_new(struct tpe_scan **out)
{
	struct tpe_scan *s = calloc(1, sizeof *s);
	if (!s)
		return TP_ENOMEM;
	*out = s;
	return TP_OK;
}

void tpe_scan_free(struct tpe_scan *s)
{
	if (!s)
		return;
	free(s->arena);
	free(s->tx.in);
	free(s->tx.out);
	free(s->keys);
	free(s);
}

enum tp_err tpe_scan_line(struct tpe_scan *s, const char *line, size_t len,
			  const struct tpe_tx **tx, char *msg, size_t msgcap)
{
	static const char empty[1];
	s->msg = msg;
	s->msgcap = msgcap;
	s->line = s->p = (const unsigned char *)(line ? line : empty);
	s->end = s->p + len;
	s->nkeys = 0;
	s->depth = 0;
	s->nomem = 0;
	s->at_top = s->at_sub = (struct span){empty, 0};
	s->at_index = -1;
	if (len > (SIZE_MAX - 16) / 2 || 2 * len + 16 > s->acap) {
		size_t cap = 2 * len + 16;
		char *a = len > (SIZE_MAX - 16) / 2 ? NULL : realloc(s->arena, cap);
		if (!a) {
			snprintf(msg, msgcap, "out of memory");
			return TP_ENOMEM;
		}
		s->arena = a;
		s->acap = cap;
	}
	struct tpe_io *in = s->tx.in, *outs = s->tx.out;
	if (!s->general_only) {
		s->aused = 0;
		s->tx = (struct tpe_tx){.in = in, .out = outs};
		if (tpe_scan_fast(s)) {
			s->fast_lines++;
			*tx = &s->tx;
			return TP_OK;
		}
		in = s->tx.in, outs = s->tx.out; /* perhaps grown */
	}
	s->aused = 0;
	s->tx = (struct tpe_tx){.in = in, .out = outs};
	skip_ws(s);
	int rc;
	if (s->p >= s->end || *s->p != '{')
		rc = unexpected(s, "'{' (a transaction object)");
	else
		rc = scan_object(s, tx_member, &s->tx);
	if (rc == 0) {
		skip_ws(s);
		s->at_top.n = 0;
		if (s->p != s->end)
			rc = fail(s, "text after the transaction object");
	}
	if (rc)
		return s->nomem ? TP_ENOMEM : TP_EPARSE;
	*tx = &s->tx;
	return TP_OK;
}

static void prefetch_for_writing(const void *p, size_t n)
{
	for (size_t at = 0; at < n; at += 64)
		__builtin_prefetch((const char *)p + at, 1);
}

void tpe_scan_prefetch(const struct tpe_scan *s)
{
	/* a typical transaction has a few inputs and outputs */
	size_t nin = s->incap < 3 ? s->incap : 3, nout = s->outcap < 3 ? s->outcap : 3;
	prefetch_for_writing(s, sizeof *s);
	prefetch_for_writing(s->tx.in, nin * sizeof *s->tx.in);
	prefetch_for_writing(s->tx.out, nout * sizeof *s->tx.out);
}

void tpe_scan_set_fast(struct tpe_scan *s, int on)
{
	s->general_only = !on;
}

uint64_t tpe_scan_fast_lines(const struct tpe_scan *s)
{
	return s->fast_lines;
}

#ifdef __SSE2__
/*
 * 16 hex digits at p into 8 bytes at out; 0 when one is not a hex digit.
 * A digit's value is c - '0' when that is at most 9, else (c | 0x20) -
 * 'a' + 10 when that is at most 15: exactly hexv's digits.
 */
static int hex16(const unsigned char *p, uint8_t *out)
{
	__m128i v = _mm_loadu_si128((const __m128i *)p);
	__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
	__m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
	__m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
	__m128i isl = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l);
	if (_mm_movemask_epi8(_mm_or_si128(isd, isl)) != 0xffff)
		return 0;
	__m128i x = _mm_or_si128(_mm_and_si128(isd, d),
				 _mm_andnot_si128(isd, _mm_add_epi8(l, _mm_set1_epi8(10))));
	/* each 16-bit lane holds the high digit, then the low one */
	__m128i b = _mm_or_si128(_mm_and_si128(_mm_slli_epi16(x, 4), _mm_set1_epi16(0xf0)),
				 _mm_srli_epi16(x, 8));
	_mm_storel_epi64((__m128i *)out, _mm_packus_epi16(b, b));
	return 1;
}
#endif

size_t tpe_txid_parse(const char *s, size_t len, uint8_t out[32])
{
	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len != 64)
		return 0;
	const unsigned char *u = (const unsigned char *)s;
#ifdef __SSE2__
	int ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= hex16(u + 16 * i, out + 8 * i);
	return ok ? 32 : 0;
#else
	unsigned ok = 16;
	for (size_t i = 0; i < 32; i++) {
		unsigned hi = hexv[u[2 * i]], lo = hexv[u[2 * i + 1]];
		ok &= hi & lo;
		out[i] = (uint8_t)((hi & 15) << 4 | (lo & 15));
	}
	return ok ? 32 : 0;
#endif
}
