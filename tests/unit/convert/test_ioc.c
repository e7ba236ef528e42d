/*
 * IOC inference, refanging and patterns, driven by
 * tests/data/convert/ioc.test (three-line records: input, kind, pattern).
 * Every pattern must also read back (tp_ioc_from_pattern) to the same kind
 * and value, as the exporters rely on that.
 */
/* cmocka needs these first, in this order */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on
#include <string.h>

#include "convert/ioc.h"
#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/pattern.h"

static char *next_line(char **p)
{
	if (!**p)
		return NULL;
	char *s = *p, *nl = strchr(s, '\n');
	if (nl) {
		*nl = '\0';
		*p = nl + 1;
	} else {
		*p = s + strlen(s);
	}
	return s;
}

/*
 * The pattern checker accepts the pattern (strictly, without warnings but
 * for the wallet type, which STIX 2.1 lacks), and the pattern matches an
 * observed-data holding the value it was made from.
 */
static void check_pattern(int at, enum tp_ioc_kind k, const char *value, const char *pattern)
{
	struct tp_diag d = {0};
	if (tp_pattern_validate(pattern, strlen(pattern), &d) != TP_OK)
		fail_msg("ioc.test:%d: pattern checker: column %ld: %s", at, d.column, d.message);
	struct tp_pattern *p;
	assert_int_equal(tp_pattern_parse(pattern, strlen(pattern), TP_PATTERN_STRICT, &p, &d),
			 TP_OK);
	size_t warnings = tp_pattern_warning_count(p);
	int wallet = k == TP_IOC_BTC || k == TP_IOC_ETH || k == TP_IOC_XMR;
	if (warnings != (size_t)wallet)
		fail_msg("ioc.test:%d: %zu pattern warnings (%s)", at, warnings,
			 warnings ? tp_pattern_warning(p, 0) : "");

	/* the observed object the value came from */
	json_t *obj;
	char *cidr_free = NULL;
	switch (k) {
	case TP_IOC_IPV4:
	case TP_IOC_IPV6: {
		/* a CIDR block: an address inside it */
		const char *slash = strchr(value, '/');
		cidr_free = slash ? strndup(value, (size_t)(slash - value)) : strdup(value);
		obj = json_pack("{s:{s:s,s:s}}", "0", "type",
				k == TP_IOC_IPV4 ? "ipv4-addr" : "ipv6-addr", "value", cidr_free);
		break;
	}
	case TP_IOC_IPV4_PORT: {
		const char *colon = strrchr(value, ':');
		char ip[64];
		snprintf(ip, sizeof ip, "%.*s", (int)(colon - value), value);
		obj = json_pack("{s:{s:s,s:s},s:{s:s,s:s,s:i,s:[s]}}", "0", "type", "ipv4-addr",
				"value", ip, "1", "type", "network-traffic", "dst_ref", "0",
				"dst_port", atoi(colon + 1), "protocols", "tcp");
		break;
	}
	case TP_IOC_DOMAIN:
		obj = json_pack("{s:{s:s,s:s}}", "0", "type", "domain-name", "value", value);
		break;
	case TP_IOC_URL:
		obj = json_pack("{s:{s:s,s:s}}", "0", "type", "url", "value", value);
		break;
	case TP_IOC_URL_NOSCHEME:
	case TP_IOC_URL_PATH: {
		char url[2048];
		snprintf(url, sizeof url, "https://%s%s?q=1",
			 k == TP_IOC_URL_PATH ? "h.example" : "", value);
		obj = json_pack("{s:{s:s,s:s}}", "0", "type", "url", "value", url);
		break;
	}
	case TP_IOC_EMAIL:
		obj = json_pack("{s:{s:s,s:s}}", "0", "type", "email-addr", "value", value);
		break;
	case TP_IOC_MD5:
	case TP_IOC_SHA1:
	case TP_IOC_SHA256:
	case TP_IOC_SHA512: {
		static const char *const alg[] = {"MD5", "SHA-1", "SHA-256", "SHA-512"};
		obj = json_pack("{s:{s:s,s:{s:s}}}", "0", "type", "file", "hashes",
				alg[k - TP_IOC_MD5], value);
		break;
	}
	default:
		obj = json_pack("{s:{s:s,s:s}}", "0", "type", "cryptocurrency-wallet", "value",
				value);
		break;
	}
	free(cidr_free);
	json_t *od = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:o}", "type", "observed-data",
			       "spec_version", "2.1", "id",
			       "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf", "created",
			       "2026-01-01T00:00:00Z", "modified", "2026-01-01T00:00:00Z",
			       "first_observed", "2026-01-01T00:00:00Z", "last_observed",
			       "2026-01-01T00:00:00Z", "number_observed", 1, "objects", obj);
	assert_non_null(od);
	struct tp_pattern_data *data;
	if (tp_pattern_data_new(od, &data, &d) != TP_OK)
		fail_msg("ioc.test:%d: observed-data: %s", at, d.message);
	struct tp_pattern_result r = {0};
	assert_int_equal(tp_pattern_match(p, data, &r, &d), TP_OK);
	if (!r.matched)
		fail_msg("ioc.test:%d: %s does not match its own value", at, pattern);
	tp_pattern_result_clear(&r);
	tp_pattern_data_free(data);
	json_decref(od);
	tp_pattern_free(p);
}

static void test_cases(void **state)
{
	size_t len;
	char *text = tp_test_slurp(tp_test_path("tests/data/convert/ioc.test"), &len);
	assert_non_null(text);
	char *p = text, *line;
	int cases = 0, lineno = 0;
	struct tp_buf v, pat, back;
	tp_buf_init(&v, 0);
	tp_buf_init(&pat, 0);
	tp_buf_init(&back, 0);
	while ((line = next_line(&p)) != NULL) {
		lineno++;
		if (line[0] == '#' || line[0] == '\0')
			continue;
		int at = lineno;
		char *in = strdup(line);
		char *kind = next_line(&p);
		char *want = next_line(&p);
		lineno += 2;
		assert_non_null(kind);
		assert_non_null(want);
		size_t n = tp_ioc_refang(in, strlen(in));
		assert_int_equal(n, strlen(in));
		enum tp_ioc_kind k = TP_IOC_UNKNOWN;
		struct tp_diag d = {0};
		enum tp_err e = tp_ioc_classify(in, &k, &v, &d);
		if (strcmp(kind, "error") == 0) {
			if (e != TP_EPARSE || strncmp(d.message, want, strlen(want)) != 0)
				fail_msg("ioc.test:%d: want error '%s', got %d '%s'", at, want, e,
					 d.message);
		} else {
			if (e != TP_OK)
				fail_msg("ioc.test:%d: %s", at, d.message);
			if (strcmp(tp_ioc_kind_name(k), kind) != 0)
				fail_msg("ioc.test:%d: kind %s, want %s", at, tp_ioc_kind_name(k),
					 kind);
			tp_buf_reset(&pat);
			assert_int_equal(tp_ioc_pattern(k, v.data, &pat), TP_OK);
			if (strcmp(pat.data, want) != 0)
				fail_msg("ioc.test:%d:\n got %s\nwant %s", at, pat.data, want);
			enum tp_ioc_kind k2;
			if (tp_ioc_from_pattern(pat.data, &k2, &back) != TP_OK || k2 != k ||
			    strcmp(back.data, v.data) != 0)
				fail_msg("ioc.test:%d: pattern does not read back", at);
			check_pattern(at, k, v.data, pat.data);
		}
		free(in);
		cases++;
	}
	assert_true(cases >= 30);
	tp_buf_free(&v);
	tp_buf_free(&pat);
	tp_buf_free(&back);
	free(text);
}

static void test_declared_kind(void **state)
{
	struct tp_buf v;
	tp_buf_init(&v, 0);
	struct tp_diag d = {0};
	/* ESET's MISP event labels some SHA-1 values sha256: refused, said why */
	enum tp_ioc_kind k = TP_IOC_SHA256;
	assert_int_equal(tp_ioc_classify("eebb01932de0b5605dd460cc82844d8693c00ea8", &k, &v, &d),
			 TP_EPARSE);
	assert_non_null(strstr(d.message, "not a valid sha256 value"));
	k = TP_IOC_DOMAIN;
	assert_int_equal(tp_ioc_classify("jquery.services", &k, &v, NULL), TP_OK);
	assert_string_equal(v.data, "jquery.services");
	assert_int_equal(tp_ioc_kind_parse("hostname"), TP_IOC_DOMAIN);
	assert_int_equal(tp_ioc_kind_parse("SHA-256"), TP_IOC_SHA256);
	assert_int_equal(tp_ioc_kind_parse("emailwhois"), TP_IOC_EMAIL);
	assert_int_equal(tp_ioc_kind_parse("no-such-type"), TP_IOC_UNKNOWN);
	tp_buf_free(&v);
}

/* Other producers' spacing and quoting of the same comparison. */
static void test_from_pattern_variants(void **state)
{
	static const struct {
		const char *pattern, *kind, *value;
	} cases[] = {
		{"[domain-name:value='Evil.Example.COM']", "domain", "evil.example.com"},
		{" [ file:hashes.'SHA-256'  =  "
		 "'94B71EE0861CC7CFBBAE53AD2E411A76F296FD5684EDF6B25EBE79BF6A2A600A' ] ",
		 "sha256", "94b71ee0861cc7cfbbae53ad2e411a76f296fd5684edf6b25ebe79bf6a2a600a"},
		{"[file:hashes.'MD5' = 'bfbe94391dc7e0eaa1e59ae6d6029393']", "md5",
		 "bfbe94391dc7e0eaa1e59ae6d6029393"},
		{"[ipv4-addr:value = '198.51.100.7']", "ipv4", "198.51.100.7"},
		{"[url:value = 'http://Example.com/A']", "url", "http://Example.com/A"},
		{"[email-addr:value = 'a@b.example']", "email", "a@b.example"},
	};
	struct tp_buf v;
	tp_buf_init(&v, 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum tp_ioc_kind k;
		if (tp_ioc_from_pattern(cases[i].pattern, &k, &v) != TP_OK)
			fail_msg("not read: %s", cases[i].pattern);
		assert_string_equal(tp_ioc_kind_name(k), cases[i].kind);
		assert_string_equal(v.data, cases[i].value);
	}
	tp_buf_free(&v);
}

static void test_from_pattern_rejects(void **state)
{
	struct tp_buf v;
	tp_buf_init(&v, 0);
	enum tp_ioc_kind k;
	static const char *const pats[] = {
		"[domain-name:value = 'a.com'] OR [domain-name:value = 'b.com']",
		"[file:size > 10]",
		"[domain-name:value = 'a.com'] REPEATS 2 TIMES",
		"[process:name = 'x']",
		"[url:value = 'unterminated]",
		"[url:value = 'http://a.example/'] WITHIN 5 SECONDS",
		"[domain-name:value != 'a.example']",
		"[domain-name:value = 'not a domain']",
	};
	for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++)
		assert_int_equal(tp_ioc_from_pattern(pats[i], &k, &v), TP_EUNSUPPORTED);
	tp_buf_free(&v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_declared_kind),
		cmocka_unit_test(test_from_pattern_variants),
		cmocka_unit_test(test_from_pattern_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
