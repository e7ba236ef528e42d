/*
 * The account engine's event queue (taint_account.c) keeps a later
 * bucket's events a few to a node: many pools whose next sends fall in
 * the same later buckets must each be replayed once, none lost or
 * repeated, whatever the order they were queued in.
 *
 * The chain: the seed S is paid, pays 40 addresses A_i (transfers 1..40), 100
 * unrelated transfers follow, then each A_i passes all it got on to its
 * own B_i, in an order unlike the one they were paid in, over several
 * buckets of 64 transfers. Under haircut each B_i then holds what A_i
 * got, 2 hops from S.
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

#include "tripact/trace.h"

#define PAID 40
#define FILLER 100

static void addr(char *out, char kind, int i)
{
	snprintf(out, 43, "0x%c%039d", kind, i);
}

static void tx(FILE *f, int *n, const char *from, const char *to, int value)
{
	fprintf(f, "0x%064d,0,%d,0,%s,%s,%d,21000,0,%d,21000,1\n", *n, 100 + *n, from, to, value,
		1600000000 + 12 * *n);
	(*n)++;
}

static void test_many_in_a_bucket(void **state)
{
	(void)state;
	char dir[] = "/tmp/tp_taint_queue_XXXXXX", csv[64], graph[64];
	assert_non_null(mkdtemp(dir));
	snprintf(csv, sizeof csv, "%s/tx.csv", dir);
	snprintf(graph, sizeof graph, "%s/g", dir);
	FILE *f = fopen(csv, "w");
	assert_non_null(f);
	fputs("hash,nonce,block_number,transaction_index,from_address,to_address,value,gas,"
	      "gas_price,block_timestamp,receipt_gas_used,receipt_status\n",
	      f);
	char s[43], a[43], b[43], x[43], y[43];
	int n = 0;
	addr(s, 'c', 0);
	addr(x, 'f', 0);
	tx(f, &n, x, s, PAID * 1000 + PAID * (PAID - 1) / 2); /* what S is seeded with */
	for (int i = 0; i < PAID; i++) {
		addr(a, 'a', i);
		tx(f, &n, s, a, 1000 + i);
	}
	addr(x, 'd', 0);
	addr(y, 'e', 0);
	for (int i = 0; i < FILLER; i++)
		tx(f, &n, x, y, 1);
	for (int k = 0; k < PAID; k++) {
		int i = (k * 17 + 5) % PAID; /* 17 and 40 share no factor */
		addr(a, 'a', i);
		addr(b, 'b', i);
		tx(f, &n, a, b, 1000 + i);
	}
	fclose(f);

	struct tp_diag d = {0};
	const char *files[] = {csv};
	if (tp_trace_import(graph, "eth", files, 1, NULL, NULL, &d) != TP_OK)
		fail_msg("import: %s", d.message);
	struct tp_trace_graph *g;
	struct tp_trace_labels *l;
	assert_int_equal(tp_trace_graph_open(graph, &g, &d), TP_OK);
	assert_int_equal(tp_trace_labels_new(&l), TP_OK);
	struct tp_trace_seed seed = {.kind = TP_SEED_ADDRESS, .address = s};
	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT};
	struct tp_trace_result *r;
	if (tp_trace_run(g, l, &seed, 1, &o, &r, &d) != TP_OK)
		fail_msg("run: %s", d.message);

	int seen[PAID] = {0};
	for (size_t k = 0; k < tp_trace_result_count(r); k++) {
		struct tp_trace_endpoint e;
		tp_trace_result_endpoint(r, k, &e);
		if (tp_u256_is_zero(&e.amount))
			continue;
		assert_true(e.address[2] == 'b');
		int i = atoi(e.address + 3);
		assert_true(i >= 0 && i < PAID);
		seen[i]++;
		struct tp_u256 want;
		tp_u256_from_u64(&want, (uint64_t)(1000 + i));
		assert_int_equal(tp_u256_cmp(&e.amount, &want), 0);
		assert_int_equal(e.hops, 2);
	}
	for (int i = 0; i < PAID; i++)
		assert_int_equal(seen[i], 1);
	assert_true(tp_trace_result_conserved(r));

	tp_trace_result_free(r);
	tp_trace_labels_free(l);
	tp_trace_graph_free(g);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many_in_a_bucket),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
