/*
 * Importing chain exports: good input round-trips, bad input is a clear
 * error naming file and line (or is counted under skip_bad), appends
 * must be newer, and a damaged graph file is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tp_test.h"
#include "tripact/trace.h"

static char scratch[] = "/tmp/tp_trace_import_XXXXXX";
static int seq;

#define H1 "0101010101010101010101010101010101010101010101010101010101010101"
#define H2 "0202020202020202020202020202020202020202020202020202020202020202"
#define H3 "0303030303030303030303030303030303030303030303030303030303030303"
#define CB(h, b, addr, v)                                                                          \
	"{\"hash\":\"" h "\",\"block_number\":" #b ",\"block_timestamp\":" #b                        \
	"000,\"is_coinbase\":true,\"inputs\":[],\"outputs\":[{\"index\":0,\"addresses\":[\"" addr   \
	"\"],\"value\":" #v "}]}\n"
#define SPEND(h, b, sh, si, addr, v)                                                               \
	"{\"hash\":\"" h "\",\"block_number\":" #b ",\"block_timestamp\":" #b                        \
	"000,\"inputs\":[{\"spent_transaction_hash\":\"" sh "\",\"spent_output_index\":" #si          \
	"}],\"outputs\":[{\"index\":0,\"addresses\":[\"" addr "\"],\"value\":" #v "}]}\n"

static const char *write_tmp(const char *name, const char *text)
{
	static char path[8][4200];
	char *p = path[seq++ % 8];
	snprintf(p, sizeof path[0], "%s/%s", scratch, name);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return p;
}

static const char *newdir(void)
{
	static char dir[4200];
	snprintf(dir, sizeof dir, "%s/g%d", scratch, seq++);
	return dir;
}

/* Imports text as one file; returns the error, d gets the message. */
static enum tp_err imp(const char *chain, const char *name, const char *text, int skip,
		       struct tp_trace_import_stats *st, struct tp_diag *d)
{
	const char *f = write_tmp(name, text);
	struct tp_trace_import_opts o = {.skip_bad = skip};
	memset(d, 0, sizeof *d);
	return tp_trace_import(newdir(), chain, &f, 1, &o, st, d);
}

static void expect_error(const char *chain, const char *name, const char *text, enum tp_err code,
			 const char *needle, long line)
{
	struct tp_diag d;
	enum tp_err e = imp(chain, name, text, 0, NULL, &d);
	if (e != code || !strstr(d.message, needle) || (line && d.line != line))
		fail_msg("expected %s with '%s' at line %ld, got %s: %s (line %ld)", tp_strerror(code),
			 needle, line, tp_strerror(e), d.message, d.line);
	/* the message names the file and the line */
	char where[64];
	snprintf(where, sizeof where, "%s:%ld:", name, line);
	if (line && !strstr(d.message, where))
		fail_msg("message does not say where: %s", d.message);
}

static void test_utxo_bad(void **state)
{
	(void)state;
	expect_error("btc", "unsorted.json", CB(H1, 5, "1A", 100) CB(H2, 4, "1B", 100), TP_EPARSE,
		     "sorted by block", 2);
	expect_error("btc", "dup.json", CB(H1, 1, "1A", 100) CB(H1, 2, "1B", 100), TP_EEXIST,
		     "duplicate transaction", 2);
	expect_error("btc", "unknown.json", CB(H1, 1, "1A", 100) SPEND(H2, 2, H3, 0, "1B", 50),
		     TP_ENOTFOUND, "unknown output", 2);
	expect_error("btc", "badindex.json", CB(H1, 1, "1A", 100) SPEND(H2, 2, H1, 1, "1B", 50),
		     TP_ENOTFOUND, "unknown output", 2);
	expect_error("btc", "double.json",
		     CB(H1, 1, "1A", 100) SPEND(H2, 2, H1, 0, "1B", 50) SPEND(H3, 3, H1, 0, "1C", 50),
		     TP_ECONFLICT, "already spent", 3);
	expect_error("btc", "neg.json", CB(H1, 1, "1A", -5), TP_EPARSE, "value must be", 1);
	expect_error("btc", "real.json", CB(H1, 1, "1A", 1.5), TP_EPARSE, "value must be", 1);
	expect_error("btc", "huge.json", CB(H1, 1, "1A", 99999999999999999999), TP_EPARSE,
		     "not a JSON object", 1);
	expect_error("btc", "more.json", CB(H1, 1, "1A", 100) SPEND(H2, 2, H1, 0, "1B", 150),
		     TP_EVALIDATE, "exceed inputs", 2);
	expect_error("btc", "garbage.json", CB(H1, 1, "1A", 100) "{not json\n", TP_EPARSE,
		     "not a JSON object", 2);
	expect_error("btc", "nohash.json", "{\"block_number\":1}\n", TP_EPARSE, "hash", 1);
	expect_error("btc", "badhash.json",
		     CB("0g01010101010101010101010101010101010101010101010101010101010101", 1, "1A",
			100),
		     TP_EPARSE, "64-digit hex", 1);
	expect_error("btc", "badspent.json", CB(H1, 1, "1A", 100) SPEND(H2, 2, "0101", 0, "1B", 50),
		     TP_EPARSE, "inputs[0] needs spent_transaction_hash", 2);
	/* more lines than are scanned ahead, blank ones among them: still the right line */
	expect_error("btc", "long.json",
		     CB(H1, 1, "1A", 100) "\n\n\n" CB(H2, 1, "1B", 100) "\n\n" SPEND(
			     H3, 2, H1, 0, "1C", 100) "\n\n" CB(H2, 3, "1D", 5) CB(H1, 4, "1E", 5),
		     TP_EEXIST, "duplicate transaction " H2, 11);
}

static void test_utxo_skip_bad(void **state)
{
	(void)state;
	struct tp_diag d;
	struct tp_trace_import_stats st;
	enum tp_err e = imp("btc", "skip.json",
			    CB(H1, 1, "1A", 100) "{oops\n" SPEND(H2, 2, H3, 0, "1B", 50)
				    SPEND(H3, 3, H1, 0, "1C", 90),
			    1, &st, &d);
	assert_int_equal(e, TP_OK);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(st.txs, 2);
	assert_non_null(strstr(st.first_skip, "skip.json:2:"));
}

static void test_utxo_append(void **state)
{
	(void)state;
	const char *dir = newdir();
	const char *a = write_tmp("a.json", CB(H1, 1, "1A", 100));
	const char *b = write_tmp("b.json", SPEND(H2, 2, H1, 0, "1B", 90));
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_import(dir, "btc", &a, 1, NULL, NULL, &d), TP_OK);
	assert_int_equal(tp_trace_import(dir, "btc", &b, 1, NULL, NULL, &d), TP_OK);
	/* the same blocks again: not newer */
	assert_int_equal(tp_trace_import(dir, "btc", &b, 1, NULL, NULL, &d), TP_ECONFLICT);
	assert_non_null(strstr(d.message, "not newer"));
	/* another chain into the same directory */
	assert_int_equal(tp_trace_import(dir, "eth", &b, 1, NULL, NULL, &d), TP_ECONFLICT);
	struct tp_trace_graph *g;
	assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_OK);
	struct tp_trace_graph_info i;
	tp_trace_graph_info(g, &i);
	assert_int_equal(i.txs, 2);
	assert_int_equal(i.inputs, 1);
	assert_int_equal(i.outputs, 2);
	assert_int_equal(i.last_block, 2);
	/* the spend crosses the two imports: trace through it */
	struct tp_trace_seed s = {.kind = TP_SEED_ADDRESS, .address = "1A"};
	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT};
	struct tp_trace_result *r;
	assert_int_equal(tp_trace_run(g, NULL, &s, 1, &o, &r, &d), TP_OK);
	struct tp_trace_totals t;
	tp_trace_result_totals(r, &t);
	uint64_t fees, held;
	assert_true(tp_u256_to_u64(&t.fees, &fees) && fees == 10);
	assert_true(tp_u256_to_u64(&t.held, &held) && held == 90);
	tp_trace_result_free(r);
	tp_trace_graph_free(g);

	/* a damaged file is refused, not read */
	char path[4300];
	snprintf(path, sizeof path, "%s/graph.tpg", dir);
	assert_int_equal(truncate(path, 200), 0);
	assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "damaged"));
}

/* Transaction id k: its first bytes differ (the table hashes those). */
#define TXID_K(k) (unsigned long long)((uint64_t)(k) * 0x9e3779b97f4a7c15ULL), (k)

/* Appends n lines to buf (at *len): tx first + k spends tx spent + k
 * (spent > 0) or mints (spent 0), paying address "A<addr + k>". */
static void add_lines(char *buf, size_t *len, size_t cap, int first, int n, int spent, int addr,
		      int block)
{
	for (int k = 0; k < n; k++) {
		if (!spent)
			*len += (size_t)snprintf(
				buf + *len, cap - *len,
				"{\"hash\":\"%016llx%048x\",\"block_number\":%d,\"block_timestamp\":%d,"
				"\"is_coinbase\":true,\"inputs\":[],\"outputs\":[{\"index\":0,"
				"\"addresses\":[\"A%d\"],\"value\":100}]}\n",
				TXID_K(first + k), block, block, addr + k);
		else
			*len += (size_t)snprintf(
				buf + *len, cap - *len,
				"{\"hash\":\"%016llx%048x\",\"block_number\":%d,\"block_timestamp\":%d,"
				"\"inputs\":[{\"spent_transaction_hash\":\"%016llx%048x\","
				"\"spent_output_index\":0,\"value\":100}],\"outputs\":[{\"index\":0,"
				"\"addresses\":[\"A%d\"],\"value\":90}]}\n",
				TXID_K(first + k), block, block, TXID_K(spent + k), addr + k);
		assert_true(*len < cap);
	}
}

/* The counts of the graph in dir (i->chain is not kept). */
static void graph_counts(const char *dir, struct tp_trace_graph_info *i)
{
	struct tp_diag d = {0};
	struct tp_trace_graph *g;
	if (tp_trace_graph_open(dir, &g, &d) != TP_OK)
		fail_msg("%s", d.message);
	tp_trace_graph_info(g, i);
	i->chain = NULL;
	tp_trace_graph_free(g);
}

/*
 * An append large enough that the hash tables of the graph it opened are
 * used untagged, then tagged (after an eighth more transactions), then
 * grown: every spend, reused address and duplicate is still found.
 */
static void test_utxo_append_grows_tables(void **state)
{
	(void)state;
	size_t cap = 4u << 20, len = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	const char *dir = newdir();
	add_lines(buf, &len, cap, 1, 1200, 0, 0, 1); /* A0 .. A1199 */
	const char *a = write_tmp("grow_a.json", buf);
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_import(dir, "btc", &a, 1, NULL, NULL, &d), TP_OK);
	/* 2200 more: spends of all 1200, half of them to addresses seen
	 * before (A600 .. A1199 again), then 1000 coinbases to new ones; the
	 * tags come at 1350 transactions, the tables grow at 2048 */
	len = 0;
	add_lines(buf, &len, cap, 100001, 1200, 1, 600, 2);
	add_lines(buf, &len, cap, 101201, 1000, 0, 5000, 3);
	size_t good = len;
	/* a duplicate of the first import's last transaction */
	add_lines(buf, &len, cap, 1200, 1, 0, 9000, 4);
	const char *b = write_tmp("grow_b.json", buf);
	assert_int_equal(tp_trace_import(dir, "btc", &b, 1, NULL, NULL, &d), TP_EEXIST);
	if (!strstr(d.message, "grow_b.json:2201:") || !strstr(d.message, "duplicate"))
		fail_msg("%s", d.message);
	/* without it: imported, and the addresses seen before were not added twice */
	buf[good] = '\0';
	b = write_tmp("grow_b.json", buf);
	if (tp_trace_import(dir, "btc", &b, 1, NULL, NULL, &d) != TP_OK)
		fail_msg("%s", d.message);
	struct tp_trace_graph_info i;
	graph_counts(dir, &i);
	assert_int_equal(i.txs, 3400);
	assert_int_equal(i.inputs, 1200);
	assert_int_equal(i.addresses, 2800);
	/* and a third import finds transactions of both: a spend of the second's last */
	len = 0;
	add_lines(buf, &len, cap, 200001, 1, 102200, 7000, 5);
	add_lines(buf, &len, cap, 101500, 1, 0, 7001, 5);
	const char *c = write_tmp("grow_c.json", buf);
	assert_int_equal(tp_trace_import(dir, "btc", &c, 1, NULL, NULL, &d), TP_EEXIST);
	if (!strstr(d.message, "grow_c.json:2:"))
		fail_msg("%s", d.message);
	free(buf);
}

#define TXH "hash,block_number,transaction_index,from_address,to_address,value,block_timestamp,receipt_gas_used,gas_price,receipt_status\n"
#define A1 "0x1111111111111111111111111111111111111111"
#define A2 "0x2222222222222222222222222222222222222222"
#define E1 "0x" H1

static void test_account_bad(void **state)
{
	(void)state;
	expect_error("eth", "fields.csv", TXH E1 ",1,0," A1 "," A2 ",5,1000\n", TP_EPARSE,
		     "malformed CSV row", 2);
	expect_error("eth", "neg.csv", TXH E1 ",1,0," A1 "," A2 ",-5,1000,1,1,1\n", TP_EPARSE,
		     "not a non-negative integer", 2);
	expect_error("eth", "over.csv",
		     TXH E1 ",1,0," A1 "," A2
			    ",1157920892373161954235709850086879078532699846656405640394575840079131296399360,"
			    "1000,1,1,1\n",
		     TP_EOVERFLOW, "exceeds 2^256", 2);
	expect_error("eth", "addr.csv", TXH E1 ",1,0,0x12," A2 ",5,1000,1,1,1\n", TP_EPARSE,
		     "from address", 2);
	expect_error("eth", "dup.csv",
		     TXH E1 ",1,0," A1 "," A2 ",5,1000,1,1,1\n" E1 ",1,0," A1 "," A2 ",5,1000,1,1,1\n",
		     TP_EEXIST, "duplicate transaction", 3);
	expect_error("eth", "logs.csv", "log_index,transaction_hash,address,data,topics\n", TP_EPARSE,
		     "logs are not imported", 0);
	expect_error("eth", "quote.csv", TXH E1 ",1,0,\"" A1 "," A2 ",5,1000,1,1,1\n", TP_EPARSE,
		     "malformed CSV row", 2);
}

static void test_account_real(void **state)
{
	(void)state;
	/* ethereum-etl JSON lines with a 30-digit token value */
	const char *dir = newdir();
	const char *f[] = {
		tp_test_path("data/crypto/ethereum_etl_blocks_17173049_17173050/expected_transactions.json"),
		tp_test_path("data/crypto/ethereum_etl_blocks_17173049_17173050/expected_token_transfers.json"),
	};
	struct tp_diag d = {0};
	struct tp_trace_import_stats st;
	struct tp_trace_import_opts o = {0};
	if (tp_trace_import(dir, "eth", f, 2, &o, &st, &d) != TP_OK)
		fail_msg("%s", d.message);
	assert_int_equal(st.txs, 298);
	assert_int_equal(st.skipped, 0);
	/* the 150188698577042438264952193024-unit transfer arrives exactly */
	struct tp_trace_graph *g;
	assert_int_equal(tp_trace_graph_open(dir, &g, &d), TP_OK);
	struct tp_trace_seed s = {.kind = TP_SEED_ADDRESS,
				  .address = "0x6b75d8af000000e20b7a7ddf000ba900b4009a80"};
	struct tp_trace_opts opt = {.model = TP_MODEL_FIFO, .max_hops = 1,
				    .asset = "0x1ce270557c1f68cfb577b856766310bf8b47fd9c"};
	struct tp_trace_result *r;
	if (tp_trace_run(g, NULL, &s, 1, &opt, &r, &d) != TP_OK)
		fail_msg("%s", d.message);
	struct tp_trace_totals t;
	tp_trace_result_totals(r, &t);
	char seed[TP_U256_DECSZ];
	tp_u256_format(&t.seed, seed);
	assert_string_equal(seed, "150188698577042438264952193024");
	assert_true(tp_trace_result_conserved(r));
	tp_trace_result_free(r);
	tp_trace_graph_free(g);

	/* GraphSense CSV: scientific-notation values, traces without time */
	dir = newdir();
	const char *gs[] = {
		tp_test_path("data/crypto/graphsense_spark_testdata/account/eth/simple_graph/transactions.csv"),
		tp_test_path("data/crypto/graphsense_spark_testdata/account/eth/simple_graph/traces.csv"),
		tp_test_path("data/crypto/graphsense_spark_testdata/account/eth/simple_graph/blocks.csv"),
	};
	if (tp_trace_import(dir, "eth", gs, 3, &o, &st, &d) != TP_OK)
		fail_msg("%s", d.message);
	assert_int_equal(st.transfers, 109);
}

int main(void)
{
	if (!mkdtemp(scratch))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utxo_bad),	cmocka_unit_test(test_utxo_skip_bad),
		cmocka_unit_test(test_utxo_append),	cmocka_unit_test(test_account_bad),
		cmocka_unit_test(test_account_real),	cmocka_unit_test(test_utxo_append_grows_tables),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	if (system(cmd) != 0 && rc == 0)
		rc = 1;
	return rc;
}
