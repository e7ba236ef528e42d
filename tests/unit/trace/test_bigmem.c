/*
 * The trace's growable arrays (bigmem.h): contents kept while an array
 * grows on the heap, moves into its mapping and outgrows that; fresh
 * arrays read as zeros on either side of the size where they move.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "trace/bigmem.h"

static void test_grow_keeps_contents(void **state)
{
	(void)state;
	uint64_t *a = NULL;
	size_t cap = 0, mapped = 0;
	/* past TPT_BIG_MIN bytes: from the heap into a mapping */
	size_t n = TPT_BIG_MIN / sizeof *a * 3;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tpt_big_grow((void **)&a, &cap, &mapped, i + 1, sizeof *a), TP_OK);
		assert_true(cap > i);
		a[i] = i * 0x9e3779b97f4a7c15ULL;
		if (i * sizeof *a < TPT_BIG_MIN / 2)
			assert_int_equal(mapped, 0);
	}
	assert_true(mapped >= n * sizeof *a);
	assert_int_equal(mapped % (2 << 20), 0);
	for (size_t i = 0; i < n; i++)
		assert_true(a[i] == i * 0x9e3779b97f4a7c15ULL);
	/* beyond the reservation: a bigger mapping, contents copied */
	size_t old = mapped, want = cap + 1;
	assert_int_equal(tpt_big_grow((void **)&a, &cap, &mapped, want, sizeof *a), TP_OK);
	assert_true(mapped > old && cap >= want);
	for (size_t i = 0; i < n; i++)
		assert_true(a[i] == i * 0x9e3779b97f4a7c15ULL);
	a[want - 1] = 7; /* the new room is there */
	tpt_big_free(a, mapped);
}

static void test_zalloc(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 1000, TPT_BIG_MIN - 1, TPT_BIG_MIN, 3 * TPT_BIG_MIN + 5};
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		size_t mapped;
		unsigned char *p = tpt_big_zalloc(sizes[k], 1, &mapped);
		assert_non_null(p);
		assert_int_equal(mapped != 0, sizes[k] >= TPT_BIG_MIN);
		for (size_t i = 0; i < sizes[k]; i += 4093)
			assert_int_equal(p[i], 0);
		assert_int_equal(p[sizes[k] - 1], 0);
		memset(p, 0xab, sizes[k]);
		tpt_big_free(p, mapped);
	}
	size_t mapped;
	assert_null(tpt_big_zalloc(SIZE_MAX / 2, 4, &mapped));
}

/* Without address space to spare (ulimit -v), arrays stay on the heap. */
static void test_no_mapping(void **state)
{
	(void)state;
	tpt_big_no_map = 1;
	uint32_t *a = NULL;
	size_t cap = 0, mapped = 0, n = TPT_BIG_MIN / sizeof *a * 3;
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tpt_big_grow((void **)&a, &cap, &mapped, i + 1, sizeof *a), TP_OK);
		a[i] = (uint32_t)i;
	}
	assert_int_equal(mapped, 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(a[i], i);
	/* and when a mapping can be had again, the array moves into one */
	tpt_big_no_map = 0;
	assert_int_equal(tpt_big_grow((void **)&a, &cap, &mapped, cap + 1, sizeof *a), TP_OK);
	assert_true(mapped > 0);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(a[i], i);
	tpt_big_free(a, mapped);
	tpt_big_no_map = 1;
	unsigned char *z = tpt_big_zalloc(TPT_BIG_MIN * 2, 1, &mapped);
	assert_non_null(z);
	assert_int_equal(mapped, 0);
	assert_int_equal(z[TPT_BIG_MIN * 2 - 1], 0);
	tpt_big_free(z, mapped);
	tpt_big_no_map = 0;
}

static void test_grow_refuses_overflow(void **state)
{
	(void)state;
	void *p = NULL;
	size_t cap = 0, mapped = 0;
	assert_int_equal(tpt_big_grow(&p, &cap, &mapped, SIZE_MAX / 8, 16), TP_ENOMEM);
	assert_null(p);
	assert_int_equal(cap, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_keeps_contents),
		cmocka_unit_test(test_zalloc),
		cmocka_unit_test(test_no_mapping),
		cmocka_unit_test(test_grow_refuses_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
