/* Deterministic SCO ids: one case per JSON file in tests/data/stix/ids, each
 * {"why": ..., "expected": "<id>" or null (no ID contributing property:
 * TP_ENOTFOUND), "object": {...}}. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/stix.h"

static void test_cases(void **state)
{
	const char *dir = tp_test_path("tests/data/stix/ids");
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	int n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		json_t *c;
		struct tp_diag diag = {0};
		assert_int_equal(tp_json_load_file(path, &c, &diag), TP_OK);
		const json_t *want = json_object_get(c, "expected");
		char id[TP_STIX_ID_MAX];
		enum tp_err err = tp_stix_sco_id(json_object_get(c, "object"), id, &diag);
		if (json_is_null(want)) {
			if (err != TP_ENOTFOUND)
				fail_msg("%s: expected TP_ENOTFOUND, got %d (%s)", e->d_name, err, id);
		} else {
			if (err != TP_OK)
				fail_msg("%s: %s", e->d_name, diag.message);
			if (strcmp(id, json_string_value(want)) != 0)
				fail_msg("%s: got %s, want %s", e->d_name, id, json_string_value(want));
		}
		json_decref(c);
		n++;
	}
	closedir(d);
	assert_true(n >= 10);
}

static void test_not_an_sco(void **state)
{
	json_t *o = json_pack("{s:s, s:s}", "type", "indicator", "name", "x");
	char id[TP_STIX_ID_MAX];
	struct tp_diag d = {0};
	assert_int_equal(tp_stix_sco_id(o, id, &d), TP_EINVAL);
	assert_non_null(strstr(d.message, "indicator"));
	json_decref(o);
	o = json_pack("{s:s, s:{}}", "type", "file", "hashes");
	assert_int_equal(tp_stix_sco_id(o, id, &d), TP_ENOTFOUND);
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_not_an_sco),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
