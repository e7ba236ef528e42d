/*
 * Hex blocks as Bitcoin Core's RPC serves them: `getblock <hash> 0` prints
 * the raw block as one line of hex. A file of such lines (a partner's
 * `for h in ...; do bitcoin-cli getblock $h 0; done > blocks.hex`) is read
 * line by line, each line decoded and passed to the block decoder:
 *
 *	0100000000000000...   <- block at first_height
 *	"01000000a1b2..."     <- quotes (a JSON string) are accepted
 *	{"result":"0100...","error":null,"id":1}   <- a whole JSON-RPC reply
 *
 * With a first height the lines must form a chain (each block's parent is
 * the previous line's block), so a missing or reordered line is an error
 * rather than a wrong height.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "tripact/btc.h"
#include "tripact/json.h"

/* A hex line holds at most one block: 2 digits a byte, plus slack. */
#define LINE_MAX_BYTES (2 * (size_t)TP_BTC_BLOCK_MAX + 64)

struct hexrun {
	struct tp_btc_decoder *dec;
	int64_t height; /* next height, -1 unknown */
	uint8_t prev[32];
	int have_prev;
	tp_btc_tx_fn fn;
	void *ctx;
	uint8_t *buf;
	size_t cap;
	int in_rpc; /* decoding a JSON-RPC "result": no second level */
};

static signed char HEX[256];
/* the byte two hex digits make, by the pair read as a little-endian
 * uint16_t; -1 when either is not a digit: one load a byte, not two */
static int16_t PAIR[65536];

static void hex_fill(void)
{
	memset(HEX, -1, sizeof HEX);
	for (int i = 0; i < 10; i++)
		HEX['0' + i] = (signed char)i;
	for (int i = 0; i < 6; i++) {
		HEX['a' + i] = (signed char)(10 + i);
		HEX['A' + i] = (signed char)(10 + i);
	}
	for (int w = 0; w < 65536; w++) {
		int hi = HEX[w & 0xff], lo = HEX[w >> 8];
		PAIR[w] = (int16_t)(hi < 0 || lo < 0 ? -1 : hi << 4 | lo);
	}
}

/* decoders may run on several threads at once */
static void hex_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, hex_fill);
}

#ifdef __SSE2__
#include <emmintrin.h>

/*
 * Decodes 16 hex digits at a time into out while all are digits; returns
 * how many bytes it wrote (the rest, and any error, is the caller's).
 */
static size_t hex16(const unsigned char *p, size_t n, uint8_t *out)
{
	const __m128i zero = _mm_setzero_si128(), nine = _mm_set1_epi8(9), five = _mm_set1_epi8(5),
		      ten = _mm_set1_epi8(10);
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + 2 * i));
		__m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
		__m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
		__m128i is_d = _mm_cmpeq_epi8(_mm_subs_epu8(d, nine), zero); /* d <= 9 */
		__m128i is_l = _mm_cmpeq_epi8(_mm_subs_epu8(l, five), zero); /* l <= 5 */
		if (_mm_movemask_epi8(_mm_or_si128(is_d, is_l)) != 0xffff)
			break;
		__m128i x = _mm_or_si128(_mm_and_si128(is_d, d),
					 _mm_andnot_si128(is_d, _mm_add_epi8(l, ten)));
		/* 16-bit lanes hold (first digit, second digit): make first << 4 | second */
		__m128i hi = _mm_slli_epi16(_mm_and_si128(x, _mm_set1_epi16(0xff)), 4);
		__m128i b = _mm_packus_epi16(_mm_or_si128(hi, _mm_srli_epi16(x, 8)), zero);
		_mm_storel_epi64((__m128i *)(out + i), b);
	}
	return i;
}
#else
static size_t hex16(const unsigned char *p, size_t n, uint8_t *out)
{
	(void)p, (void)n, (void)out;
	return 0;
}
#endif

static int space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static enum tp_err rpc_line(struct hexrun *run, const char *s, size_t n, long line,
			    struct tp_diag *d);

static enum tp_err one_line(struct hexrun *run, const char *s, size_t n, long line,
			    struct tp_diag *d)
{
	size_t lead = 0;
	while (lead < n && space(s[lead]))
		lead++;
	while (n > lead && space(s[n - 1]))
		n--;
	if (n - lead >= 2 && s[lead] == '"' && s[n - 1] == '"') {
		lead++;
		n--;
	}
	if (n == lead)
		return TP_OK;
	if (s[lead] == '{' && !run->in_rpc)
		return rpc_line(run, s + lead, n - lead, line, d);
	size_t digits = n - lead;
	if (d)
		d->line = line;
	if (digits % 2)
		return tp_diag_set(d, TP_EPARSE, "line %ld: odd number of hex digits (%zu)", line,
				   digits);
	if (digits > LINE_MAX_BYTES)
		return tp_diag_set(d, TP_ELIMIT,
				   "line %ld: %zu hex digits is more than a block can hold", line,
				   digits);
	if (digits / 2 > run->cap) {
		uint8_t *b = realloc(run->buf, digits / 2);
		if (!b)
			return TP_ENOMEM;
		run->buf = b;
		run->cap = digits / 2;
	}
	const unsigned char *p = (const unsigned char *)s + lead;
	for (size_t i = hex16(p, digits / 2, run->buf); i < digits / 2; i++) {
		int v = PAIR[p[2 * i] | p[2 * i + 1] << 8];
		if (v >= 0) {
			run->buf[i] = (uint8_t)v;
			continue;
		}
		int hi = HEX[p[2 * i]], lo = HEX[p[2 * i + 1]];
		if (hi < 0 || lo < 0) {
			size_t col = lead + 2 * i + (hi < 0 ? 0 : 1) + 1;
			if (d)
				d->column = (long)col;
			return tp_diag_set(d, TP_EPARSE, "line %ld, column %zu: not a hex digit",
					   line, col);
		}
		run->buf[i] = (uint8_t)(hi << 4 | lo);
	}
	size_t len = digits / 2;
	struct tp_btc_header h;
	enum tp_err e = tp_btc_header_parse(run->buf, len, &h, d);
	if (!e && run->height >= 0 && run->have_prev && memcmp(h.prev_hash, run->prev, 32) != 0) {
		char want[TP_BTC_HASH_HEX], got[TP_BTC_HASH_HEX];
		tp_btc_hash_to_hex(run->prev, want);
		tp_btc_hash_to_hex(h.prev_hash, got);
		return tp_diag_set(d, TP_EPARSE,
				   "line %ld: block for height %lld has parent %s, but the "
				   "previous line's block is %s",
				   line, (long long)run->height, got, want);
	}
	if (!e)
		e = tp_btc_block_decode(run->dec, run->buf, len, run->height, run->fn, run->ctx, &h,
					d);
	if (e == TP_EPARSE && d) {
		char msg[sizeof d->message];
		memcpy(msg, d->message, sizeof msg);
		if (d->column > 0)
			d->column = (long)lead + 2 * (d->column - 1) + 1;
		tp_diag_set(d, e, "line %ld: %s", line, msg);
	}
	if (e)
		return e;
	memcpy(run->prev, h.hash, 32);
	run->have_prev = 1;
	if (run->height >= 0)
		run->height++;
	return TP_OK;
}

/* A JSON-RPC reply to getblock <hash> 0: its "result" is the hex block. */
static enum tp_err rpc_line(struct hexrun *run, const char *s, size_t n, long line,
			    struct tp_diag *d)
{
	json_t *root = NULL;
	enum tp_err e = tp_json_load(s, n, &root, d);
	if (e) {
		char msg[sizeof d->message];
		if (!d)
			return e;
		memcpy(msg, d->message, sizeof msg);
		d->line = line;
		return tp_diag_set(d, TP_EPARSE, "line %ld: not a JSON-RPC reply: %s", line, msg);
	}
	json_t *err = json_object_get(root, "error");
	json_t *res = json_object_get(root, "result");
	if (d)
		d->line = line;
	if (err && !json_is_null(err)) {
		const char *m = tp_json_str(err, "message");
		e = tp_diag_set(d, TP_EPARSE, "line %ld: the node answered error %lld: %.200s",
				line, (long long)json_integer_value(json_object_get(err, "code")),
				m ? m : "(no message)");
	} else if (!json_is_string(res)) {
		e = tp_diag_set(d, TP_EPARSE,
				"line %ld: JSON-RPC reply without a string \"result\" (call "
				"getblock with verbosity 0)",
				line);
	} else {
		run->in_rpc = 1;
		e = one_line(run, json_string_value(res), json_string_length(res), line, d);
		run->in_rpc = 0;
	}
	json_decref(root);
	return e;
}

enum tp_err tp_btc_hex_decode(struct tp_btc_decoder *dec, const char *text, size_t len,
			      int64_t first_height, tp_btc_tx_fn fn, void *ctx, struct tp_diag *d)
{
	struct hexrun run = {dec, first_height < 0 ? -1 : first_height, {0}, 0, fn, ctx, NULL, 0,
			     0};
	enum tp_err e = TP_OK;
	long line = 1;
	hex_init();
	for (size_t i = 0; i < len && !e; line++) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
		e = one_line(&run, text + i, n, line, d);
		i += n + 1;
	}
	free(run.buf);
	return e;
}

enum tp_err tp_btc_hex_decode_file(struct tp_btc_decoder *dec, const char *path,
				   int64_t first_height, tp_btc_tx_fn fn, void *ctx,
				   struct tp_diag *d)
{
	struct hexrun run = {dec, first_height < 0 ? -1 : first_height, {0}, 0, fn, ctx, NULL, 0,
			     0};
	enum tp_err e = TP_OK;
	const size_t chunk = 1 << 20, cap = LINE_MAX_BYTES + 2 + chunk;
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t have = 0;
	uint64_t read_total = 0, dropped = 0;
	long lineno = 1;
	if (!f)
		return tp_diag_set(d, errno == ENOENT ? TP_ENOTFOUND : TP_EIO, "cannot open %s: %s",
				   path, strerror(errno));
	hex_init();
	if (!(buf = malloc(cap))) {
		fclose(f);
		return TP_ENOMEM;
	}
	for (int eof = 0; !e && !eof;) {
		size_t got = fread(buf + have, 1, chunk, f);
		if (got < chunk) {
			if (ferror(f)) {
				e = tp_diag_set(d, TP_EIO, "cannot read %s: %s", path,
						strerror(errno));
				break;
			}
			eof = 1;
		}
		size_t scan = have; /* bytes before `have` hold no newline */
		have += got;
		read_total += got;
		size_t start = 0;
		for (;;) {
			char *nl = memchr(buf + scan, '\n', have - scan);
			if (!nl)
				break;
			size_t end = (size_t)(nl - buf);
			if ((e = one_line(&run, buf + start, end - start, lineno++, d)))
				break;
			start = scan = end + 1;
		}
		if (e)
			break;
		memmove(buf, buf + start, have - start);
		have -= start;
		tpr_drop_cache(fileno(f), &dropped, read_total - have);
		if (eof && have)
			e = one_line(&run, buf, have, lineno, d);
		else if (have > LINE_MAX_BYTES + 2)
			e = tp_diag_set(d, TP_ELIMIT, "line %ld is longer than any hex block",
					lineno);
	}
	if (e && d) {
		char msg[sizeof d->message];
		memcpy(msg, d->message, sizeof msg);
		tp_diag_set(d, e, "%s: %s", path, msg);
	}
	free(buf);
	free(run.buf);
	fclose(f);
	return e;
}
