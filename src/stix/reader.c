/*
 * The streaming STIX reader: see include/tripact/reader.h.
 *
 * A window over the input [buf + keep, buf + end) holds the item being
 * scanned; refills slide it to the front of the buffer and grow the buffer
 * only while one item is larger than it (up to the cap). For
 *
 *	{"type": "bundle", "id": "bundle--1", "objects": [ {...}, {...} ]}
 *
 * the top-level scan notices the member "objects" whose value is an array,
 * keeps the members before it as the bundle's envelope, and from then on
 * returns the array's elements one by one; the members after the array
 * complete the envelope, returned last as a TP_READER_BUNDLE item.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/buf.h"
#include "tripact/reader.h"

#define NONE	     SIZE_MAX
#define CHUNK	     (64u << 10)
#define ENVELOPE_MAX (1u << 20)

enum state { S_TOP, S_ARRAY, S_BUNDLE_ARRAY, S_BUNDLE_TAIL };

struct tp_reader {
	FILE *f;
	const char *name;
	size_t max;
	char *buf;
	size_t cap, pos, end, keep;
	int eof;
	enum tp_err err;
	struct tp_diag errd;
	long line;
	unsigned long long lstart; /* input offset where the current line starts */
	unsigned long long base;   /* input offset of buf[0] */
	enum state state;
	size_t index;
	int need_comma;
	struct tp_buf env, envsofar;
	long bline, bcol;
};

/* The 1-based column (in bytes) of buf[pos]. */
static long col(const struct tp_reader *r)
{
	return (long)(r->base + r->pos - r->lstart) + 1;
}

enum tp_err tp_reader_new(FILE *f, const char *name, size_t max_object, struct tp_reader **out)
{
	struct tp_reader *r = calloc(1, sizeof *r);
	if (!r)
		return TP_ENOMEM;
	r->f = f;
	r->name = name ? name : "-";
	r->max = max_object ? max_object : TP_READER_MAX_OBJECT;
	r->cap = CHUNK;
	r->buf = malloc(r->cap);
	if (!r->buf) {
		free(r);
		return TP_ENOMEM;
	}
	r->keep = NONE;
	r->line = 1;
	tp_buf_init(&r->env, ENVELOPE_MAX);
	tp_buf_init(&r->envsofar, ENVELOPE_MAX + 2);
	*out = r;
	return TP_OK;
}

void tp_reader_free(struct tp_reader *r)
{
	if (!r)
		return;
	tp_buf_free(&r->env);
	tp_buf_free(&r->envsofar);
	free(r->buf);
	free(r);
}

long tp_reader_bundle_line(const struct tp_reader *r)
{
	return r->state == S_BUNDLE_ARRAY || r->state == S_BUNDLE_TAIL ? r->bline : 0;
}

unsigned long long tp_reader_offset(const struct tp_reader *r)
{
	return r->base + r->pos;
}

static enum tp_err fail(struct tp_reader *r, enum tp_err code, long line, long column,
			struct tp_diag *d, const char *msg, long arg)
{
	r->err = code;
	tp_diag_clear(&r->errd);
	r->errd.line = line;
	r->errd.column = column;
	tp_diag_set(&r->errd, code, msg, arg);
	if (d)
		*d = r->errd;
	return code;
}

/* Makes buf[pos] readable; 0 at end of input, -1 on error (r->err set). */
static int fill(struct tp_reader *r, struct tp_diag *d)
{
	if (r->pos < r->end)
		return 1;
	if (r->eof)
		return 0;
	size_t from = r->keep != NONE ? r->keep : r->pos;
	if (from > 0) {
		memmove(r->buf, r->buf + from, r->end - from);
		r->base += from;
		r->end -= from;
		r->pos -= from;
		if (r->keep != NONE)
			r->keep = 0;
	}
	if (r->end == r->cap) {
		if (r->cap >= r->max + CHUNK) {
			fail(r, TP_ELIMIT, r->line, col(r), d,
			     "an object is larger than %ld bytes (the per-object limit)",
			     (long)r->max);
			return -1;
		}
		size_t ncap = r->cap * 2 > r->max + CHUNK ? r->max + CHUNK : r->cap * 2;
		char *n = realloc(r->buf, ncap);
		if (!n) {
			fail(r, TP_ENOMEM, r->line, col(r), d, "out of memory%.0ld", 0);
			return -1;
		}
		r->buf = n;
		r->cap = ncap;
	}
	size_t got = fread(r->buf + r->end, 1, r->cap - r->end, r->f);
	if (got == 0) {
		if (ferror(r->f)) {
			fail(r, TP_EIO, r->line, col(r), d, "read error%.0ld", 0);
			return -1;
		}
		r->eof = 1;
		return 0;
	}
	r->end += got;
	return 1;
}

static void step(struct tp_reader *r)
{
	if (r->buf[r->pos++] == '\n') {
		r->line++;
		r->lstart = r->base + r->pos;
	}
}

/* Skips whitespace (and a UTF-8 byte order mark at the very start). */
static int skip_ws(struct tp_reader *r, struct tp_diag *d)
{
	int k;
	while ((k = fill(r, d)) > 0) {
		char c = r->buf[r->pos];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			step(r);
		} else if ((unsigned char)c == 0xef && r->base + r->pos == 0) {
			/* BOM: EF BB BF */
			r->keep = r->pos;
			int ok = 1;
			for (int i = 0; i < 3 && ok; i++) {
				ok = fill(r, d) > 0 && (unsigned char)r->buf[r->pos] ==
							       (unsigned char)"\xef\xbb\xbf"[i];
				if (ok)
					r->pos++;
			}
			r->keep = NONE;
			if (!ok)
				return -2;
		} else {
			return 1;
		}
	}
	return k;
}

/*
 * Scans one value starting at buf[pos] (not whitespace). With detect set
 * (a top-level object) it stops early when the member "objects" holds an
 * array: *bundle = 1, pos after the '[' and *key_at the offset (from keep)
 * of the key. Otherwise the value is complete in [keep, pos).
 *
 * The loop runs over the bytes already buffered and only calls fill()
 * between chunks; inside strings it skips to the next quote, backslash
 * or newline.
 */
/*
 * Nonzero if one of the 8 bytes in w may be '"', '\\' or '\n' (it may also
 * be for bytes >= 0x80; the byte loop then decides).
 */
static inline uint64_t string_special(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\'), n = w ^ (ones * '\n');
	return ((q - ones) | (b - ones) | (n - ones)) & 0x8080808080808080ULL;
}

/*
 * Bytes before the first one flagged in m (of string_special): none of them
 * is special. 0 where that is not cheap to know (big-endian).
 */
static inline size_t first_flagged(uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return (size_t)__builtin_ctzll(m) / 8;
#else
	(void)m;
	return 0;
#endif
}

static enum tp_err scan_value(struct tp_reader *r, int detect, size_t *key_at, int *bundle,
			      struct tp_diag *d)
{
	long sline = r->line, scol = col(r);
	int depth = 0, in_str = 0, esc = 0;
	int expect_key = 0, objects_next = 0;
	size_t key_rel = 0; /* key start, relative to keep (the buffer moves) */
	*bundle = 0;
	char first = r->buf[r->pos];
	if (first != '{' && first != '[' && first != '"') {
		/* a scalar: up to a delimiter */
		int k;
		while ((k = fill(r, d)) > 0) {
			char c = r->buf[r->pos];
			if (c == ',' || c == ']' || c == '}' || c == ' ' || c == '\n' ||
			    c == '\t' || c == '\r')
				break;
			step(r);
		}
		return k < 0 ? r->err : TP_OK;
	}
	for (;;) {
		int k = fill(r, d);
		if (k < 0)
			return r->err;
		if (k == 0)
			return fail(
				r, TP_EPARSE, r->line, col(r), d,
				"unexpected end of input: the value starting at line %ld is not "
				"closed (truncated file?)",
				sline);
		const char *b = r->buf;
		size_t i = r->pos, end = r->end;
		while (i < end) {
			if (in_str) {
				if (esc) {
					esc = 0;
					if (b[i++] == '\n') {
						r->line++;
						r->lstart = r->base + i;
					}
					continue;
				}
				while (end - i >= 8) {
					uint64_t w, m;
					memcpy(&w, b + i, 8);
					if ((m = string_special(w))) {
						i += first_flagged(m);
						break;
					}
					i += 8;
				}
				while (i < end && b[i] != '"' && b[i] != '\\' && b[i] != '\n')
					i++;
				if (i == end)
					break;
				char c = b[i++];
				if (c == '\n') {
					r->line++;
					r->lstart = r->base + i;
				} else if (c == '\\') {
					esc = 1;
				} else {
					in_str = 0;
					if (detect && depth == 1 && expect_key) {
						expect_key = 0;
						size_t ks = r->keep + key_rel;
						objects_next =
							i - ks == 9 &&
							memcmp(b + ks, "\"objects\"", 9) == 0;
					}
					if (depth == 0) {
						r->pos = i;
						goto done;
					}
				}
				continue;
			}
			char c = b[i++];
			switch (c) {
			case '\n':
				r->line++;
				r->lstart = r->base + i;
				break;
			case ' ':
			case '\t':
			case '\r':
			case ':':
				break;
			case '"':
				in_str = 1;
				if (detect && depth == 1 && expect_key)
					key_rel = i - 1 - r->keep;
				break;
			case '{':
			case '[':
				if (c == '[' && detect && depth == 1 && objects_next) {
					*key_at = key_rel;
					*bundle = 1;
					r->pos = i;
					return TP_OK;
				}
				objects_next = 0;
				if (++depth > TP_READER_MAX_DEPTH) {
					r->pos = i - 1;
					return fail(r, TP_ELIMIT, r->line, col(r), d,
						    "nesting deeper than %ld levels",
						    TP_READER_MAX_DEPTH);
				}
				if (depth == 1)
					expect_key = c == '{';
				break;
			case '}':
			case ']':
				if (--depth == 0) {
					r->pos = i;
					goto done;
				}
				break;
			case ',':
				if (depth == 1)
					expect_key = first == '{';
				objects_next = 0;
				break;
			default:
				objects_next = 0;
				break;
			}
		}
		r->pos = i;
		if (r->pos - r->keep > r->max)
			break;
	}
done:
	if (r->pos - r->keep > r->max)
		return fail(r, TP_ELIMIT, sline, scol, d,
			    "the object starting here is larger than %ld bytes (the "
			    "per-object limit)",
			    (long)r->max);
	return TP_OK;
}

static void trim_envelope(struct tp_buf *b)
{
	while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\n' ||
			  b->data[b->len - 1] == '\t' || b->data[b->len - 1] == '\r'))
		b->len--;
	if (b->len && b->data[b->len - 1] == ',')
		b->len--;
	if (b->data)
		b->data[b->len] = '\0';
}

static enum tp_err item_here(struct tp_reader *r, struct tp_reader_item *it, enum tp_reader_where w,
			     long line, long column)
{
	it->text = r->buf + r->keep;
	it->len = r->pos - r->keep;
	it->line = line;
	it->column = column;
	it->where = w;
	it->index = 0;
	return TP_OK;
}

static enum tp_err next_top(struct tp_reader *r, struct tp_reader_item *it, struct tp_diag *d,
			    int *again)
{
	int k = skip_ws(r, d);
	if (k == -2)
		return fail(r, TP_EPARSE, 1, 1, d, "malformed byte order mark%.0ld", 0);
	if (k < 0)
		return r->err;
	if (k == 0)
		return TP_ENOTFOUND;
	char c = r->buf[r->pos];
	long line = r->line, column = col(r);
	if (c == '[') {
		step(r);
		r->state = S_ARRAY;
		r->index = 0;
		r->need_comma = 0;
		*again = 1;
		return TP_OK;
	}
	if (c != '{')
		return fail(r, TP_EPARSE, line, column, d,
			    "expected a STIX object, a bundle or an array of objects%.0ld", 0);
	r->keep = r->pos;
	size_t key_at = 0;
	int bundle;
	enum tp_err e = scan_value(r, 1, &key_at, &bundle, d);
	if (e != TP_OK)
		return e;
	if (!bundle)
		return item_here(r, it, TP_READER_TOP, line, column);
	tp_buf_reset(&r->env);
	if (tp_buf_append(&r->env, r->buf + r->keep, key_at) != TP_OK)
		return fail(r, TP_ELIMIT, line, column, d,
			    "the bundle's members before 'objects' exceed %ld bytes",
			    (long)ENVELOPE_MAX);
	trim_envelope(&r->env);
	r->keep = NONE;
	r->bline = line;
	r->bcol = column;
	r->state = S_BUNDLE_ARRAY;
	r->index = 0;
	r->need_comma = 0;
	*again = 1;
	return TP_OK;
}

static enum tp_err next_element(struct tp_reader *r, struct tp_reader_item *it, struct tp_diag *d,
				int *again)
{
	int k = skip_ws(r, d);
	if (k < 0)
		return r->err;
	if (k == 0)
		return fail(r, TP_EPARSE, r->line, col(r), d,
			    "unexpected end of input inside the array opened before line %ld "
			    "(truncated file?)",
			    r->state == S_BUNDLE_ARRAY ? r->bline : r->line);
	char c = r->buf[r->pos];
	if (c == ']') {
		step(r);
		r->state = r->state == S_BUNDLE_ARRAY ? S_BUNDLE_TAIL : S_TOP;
		*again = 1;
		return TP_OK;
	}
	if (r->need_comma) {
		if (c != ',')
			return fail(r, TP_EPARSE, r->line, col(r), d,
				    "expected ',' or ']' after element %ld of the array",
				    (long)r->index - 1);
		step(r);
		k = skip_ws(r, d);
		if (k <= 0)
			return k < 0 ? r->err
				     : fail(r, TP_EPARSE, r->line, col(r), d,
					    "unexpected end of input after ','%.0ld", 0);
	}
	long line = r->line, column = col(r);
	r->keep = r->pos;
	size_t key_at;
	int bundle;
	enum tp_err e = scan_value(r, 0, &key_at, &bundle, d);
	if (e != TP_OK)
		return e;
	item_here(r, it, r->state == S_BUNDLE_ARRAY ? TP_READER_OBJECTS : TP_READER_ARRAY, line,
		  column);
	it->index = r->index++;
	r->need_comma = 1;
	return TP_OK;
}

/* The rest of a bundle after its objects array, up to its closing brace. */
static enum tp_err next_tail(struct tp_reader *r, struct tp_reader_item *it, struct tp_diag *d)
{
	r->keep = r->pos;
	int depth = 1, in_str = 0, esc = 0;
	for (;;) {
		int k = fill(r, d);
		if (k < 0)
			return r->err;
		if (k == 0)
			return fail(
				r, TP_EPARSE, r->line, col(r), d,
				"unexpected end of input: the bundle starting at line %ld is not "
				"closed",
				r->bline);
		char c = r->buf[r->pos];
		step(r);
		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++depth > TP_READER_MAX_DEPTH)
				return fail(r, TP_ELIMIT, r->line, col(r), d,
					    "nesting deeper than %ld levels", TP_READER_MAX_DEPTH);
		} else if ((c == '}' || c == ']') && --depth == 0) {
			break;
		}
		if (r->pos - r->keep > ENVELOPE_MAX)
			return fail(r, TP_ELIMIT, r->line, col(r), d,
				    "the bundle's members after 'objects' exceed %ld bytes",
				    (long)ENVELOPE_MAX);
	}
	const char *t = r->buf + r->keep;
	size_t n = r->pos - r->keep;
	while (n && (*t == ' ' || *t == '\n' || *t == '\t' || *t == '\r'))
		t++, n--;
	if (n && *t == ',' && r->env.len == 1) /* only "{" before: drop the comma */
		t++, n--;
	if (tp_buf_append(&r->env, t, n) != TP_OK)
		return fail(r, TP_ELIMIT, r->line, col(r), d, "bundle envelope too large%.0ld", 0);
	r->keep = NONE;
	it->text = r->env.data;
	it->len = r->env.len;
	it->line = r->bline;
	it->column = r->bcol;
	it->where = TP_READER_BUNDLE;
	it->index = 0;
	r->state = S_TOP;
	return TP_OK;
}

enum tp_err tp_reader_next(struct tp_reader *r, struct tp_reader_item *it, struct tp_diag *d)
{
	if (r->err != TP_OK) {
		if (d)
			*d = r->errd;
		return r->err;
	}
	r->keep = NONE;
	for (;;) {
		int again = 0;
		enum tp_err e;
		switch (r->state) {
		case S_TOP:
			e = next_top(r, it, d, &again);
			break;
		case S_ARRAY:
		case S_BUNDLE_ARRAY:
			e = next_element(r, it, d, &again);
			break;
		default:
			e = next_tail(r, it, d);
			break;
		}
		if (e != TP_OK || !again)
			return e;
	}
}

const char *tp_reader_envelope(struct tp_reader *r, size_t *len)
{
	if (r->state != S_BUNDLE_ARRAY && r->state != S_BUNDLE_TAIL)
		return NULL;
	tp_buf_reset(&r->envsofar);
	if (tp_buf_append(&r->envsofar, r->env.data, r->env.len) != TP_OK ||
	    tp_buf_putc(&r->envsofar, '}') != TP_OK)
		return NULL;
	if (len)
		*len = r->envsofar.len;
	return r->envsofar.data;
}
