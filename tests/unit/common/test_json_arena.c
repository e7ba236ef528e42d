/*
 * tp_json_arena: values parsed while an arena is entered, freed in and out
 * of it, kept past a reset, freed by another thread, larger than a chunk;
 * tp_json_dump's string is malloc's. Under AddressSanitizer any reuse of
 * memory still in use, or a free() of arena memory, fails the test.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
/* cmocka needs the headers above */
#include <cmocka.h>

#include "tripact/json.h"

static json_t *load(const char *s)
{
	json_t *v = NULL;
	assert_int_equal(tp_json_load(s, strlen(s), &v, NULL), TP_OK);
	return v;
}

static void assert_dump(const json_t *v, const char *want)
{
	char *s = tp_json_dump(v);
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s); /* malloc's memory even inside an arena */
}

static const char *const doc = "{\"type\":\"indicator\",\"labels\":[\"a\",\"b\"],\"n\":42}";

static void test_reset_reuses_memory(void **state)
{
	(void)state;
	struct tp_json_arena *a;
	assert_int_equal(tp_json_arena_new(&a), TP_OK);
	tp_json_arena_enter(a);
	json_t *v = load(doc);
	void *first = v;
	assert_dump(v, doc);
	json_decref(v);
	tp_json_arena_reset(a);
	v = load(doc);
	assert_ptr_equal(v, first); /* started over */
	assert_dump(v, doc);
	json_decref(v);
	tp_json_arena_free(a);
}

static void test_value_kept_past_reset(void **state)
{
	(void)state;
	struct tp_json_arena *a;
	assert_int_equal(tp_json_arena_new(&a), TP_OK);
	tp_json_arena_enter(a);
	json_t *kept = load(doc);
	tp_json_arena_reset(a); /* kept is alive: its memory must stay */
	for (int i = 0; i < 1000; i++) {
		json_t *v = load("{\"type\":\"malware\",\"labels\":[\"zzzzzzzzzzzzzzzz\"]}");
		json_decref(v);
		tp_json_arena_reset(a);
	}
	assert_dump(kept, doc);
	json_decref(kept); /* after the chunk left the arena */
	tp_json_arena_free(a);
}

static void test_kept_past_arena_free(void **state)
{
	(void)state;
	struct tp_json_arena *a;
	assert_int_equal(tp_json_arena_new(&a), TP_OK);
	tp_json_arena_enter(a);
	json_t *kept = load(doc);
	tp_json_arena_free(a);
	/* malloc again now, and the kept value still intact */
	json_t *other = load("[1,2,3]");
	assert_dump(kept, doc);
	json_decref(kept);
	json_decref(other);
}

static void test_malloc_values_inside_arena(void **state)
{
	(void)state;
	json_t *outside = load(doc); /* from malloc */
	struct tp_json_arena *a;
	assert_int_equal(tp_json_arena_new(&a), TP_OK);
	tp_json_arena_enter(a);
	json_t *inside = load("{\"x\":[true]}");
	assert_int_equal(json_object_set(inside, "doc", outside), 0);
	json_decref(outside);
	assert_dump(inside, "{\"x\":[true],\"doc\":"
			    "{\"type\":\"indicator\",\"labels\":[\"a\",\"b\"],\"n\":42}}");
	json_decref(inside); /* frees a malloc'd value while the arena is entered */
	tp_json_arena_leave(a);
	json_t *after = load("[]");
	json_decref(after);
	tp_json_arena_free(a);
}

static void *decref_later(void *arg)
{
	json_t *v = arg;
	char *s = tp_json_dump(v);
	json_decref(v);
	return s;
}

static void test_freed_by_another_thread(void **state)
{
	(void)state;
	struct tp_json_arena *a;
	assert_int_equal(tp_json_arena_new(&a), TP_OK);
	tp_json_arena_enter(a);
	json_t *v = load(doc);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, decref_later, v), 0);
	for (int i = 0; i < 100; i++) {
		json_t *w = load("{\"a\":\"b\"}");
		json_decref(w);
		tp_json_arena_reset(a);
	}
	void *s;
	assert_int_equal(pthread_join(t, &s), 0);
	assert_string_equal(s, doc);
	free(s);
	tp_json_arena_reset(a);
	tp_json_arena_free(a);
}

static void test_larger_than_a_chunk(void **state)
{
	(void)state;
	size_t n = 1 << 20;
	char *s = malloc(n + 8);
	s[0] = '[';
	s[1] = '"';
	memset(s + 2, 'x', n);
	memcpy(s + 2 + n, "\"]", 3);
	struct tp_json_arena *a;
	assert_int_equal(tp_json_arena_new(&a), TP_OK);
	tp_json_arena_enter(a);
	json_t *v = load(s);
	assert_int_equal(strlen(json_string_value(json_array_get(v, 0))), n);
	json_decref(v);
	tp_json_arena_reset(a);
	tp_json_arena_free(a);
	free(s);
}

static void test_null_arena(void **state)
{
	(void)state;
	tp_json_arena_enter(NULL);
	tp_json_arena_reset(NULL);
	tp_json_arena_leave(NULL);
	tp_json_arena_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_reuses_memory),
		cmocka_unit_test(test_value_kept_past_reset),
		cmocka_unit_test(test_kept_past_arena_free),
		cmocka_unit_test(test_malloc_values_inside_arena),
		cmocka_unit_test(test_freed_by_another_thread),
		cmocka_unit_test(test_larger_than_a_chunk),
		cmocka_unit_test(test_null_arena),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
