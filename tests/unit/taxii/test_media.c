/*
 * Content negotiation: tests/data/taxii/accept.test (one line, one case)
 * and Content-Type classification.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tp_test.h"
#include "tripact/taxii.h"

static unsigned media_of(const char *s)
{
	if (strcmp(s, "taxii") == 0)
		return TP_MEDIA_TAXII;
	if (strcmp(s, "stix") == 0)
		return TP_MEDIA_STIX;
	if (strcmp(s, "both") == 0)
		return TP_MEDIA_TAXII | TP_MEDIA_STIX;
	fail_msg("bad media '%s'", s);
	return 0;
}

static void test_accept_cases(void **state)
{
	char *text = tp_test_slurp(tp_test_path("tests/data/taxii/accept.test"), NULL);
	assert_non_null(text);
	int n = 0, lineno = 0;
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		lineno++;
		if (line[0] == '#' || !line[0])
			continue;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		assert_non_null(t2);
		*t1 = *t2 = '\0';
		const char *hdr = strcmp(t2 + 1, "-") == 0 ? NULL : t2 + 1;
		enum tp_media m = TP_MEDIA_NONE;
		enum tp_err e = tp_taxii_accept(hdr, media_of(line), &m);
		const char *want = t1 + 1;
		const char *got = e == TP_EUNSUPPORTED	? "406"
				  : e == TP_EPARSE	? "400"
				  : m == TP_MEDIA_TAXII ? "taxii"
							: "stix";
		if (e != TP_OK && e != TP_EUNSUPPORTED && e != TP_EPARSE)
			got = "?";
		if (strcmp(got, want) != 0)
			fail_msg("accept.test case '%s' (allowed %s): got %s, want %s",
				 hdr ? hdr : "-", line, got, want);
		n++;
	}
	assert_true(n >= 30);
	free(text);
}

static void test_content_type(void **state)
{
	static const struct {
		const char *ct;
		enum tp_err e;
		enum tp_media m;
	} cases[] = {
		{"application/taxii+json;version=2.1", TP_OK, TP_MEDIA_TAXII},
		{"application/taxii+json", TP_OK, TP_MEDIA_TAXII},
		{"Application/Stix+JSON; version=2.1", TP_OK, TP_MEDIA_STIX},
		{"application/taxii+json; charset=utf-8", TP_OK, TP_MEDIA_TAXII},
		{"application/taxii+json;version=2.0", TP_EUNSUPPORTED, 0},
		{"application/json", TP_EUNSUPPORTED, 0},
		{"*/*", TP_EUNSUPPORTED, 0},
		{"application/taxii+json, application/json", TP_EUNSUPPORTED, 0},
		{"", TP_EUNSUPPORTED, 0},
		{NULL, TP_EUNSUPPORTED, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum tp_media m = TP_MEDIA_NONE;
		enum tp_err e =
			tp_taxii_content_type(cases[i].ct, TP_MEDIA_TAXII | TP_MEDIA_STIX, &m);
		if (e != cases[i].e || (e == TP_OK && m != cases[i].m))
			fail_msg("Content-Type '%s': got %d/%d",
				 cases[i].ct ? cases[i].ct : "(none)", e, m);
	}
}

static void test_filters(void **state)
{
	struct tp_taxii_filter f;
	struct tp_diag d = {0};
	unsigned all = 0x7f;
	tp_taxii_filter_init(&f);
	assert_int_equal(f.q.limit, TP_TAXII_PAGE_DEFAULT);
	assert_int_equal(tp_taxii_filter_add(&f, "match[type]", "indicator,malware", all, &d),
			 TP_OK);
	assert_int_equal(f.q.n_types, 2);
	assert_string_equal(f.q.types[1], "malware");
	assert_int_equal(
		tp_taxii_filter_add(&f, "match[version]", "first,2024-01-01T00:00:00.5Z", all, &d),
		TP_OK);
	assert_int_equal(f.q.versions, TP_VERSION_FIRST);
	assert_int_equal(f.q.stamps[0], 1704067200500000LL);
	assert_int_equal(tp_taxii_filter_add(&f, "limit", "5000", all, &d), TP_OK);
	assert_int_equal(f.q.limit, TP_TAXII_PAGE_MAX);
	assert_int_equal(
		tp_taxii_filter_add(&f, "added_after", "2024-01-01T09:00:00+09:00", all, &d),
		TP_OK);
	assert_int_equal(f.q.added_after, 1704067200000000LL);
	assert_int_equal(tp_taxii_filter_add(&f, "match[type]", "indicator,", all, &d), TP_EINVAL);
	assert_non_null(strstr(d.message, "empty value"));
	assert_int_equal(tp_taxii_filter_add(&f, "match[id]", "indicator--1", all, &d), TP_EINVAL);
	assert_int_equal(tp_taxii_filter_add(&f, "limit", "0x10", all, &d), TP_EINVAL);
	assert_int_equal(tp_taxii_filter_add(&f, "limit", "", all, &d), TP_EINVAL);
	assert_int_equal(tp_taxii_filter_add(&f, "match[type]", "indicator", TP_F_LIMIT, &d),
			 TP_EINVAL);
	assert_non_null(strstr(d.message, "match[type]"));
	assert_int_equal(tp_taxii_filter_add(&f, "next", "7fffffffffffffff", all, &d), TP_EINVAL);
	char tok[24];
	tp_taxii_next_format(1704067200000001LL, tok);
	assert_int_equal(tp_taxii_filter_add(&f, "next", tok, all, &d), TP_OK);
	assert_int_equal(f.q.cursor, 1704067200000001LL);
	/* more values than fit */
	char many[4096] = "";
	for (int i = 0; i < TP_QUERY_MAX_VALUES + 1; i++)
		strcat(many, i ? ",abc" : "abc");
	assert_int_equal(tp_taxii_filter_add(&f, "match[type]", many, all, &d), TP_EINVAL);
	tp_taxii_filter_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_cases),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_filters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
