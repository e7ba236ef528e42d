/*
 * Loading observed-data (tp_pattern_data_new): malformed shapes are named
 * by their place in the input, observed-data by id and property, and
 * timestamps shared between observed-data are read right for each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/pattern.h"

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *v = json_loads(text, JSON_DECODE_ANY, &je);
	assert_non_null(v);
	return v;
}

/* Loading text fails with code; d gets path and a message holding msg. */
static void expect_error(const char *text, enum tp_err code, const char *path, const char *msg,
			 const char *object_id)
{
	json_t *v = load(text);
	struct tp_diag d = {0};
	struct tp_pattern_data *data = NULL;
	assert_int_equal(tp_pattern_data_new(v, &data, &d), code);
	assert_null(data);
	assert_string_equal(d.path, path);
	if (!strstr(d.message, msg))
		fail_msg("message \"%s\" lacks \"%s\"", d.message, msg);
	assert_string_equal(d.object_id, object_id ? object_id : "");
	json_decref(v);
}

static void test_shape_places(void **state)
{
	(void)state;
	expect_error("7", TP_EPARSE, "$", "$: expected a STIX object", NULL);
	expect_error("[{\"type\":\"x\"}, \"s\"]", TP_EPARSE, "[1]", "[1]: expected a STIX object",
		     NULL);
	expect_error("[{\"type\":\"x\"}, {\"type\":\"bundle\",\"objects\":[{\"type\":\"x\"}, 5]}]",
		     TP_EPARSE, "[1].objects[1]", "[1].objects[1]: expected a STIX object", NULL);
	expect_error("{\"type\":\"bundle\",\"objects\":[{\"type\":\"bundle\",\"objects\":[]}]}",
		     TP_EPARSE, "$.objects[0]", "$.objects[0]: a bundle inside a bundle", NULL);
	expect_error("[{\"type\":\"x\"}, {\"type\":\"x\"}, {\"type\":\"bundle\",\"id\":\"bundle--b\"}]",
		     TP_EPARSE, "[2].objects", "[2]: bundle without an objects array",
		     "bundle--b");
	expect_error("{\"type\":\"bundle\",\"id\":\"bundle--c\",\"objects\":{}}", TP_EPARSE,
		     "$.objects", "$: bundle without an objects array", "bundle--c");
}

#define OD(id, fo, lo)                                                                             \
	"{\"type\":\"observed-data\",\"id\":\"" id "\",\"first_observed\":\"" fo                   \
	"\",\"last_observed\":\"" lo "\",\"number_observed\":1,\"object_refs\":[\"ipv4-addr--1\"]}"
#define IP "{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1\",\"value\":\"1.2.3.4\"}"
#define T2020 "2020-01-01T00:00:00Z"
#define T2021 "2021-06-01T00:00:00Z"

static void test_observation_errors(void **state)
{
	(void)state;
	expect_error("[" OD("observed-data--1", T2020, T2020) "," OD("observed-data--2", T2020,
								      "2020-13-01T00:00:00Z") "]",
		     TP_EVALIDATE, "last_observed", "not a STIX timestamp", "observed-data--2");
	expect_error("[" OD("observed-data--1", T2021, T2021) "," OD("observed-data--2", T2021,
								      T2020) "]",
		     TP_EVALIDATE, "last_observed", "earlier than first_observed",
		     "observed-data--2");
	/* a bad timestamp seen before does not pass the second time */
	expect_error("[" OD("observed-data--1", T2020, "x") "," OD("observed-data--2", T2020, "x") "]",
		     TP_EVALIDATE, "last_observed", "not a STIX timestamp", "observed-data--1");
}

/* Which observed-data the pattern matches, as "id id ...". */
static void expect_match(const char *pattern, const char *text, const char *ids)
{
	json_t *v = load(text);
	struct tp_diag d = {0};
	struct tp_pattern_data *data = NULL;
	struct tp_pattern *p = NULL;
	assert_int_equal(tp_pattern_data_new(v, &data, &d), TP_OK);
	assert_int_equal(tp_pattern_parse(pattern, strlen(pattern), 0, &p, &d), TP_OK);
	struct tp_pattern_result r = {0};
	assert_int_equal(tp_pattern_match(p, data, &r, &d), TP_OK);
	char got[256] = "";
	for (size_t i = 0; i < r.n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "",
			 r.ids[i]);
	assert_string_equal(got, ids);
	tp_pattern_result_clear(&r);
	tp_pattern_free(p);
	tp_pattern_data_free(data);
	json_decref(v);
}

static void test_times_per_observation(void **state)
{
	(void)state;
	const char *in = "[" IP "," OD("observed-data--1", T2020, T2020) "," OD(
		"observed-data--2", T2020, T2021) "," OD("observed-data--3", T2021, T2021) "]";
	expect_match("[ipv4-addr:value = '1.2.3.4'] START t'2021-01-01T00:00:00Z' STOP "
		     "t'2022-01-01T00:00:00Z'",
		     in, "observed-data--2");
	expect_match("[ipv4-addr:value = '1.2.3.4'] START t'2019-01-01T00:00:00Z' STOP "
		     "t'2020-06-01T00:00:00Z'",
		     in, "observed-data--1");
}

/* object_refs that is no array leaves the 2.0 objects dictionary in use */
static void test_objects_dictionary(void **state)
{
	(void)state;
	expect_match("[ipv4-addr:value = '1.2.3.4']",
		     "{\"type\":\"observed-data\",\"id\":\"observed-data--d\","
		     "\"first_observed\":\"" T2020 "\",\"last_observed\":\"" T2020 "\","
		     "\"number_observed\":2,\"object_refs\":\"x\","
		     "\"objects\":{\"0\":{\"type\":\"ipv4-addr\",\"value\":\"1.2.3.4\"}}}",
		     "observed-data--d");
	expect_error("[" IP ",{\"type\":\"observed-data\",\"id\":\"observed-data--e\","
		     "\"first_observed\":\"" T2020 "\",\"last_observed\":\"" T2020 "\","
		     "\"number_observed\":0,\"object_refs\":[]}]",
		     TP_EVALIDATE, "number_observed", "must be an integer >= 1", "observed-data--e");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape_places),
		cmocka_unit_test(test_observation_errors),
		cmocka_unit_test(test_times_per_observation),
		cmocka_unit_test(test_objects_dictionary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
