/* Envelope splitting for push: every envelope under the cap, each as full
 * as the cap allows, nothing lost, and the text written is the size the
 * split counted on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
// clang-format off
#include <cmocka.h>
// clang-format on

#include "tripact/json.h"
#include "tripact/sync.h"

/* The example of src/sync/envelope.c. */
static void test_worked_example(void **state)
{
	(void)state;
	size_t lens[] = {40, 50, 30};
	assert_int_equal(tp_sync_envelope_fit(lens, 3, 100), 1);
	assert_int_equal(tp_sync_envelope_fit(lens + 1, 2, 100), 2);
	assert_int_equal(tp_sync_envelope_fit(lens, 3, 14 + 40 + 1 + 50), 2);
	assert_int_equal(tp_sync_envelope_fit(lens, 3, 14 + 40 + 1 + 50 - 1), 1);
	assert_int_equal(tp_sync_envelope_fit(lens, 3, 1000), 3);
}

static void test_too_big_and_empty(void **state)
{
	(void)state;
	size_t lens[] = {200, 10};
	assert_int_equal(tp_sync_envelope_fit(lens, 2, 100), 0);
	assert_int_equal(tp_sync_envelope_fit(lens, 2, 214), 1);
	assert_int_equal(tp_sync_envelope_fit(lens, 0, 100), 0);
	assert_int_equal(tp_sync_envelope_fit(lens, 2, 0), 0);
	/* no wrap-around with a huge object */
	size_t huge[] = {(size_t)-1 - 5};
	assert_int_equal(tp_sync_envelope_fit(huge, 1, (size_t)-1), 0);
}

static void test_write(void **state)
{
	(void)state;
	const char *texts[] = {"{\"a\":1}", "{\"b\":[2,3]}"};
	size_t lens[] = {7, 11};
	struct tp_buf b;
	tp_buf_init(&b, 0);
	assert_int_equal(tp_sync_envelope_write(&b, texts, lens, 2), TP_OK);
	assert_string_equal(b.data, "{\"objects\":[{\"a\":1},{\"b\":[2,3]}]}");
	assert_int_equal(b.len, TP_SYNC_ENVELOPE_OVERHEAD + 7 + 1 + 11);
	tp_buf_reset(&b);
	assert_int_equal(tp_sync_envelope_write(&b, texts, lens, 0), TP_OK);
	assert_string_equal(b.data, "{\"objects\":[]}");
	assert_int_equal(b.len, TP_SYNC_ENVELOPE_OVERHEAD);
	/* a capped buffer reports the limit */
	struct tp_buf small;
	tp_buf_init(&small, 10);
	assert_int_equal(tp_sync_envelope_write(&small, texts, lens, 2), TP_ELIMIT);
	tp_buf_free(&small);
	tp_buf_free(&b);
}

/* Random sizes: the envelopes cover everything in order, each is valid
 * JSON no larger than the cap, and each is as full as it can be. */
static void test_random_split(void **state)
{
	(void)state;
	srand(7);
	enum { N = 3000 };
	static size_t lens[N];
	static const char *texts[N];
	char *pool = malloc(4000);
	assert_non_null(pool);
	memset(pool, ' ', 4000);
	pool[0] = '0'; /* every text: "0" then spaces, valid JSON */
	for (int i = 0; i < N; i++) {
		lens[i] = 1 + (size_t)(rand() % 3000);
		texts[i] = pool;
	}
	for (size_t max = 3100; max < 200000; max = max * 3 + 17) {
		size_t k = 0;
		while (k < N) {
			size_t fit = tp_sync_envelope_fit(lens + k, N - k, max);
			assert_true(fit > 0);
			struct tp_buf b;
			tp_buf_init(&b, 0);
			assert_int_equal(tp_sync_envelope_write(&b, texts + k, lens + k, fit),
					 TP_OK);
			assert_true(b.len <= max);
			if (k + fit < N)
				assert_true(b.len + 1 + lens[k + fit] > max);
			json_t *j = NULL;
			assert_int_equal(tp_json_load(b.data, b.len, &j, NULL), TP_OK);
			assert_int_equal(json_array_size(json_object_get(j, "objects")), fit);
			json_decref(j);
			tp_buf_free(&b);
			k += fit;
		}
		assert_int_equal(k, N);
	}
	free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_worked_example),
		cmocka_unit_test(test_too_big_and_empty),
		cmocka_unit_test(test_write),
		cmocka_unit_test(test_random_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
