#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tripact/uuid.h"

static void test_v5_stix_example(void **state)
{
	/* STIX 2.1 section 2.9: domain-name "example.com" (value only). */
	struct tp_uuid ns, u;
	assert_int_equal(tp_uuid_parse(TP_UUID_STIX_NAMESPACE, 36, &ns), TP_OK);
	const char *name = "{\"value\":\"example.com\"}";
	tp_uuid_v5(&ns, name, strlen(name), &u);
	char s[TP_UUID_STRLEN + 1];
	tp_uuid_format(&u, s);
	assert_string_equal(s, "bedb4899-d24b-5401-bc86-8f6b4cc18ec7");
	assert_int_equal(tp_uuid_version(&u), 5);
	assert_true(tp_uuid_is_rfc4122(&u));
}

static void test_named_v4(void **state)
{
	/* SHA-256(namespace bytes || name), first 16 bytes, v4 bits; the
	 * value was computed independently (Python hashlib + uuid). */
	struct tp_uuid ns, u, again;
	assert_int_equal(tp_uuid_parse("6c1d9b5e-3a5f-5d7c-9a0e-747269706163", 36, &ns), TP_OK);
	const char *name = "identity|US CISA (demo)";
	tp_uuid_named_v4(&ns, name, strlen(name), &u);
	char s[TP_UUID_STRLEN + 1];
	tp_uuid_format(&u, s);
	assert_string_equal(s, "ac88b65d-a0a2-41f0-a3b8-aadca32848c5");
	assert_int_equal(tp_uuid_version(&u), 4);
	assert_true(tp_uuid_is_rfc4122(&u));
	tp_uuid_named_v4(&ns, name, strlen(name), &again);
	assert_memory_equal(u.b, again.b, 16);
	tp_uuid_named_v4(&ns, name, strlen(name) - 1, &again);
	assert_memory_not_equal(u.b, again.b, 16);
}

static void test_v4(void **state)
{
	struct tp_uuid a, b;
	assert_int_equal(tp_uuid_v4(&a), TP_OK);
	assert_int_equal(tp_uuid_v4(&b), TP_OK);
	assert_int_equal(tp_uuid_version(&a), 4);
	assert_true(tp_uuid_is_rfc4122(&a));
	assert_memory_not_equal(a.b, b.b, 16);
}

static void test_parse(void **state)
{
	struct tp_uuid u;
	const char *up = "6BA7B810-9DAD-11D1-80B4-00C04FD430C8";
	assert_int_equal(tp_uuid_parse(up, 36, &u), TP_OK);
	char s[TP_UUID_STRLEN + 1];
	tp_uuid_format(&u, s);
	assert_string_equal(s, "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
	assert_int_equal(tp_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430c", 35, &u), TP_EPARSE);
	assert_int_equal(tp_uuid_parse("6ba7b810x9dad-11d1-80b4-00c04fd430c8", 36, &u), TP_EPARSE);
	assert_int_equal(tp_uuid_parse("6ba7b810-9dad-11d1-80b4-00c04fd430cg", 36, &u), TP_EPARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v5_stix_example),
		cmocka_unit_test(test_named_v4),
		cmocka_unit_test(test_v4),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
