/* RFC 8785 canonical JSON: the RFC's own examples (sections 3.2.2, 3.2.3,
 * appendix B) and the corner cases STIX ids depend on. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tripact/jcs.h"
#include "tripact/json.h"

static void expect(const char *in, const char *want)
{
	json_t *v;
	struct tp_diag d = {0};
	assert_int_equal(tp_json_load(in, strlen(in), &v, &d), TP_OK);
	char *got = tp_jcs_serialize(v);
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("JCS of %s\n  got  %s\n  want %s", in, got, want);
	free(got);
	json_decref(v);
}

static void test_rfc_example(void **state)
{
	/* RFC 8785 section 3.2.2 (numbers, literals, escapes) */
	expect("{\"numbers\": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],"
	       " \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\","
	       " \"literals\": [null, true, false]}",
	       "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],"
	       "\"string\":\"\xe2\x82\xac$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}");
}

static void test_sort_utf16(void **state)
{
	/* RFC 8785 section 3.2.3: sorted by UTF-16 code units */
	expect("{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\", \"\\ufb33\": \"Hebrew Letter Dalet With Dagesh\","
	       " \"1\": \"One\", \"\\ud83d\\ude00\": \"Emoji: Grinning Face\", \"\\u0080\": \"Control\","
	       " \"\\u00f6\": \"Latin Small Letter O With Diaeresis\"}",
	       "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
	       "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":\"Euro Sign\","
	       "\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\",\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
}

static void test_numbers(void **state)
{
	/* RFC 8785 appendix B (ECMAScript number serialisation) */
	/* (jansson reads integers beyond 64 bits as errors, so big ones are
	 * written in exponent form here; JCS prints them the same) */
	expect("[0, -0.0, 1, -1, 1.5, 100, 1e21, 1e20, 1.2345678901234568e20, 0.000001, 1e-7,"
	       " 5e-324, 1.7976931348623157e308, 9007199254740992, 4.35, 0.1, 2.9514790517935283e20]",
	       "[0,0,1,-1,1.5,100,1e+21,100000000000000000000,123456789012345680000,0.000001,1e-7,"
	       "5e-324,1.7976931348623157e+308,9007199254740992,4.35,0.1,295147905179352830000]");
	expect("[-5e-324, 9.999999999999999e20, 1.0000000000000002, -1.5e-10]",
	       "[-5e-324,999999999999999900000,1.0000000000000002,-1.5e-10]");
}

static void test_nesting_and_empty(void **state)
{
	expect("{\"b\": {\"z\": [], \"a\": {}}, \"a\": \"\"}", "{\"a\":\"\",\"b\":{\"a\":{},\"z\":[]}}");
	expect("[\"tab\\there\\u0001\"]", "[\"tab\\there\\u0001\"]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_example),
		cmocka_unit_test(test_sort_utf16),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_nesting_and_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
