/*
 * ethereum-etl values reach the graph exact whatever their length (a zero
 * value moves nothing, so it is left out): short
 * ones take the 64-bit path, wei amounts up to 38 digits the two-halves
 * path, longer ones the 256-bit parser; leading zeros are allowed and a
 * value past 2^256 - 1 or with a stray character is an error naming the
 * line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tp_test.h"
#include "trace/graph.h"
#include "tripact/trace.h"

static const char *const values[][2] = {
	{"7", "7"},
	{"000123", "123"},
	{"9999999999999999999", "9999999999999999999"},
	{"10000000000000000000", "10000000000000000000"},
	{"18446744073709551616", "18446744073709551616"},
	{"1000000000000000000000000000000000000", "1000000000000000000000000000000000000"},
	{"99999999999999999999999999999999999999", "99999999999999999999999999999999999999"},
	{"0000000000000000000000000000000000012345", "12345"},
	{"100000000000000000000000000000000000000", "100000000000000000000000000000000000000"},
	{"115792089237316195423570985008687907853269984665640564039457584007913129639935",
	 "115792089237316195423570985008687907853269984665640564039457584007913129639935"},
};
#define NVALUES (sizeof values / sizeof *values)

#define HEADER                                                                                     \
	"hash,nonce,block_number,transaction_index,from_address,to_address,value,gas,gas_price,"   \
	"block_timestamp,receipt_gas_used,receipt_status\n"
#define FROM "0x2222222222222222222222222222222222222222"
#define TO   "0x4444444444444444444444444444444444444444"

static char dir[] = "/tmp/tp_import_values_XXXXXX";

static enum tp_err import(const char *name, const char *const *vals, size_t n, struct tp_diag *d)
{
	char path[128], out[128];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(out, sizeof out, "%s/graph", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(HEADER, f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "0x%064zx,0,1,%zu," FROM "," TO ",%s,21000,10,1600000000,21000,1\n",
			i + 1, i, vals[i]);
	fclose(f);
	const char *files[] = {path};
	memset(d, 0, sizeof *d);
	enum tp_err e = tp_trace_import(out, "eth", files, 1, NULL, NULL, d);
	unlink(path);
	return e;
}

static void test_values_exact(void **state)
{
	(void)state;
	const char *vals[NVALUES];
	for (size_t i = 0; i < NVALUES; i++)
		vals[i] = values[i][0];
	struct tp_diag d;
	assert_int_equal(import("tx.csv", vals, NVALUES, &d), TP_OK);
	char gdir[128];
	snprintf(gdir, sizeof gdir, "%s/graph", dir);
	struct tp_trace_graph *g;
	assert_int_equal(tp_trace_graph_open(gdir, &g, &d), TP_OK);
	size_t k = 0;
	for (uint64_t i = 0; i < g->nxfer; i++) {
		if (g->xfer[i].kind != TPG_VALUE)
			continue;
		struct tp_u256 v;
		char got[TP_U256_DECSZ];
		tpg_xfer_value(g, &g->xfer[i], &v);
		tp_u256_format(&v, got);
		assert_true(k < NVALUES);
		assert_string_equal(got, values[k][1]);
		k++;
	}
	assert_int_equal(k, NVALUES);
	tp_trace_graph_free(g);
	char p[160];
	snprintf(p, sizeof p, "%s/graph.tpg", gdir);
	unlink(p);
	snprintf(p, sizeof p, "%s/labels.csv", gdir);
	unlink(p);
	rmdir(gdir);
}

static void test_values_bad(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"115792089237316195423570985008687907853269984665640564039457584007913129639936",
		"12a", "1 2", "-5"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *vals[] = {"1", bad[i]};
		struct tp_diag d;
		if (import("bad.csv", vals, 2, &d) == TP_OK || d.line != 3 ||
		    !strstr(d.message, "bad.csv:3:"))
			fail_msg("value '%s' not refused at line 3: %s", bad[i], d.message);
	}
}

int main(void)
{
	assert_non_null(mkdtemp(dir));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_exact),
		cmocka_unit_test(test_values_bad),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
