/* Address labels: TagPacks, CSV, OFAC lists, precedence, the defaults. */
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

static void test_tagpack(void **state)
{
	(void)state;
	struct tp_trace_labels *l;
	struct tp_diag d = {0};
	size_t n = 0;
	const char *name;
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	assert_int_equal(tp_trace_labels_load(l, tp_test_path("data/crypto/graphsense_tagpacks/exchange-wallets-binance.yaml"), &n, &d), TP_OK);
	assert_true(n > 10);
	assert_int_equal(tp_trace_labels_get(l, "btc", "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo", &name), TP_CAT_EXCHANGE);
	assert_string_equal(name, "binance reserve wallets BTC");
	/* Ethereum addresses match whatever their case */
	assert_int_equal(tp_trace_labels_get(l, "eth", "0xBE0EB53F46CD790CD13851D5EFF43D12404D33E8", &name), TP_CAT_EXCHANGE);
	assert_int_equal(tp_trace_labels_get(l, "btc", "1NoSuchAddress", &name), TP_CAT_NONE);
	/* header category + abuse: OFAC Lazarus pack is "user" + "sanction" */
	assert_int_equal(tp_trace_labels_load(l, tp_test_path("data/crypto/graphsense_tagpacks/lazarus.yaml"), &n, &d), TP_OK);
	assert_int_equal(tp_trace_labels_get(l, "btc", "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak", &name), TP_CAT_SANCTIONED);
	assert_string_equal(name, "Lazarus group");
	assert_int_equal(tp_trace_labels_load(l, tp_test_path("data/crypto/graphsense_tagpacks/tornado_cash.yaml"), &n, &d), TP_OK);
	tp_trace_labels_free(l);
}

static void test_csv_ofac_errors(void **state)
{
	(void)state;
	char dir[] = "/tmp/tp_trace_labels_XXXXXX";
	assert_non_null(mkdtemp(dir));
	char p[300];
	struct tp_trace_labels *l;
	struct tp_diag d = {0};
	size_t n;
	const char *name;
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	snprintf(p, sizeof p, "%s/l.csv", dir);
	FILE *f = fopen(p, "w");
	fputs("chain,address,category,name,source\nbtc,1Mix,mixer,\"Mixer, Inc\",x\nbtc,1Mix,theft,thief,y\n", f);
	fclose(f);
	assert_int_equal(tp_trace_labels_load(l, p, &n, &d), TP_OK);
	assert_int_equal(n, 2);
	/* mixer outranks theft: kept */
	assert_int_equal(tp_trace_labels_get(l, "btc", "1Mix", &name), TP_CAT_MIXER);
	assert_string_equal(name, "Mixer, Inc");
	f = fopen(p, "w");
	fputs("chain,address,category,name,source\nbtc,1A,casino,x,y\n", f);
	fclose(f);
	assert_int_equal(tp_trace_labels_load(l, p, &n, &d), TP_EPARSE);
	assert_int_equal(d.line, 2);
	assert_non_null(strstr(d.message, "unknown category 'casino'"));
	snprintf(p, sizeof p, "%s/sanctioned_addresses_ETH.txt", dir);
	f = fopen(p, "w");
	fputs("0xAbC0000000000000000000000000000000000001\n\n", f);
	fclose(f);
	assert_int_equal(tp_trace_labels_load(l, p, &n, &d), TP_OK);
	assert_int_equal(tp_trace_labels_get(l, "eth", "0xabc0000000000000000000000000000000000001", &name), TP_CAT_SANCTIONED);
	snprintf(p, sizeof p, "%s/bad.yaml", dir);
	f = fopen(p, "w");
	fputs("title: x\ntags:\n- address: [unclosed\n", f);
	fclose(f);
	assert_int_equal(tp_trace_labels_load(l, p, &n, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "bad.yaml:"));
	snprintf(p, sizeof p, "%s/notes.txt", dir);
	assert_int_equal(tp_trace_labels_load(l, p, &n, &d), TP_EINVAL);
	/* write and read back */
	snprintf(p, sizeof p, "%s/out.csv", dir);
	f = fopen(p, "w");
	assert_int_equal(tp_trace_labels_write_csv(l, f), TP_OK);
	fclose(f);
	/* ordered by chain, then address, whatever the table's order */
	f = fopen(p, "r");
	char line[512], prev[512] = "";
	assert_non_null(fgets(line, sizeof line, f)); /* the header */
	size_t rows = 0;
	while (fgets(line, sizeof line, f)) {
		char *second = strchr(line, ',');
		assert_non_null(second);
		second = strchr(second + 1, ',');
		assert_non_null(second);
		*second = '\0'; /* "chain,address" */
		assert_true(strcmp(prev, line) < 0);
		snprintf(prev, sizeof prev, "%s", line);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, tp_trace_labels_count(l));
	struct tp_trace_labels *l2;
	assert_int_equal(tp_trace_labels_new(&l2), TP_OK);
	assert_int_equal(tp_trace_labels_load(l2, p, &n, &d), TP_OK);
	assert_int_equal(tp_trace_labels_count(l2), tp_trace_labels_count(l));
	assert_int_equal(tp_trace_labels_get(l2, "btc", "1Mix", &name), TP_CAT_MIXER);
	assert_string_equal(name, "Mixer, Inc");
	tp_trace_labels_free(l2);
	tp_trace_labels_free(l);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_defaults(void **state)
{
	(void)state;
	struct tp_trace_labels *l;
	struct tp_diag d = {0};
	size_t n;
	const char *name;
	setenv("TRIPACT_DATA_DIR", tp_test_path("data"), 1);
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	if (tp_trace_labels_load_defaults(l, &n, &d) != TP_OK)
		fail_msg("%s", d.message);
	assert_true(n > 1000);
	/* an OFAC-listed Lazarus address: sanctioned */
	assert_int_equal(tp_trace_labels_get(l, "btc", "134r8iHv69xdT6p5qVKTsHrcUEuBVZAYak", &name), TP_CAT_SANCTIONED);
	assert_int_equal(tp_trace_labels_get(l, "btc", "34xp4vRoCGJym3xR7yCVPFHoCNxv4Twseo", &name), TP_CAT_EXCHANGE);
	tp_trace_labels_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tagpack),
		cmocka_unit_test(test_csv_ofac_errors),
		cmocka_unit_test(test_defaults),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
