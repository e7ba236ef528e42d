/* The light object view, kinds, and the schema lookups the pattern
 * checker uses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tripact/json.h"
#include "tripact/stix.h"
#include "tripact/stix_schema.h"

static json_t *load(const char *s)
{
	json_t *v;
	assert_int_equal(tp_json_load(s, strlen(s), &v, NULL), TP_OK);
	return v;
}

static void test_kinds(void **state)
{
	assert_int_equal(tp_stix_kind_of("indicator"), TP_STIX_SDO);
	assert_int_equal(tp_stix_kind_of("incident"), TP_STIX_SDO);
	assert_int_equal(tp_stix_kind_of("sighting"), TP_STIX_SRO);
	assert_int_equal(tp_stix_kind_of("x509-certificate"), TP_STIX_SCO);
	assert_int_equal(tp_stix_kind_of("language-content"), TP_STIX_META);
	assert_int_equal(tp_stix_kind_of("extension-definition"), TP_STIX_META);
	assert_int_equal(tp_stix_kind_of("bundle"), TP_STIX_BUNDLE);
	assert_int_equal(tp_stix_kind_of("x-mitre-tactic"), TP_STIX_CUSTOM);
	assert_int_equal(tp_stix_kind_of("X-Bad"), TP_STIX_UNKNOWN);
	assert_int_equal(tp_stix_kind_of("a--b"), TP_STIX_UNKNOWN);
	assert_int_equal(tp_stix_kind_of("ab"), TP_STIX_UNKNOWN);
	assert_int_equal(tp_stix_kind_of(NULL), TP_STIX_UNKNOWN);
	/* 19 SDOs, 2 SROs, 18 SCOs, 3 meta, bundle */
	int n[TP_STIX_UNKNOWN + 1] = {0};
	for (const struct tp_stix_type_def *const *t = tp_stix_schema_types(); *t; t++)
		n[(*t)->kind]++;
	assert_int_equal(n[TP_STIX_SDO], 19);
	assert_int_equal(n[TP_STIX_SRO], 2);
	assert_int_equal(n[TP_STIX_SCO], 18);
	assert_int_equal(n[TP_STIX_META], 3);
	assert_int_equal(n[TP_STIX_BUNDLE], 1);
}

static void test_object_ok(void **state)
{
	json_t *j = load("{\"type\":\"indicator\",\"spec_version\":\"2.1\","
			 "\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
			 "\"created\":\"2016-05-12T08:17:27.000Z\",\"modified\":\"2016-05-12T08:17:27.123Z\"}");
	struct tp_stix_object *o;
	struct tp_diag d = {0};
	assert_int_equal(tp_stix_object_new(j, &o, &d), TP_OK);
	json_decref(j); /* the object keeps its own reference */
	assert_string_equal(tp_stix_object_id(o), "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
	assert_string_equal(tp_stix_object_type(o), "indicator");
	assert_int_equal(tp_stix_object_kind(o), TP_STIX_SDO);
	assert_true(tp_stix_object_created(o) == 1463041047000000LL);
	assert_true(tp_stix_object_modified(o) == 1463041047123000LL);
	assert_non_null(json_object_get(tp_stix_object_json(o), "created"));
	tp_stix_object_free(o);
	tp_stix_object_free(NULL);

	j = load("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4\","
		 "\"value\":\"198.51.100.3\"}");
	assert_int_equal(tp_stix_object_new(j, &o, &d), TP_OK);
	assert_true(tp_stix_object_created(o) == 0);
	tp_stix_object_free(o);
	json_decref(j);

	/* a custom observable-like object: no spec_version needed */
	j = load("{\"type\":\"x-acme-wallet\",\"id\":\"x-acme-wallet--5d0092c5-5f74-4287-9642-33f4c354e56e\","
		 "\"address\":\"bc1q\"}");
	assert_int_equal(tp_stix_object_new(j, &o, &d), TP_OK);
	assert_int_equal(tp_stix_object_kind(o), TP_STIX_CUSTOM);
	tp_stix_object_free(o);
	json_decref(j);
}

static void expect_bad(const char *s, const char *path, const char *msg_part)
{
	json_t *j = load(s);
	struct tp_stix_object *o = NULL;
	struct tp_diag d = {0};
	assert_int_equal(tp_stix_object_new(j, &o, &d), TP_EVALIDATE);
	assert_null(o);
	assert_string_equal(d.path, path);
	if (!strstr(d.message, msg_part))
		fail_msg("message '%s' lacks '%s'", d.message, msg_part);
	json_decref(j);
}

static void test_object_bad(void **state)
{
	expect_bad("[]", "", "JSON object");
	expect_bad("{\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}", "type", "missing");
	expect_bad("{\"type\":\"Indicator\"}", "type", "not a valid");
	expect_bad("{\"type\":\"bundle\",\"id\":\"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}", "type",
		   "bundle");
	expect_bad("{\"type\":\"indicator\",\"id\":\"malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}", "id",
		   "does not start with");
	expect_bad("{\"type\":\"indicator\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
		   "\"created\":\"2016-05-12T08:17:27.000Z\",\"modified\":\"2016-05-12T08:17:27.000Z\"}",
		   "spec_version", "2.0");
	expect_bad("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
		   "\"created\":\"2016-05-12T08:17:27.000Z\",\"modified\":\"2015-05-12T08:17:27.000Z\"}",
		   "modified", "earlier");
	expect_bad("{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
		   "\"created\":\"2016-05-12\",\"modified\":\"2016-05-12T08:17:27.000Z\"}",
		   "created", "RFC 3339");
	expect_bad("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\","
		   "\"id\":\"marking-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}",
		   "created", "missing");
}

static enum tp_stix_prop_lookup path(const char *type, const char *p0, const char *p1,
				     const char *p2, const char *p3)
{
	const char *p[] = {p0, p1, p2, p3};
	size_t n = p3 ? 4 : p2 ? 3 : p1 ? 2 : 1;
	return tp_stix_schema_path(type, p, n);
}

static void test_schema_path(void **state)
{
	assert_int_equal(path("file", "extensions", "windows-pebinary-ext", "sections", "entropy"),
			 TP_STIX_PROP_KNOWN);
	assert_int_equal(path("file", "extensions", "windows-pebinary-ext", "entropy", NULL),
			 TP_STIX_PROP_UNKNOWN);
	assert_int_equal(path("file", "hashes", "SHA-256", NULL, NULL), TP_STIX_PROP_KNOWN);
	assert_int_equal(path("file", "x_acme_score", NULL, NULL, NULL), TP_STIX_PROP_CUSTOM);
	assert_int_equal(path("file", "colour", NULL, NULL, NULL), TP_STIX_PROP_UNKNOWN);
	assert_int_equal(path("network-traffic", "extensions", "http-request-ext", "request_header",
			      "Accept-Encoding"),
			 TP_STIX_PROP_KNOWN);
	assert_int_equal(path("email-message", "body_multipart", "body_raw_ref", NULL, NULL),
			 TP_STIX_PROP_KNOWN);
	assert_int_equal(path("email-message", "from_ref", "value", NULL, NULL), TP_STIX_PROP_UNKNOWN);
	assert_int_equal(path("x509-certificate", "x509_v3_extensions", "key_usage", NULL, NULL),
			 TP_STIX_PROP_KNOWN);
	assert_int_equal(path("x-acme-wallet", "address", NULL, NULL, NULL), TP_STIX_PROP_CUSTOM);
	assert_int_equal(path("file", "extensions", "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e", "rank", NULL),
			 TP_STIX_PROP_CUSTOM);
	assert_int_equal(path("ipv4-addr", "value", NULL, NULL, NULL), TP_STIX_PROP_KNOWN);
	assert_int_equal(path("process", "extensions", "windows-service-ext", "service_dll_refs", NULL),
			 TP_STIX_PROP_KNOWN);
	assert_int_equal(path("user-account", "extensions", "unix-account-ext", "shell", NULL),
			 TP_STIX_PROP_KNOWN);
	const struct tp_stix_type_def *f = tp_stix_schema_type("file");
	assert_non_null(tp_stix_schema_extension(f, "ntfs-ext"));
	assert_null(tp_stix_schema_extension(f, "tcp-ext"));
	assert_non_null(tp_stix_schema_prop(f, "defanged"));
	const struct tp_stix_vocab *h = tp_stix_schema_vocab("hash-algorithm-ov");
	assert_true(tp_stix_vocab_has(h, "SHA3-256"));
	assert_false(tp_stix_vocab_has(h, "sha256"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kinds),
		cmocka_unit_test(test_object_ok),
		cmocka_unit_test(test_object_bad),
		cmocka_unit_test(test_schema_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
