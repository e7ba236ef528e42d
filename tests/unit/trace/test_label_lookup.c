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

/*
 * Addresses are hashed 8 bytes at a time, 0x ones lower-cased 8 at a
 * time: every length around a word's end, every byte value, and keys
 * that differ in one byte only (they share most words, and some share
 * a probe chain) are each found, and found only as themselves.
 */
static void test_words(void **state)
{
	(void)state;
	size_t cap = 1 << 20, n = 0;
	char *csv = malloc(cap);
	assert_non_null(csv);
	n += (size_t)snprintf(csv + n, cap - n, "chain,address,category,name,source\n");
	/* btc: 1..40 characters; eth: 0x then 1..38 */
	for (int len = 1; len <= 40; len++)
		n += (size_t)snprintf(csv + n, cap - n, "btc,%.*s,mixer,m%d,s\neth,0x%.*s,theft,t%d,s\n",
				      len, "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789Zz", len, len - 2,
				      "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789Zz", len);
	/* every byte a CSV field can hold, after 0x and at each place in a word */
	for (int b = 0x21; b <= 0xff; b++)
		if (b != ',' && b != '"' && b != '#')
			n += (size_t)snprintf(csv + n, cap - n, "eth,0x1234%c56,service,b%d,s\n", b, b);
	struct tp_trace_labels *l = load(csv);
	free(csv);
	for (int len = 1; len <= 40; len++) {
		char a[64], b[64];
		snprintf(a, sizeof a, "%.*s", len, "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789Zz");
		assert_int_equal(both(l, "btc", a), TP_CAT_MIXER);
		if (len > 2) {
			snprintf(b, sizeof b, "0x%.*s", len - 2, "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789Zz");
			assert_int_equal(both(l, "eth", b), TP_CAT_THEFT);
			for (size_t i = 2; b[i]; i++) /* 0x addresses fold case */
				b[i] = (char)(b[i] ^ (b[i] >= 'A' ? 0x20 : 0));
			assert_int_equal(both(l, "eth", b), TP_CAT_THEFT);
		}
		/* one byte changed, wherever it is in its word: no label */
		for (int i = 0; i < len; i++) {
			strcpy(b, a);
			b[i] = b[i] == '~' ? '}' : '~';
			assert_int_equal(both(l, "btc", b), TP_CAT_NONE);
		}
		/* other addresses fold no case */
		for (int i = 0; i < len; i++) {
			strcpy(b, a);
			if (b[i] >= 'A' && b[i] <= 'Z') {
				b[i] = (char)(b[i] + 32);
				assert_int_equal(both(l, "btc", b), TP_CAT_NONE);
			}
		}
	}
	for (int b = 0x21; b <= 0xff; b++) {
		if (b == ',' || b == '"' || b == '#')
			continue;
		char a[16], name[16];
		const char *got = NULL;
		snprintf(a, sizeof a, "0x1234%c56", b);
		snprintf(name, sizeof name, "b%d", b);
		int folded = b >= 'a' && b <= 'z' ? b - 32 : b; /* its upper case, if a letter */
		enum tp_label_cat want = TP_CAT_SERVICE;
		assert_int_equal(both(l, "eth", a), want);
		struct tpl_chain c;
		tpl_chain_init(&c, "eth");
		assert_int_equal(tpl_get(l, &c, a, &got), want);
		/* 0x addresses are stored lower case: a lower-case letter
		 * finds the label of its upper case, added first */
		if (!(b >= 'a' && b <= 'z'))
			assert_string_equal(got, name);
		a[6] = (char)folded;
		assert_int_equal(both(l, "eth", a), want);
		/* a byte no label holds there */
		a[6] = (char)0x20;
		assert_int_equal(both(l, "eth", a), TP_CAT_NONE);
	}
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
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_no_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
