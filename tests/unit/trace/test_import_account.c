/*
 * ethereum-etl import. Values reach the graph exact whatever their
 * length (a zero value moves nothing, so it is left out): short ones take
 * the 64-bit path, wei amounts up to 38 digits the two-halves path, longer
 * ones the 256-bit parser; leading zeros are allowed and a value past
 * 2^256 - 1 or with a stray character is an error naming the line. Rows
 * reach the graph in chain order however the files give them: one file in
 * order (one sorted run), three files each in order (three runs merged,
 * one left over in the first pass), and one file backwards (too many runs:
 * a full sort) give the same transfers in the same order.
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

static char dir[] = "/tmp/tp_import_account_XXXXXX";

/* Frees g and removes the graph directory gdir. */
static void close_graph(struct tp_trace_graph *g, const char *gdir)
{
	tp_trace_graph_free(g);
	char p[200];
	snprintf(p, sizeof p, "%s/graph.tpg", gdir);
	unlink(p);
	snprintf(p, sizeof p, "%s/labels.csv", gdir);
	unlink(p);
	rmdir(gdir);
}

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
	close_graph(g, gdir);
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

#define NTX 150
#define HEADER                                                                                     \
	"hash,nonce,block_number,transaction_index,from_address,to_address,value,gas,gas_price,"   \
	"block_timestamp,receipt_gas_used,receipt_status\n"

/* Transaction i: block i / 4 + 1, position i % 4, between addresses of i. */
static void row(FILE *f, int i)
{
	fprintf(f, "0x%064x,0,%d,%d,0x%040x,0x%040x,%d,21000,1,%d,21000,1\n", i * 7919 + 1,
		i / 4 + 1, i % 4, i % 13 + 1, i % 17 + 100, i + 1, 1600000000 + i / 4);
}

/* Writes the rows i with i % nfiles == k to file k, in the order step gives. */
static void write_files(int nfiles, int backwards, char paths[][128])
{
	for (int k = 0; k < nfiles; k++) {
		snprintf(paths[k], 128, "%s/tx%d.csv", dir, k);
		FILE *f = fopen(paths[k], "w");
		assert_non_null(f);
		fputs(HEADER, f);
		for (int n = 0; n < NTX; n++) {
			int i = backwards ? NTX - 1 - n : n;
			if (i % nfiles == k)
				row(f, i);
		}
		fclose(f);
	}
}

/* Imports the files and prints every transfer, in graph order, into out. */
static void transfers(int nfiles, int backwards, char *out, size_t cap)
{
	char paths[3][128], gdir[128];
	const char *files[3];
	write_files(nfiles, backwards, paths);
	for (int k = 0; k < nfiles; k++)
		files[k] = paths[k];
	snprintf(gdir, sizeof gdir, "%s/g%d%d", dir, nfiles, backwards);
	struct tp_diag d = {0};
	struct tp_trace_import_opts o = {0};
	if (tp_trace_import(gdir, "eth", files, (size_t)nfiles, &o, NULL, &d) != TP_OK)
		fail_msg("import: %s", d.message);
	struct tp_trace_graph *g;
	assert_int_equal(tp_trace_graph_open(gdir, &g, &d), TP_OK);
	size_t n = 0;
	out[0] = '\0';
	for (uint64_t i = 0; i < g->nxfer; i++) {
		const struct tpg_xfer *x = &g->xfer[i];
		char id[70], v[TP_U256_DECSZ];
		struct tp_u256 u;
		tpg_txid_format(g, x->tx, id);
		tpg_xfer_value(g, x, &u);
		tp_u256_format(&u, v);
		n += (size_t)snprintf(out + n, cap - n, "%s %u %s>%s %s\n", id, x->kind,
				      tpg_addr(g, x->from), tpg_addr(g, x->to), v);
		assert_true(n < cap);
	}
	assert_int_equal(g->nxfer, 2 * NTX); /* a fee and a value each */
	close_graph(g, gdir);
	for (int k = 0; k < nfiles; k++)
		unlink(paths[k]);
}

static void test_any_file_order(void **state)
{
	(void)state;
	size_t cap = 2 * NTX * 200;
	char *in_order = malloc(cap), *three = malloc(cap), *back = malloc(cap);
	assert_true(in_order && three && back);
	transfers(1, 0, in_order, cap);
	transfers(3, 0, three, cap);
	transfers(1, 1, back, cap);
	assert_string_equal(three, in_order);
	assert_string_equal(back, in_order);
	free(in_order);
	free(three);
	free(back);
}

int main(void)
{
	assert_non_null(mkdtemp(dir));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values_exact),
		cmocka_unit_test(test_values_bad),
		cmocka_unit_test(test_any_file_order),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(dir);
	return rc;
}
