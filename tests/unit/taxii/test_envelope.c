/*
 * tp_taxii_object_texts (src/taxii/envelope.c): the compact text of each
 * element of an envelope's "objects" list, and refusals (never a hang or
 * a read past the end) on text it does not expect.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tripact/taxii.h"

static enum tp_err texts(const char *in, size_t n, char *out, struct tp_taxii_span *sp)
{
	return tp_taxii_object_texts(in, strlen(in), n, out, sp);
}

static void test_cut(void **state)
{
	static const char in[] =
		" { \"x\" : {\"objects\":[1]} , \"objects\" : [ { \"a\" : "
		"\"b, \\\" ]}\" } ,\n\t[ 1 , 2 ] , \"s\" , null ] , \"more\":true }";
	char out[sizeof in];
	struct tp_taxii_span sp[4];
	assert_int_equal(texts(in, 4, out, sp), TP_OK);
	const char *want[] = {"{\"a\":\"b, \\\" ]}\"}", "[1,2]", "\"s\"", "null"};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(sp[i].len, strlen(want[i]));
		assert_memory_equal(out + sp[i].off, want[i], sp[i].len);
	}
	assert_int_equal(texts("{\"objects\":[]}", 0, out, sp), TP_OK);
}

static void test_refusals(void **state)
{
	static const char *const bad[] = {
		"{\"obj\\u0065cts\":[1]}",	     /* key spelt with an escape */
		"{\"objects\":[1,2]}",		     /* n is 1: count differs */
		"{\"other\":[1]}",		     /* no list */
		"{\"objects\":[1",		     /* truncated */
		"{\"objects\":[\"abc",		     /* inside a string */
		"{\"objects\":[\"abc\\",	     /* after a backslash */
		"{\"objects\":[1}]}",		     /* a brace where a comma belongs */
		"{\"objects\":[,]}",		     /* an empty element */
		"{\"objects\":[1],\"objects\":[2]}", /* twice */
		"[1]",
		"",
		"{\"objects\" 1}",
	};
	char out[64];
	struct tp_taxii_span sp[4];
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(texts(bad[i], 1, out, sp), TP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
