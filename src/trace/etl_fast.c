/*
 * The fast path of the bitcoin-etl line scanner (etl_scan_state.h): a
 * line in the shape bitcoin-etl writes,
 *
 *	{"hash":"7940...","block_number":50001,"block_timestamp":1270917100,
 *	 "is_coinbase":false,"inputs":[{"spent_transaction_hash":"76a8...",
 *	 "spent_output_index":0}],"outputs":[{"index":0,"addresses":["1Dz..."],
 *	 "value":5000000000}]}
 *
 * read in one flat pass. Members may come in any order with any
 * whitespace between tokens, but every name must be one of bitcoin-etl's
 * (tpe_key_id), appear once in its object, and every value must be
 * plain: a string of bytes 0x20-0x7f without escapes, an integer of 1 to
 * 18 digits without sign or leading zero, true, false or null; inputs and
 * outputs are arrays of objects, addresses null or an array of non-empty
 * strings that fit joined, and a member nobody reads may also be a flat
 * array of plain values (txinwitness). Anything else, every fault
 * included, makes it give up, and the general path (etl_scan.c) reads
 * the line again from its start. So a line it takes is well-formed JSON
 * and it reads exactly what the general path would: the same kinds,
 * values, pointers into the line and joined addresses in the arena.
 *
 * Most of the time goes to names, so each is first compared with a guess
 * (the name that followed the one before last time) and only looked up
 * when that is wrong; integers are read 8 digits at a time and strings 16
 * bytes at a time.
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "etl_scan_state.h"

struct fast {
	const unsigned char *p, *end;
	struct tpe_scan *s;
};

static inline int at(const struct fast *f, unsigned char c)
{
	return f->p < f->end && *f->p == c;
}

static void skip_ws_run(struct fast *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\t' || *f->p == '\r' || *f->p == '\n'))
		f->p++;
}

/* Whitespace is rare between bitcoin-etl's tokens: one test when there is none. */
static inline void skip_ws(struct fast *f)
{
	if (f->p < f->end && *f->p <= ' ')
		skip_ws_run(f);
}

/* Past c and the whitespace after it; 0 when f->p is not on c. */
static inline int take(struct fast *f, unsigned char c)
{
	if (!at(f, c))
		return 0;
	f->p++;
	skip_ws(f);
	return 1;
}

/*
 * The string at f->p (on its quote) when it is plain: bytes 0x20-0x7f up
 * to its closing quote, no backslash. 0 for any other string.
 */
static int plain_string(struct fast *f, const char **str, size_t *len)
{
	const unsigned char *start = f->p + 1, *q = start, *end = f->end;
#ifdef __SSE2__
	/* a signed compare with 0x20 finds control bytes and bytes above 0x7f */
	const __m128i quote = _mm_set1_epi8('"'), slash = _mm_set1_epi8('\\');
	const __m128i space = _mm_set1_epi8(0x20);
	while (end - q >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)q);
		__m128i stop = _mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, slash)),
			_mm_cmplt_epi8(v, space));
		unsigned m = (unsigned)_mm_movemask_epi8(stop);
		if (m) {
			q += __builtin_ctz(m);
			goto stopped;
		}
		q += 16;
	}
#endif
	while (q < end && *q != '"' && *q != '\\' && *q >= 0x20 && *q < 0x80)
		q++;
#ifdef __SSE2__
stopped:
#endif
	if (q >= end || *q != '"')
		return 0;
	*str = (const char *)start;
	*len = (size_t)(q - start);
	f->p = q + 1;
	return 1;
}

#define ONES 0x0101010101010101ULL

/* How many of the 8 bytes of w (first byte lowest) lead with decimal digits. */
static inline unsigned leading_digits(uint64_t w)
{
	/* a digit's high nibble is 3 and its low nibble + 6 stays below 16 */
	uint64_t bad =
		((w & 0xf0 * ONES) ^ 0x30 * ONES) | (((w & 0x0f * ONES) + 6 * ONES) & 0xf0 * ONES);
	return bad ? (unsigned)__builtin_ctzll(bad) / 8 : 8;
}

/* The number the first n (1..8) digit bytes of w spell. */
static inline uint64_t digits_value(uint64_t w, unsigned n)
{
	/* digits to the high bytes, zeros before them; then pairs, fours, eights */
	w = (w & 0x0f * ONES) << (8 * (8 - n));
	w = (w * 10 + (w >> 8)) & 0x00ff00ff00ff00ffULL;
	w = (w * 100 + (w >> 16)) & 0x0000ffff0000ffffULL;
	return (w * 10000 + (w >> 32)) & 0xffffffffULL;
}

/* A non-negative integer of 1 to 18 digits, no leading zero, nothing real after it. */
static int small_int(struct fast *f, int64_t *out)
{
	static const uint64_t pow10[9] = {1,	  10,	   100,	     1000,     10000,
					  100000, 1000000, 10000000, 100000000};
	const unsigned char *q = f->p, *end = f->end;
	uint64_t v = 0;
	size_t n = 0;
	unsigned got = 8;
	while (got == 8 && n < 19) {
		if (end - q < 8) { /* near the line's end: a byte at a time */
			while (q < end && (unsigned)(*q - '0') < 10 && n < 19)
				v = v * 10 + (unsigned)(*q++ - '0'), n++;
			break;
		}
		uint64_t w;
		memcpy(&w, q, 8);
		got = leading_digits(w);
		if (got)
			v = v * pow10[got] + digits_value(w, got);
		q += got;
		n += got;
	}
	if (n == 0 || n > 18 || (n > 1 && *f->p == '0'))
		return 0;
	if (q < end && (*q == '.' || *q == 'e' || *q == 'E'))
		return 0;
	*out = (int64_t)v;
	f->p = q;
	return 1;
}

static int word(struct fast *f, const char *w, size_t n)
{
	if ((size_t)(f->end - f->p) < n || memcmp(f->p, w, n) != 0)
		return 0;
	f->p += n;
	return 1;
}

/* A plain value (see the top) into v, as the general path's scan_value sets it. */
static int scalar(struct fast *f, struct tpe_val *v)
{
	if (f->p >= f->end)
		return 0;
	switch (*f->p) {
	case '"':
		v->kind = TPE_STR;
		return plain_string(f, &v->s, &v->len);
	case 't':
		v->kind = TPE_TRUE;
		return word(f, "true", 4);
	case 'f':
		v->kind = TPE_FALSE;
		return word(f, "false", 5);
	case 'n':
		v->kind = TPE_NULL;
		return word(f, "null", 4);
	}
	v->kind = TPE_INT;
	return small_int(f, &v->i);
}

/* A member nobody reads: a plain value or a flat array of them. */
static int skip(struct fast *f)
{
	struct tpe_val v;
	if (!at(f, '['))
		return scalar(f, &v);
	if (take(f, '[') && take(f, ']'))
		return 1;
	do {
		if (!scalar(f, &v))
			return 0;
		skip_ws(f);
	} while (take(f, ','));
	return take(f, ']');
}

/* Which object a name is in, for the guesses. */
enum shape { IN_TX, IN_INPUT, IN_OUTPUT };

/* A member name as the fast path compares it. */
struct name_guess {
	uint8_t key;   /* enum key; K_OTHER: no guess */
	uint8_t len;   /* the name's bytes with its quotes */
	uint8_t at[3]; /* where the three words compared start */
	uint64_t mask; /* the bytes compared of each word */
	uint64_t w[3];
};

/*
 * The guess of the name after name k in a transaction, an input and an
 * output: what followed it last time. One table a thread, not one a
 * scanner: the importer keeps a scanner for each line in flight, and
 * their tables would miss the cache (most of the fast path's time). A
 * guess only saves time; a wrong one costs a scan.
 */
static _Thread_local struct name_guess guesses[3][K_TXINWITNESS + 1];

static inline uint64_t load8(const unsigned char *p)
{
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/*
 * Whether the name in double quotes that g holds is at p (end - p >= 8):
 * three 8-byte compares (first, middle, last) cover names of up to 22
 * characters, a mask the shorter ones.
 */
static inline int guessed(const struct name_guess *g, const unsigned char *p,
			  const unsigned char *end)
{
	if ((size_t)(end - p) < g->len)
		return 0;
	uint64_t diff = (load8(p) ^ g->w[0]) | (load8(p + g->at[1]) ^ g->w[1]) |
			(load8(p + g->at[2]) ^ g->w[2]);
	return (diff & g->mask) == 0;
}

/* Learns the quoted name p[0..len) (len <= end - p, 2 + the name) as g's guess k. */
static void learn(struct name_guess *g, enum key k, const unsigned char *p, size_t len,
		  const unsigned char *end)
{
	g->key = K_OTHER;
	if (len > 24 || end - p < 8)
		return;
	g->key = (uint8_t)k;
	g->len = (uint8_t)len;
	g->at[1] = (uint8_t)(len > 16 ? 8 : 0);
	g->at[2] = (uint8_t)(len > 8 ? len - 8 : 0);
	g->mask = len < 8 ? (1ULL << (8 * len)) - 1 : ~0ULL;
	for (int i = 0; i < 3; i++)
		g->w[i] = load8(p + g->at[i]) & g->mask;
}

/*
 * The member name at f->p and the ':' after it; K_OTHER to give up. The
 * name that followed prev last time in this shape of object is tried
 * first: three compares instead of a scan and a lookup.
 */
static enum key name(struct fast *f, enum shape in, enum key prev)
{
	struct name_guess *g = &guesses[in][prev];
	const unsigned char *p = f->p;
	enum key k;
	if (g->key != K_OTHER && (size_t)(f->end - p) >= 8 && guessed(g, p, f->end)) {
		k = g->key;
		f->p = p + g->len;
	} else {
		const char *n;
		size_t len;
		if (!at(f, '"') || !plain_string(f, &n, &len))
			return K_OTHER;
		k = tpe_key_id(n, len);
		learn(g, k, p, len + 2, f->end);
	}
	skip_ws(f);
	if (!take(f, ':'))
		return K_OTHER;
	return k;
}

/*
 * An "addresses" array of non-empty plain strings; two or more are joined
 * with '+' in the arena. Gives up where the general path would mark it
 * bad (the same length test as its address_element).
 */
static int addresses(struct fast *f, struct tpe_addrs *a)
{
	if (!at(f, '[')) {
		a->kind = TPE_NULL;
		return word(f, "null", 4);
	}
	a->kind = TPE_ARRAY;
	if (take(f, '[') && take(f, ']'))
		return 1;
	struct tpe_scan *s = f->s;
	char *joined = s->arena + s->aused;
	size_t n = 0, count = 0;
	do {
		const char *str;
		size_t len;
		if (!at(f, '"') || !plain_string(f, &str, &len) || len == 0 ||
		    n + len + 2 > TPE_ADDR_CAP)
			return 0;
		if (count++ == 0) {
			a->s = str;
			a->len = len;
		} else {
			if (count == 2)
				memcpy(joined, a->s, a->len);
			joined[n++] = '+';
		}
		if (count > 1)
			memcpy(joined + n, str, len);
		n += len;
		skip_ws(f);
	} while (take(f, ','));
	if (count > 1) {
		a->s = joined;
		a->len = n;
		s->aused += n;
	}
	return take(f, ']');
}

/* The value of member k of an input or output. */
static int io_member(struct fast *f, enum key k, struct tpe_io *io)
{
	switch (k) {
	case K_SPENT_HASH:
		return scalar(f, &io->spent_hash);
	case K_SPENT_INDEX:
		return scalar(f, &io->spent_index);
	case K_INDEX:
		return scalar(f, &io->index);
	case K_VALUE:
		return scalar(f, &io->value);
	case K_ADDRESSES:
		return addresses(f, &io->addrs);
	default:
		return skip(f);
	}
}

static int members(struct fast *f, enum shape in, struct tpe_io *io);

/* inputs or outputs: an array of objects. */
static int io_list(struct fast *f, enum shape in, struct tpe_io **arr, size_t *cap, size_t *n,
		   enum tpe_kind *kind)
{
	*kind = TPE_ARRAY;
	if (!take(f, '['))
		return 0;
	if (take(f, ']'))
		return 1;
	size_t i = 0;
	do {
		struct tpe_io *io = tpe_io_at(arr, cap, n, i++);
		if (!io || !take(f, '{') || !members(f, in, io))
			return 0;
		skip_ws(f);
	} while (take(f, ','));
	return take(f, ']');
}

/* The value of the transaction's member k. */
static int tx_member(struct fast *f, enum key k)
{
	struct tpe_scan *s = f->s;
	struct tpe_tx *tx = &s->tx;
	switch (k) {
	case K_HASH:
		return scalar(f, &tx->hash);
	case K_BLOCK_NUMBER:
		return scalar(f, &tx->block_number);
	case K_BLOCK_TIMESTAMP:
		return scalar(f, &tx->block_timestamp);
	case K_IS_COINBASE:
		return scalar(f, &tx->is_coinbase);
	case K_INPUTS:
		return io_list(f, IN_INPUT, &tx->in, &s->incap, &tx->nin, &tx->inputs_kind);
	case K_OUTPUTS:
		return io_list(f, IN_OUTPUT, &tx->out, &s->outcap, &tx->nout, &tx->outputs_kind);
	default:
		return skip(f);
	}
}

/* The members of the transaction (io NULL) or of an input or output, after its '{'. */
static int members(struct fast *f, enum shape in, struct tpe_io *io)
{
	if (take(f, '}'))
		return 1;
	uint64_t seen = 0;
	enum key k = K_OTHER;
	do {
		k = name(f, in, k);
		if (k == K_OTHER || seen >> k & 1)
			return 0;
		seen |= 1ULL << k;
		if (!(io ? io_member(f, k, io) : tx_member(f, k)))
			return 0;
		skip_ws(f);
	} while (take(f, ','));
	return take(f, '}');
}

int tpe_scan_fast(struct tpe_scan *s)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
	(void)s;
	return 0; /* the 8-byte words above take the first byte as the lowest */
#endif
	struct fast f = {s->line, s->end, s};
	skip_ws(&f);
	if (!take(&f, '{') || !members(&f, IN_TX, NULL))
		return 0;
	skip_ws(&f);
	return f.p == f.end;
}
