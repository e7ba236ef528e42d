/*
 * The tracer's label lookup (labels.h): for every address it must answer
 * what tp_trace_labels_get answers (category and label text), whatever
 * the case of a 0x address or of the chain, for keys too long to be
 * stored, and for a table grown past its first size.
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

#include "trace/labels.h"

static struct tp_trace_labels *load(const char *csv)
{
	char p[] = "/tmp/tp_label_lookup_XXXXXX.csv";
	int fd = mkstemps(p, 4);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(csv, f);
	fclose(f);
	struct tp_trace_labels *l;
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	enum tp_err e = tp_trace_labels_load(l, p, NULL, &d);
	unlink(p);
	if (e != TP_OK)
		fail_msg("%s", d.message);
	return l;
}

/* tpl_get and tp_trace_labels_get agree on address; returns the category. */
static enum tp_label_cat both(const struct tp_trace_labels *l, const char *chain,
			      const char *address)
{
	struct tpl_chain c;
	const char *n1 = NULL, *n2 = NULL;
	tpl_chain_init(&c, chain);
	enum tp_label_cat a = tp_trace_labels_get(l, chain, address, &n1);
	enum tp_label_cat b = tpl_get(l, &c, address, &n2);
	assert_int_equal(a, b);
	if (a != TP_CAT_NONE)
		assert_string_equal(n1, n2);
	return b;
}

static void test_agrees(void **state)
{
	(void)state;
	struct tp_trace_labels *l = load("chain,address,category,name,source\n"
					 "btc,1Exchange,exchange,Ex,s\n"
					 "btc,1exchange,mixer,lower,s\n"
					 "eth,0xAbCdEf0123,service,Svc,s\n"
					 "ETH,0xFFFF,theft,thief,s\n"
					 "bsc,0xAbCdEf0123,bridge,Br,s\n");
	assert_int_equal(both(l, "btc", "1Exchange"), TP_CAT_EXCHANGE);
	/* only 0x addresses fold case */
	assert_int_equal(both(l, "btc", "1exchange"), TP_CAT_MIXER);
	assert_int_equal(both(l, "btc", "1EXCHANGE"), TP_CAT_NONE);
	assert_int_equal(both(l, "eth", "0xabcdef0123"), TP_CAT_SERVICE);
	assert_int_equal(both(l, "eth", "0XABCDEF0123"), TP_CAT_SERVICE);
	assert_int_equal(both(l, "Eth", "0xffff"), TP_CAT_THEFT);
	assert_int_equal(both(l, "bsc", "0xabcdef0123"), TP_CAT_BRIDGE);
	/* the same address on another chain, prefixes, extensions */
	assert_int_equal(both(l, "ltc", "1Exchange"), TP_CAT_NONE);
	assert_int_equal(both(l, "btc", "1Exchang"), TP_CAT_NONE);
	assert_int_equal(both(l, "btc", "1Exchangee"), TP_CAT_NONE);
	assert_int_equal(both(l, "eth", "0x"), TP_CAT_NONE);
	assert_int_equal(both(l, "eth", "0"), TP_CAT_NONE);
	assert_int_equal(both(l, "eth", ""), TP_CAT_NONE);
	/* a key longer than any stored one is no label, not a read past it */
	char longest[1200];
	memset(longest, 'a', sizeof longest - 1);
	longest[sizeof longest - 1] = '\0';
	assert_int_equal(both(l, "btc", longest), TP_CAT_NONE);
	tp_trace_labels_free(l);
}

static void test_many(void **state)
{
	(void)state;
	/* enough labels to grow the table several times */
	size_t cap = 1 << 20, n = 0;
	char *csv = malloc(cap);
	assert_non_null(csv);
	n += (size_t)snprintf(csv + n, cap - n, "chain,address,category,name,source\n");
	for (int i = 0; i < 5000; i++)
		n += (size_t)snprintf(csv + n, cap - n, "eth,0x%040X,exchange,ex%d,s\n", i * 7, i);
	struct tp_trace_labels *l = load(csv);
	free(csv);
	int found = 0;
	for (int i = 0; i < 35000; i++) {
		char a[64];
		snprintf(a, sizeof a, "0x%040x", i);
		found += both(l, "eth", a) == TP_CAT_EXCHANGE;
	}
	assert_int_equal(found, 5000);
	tp_trace_labels_free(l);
}

static void test_no_labels(void **state)
{
	(void)state;
	struct tpl_chain c;
	tpl_chain_init(&c, "btc");
	assert_int_equal(tpl_get(NULL, &c, "1A", NULL), TP_CAT_NONE);
	struct tp_trace_labels *l;
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	assert_int_equal(tpl_get(l, &c, "1A", NULL), TP_CAT_NONE);
	tp_trace_labels_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agrees),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_no_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
