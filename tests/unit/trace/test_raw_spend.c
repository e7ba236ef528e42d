/*
 * The spend index doubles its table in place (raw_spend.c): every
 * transaction with an output left must stay findable with its values and
 * the outputs taken so far, a fully spent one must be gone, through growth
 * after growth, including runs that wrap around the end of the table
 * before and after doubling; a table of its own (no reserved mapping) must
 * still grow by copying, and what the index cannot hold is left out. The
 * deferred spent-by stores (tpi_spent_log) must leave a column as direct
 * stores would.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "trace/raw_spend.h"

#define FIRST_CAP ((uint64_t)1 << 16) /* the first table's slots */

/* Entry k: a transaction of nout(k) outputs from graph index 16 k on, the
 * first two worth k + 11 and k + 12; every seventh has more outputs than
 * a slot has bits. */
static void key(uint32_t k, uint8_t txid[32])
{
	memset(txid, 0, 32);
	memcpy(txid, &k, sizeof k);
	txid[31] = 0x5a;
}

static uint32_t nout(uint32_t k)
{
	return k % 7 == 6 ? 12 : 1 + k % 3;
}

struct ref {
	uint64_t *hash; /* by entry */
	uint8_t *live;	/* outputs not taken: taken in order, 0 .. nout - live - 1 */
	uint32_t n;
};

static void add(struct tpi_spend *s, struct ref *r, uint32_t k, uint64_t hash)
{
	uint8_t id[32];
	key(k, id);
	assert_int_equal(tpi_spend_add(s, hash, id, (uint64_t)k * 16, nout(k), (uint64_t)k + 11,
				       (uint64_t)k + 12),
			 TP_OK);
	r->hash[k] = hash;
	r->live[k] = (uint8_t)nout(k);
}

/* Adds entry k under its real hash. */
static void add_hashed(struct tpi_spend *s, struct ref *r, uint32_t k)
{
	uint8_t id[32];
	key(k, id);
	add(s, r, k, tpi_spend_hash(id));
}

/* Takes entry k's next output (it must have one left). */
static void take(struct tpi_spend *s, struct ref *r, uint32_t k)
{
	uint8_t id[32];
	key(k, id);
	assert_true(r->live[k] > 0);
	tpi_spend_take(s, r->hash[k], id, nout(k) - r->live[k]);
	r->live[k]--;
}

/* Every transaction with an output left is found with its values and the
 * outputs taken so far; the others are not. */
static void check(const struct tpi_spend *s, const struct ref *r)
{
	uint64_t live = 0;
	for (uint32_t k = 0; k < r->n; k++) {
		uint8_t id[32];
		key(k, id);
		const struct tpi_spend_slot *u = tpi_spend_find(s, r->hash[k], id);
		if (!r->live[k]) {
			assert_null(u);
			continue;
		}
		assert_non_null(u);
		assert_int_equal(tpi_spend_first(u), (uint64_t)k * 16);
		assert_int_equal(tpi_spend_nout(u), nout(k));
		assert_int_equal(u->live & TPI_SPEND_LIVE, r->live[k]);
		assert_int_equal(u->value[0], (uint64_t)k + 11);
		if (nout(k) > 1)
			assert_int_equal(u->value[1], (uint64_t)k + 12);
		for (uint32_t v = 0; v < nout(k); v++)
			assert_int_equal(tpi_spend_taken(s, u, v), v < nout(k) - r->live[k]);
		live++;
	}
	assert_int_equal(s->n, live);
}

static void ref_init(struct ref *r, uint32_t n)
{
	r->hash = calloc(n, sizeof *r->hash);
	r->live = calloc(n, 1);
	r->n = n;
	assert_non_null(r->hash);
	assert_non_null(r->live);
}

static void ref_free(struct ref *r)
{
	free(r->hash);
	free(r->live);
}

/*
 * Runs at the end of the table: entries homed at the last slot wrap to the
 * start before doubling and, homed at the doubled table's last slot, run
 * off its end after it; entries homed at the first slots sit in their way.
 */
static void test_wrapping_runs_survive_doubling(void **state)
{
	(void)state;
	struct tpi_spend s = {0};
	struct ref r;
	const uint32_t n = 200000;
	ref_init(&r, n);
	uint32_t k = 0;
	for (; k < 60; k++) /* old home cap - 1, new home 2 cap - 1 */
		add(&s, &r, k, (uint64_t)k << 40 | (2 * FIRST_CAP - 1));
	for (; k < 90; k++) /* old and new home cap - 1 */
		add(&s, &r, k, (uint64_t)k << 40 | (FIRST_CAP - 1));
	for (; k < 130; k++) /* homes 0 and 1, new homes 0 and cap + 1 */
		add(&s, &r, k, (uint64_t)k << 40 | (k % 2 ? FIRST_CAP + 1 : 2 * FIRST_CAP));
	for (; s.cap == FIRST_CAP || k < 1000; k++)
		add_hashed(&s, &r, k);
	assert_int_equal(s.cap, 2 * FIRST_CAP);
	check(&s, &r);
	/* and once more, after taking some of each kind: an output of every
	 * other transaction, every output of every fifth */
	for (uint32_t j = 0; j < k; j += 2)
		take(&s, &r, j);
	for (uint32_t j = 0; j < k; j += 5)
		while (r.live[j])
			take(&s, &r, j);
	check(&s, &r);
	for (; s.cap == 2 * FIRST_CAP; k++)
		add_hashed(&s, &r, k);
	check(&s, &r);
	tpi_spend_free(&s);
	ref_free(&r);
}

/* Adds and takes at random through four doublings, checked after each. */
static void test_random_adds_and_takes(void **state)
{
	(void)state;
	struct tpi_spend s = {0};
	struct ref r;
	const uint32_t n = 600000;
	ref_init(&r, n);
	uint64_t x = 0x9e3779b97f4a7c15ULL, cap = 0;
	int growths = 0;
	for (uint32_t k = 0; k < n; k++) {
		add_hashed(&s, &r, k);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		uint32_t j = (uint32_t)(x >> 20) % (k + 1);
		if (x % 2 == 0 && r.live[j]) /* half the time, spend an earlier output */
			take(&s, &r, j);
		if (s.cap != cap) {
			cap = s.cap;
			growths++;
			check(&s, &r);
		}
	}
	assert_true(growths >= 4);
	check(&s, &r);
	tpi_spend_free(&s);
	assert_null(s.slot);
	ref_free(&r);
}

/*
 * The index doubles past one half full: the entry that makes it half full
 * leaves the table as it is, the next one doubles it, and every entry is
 * still found after.
 */
static void test_grows_past_one_half(void **state)
{
	(void)state;
	struct tpi_spend s = {0};
	struct ref r;
	const uint32_t n = (uint32_t)(FIRST_CAP / 2) + 1;
	ref_init(&r, n);
	uint32_t k = 0;
	for (; k < n - 1; k++)
		add_hashed(&s, &r, k);
	assert_int_equal(s.cap, FIRST_CAP);
	assert_int_equal(s.n, FIRST_CAP / 2);
	check(&s, &r);
	add_hashed(&s, &r, k);
	assert_int_equal(s.cap, 2 * FIRST_CAP);
	check(&s, &r);
	tpi_spend_free(&s);
	ref_free(&r);
}

/* A transaction the index cannot hold is left out, for the graph to answer. */
static void test_left_out(void **state)
{
	(void)state;
	struct tpi_spend s = {0};
	uint8_t a[32], b[32], c[32], d[32], e[32];
	key(1, a), key(2, b), key(3, c), key(4, d), key(5, e);
	assert_int_equal(tpi_spend_add(&s, tpi_spend_hash(a), a, 100, 2, 5, 6), TP_OK);
	assert_int_equal(tpi_spend_add(&s, tpi_spend_hash(b), b, 102, 0, 0, 0), TP_OK);
	assert_int_equal(tpi_spend_add(&s, tpi_spend_hash(c), c, 102, TPI_SPEND_NOUT_MAX + 1, 1, 1),
			 TP_OK);
	assert_int_equal(tpi_spend_add(&s, tpi_spend_hash(d), d, TPI_SPEND_FIRST_MAX, 2, 1, 1),
			 TP_OK);
	/* past the slot's bits: the bitmap starts here, and nothing before it is held */
	assert_int_equal(tpi_spend_add(&s, tpi_spend_hash(e), e, 200, 12, 1, 1), TP_OK);
	assert_int_equal(tpi_spend_add(&s, tpi_spend_hash(d), d, 99, 1, 1, 1), TP_OK);
	assert_int_equal(s.n, 2);
	tpi_spend_take(&s, tpi_spend_hash(e), e, 11);
	const struct tpi_spend_slot *x = tpi_spend_find(&s, tpi_spend_hash(e), e);
	assert_non_null(x);
	assert_true(tpi_spend_taken(&s, x, 11));
	assert_false(tpi_spend_taken(&s, x, 10));
	assert_int_equal(x->live & TPI_SPEND_LIVE, 11);
	assert_null(tpi_spend_find(&s, tpi_spend_hash(b), b));
	assert_null(tpi_spend_find(&s, tpi_spend_hash(c), c));
	assert_null(tpi_spend_find(&s, tpi_spend_hash(d), d));
	const struct tpi_spend_slot *u = tpi_spend_find(&s, tpi_spend_hash(a), a);
	assert_non_null(u);
	assert_int_equal(tpi_spend_first(u), 100);
	assert_int_equal(tpi_spend_nout(u), 2);
	/* taking from a transaction not held changes nothing */
	tpi_spend_take(&s, tpi_spend_hash(c), c, 1);
	assert_false(tpi_spend_taken(&s, u, 1));
	tpi_spend_take(&s, tpi_spend_hash(a), a, 1);
	assert_true(tpi_spend_taken(&s, u, 1));
	assert_false(tpi_spend_taken(&s, u, 0));
	assert_int_equal(s.n, 2);
	tpi_spend_take(&s, tpi_spend_hash(a), a, 0);
	assert_int_equal(s.n, 1);
	assert_null(tpi_spend_find(&s, tpi_spend_hash(a), a));
	tpi_spend_free(&s);
}

/* A table of its own, with no room reserved after it, grows into a copy. */
static void test_own_table_grows_by_copying(void **state)
{
	(void)state;
	struct tpi_spend s = {0};
	struct ref r;
	const uint32_t n = 100000;
	ref_init(&r, n);
	s.slot = tpi_table_alloc(FIRST_CAP * sizeof *s.slot);
	assert_non_null(s.slot);
	s.cap = FIRST_CAP;
	assert_false(tpi_spend_grows_in_place(&s));
	for (uint32_t k = 0; k < n; k++)
		add_hashed(&s, &r, k);
	assert_int_equal(s.cap, 4 * FIRST_CAP);
	assert_int_equal(s.reserved, 0);
	check(&s, &r);
	tpi_spend_free(&s);
	ref_free(&r);
}

/*
 * Deferred spent-by stores: notes made in batches, with the log full,
 * applied and grown again and again, leave the column exactly as storing
 * each at once would; an output past 32 bits is refused, not noted.
 */
static void test_spent_log_matches_direct_stores(void **state)
{
	(void)state;
	const uint64_t ncol = 3000001; /* not a power of two: the last group is partial */
	uint32_t *col = malloc(ncol * sizeof *col), *want = malloc(ncol * sizeof *want);
	assert_non_null(col);
	assert_non_null(want);
	memset(col, 0xff, ncol * sizeof *col);
	memset(want, 0xff, ncol * sizeof *want);
	struct tpi_spent_log l = {0};
	assert_int_equal(tpi_spent_note(&l, 0, 1), 0); /* no room yet */
	uint64_t x = 12345;
	size_t applied = 0;
	for (uint32_t tx = 0; tx < 2000000; tx++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t o = (x >> 20) % ncol;
		want[o] = tx; /* an output noted twice: the later note wins */
		if (!tpi_spent_note(&l, o, tx)) {
			size_t cap = l.cap;
			tpi_spent_apply(&l, col, ncol);
			assert_int_equal(l.n, 0);
			assert_true(l.cap > cap || cap == (size_t)1 << 22);
			applied++;
			assert_int_equal(tpi_spent_note(&l, o, tx), 1);
		}
	}
	assert_true(applied >= 5);
	assert_int_equal(tpi_spent_note(&l, (uint64_t)1 << 32, 7), 0);
	tpi_spent_apply(&l, col, ncol);
	assert_memory_equal(col, want, ncol * sizeof *col);
	/* a small column: one group an output */
	assert_int_equal(tpi_spent_note(&l, 5, 9), 1);
	assert_int_equal(tpi_spent_note(&l, 2, 8), 1);
	tpi_spent_apply(&l, col, 6);
	assert_int_equal(col[5], 9);
	assert_int_equal(col[2], 8);
	tpi_spent_free(&l);
	assert_null(l.e);
	free(col);
	free(want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrapping_runs_survive_doubling),
		cmocka_unit_test(test_random_adds_and_takes),
		cmocka_unit_test(test_grows_past_one_half),
		cmocka_unit_test(test_left_out),
		cmocka_unit_test(test_own_table_grows_by_copying),
		cmocka_unit_test(test_spent_log_matches_direct_stores),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
