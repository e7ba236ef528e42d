/*
 * The scanner's fast path against its general path: every line is scanned
 * by a scanner with the fast path on and one with it off, and the two must
 * give the same answer (code, message, every field read). Lines in
 * bitcoin-etl's shape must be taken by the fast path; their variants (cut,
 * a byte changed, inserted or deleted at every position) leave it at every
 * position and must still agree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_compare.h"
#include "trace/etl_scan.h"

#define H1 "0101010101010101010101010101010101010101010101010101010101010101"
#define H2 "b51053c25cad3b5336fbfec40660f5113d8057a047cbf66b6cf4e13073a1169b"

static struct tpe_scan *fast, *general;

static int setup(void **state)
{
	(void)state;
	if (tpe_scan_new(&fast) != TP_OK || tpe_scan_new(&general) != TP_OK)
		return -1;
	tpe_scan_set_fast(general, 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tpe_scan_free(fast);
	tpe_scan_free(general);
	return 0;
}

/*
 * Scans text[0..len) (copied to exactly len bytes, so that ASan sees a
 * read past the end) with both paths; they must agree. Returns whether
 * the fast path took it.
 */
static int both(const char *text, size_t len)
{
	char *line = malloc(len ? len : 1);
	assert_non_null(line);
	memcpy(line, text, len);
	char m1[300] = "", m2[300] = "";
	const struct tpe_tx *t1 = NULL, *t2 = NULL;
	uint64_t before = tpe_scan_fast_lines(fast);
	enum tp_err e1 = tpe_scan_line(fast, line, len, &t1, m1, sizeof m1);
	enum tp_err e2 = tpe_scan_line(general, line, len, &t2, m2, sizeof m2);
	int took = tpe_scan_fast_lines(fast) != before;
	if (e1 != e2 || strcmp(m1, m2) != 0 || (e1 == TP_OK && !etl_same_tx(t1, t2, line, len)))
		fail_msg("fast path %s (%s), general %s (%s): %.*s", tp_strerror(e1), m1,
			 tp_strerror(e2), m2, (int)len, text);
	if (took && e1 != TP_OK)
		fail_msg("the fast path took a bad line: %.*s", (int)len, text);
	free(line);
	return took;
}

static int both_str(const char *text)
{
	return both(text, strlen(text));
}

/* Variants of line that leave the fast path at every position. */
static void every_position(const char *line)
{
	static const unsigned char swap[] = {' ',  '"',	 '\\', 'x',  '0',  '9', '-', ',',
					     ':',  '{',	 '}',  '[',  ']',  '.', 'e', '\t',
					     0x00, 0x01, 0x7f, 0x80, 0xc3, 'n', 't'};
	static const unsigned char add[] = {' ', '\n', ',', '0', '"', 'a', '}', 0xff};
	size_t len = strlen(line);
	char *v = malloc(len + 2);
	assert_non_null(v);
	for (size_t i = 0; i <= len; i++) {
		both(line, i); /* cut */
		for (size_t k = 0; k < sizeof add; k++) {
			memcpy(v, line, i);
			v[i] = (char)add[k];
			memcpy(v + i + 1, line + i, len - i);
			both(v, len + 1);
		}
		if (i == len)
			break;
		for (size_t k = 0; k < sizeof swap; k++) {
			memcpy(v, line, len);
			v[i] = (char)swap[k];
			both(v, len);
		}
		memcpy(v, line, i); /* deleted */
		memcpy(v + i, line + i + 1, len - i - 1);
		both(v, len - 1);
	}
	free(v);
	assert_true(both_str(line)); /* and the line itself still goes fast */
}

static const char *const shaped[] = {
	/* as the synthetic chain writes them */
	"{\"hash\":\"" H1 "\",\"block_number\":1,\"block_timestamp\":1600000600,"
	"\"is_coinbase\":true,\"inputs\":[],\"outputs\":[{\"index\":0,\"addresses\":"
	"[\"1AJ3ZW4gmnaHQuwUiAWAq4ZbbPQzoBYJXj\"],\"value\":639056875}]}",
	"{\"hash\":\"" H1 "\",\"block_number\":50,\"block_timestamp\":1600030000,"
	"\"is_coinbase\":false,\"inputs\":[{\"index\":0,\"spent_transaction_hash\":\"" H2 "\","
	"\"spent_output_index\":0,\"value\":13816},{\"index\":1,\"spent_transaction_hash\":"
	"\"" H2 "\",\"spent_output_index\":12,\"value\":123456789012345678}],\"outputs\":"
	"[{\"index\":0,\"addresses\":[\"1w4CSpWCRmWLubKNV6JfGvbAU9h3m8uKTD\"],\"value\":11872},"
	"{\"index\":1,\"addresses\":[],\"value\":0},{\"index\":2,\"addresses\":null,\"value\":7}]}",
	/* as bitcoin-etl writes them: spaces, every field, several addresses */
	"{\"hash\": \"" H1 "\", \"size\": 225, \"virtual_size\": 225, \"version\": 1, "
	"\"lock_time\": 0, \"block_number\": 50001, \"block_hash\": \"" H2 "\", "
	"\"block_timestamp\": 1270917100, \"is_coinbase\": false, \"index\": 3, "
	"\"inputs\": [{\"index\": 0, \"spent_transaction_hash\": \"" H2 "\", "
	"\"spent_output_index\": 1, \"script_asm\": \"3045 0221\", \"script_hex\": \"4830\", "
	"\"sequence\": 4294967295, \"required_signatures\": null, \"type\": \"pubkeyhash\", "
	"\"addresses\": [\"1Dz\"], \"value\": 5000000000, \"txinwitness\": [\"30\", \"02\"]}], "
	"\"outputs\": [{\"index\": 0, \"script_asm\": \"OP_DUP\", \"script_hex\": \"76a9\", "
	"\"required_signatures\": 2, \"type\": \"multisig\", \"addresses\": [\"1Bkt\", \"1Cx\", "
	"\"3Q\"], \"value\": 4999000000}], \"input_count\": 1, \"output_count\": 1, "
	"\"input_value\": 5000000000, \"output_value\": 4999000000, \"fee\": 1000000, "
	"\"type\": \"transaction\", \"txinwitness\": []}",
	/* members in another order, whitespace of every kind */
	" \t{ \"outputs\" :\t[ { \"value\" : 5 , \"addresses\" : [ \"1A\" ] } ] ,\r\n"
	"\"block_number\":7,\"hash\":\"" H1 "\",\"inputs\":[],\"block_timestamp\":\"2020-01-01T00:"
	"00:00Z\",\"is_coinbase\":null}  ",
	"{}",
};

static void test_shapes_go_fast(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof shaped / sizeof *shaped; k++)
		if (!both_str(shaped[k]))
			fail_msg("not taken by the fast path: %s", shaped[k]);
}

static void test_every_position(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof shaped / sizeof *shaped; k++)
		every_position(shaped[k]);
}

/* Integers: the fast path reads 1 to 18 digits and leaves the rest. */
static void test_integers(void **state)
{
	(void)state;
	static const char *const values[] = {
		"0",
		"7",
		"10",
		"12345678",
		"123456789",
		"1234567812345678",
		"12345678123456789",
		"123456789012345678",
		"999999999999999999",
		"1000000000000000000",
		"9223372036854775807",
		"9223372036854775808",
		"18446744073709551616",
		"00",
		"01",
		"-1",
		"-0",
		"1.5",
		"1e3",
		"1E3",
		"0.0",
		"1x",
		"+1",
	};
	char line[200];
	for (size_t k = 0; k < sizeof values / sizeof *values; k++) {
		/* in the middle of a line and at its very end (read a byte at a time) */
		snprintf(line, sizeof line, "{\"block_number\":%s,\"hash\":\"x\"}", values[k]);
		both_str(line);
		snprintf(line, sizeof line, "{\"block_number\":%s}", values[k]);
		both_str(line);
		snprintf(line, sizeof line, "{\"outputs\":[{\"value\":%s}]}", values[k]);
		both_str(line);
	}
	snprintf(line, sizeof line, "{\"block_number\":123456789012345678}");
	assert_true(both_str(line));
}

/* Strings: plain ASCII goes fast; escapes, UTF-8 and control bytes do not. */
static void test_strings(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"{\"hash\":\"abc\\\"def\"}",
		"{\"hash\":\"\\u0041\"}",
		"{\"hash\":\"caf\xc3\xa9 and a long tail of plain text\"}",
		"{\"hash\":\"\xc3\x28\"}",
		"{\"hash\":\"tab\there\"}",
		"{\"hash\":\"del\x7f is plain\"}",
		"{\"h\\u0061sh\":\"" H1 "\"}",
		"{\"hash\":\"" H1 "}",
		"{\"hash\":\"\"}",
		"{\"outputs\":[{\"addresses\":[\"\"]}]}",
		"{\"outputs\":[{\"addresses\":[\"a\",\"\"]}]}",
		"{\"outputs\":[{\"addresses\":[\"a\",1]}]}",
		"{\"outputs\":[{\"addresses\":\"1A\"}]}",
		"{\"outputs\":[{\"addresses\":[\"a\\u0042\",\"c\"]}]}",
		"{\"outputs\":[{\"addresses\":[\"a\",\"b\"],\"addresses\":[]}]}",
	};
	for (size_t k = 0; k < sizeof lines / sizeof *lines; k++)
		both_str(lines[k]);
	assert_true(both_str("{\"hash\":\"del\x7f is plain\"}"));
}

/* Names: unknown ones, duplicates, and guesses that stop being right. */
static void test_names(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"{\"hash\":\"a\",\"hash\":\"b\"}",
		"{\"hash\":\"a\",\"extra\":1}",
		"{\"inputs\":[{\"index\":0,\"index\":1}]}",
		"{\"outputs\":[{\"value\":1,\"foo\":{\"a\":1}}]}",
		"{\"fee\":1,\"fe\":2}",
		"{\"fee\":1,\"fees\":2}",
		"{\"hashes\":1}",
		"{\"has\":1}",
		"{\"hash\"",
		"{\"hash\" 1}",
		"{\"spent_transaction_hash\":1,\"spent_transaction_hasx\":1}",
		"{\"inputs\":[{\"spent_transaction_hasx\":1}]}",
		"{\"inputs\":[{\"spent_transaction_hash\":1}]}",
		"{\"inputs\":[{\"spent_transaction_hash\"}]}",
		"{\"inputs\":[{\"spent_transaction_hash\":\"" H2 "\"}]}",
		"{\"type\":[1,\"a\",null,true,false],\"size\":[]}",
		"{\"type\":[[1]]}",
		"{\"type\":{}}",
		"{\"outputs\":null}",
		"{\"outputs\":[1]}",
		"{\"outputs\":[{},{}],\"inputs\":[{}]}",
	};
	for (int round = 0; round < 2; round++)
		for (size_t k = 0; k < sizeof lines / sizeof *lines; k++) {
			both_str(lines[k]);
			both_str(shaped[1]);
		}
}

/* Joined addresses up to TPE_ADDR_CAP, and lists that outgrow their arrays. */
static void test_sizes(void **state)
{
	(void)state;
	char *line = malloc(40000);
	assert_non_null(line);
	for (size_t n = 500; n <= 515; n++) {
		/* two addresses joined take n bytes with their '+' */
		size_t a = 100, b = n - a - 1;
		int w = sprintf(line, "{\"outputs\":[{\"addresses\":[\"");
		memset(line + w, 'a', a);
		w += (int)a;
		w += sprintf(line + w, "\",\"");
		memset(line + w, 'b', b);
		w += (int)b;
		sprintf(line + w, "\"]}]}");
		both_str(line);
		/* one address of n bytes */
		w = sprintf(line, "{\"outputs\":[{\"addresses\":[\"");
		memset(line + w, 'c', n);
		sprintf(line + w + n, "\"]}]}");
		both_str(line);
	}
	int w = sprintf(line, "{\"inputs\":[");
	for (int i = 0; i < 100; i++)
		w += sprintf(line + w,
			     "%s{\"spent_transaction_hash\":\"" H2 "\",\"spent_output_index\":%d}",
			     i ? "," : "", i);
	w += sprintf(line + w, "],\"outputs\":[");
	for (int i = 0; i < 70; i++)
		w += sprintf(line + w, "%s{\"addresses\":[\"x%d\",\"y\"],\"value\":%d}",
			     i ? "," : "", i, i * 1000);
	sprintf(line + w, "]}");
	assert_true(both_str(line));
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes_go_fast), cmocka_unit_test(test_every_position),
		cmocka_unit_test(test_integers),       cmocka_unit_test(test_strings),
		cmocka_unit_test(test_names),	       cmocka_unit_test(test_sizes),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
