/*
 * The bitcoin-etl line scanner: every case is also given to jansson
 * (JSON_REJECT_DUPLICATES, as tp_json_load), and the two must agree on
 * accepting it and on the fields read; malformed lines name the JSON path
 * and column, and through `trace import` the file and line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tp_test.h"
#include "trace/etl_scan.h"
#include "tripact/trace.h"

#define H1 "0101010101010101010101010101010101010101010101010101010101010101"
#define H2 "0202020202020202020202020202020202020202020202020202020202020202"

static struct tpe_scan *sc;
static char msg[300];

static int setup(void **state)
{
	(void)state;
	return tpe_scan_new(&sc) == TP_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tpe_scan_free(sc);
	return 0;
}

/* The scanner's value equals jansson's (v may be absent). */
static void same_val(const struct tpe_val *v, const json_t *j, const char *what)
{
	int ok;
	switch (v->kind) {
	case TPE_ABSENT:
		ok = j == NULL;
		break;
	case TPE_NULL:
		ok = json_is_null(j);
		break;
	case TPE_TRUE:
		ok = json_is_true(j);
		break;
	case TPE_FALSE:
		ok = json_is_false(j);
		break;
	case TPE_INT:
		ok = json_is_integer(j) && json_integer_value(j) == v->i;
		break;
	case TPE_REAL:
		ok = json_is_real(j);
		break;
	case TPE_STR:
		ok = json_is_string(j) && json_string_length(j) == v->len &&
		     !memcmp(json_string_value(j), v->s, v->len);
		break;
	case TPE_ARRAY:
		ok = json_is_array(j);
		break;
	default:
		ok = json_is_object(j);
	}
	if (!ok)
		fail_msg("%s differs from jansson's", what);
}

static void same_list(const struct tpe_io *io, size_t n, const json_t *arr, int in)
{
	assert_int_equal(n, json_array_size(arr));
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		if (!json_is_object(o))
			o = NULL;
		if (in) {
			same_val(&io[i].spent_hash, json_object_get(o, "spent_transaction_hash"),
				 "spent_transaction_hash");
			same_val(&io[i].spent_index, json_object_get(o, "spent_output_index"),
				 "spent_output_index");
		} else {
			same_val(&io[i].index, json_object_get(o, "index"), "index");
		}
		same_val(&io[i].value, json_object_get(o, "value"), "value");
	}
}

/* Scans line; jansson must agree. Returns the scanner's answer. */
static enum tp_err scan(const char *line, const struct tpe_tx **tx)
{
	size_t len = strlen(line);
	json_error_t je;
	json_t *j = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
	int jok = json_is_object(j);
	const struct tpe_tx *t;
	msg[0] = '\0';
	enum tp_err e = tpe_scan_line(sc, line, len, &t, msg, sizeof msg);
	if ((e == TP_OK) != jok)
		fail_msg("scanner %s, jansson %s: %s", e == TP_OK ? "accepts" : msg,
			 jok ? "accepts" : je.text, line);
	if (e == TP_OK) {
		same_val(&t->hash, json_object_get(j, "hash"), "hash");
		same_val(&t->block_number, json_object_get(j, "block_number"), "block_number");
		same_val(&t->block_timestamp, json_object_get(j, "block_timestamp"),
			 "block_timestamp");
		same_val(&t->is_coinbase, json_object_get(j, "is_coinbase"), "is_coinbase");
		if (t->inputs_kind == TPE_ARRAY)
			same_list(t->in, t->nin, json_object_get(j, "inputs"), 1);
		if (t->outputs_kind == TPE_ARRAY)
			same_list(t->out, t->nout, json_object_get(j, "outputs"), 0);
		if (tx)
			*tx = t;
	}
	json_decref(j);
	return e;
}

/* line must be refused with needle (and "column ") in the message. */
static void refused(const char *line, const char *needle)
{
	if (scan(line, NULL) != TP_EPARSE)
		fail_msg("accepted: %s", line);
	if (!strstr(msg, needle) || !strstr(msg, "(column "))
		fail_msg("expected '%s' in: %s", needle, msg);
}

static void test_order_and_whitespace(void **state)
{
	(void)state;
	const struct tpe_tx *t;
	static const char *const lines[] = {
		"{\"hash\":\"" H1 "\",\"block_number\":7,\"block_timestamp\":1,\"inputs\":[],"
		"\"outputs\":[{\"index\":0,\"addresses\":[\"1A\"],\"value\":5}]}",
		"{\"outputs\":[{\"value\":5,\"addresses\":[\"1A\"],\"index\":0}],\"inputs\":[],"
		"\"block_timestamp\":1,\"block_number\":7,\"hash\":\"" H1 "\"}",
		" \t{ \"block_number\" : 7 ,\r\"outputs\" :\t[ { \"addresses\" : [ \"1A\" ] , "
		"\"index\" : 0 , \"value\" : 5 } ] , \"hash\" : \"" H1 "\" , \"inputs\" : [ ] , "
		"\"block_timestamp\" : 1 }  ",
	};
	for (size_t k = 0; k < sizeof lines / sizeof *lines; k++) {
		assert_int_equal(scan(lines[k], &t), TP_OK);
		assert_int_equal(t->block_number.i, 7);
		assert_int_equal(t->nout, 1);
		assert_int_equal(t->out[0].addrs.len, 2);
		assert_memory_equal(t->out[0].addrs.s, "1A", 2);
		assert_int_equal(t->inputs_kind, TPE_ARRAY);
		assert_int_equal(t->nin, 0);
	}
}

static void test_escapes_nulls_strings(void **state)
{
	(void)state;
	const struct tpe_tx *t;
	/* the key and the hash escaped, an address with \u0041, unknown fields */
	assert_int_equal(
		scan("{\"h\\u0061sh\":\"\\u0030101" H1 "\",\"x\":\"\\ud83d\\ude00\\/\\n\","
		     "\"inputs\":[{\"spent_transaction_hash\":\"" H2 "\","
		     "\"spent_output_index\":0,\"value\":null,\"addresses\":null,"
		     "\"type\":null}],\"outputs\":[{\"addresses\":[\"1\\u0041\",\"\\u00e9b\"],"
		     "\"value\":\"5000000000\",\"required_signatures\":null}]}",
		     &t),
		TP_OK);
	assert_int_equal(t->hash.len, 68);
	assert_memory_equal(t->hash.s, "0101", 4);
	assert_int_equal(t->in[0].value.kind, TPE_NULL);
	assert_int_equal(t->in[0].addrs.kind, TPE_NULL);
	assert_int_equal(t->out[0].value.kind, TPE_STR);
	assert_int_equal(t->out[0].addrs.len, 6);
	assert_memory_equal(t->out[0].addrs.s,
			    "1A+\xc3\xa9"
			    "b",
			    6);
	/* unknown values of every shape, however nested, are checked and skipped */
	assert_int_equal(
		scan("{\"a\":{\"b\":[1,-0,2.5e-3,true,false,null,{\"c\":{}},[]],\"d\":\"\"},"
		     "\"e\":-9223372036854775808,\"f\":1e308,\"g\":1e-400,\"hash\":\"" H1 "\"}",
		     &t),
		TP_OK);
	/* an empty address list, an empty address, a non-string */
	assert_int_equal(scan("{\"outputs\":[{\"addresses\":[]},{\"addresses\":[\"\"]},"
			      "{\"addresses\":[1]},{\"addresses\":\"1A\"}]}",
			      &t),
			 TP_OK);
	assert_int_equal(t->out[0].addrs.bad, 0);
	assert_int_equal(t->out[0].addrs.len, 0);
	assert_int_equal(t->out[1].addrs.bad, 1);
	assert_int_equal(t->out[2].addrs.bad, 1);
	assert_int_equal(t->out[3].addrs.kind, TPE_STR);
}

static void test_real_sample(void **state)
{
	(void)state;
	size_t len;
	char *text = tp_test_slurp(
		tp_test_path(
			"data/crypto/bitcoin_etl_blocks_50001_50002/expected_transactions.json"),
		&len);
	assert_non_null(text);
	size_t lines = 0;
	for (char *p = text, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		assert_int_equal(scan(p, NULL), TP_OK);
		lines++;
	}
	assert_true(lines > 2);
	free(text);
}

static void test_malformed(void **state)
{
	(void)state;
	/* truncated */
	refused("", "line ends where '{'");
	refused("   ", "line ends where '{'");
	refused("{", "line ends where a member name");
	refused("{\"hash\":\"01", "hash: string not closed");
	refused("{\"outputs\":[{\"value\":5", "outputs[0].value: line ends where ','");
	refused("{\"outputs\":[", "outputs[0]: line ends where a value");
	/* bad numbers */
	refused("{\"block_number\":01}", "block_number: invalid number");
	refused("{\"outputs\":[{\"value\":-}]}", "outputs[0].value: invalid number");
	refused("{\"outputs\":[{\"value\":1.}]}", "no digit after '.'");
	refused("{\"outputs\":[{\"value\":.5}]}", "outputs[0].value: '.' where a value");
	refused("{\"outputs\":[{\"value\":1e}]}", "no digit in the exponent");
	refused("{\"outputs\":[{\"value\":+1}]}", "'+' where a value");
	refused("{\"outputs\":[{\"value\":0x10}]}", "'x' where ','");
	refused("{\"fee\":NaN}", "fee: 'N' where a value");
	/* values too big for jansson */
	refused("{\"outputs\":[{},{\"value\":9223372036854775808}]}",
		"outputs[1].value: integer too big");
	refused("{\"fee\":-9223372036854775809}", "fee: integer too big");
	refused("{\"outputs\":[{\"value\":99999999999999999999}]}", "integer too big");
	refused("{\"fee\":1e309}", "fee: real number overflow");
	/* at the edge of a double: rounds to DBL_MAX, or past it */
	refused("{\"fee\":0.0001797693134862315808e312}", "real number overflow");
	assert_int_equal(scan("{\"fee\":0.00017976931348623157e312}", NULL), TP_OK);
	assert_int_equal(scan("{\"fee\":17976931348623158079e289}", NULL), TP_OK);
	refused("{\"fee\":17976931348623158080e289}", "real number overflow");
	/* duplicated keys at every level */
	refused("{\"hash\":\"" H1 "\",\"hash\":\"" H2 "\"}", "hash: duplicate key \"hash\"");
	refused("{\"size\":1,\"size\":1}", "duplicate key \"size\"");
	refused("{\"foo\":1,\"bar\":2,\"foo\":3}", "duplicate key \"foo\"");
	refused("{\"h\\u0061sh\":1,\"hash\":2}", "duplicate key \"hash\"");
	refused("{\"inputs\":[{\"value\":1,\"value\":2}]}", "inputs[0].value: duplicate key");
	refused("{\"x\":{\"a\":{\"b\":1,\"b\":1}}}", "duplicate key \"b\"");
	refused("{\"k0\":0,\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6,\"k7\":7,\"k8\":8,"
		"\"k9\":9,\"ka\":0,\"kb\":0,\"kc\":0,\"kd\":0,\"ke\":0,\"kf\":0,\"kg\":0,\"kh\":0,"
		"\"k3\":0}",
		"duplicate key \"k3\"");
	/* strings */
	refused("{\"hash\":\"\\x\"}", "hash: invalid escape");
	refused("{\"hash\":\"\\u12\"}", "invalid escape");
	refused("{\"hash\":\"a\\u0000\"}", "\\u0000 is not allowed");
	refused("{\"hash\":\"\\udc00\"}", "lone low surrogate");
	refused("{\"hash\":\"\\ud800x\"}", "without its low half");
	refused("{\"hash\":\"\xc3\x28\"}", "invalid UTF-8");
	refused("{\"hash\":\"\xc0\xaf\"}", "invalid UTF-8");
	refused("{\"hash\":\"\xed\xa0\x80\"}", "invalid UTF-8");
	refused("{\"hash\":\"a\tb\"}", "control character 0x09");
	refused("{\"k\xff\":1}", "invalid UTF-8");
	/* structure */
	refused("{\"hash\":1} x", "text after the transaction object");
	refused("{\"hash\":1},", "text after");
	refused("{\"hash\" 1}", "hash: '1' where ':'");
	refused("{\"hash\":1 \"x\":2}", "hash: '\"' where ',' or '}'");
	refused("{\"hash\":1,}", "'}' where a member name");
	refused("{\"inputs\":[1,]}", "inputs[1]: ']' where a value");
	refused("{\"is_coinbase\":tru}", "is_coinbase: 't' where a value");
	refused("{\"is_coinbase\":True}", "'T' where a value");
	refused("{\"a\":nulll}", "'l' where ','");
	refused("[1]", "'[' where '{'");
	refused("{hash:1}", "'h' where a member name");
	/* jansson lets a NUL byte after a number or literal through; not here */
	const struct tpe_tx *t;
	assert_int_equal(tpe_scan_line(sc, "{\"a\":2\0}", 8, &t, msg, sizeof msg), TP_EPARSE);
	assert_non_null(strstr(msg, "a: byte 0x00 where ',' or '}' should be (column 7)"));
	assert_int_equal(tpe_scan_line(sc, "{\"a\":true\0}", 11, &t, msg, sizeof msg), TP_EPARSE);
}

/* jansson counts every value, scalars too, up to 2048 levels. */
static void test_depth(void **state)
{
	(void)state;
	for (int arrays = 2045; arrays <= 2048; arrays++) {
		for (int scalar = 0; scalar < 2; scalar++) {
			char *line = malloc(2 * (size_t)arrays + 32);
			assert_non_null(line);
			int n = sprintf(line, "{\"x\":");
			memset(line + n, '[', (size_t)arrays);
			n += arrays;
			if (scalar)
				line[n++] = '1';
			memset(line + n, ']', (size_t)arrays);
			n += arrays;
			strcpy(line + n, "}");
			(void)scan(line, NULL); /* agreeing with jansson is the test */
			free(line);
		}
	}
	refused("{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "x: line ends where");
}

static void test_txid(void **state)
{
	(void)state;
	uint8_t id[32];
	assert_int_equal(tpe_txid_parse(H1, 64, id), 32);
	assert_int_equal(id[0], 1);
	assert_int_equal(tpe_txid_parse("0x" H1, 66, id), 32);
	assert_int_equal(tpe_txid_parse("ABCDEFabcdef" H1, 64, id), 32);
	assert_int_equal(id[0], 0xab);
	assert_int_equal(id[5], 0xef);
	assert_int_equal(tpe_txid_parse("g" H1, 64, id), 0);
	assert_int_equal(tpe_txid_parse(H1 "0", 65, id), 0);
	assert_int_equal(tpe_txid_parse(H1, 63, id), 0);
}

/* ---- through `trace import`: the file and line are named ------------------ */

static char dir[] = "/tmp/tp_etl_scan_XXXXXX";

static void import_error(const char *text, long line, const char *needle)
{
	char path[128], out[128];
	snprintf(path, sizeof path, "%s/tx.json", dir);
	snprintf(out, sizeof out, "%s/g", dir); /* a failed import writes no graph */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	const char *files[] = {path};
	struct tp_diag d = {0};
	enum tp_err e = tp_trace_import(out, "btc", files, 1, NULL, NULL, &d);
	char where[64];
	snprintf(where, sizeof where, "tx.json:%ld: ", line);
	if (e != TP_EPARSE || d.line != line || !strstr(d.message, where) ||
	    !strstr(d.message, needle))
		fail_msg("expected line %ld, '%s'; got %s: %s", line, needle, tp_strerror(e),
			 d.message);
	unlink(path);
	rmdir(out);
}

#define GOOD(h, b)                                                                                 \
	"{\"hash\":\"" h "\",\"block_number\":" #b ",\"block_timestamp\":1,\"is_coinbase\":true,"  \
	"\"inputs\":[],\"outputs\":[{\"index\":0,\"addresses\":[\"1A\"],\"value\":5}]}\n"

static void test_import_lines(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	import_error(GOOD(H1, 1) "\n" GOOD(H2, 1) "{\"hash\":\"01", 4,
		     "not a JSON object: hash: string not closed (column 9)");
	import_error(GOOD(H1, 1) "{\"outputs\":[{\"value\":1e999}]}\n", 2,
		     "outputs[0].value: real number overflow");
	import_error(GOOD(H1, 1) "{\"hash\":\"" H2 "\",\"hash\":\"" H2 "\"}\r\n", 2,
		     "duplicate key \"hash\"");
	import_error(GOOD(H1, 1) GOOD(
			     H2, 1) "{\"inputs\":[{\"spent_output_index\":18446744073709551616}]}",
		     3, "inputs[0].spent_output_index: integer too big");
	/* well-formed, but not a transaction: the importer's own checks */
	import_error(GOOD(H1, 1) "{\"hash\":\"" H2 "\",\"block_number\":\"1\"}\n", 2,
		     "\"block_number\" missing or invalid");
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_whitespace),
		cmocka_unit_test(test_escapes_nulls_strings),
		cmocka_unit_test(test_real_sample),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_txid),
		cmocka_unit_test(test_import_lines),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
