/*
 * Hex blocks as `getblock <hash> 0` prints them (tests/data/btc/
 * blocks_50001_50002.hex: real blocks 50001 and 50002), from memory and
 * from a file: heights assigned from a first height and checked to chain,
 * JSON quotes, CRLF, blank lines, and errors naming line and column.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "tp_test.h"
#include "tripact/btc.h"

#define FILE_50001 "tests/data/btc/blocks_50001_50002.hex"

struct got {
	int64_t height[8];
	char txid[8][TP_BTC_HASH_HEX];
	size_t n;
};

static enum tp_err keep(void *ctx, const struct tp_btc_header *h, const struct tp_btc_tx *tx)
{
	struct got *g = ctx;
	assert_true(g->n < 8);
	g->height[g->n] = h->height;
	tp_btc_hash_to_hex(tx->txid, g->txid[g->n]);
	g->n++;
	return TP_OK;
}

static char *lines[2];

static int setup(void **state)
{
	(void)state;
	char *t = tp_test_slurp(tp_test_path(FILE_50001), NULL);
	if (!t)
		return -1;
	char *nl = strchr(t, '\n');
	*nl = '\0';
	lines[0] = strdup(t);
	lines[1] = strndup(nl + 1, strcspn(nl + 1, "\n"));
	free(t);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(lines[0]);
	free(lines[1]);
	return 0;
}

static void check_four(const struct got *g, int64_t first)
{
	assert_int_equal(g->n, 4);
	assert_string_equal(g->txid[0],
			    "e1882d41800d96d0fddc196cd8d3f0b45d65b030c652d97eaba79a1174e64d58");
	assert_string_equal(g->txid[3],
			    "5164dc2785549f9efe14eb1c54522ec1874a02b7eda164fde370c05412f037ad");
	assert_int_equal(g->height[0], first);
	assert_int_equal(g->height[2], first);
	assert_int_equal(g->height[3], first < 0 ? -1 : first + 1);
}

static void test_file_with_heights(void **state)
{
	(void)state;
	struct tp_btc_decoder *dec;
	struct got g = {0};
	struct tp_diag d = {0};
	assert_int_equal(tp_btc_decoder_new(TP_BTC_MAINNET, 0, &dec), TP_OK);
	assert_int_equal(tp_btc_hex_decode_file(dec, tp_test_path(FILE_50001), 50001, keep, &g, &d),
			 TP_OK);
	check_four(&g, 50001);
	memset(&g, 0, sizeof g);
	assert_int_equal(tp_btc_hex_decode_file(dec, "no/such.hex", 0, keep, &g, &d), TP_ENOTFOUND);
	tp_btc_decoder_free(dec);
}

static void test_text_forms(void **state)
{
	(void)state;
	struct tp_btc_decoder *dec;
	struct got g = {0};
	struct tp_diag d = {0};
	size_t n = strlen(lines[0]) + strlen(lines[1]) + 64;
	char *text = malloc(n);
	assert_int_equal(tp_btc_decoder_new(TP_BTC_MAINNET, 0, &dec), TP_OK);

	/* quoted, CRLF, blank lines, indentation, no final newline */
	snprintf(text, n, "\r\n  \"%s\"\r\n\n\t%s", lines[0], lines[1]);
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, keep, &g, &d), TP_OK);
	check_four(&g, -1);

	/* the same through a file */
	char path[64];
	snprintf(path, sizeof path, "btc_hex_%d.hex", (int)getpid());
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	memset(&g, 0, sizeof g);
	assert_int_equal(tp_btc_hex_decode_file(dec, path, 7, keep, &g, &d), TP_OK);
	check_four(&g, 7);

	/* whole JSON-RPC replies, as curl gets them from the node */
	free(text);
	n = strlen(lines[0]) + strlen(lines[1]) + 256;
	text = malloc(n);
	snprintf(text, n,
		 "{\"result\":\"%s\",\"error\":null,\"id\":1}\n"
		 "{\"id\":\"b\",\"error\":null,\"result\":\"%s\"}\n",
		 lines[0], lines[1]);
	memset(&g, 0, sizeof g);
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), 50001, keep, &g, &d), TP_OK);
	check_four(&g, 50001);
	snprintf(text, n,
		 "{\"result\":null,\"error\":{\"code\":-5,\"message\":\"Block not found\"},"
		 "\"id\":1}\n");
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, NULL, NULL, &d), TP_EPARSE);
	assert_string_equal(d.message, "line 1: the node answered error -5: Block not found");
	snprintf(text, n, "{\"result\":{\"hash\":\"00\"},\"error\":null}\n");
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, NULL, NULL, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "call getblock with verbosity 0"));
	snprintf(text, n, "\n{\"result\":\"{\\\"result\\\":1}\"}\n");
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, NULL, NULL, &d), TP_EPARSE);
	assert_int_equal(d.line, 2);
	snprintf(text, n, "{\"result\": \"00\", \"result\": \"00\"}");
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, NULL, NULL, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "line 1: not a JSON-RPC reply"));

	/* out of order: fine without heights, an error with them */
	snprintf(text, n, "%s\n%s\n", lines[1], lines[0]);
	memset(&g, 0, sizeof g);
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, keep, &g, &d), TP_OK);
	assert_int_equal(g.n, 4);
	memset(&g, 0, sizeof g);
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), 50001, keep, &g, &d),
			 TP_EPARSE);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.message, "line 2: block for height 50002 has parent "
					  "000000001aeae195809d120b5d66a39c83eb48792e068f8ea1fea19d"
					  "84a4278a, but the previous line's block is "
					  "000000002066d7f9b134c30b5005b7bf5fbfa52f279883f1fde793dc"
					  "dc964266"));
	assert_int_equal(g.n, 1); /* the first block was delivered */

	/* a bad digit: line and column */
	snprintf(text, n, "%s\n  %s", lines[0], lines[1]);
	text[strlen(lines[0]) + 1 + 2 + 10] = 'g';
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, NULL, NULL, &d), TP_EPARSE);
	assert_int_equal(d.line, 2);
	assert_int_equal(d.column, 13);
	assert_non_null(strstr(d.message, "line 2, column 13: not a hex digit"));

	/* deep in a line (where digits are decoded 16 at a time), as first
	 * and as second digit of a byte, and characters next to the digit
	 * ranges: each found at its column */
	static const char wrong[] = {'g', 'G', '/', ':', '@', '`', ' ', '\x80'};
	for (size_t k = 0; k < sizeof wrong; k++) {
		size_t at = 1000 + 7 * k; /* both parities, every place in a 16-digit chunk */
		snprintf(text, n, "%s\n", lines[0]);
		text[at] = wrong[k];
		assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, NULL, NULL, &d),
				 TP_EPARSE);
		assert_int_equal(d.line, 1);
		assert_int_equal(d.column, (long)at + 1);
	}
	/* upper case is hex too: same transactions */
	struct got lower = {.n = 0};
	snprintf(text, n, "%s\n", lines[0]);
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, keep, &lower, &d), TP_OK);
	for (char *c = text; *c; c++)
		if (*c >= 'a' && *c <= 'f')
			*c = (char)(*c - 'a' + 'A');
	memset(&g, 0, sizeof g);
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, keep, &g, &d), TP_OK);
	assert_int_equal(g.n, lower.n);
	for (size_t k = 0; k < g.n; k++)
		assert_string_equal(g.txid[k], lower.txid[k]);

	/* odd length */
	snprintf(text, n, "%s0\n", lines[0]);
	assert_int_equal(tp_btc_hex_decode(dec, text, strlen(text), -1, NULL, NULL, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "line 1: odd number of hex digits"));

	/* a block cut short: the block offset, through the file path too */
	snprintf(text, n, "%s\n%.*s\n", lines[0], (int)strlen(lines[1]) - 4, lines[1]);
	f = fopen(path, "wb");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(tp_btc_hex_decode_file(dec, path, -1, NULL, NULL, &d), TP_EPARSE);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.message, path));
	assert_non_null(strstr(d.message, "line 2: block byte offset 212: truncated"));
	unlink(path);
	free(text);
	tp_btc_decoder_free(dec);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_with_heights),
		cmocka_unit_test(test_text_forms),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
