/*
 * Export, and round trips: import -> export -> import gives the same
 * indicators (same ids, same patterns) for CSV and MISP; the Zeek and
 * Suricata files have the layout those sensors read.
 */
/* cmocka needs these first, in this order */
// clang-format off
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
// clang-format on
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert_test.h"
#include "tp_test.h"

#define T2026 1767225600000000LL

static const char *const inputs[] = {
	"data/intel/maltrail/apt_lazarus.txt",
	"data/intel/eset_malware-ioc/scarcruft/samples.sha256",
	"tests/data/convert/mixed.txt",
	"tests/data/convert/eth.txt",
};

static char *export_to_string(const json_t *bundle, enum tp_export_format f,
			      struct tp_export_stats *st, int *reports)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	struct tp_diag d = {0};
	struct run dummy;
	dummy.nrep = 0;
	assert_int_equal(tp_export_write(bundle, f, out, NULL, run_report, &dummy, st, &d), TP_OK);
	fclose(out);
	*reports = dummy.nrep;
	return text;
}

/* id -> pattern of every indicator, as one sorted string for comparison. */
static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *indicator_set(const json_t *bundle)
{
	size_t i, n = 0;
	const json_t *o;
	char **v = calloc(json_array_size(json_object_get(bundle, "objects")) + 1, sizeof *v);
	json_array_foreach(json_object_get(bundle, "objects"), i, o)
	{
		if (strcmp(tp_json_str(o, "type"), "indicator") != 0)
			continue;
		if (asprintf(&v[n++], "%s %s\n", tp_json_str(o, "id"), tp_json_str(o, "pattern")) <
		    0)
			fail();
	}
	qsort(v, n, sizeof *v, cmp);
	struct tp_buf b;
	tp_buf_init(&b, 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(tp_buf_puts(&b, v[i]), TP_OK);
		free(v[i]);
	}
	free(v);
	return tp_buf_steal(&b);
}

static void round_trip(enum tp_export_format f, enum fmt back)
{
	struct tp_convert_opts o = {.identity = "US CISA (demo)", .time = T2026};
	struct run a, b;
	run_import(&a, &o, LIST, inputs, 4);
	assert_int_equal(a.st.rejected, 0);
	struct tp_export_stats st;
	int reps;
	char *text = export_to_string(a.bundle, f, &st, &reps);
	assert_int_equal(st.skipped, 0);
	assert_int_equal(reps, 0);
	assert_int_equal(st.written, a.st.indicators);
	char path[] = "/tmp/tp-convert-rtXXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	const char *files[] = {path};
	run_import(&b, &o, back, files, 1);
	unlink(path);
	assert_int_equal(b.st.rejected, 0);
	char *sa = indicator_set(a.bundle), *sb = indicator_set(b.bundle);
	assert_string_equal(sa, sb);
	free(sa);
	free(sb);
	free(text);
	run_free(&a);
	run_free(&b);
}

static void test_round_trip_csv(void **state)
{
	round_trip(TP_EXPORT_CSV, CSV);
}

static void test_round_trip_misp(void **state)
{
	round_trip(TP_EXPORT_MISP, MISP);
}

static void test_misp_event(void **state)
{
	struct tp_convert_opts o = {
		.identity = "US CISA (demo)", .time = T2026, .tlp = TP_TLP_AMBER};
	struct run a;
	run_import(&a, &o, LIST, inputs + 2, 1);
	struct tp_export_stats st;
	int reps;
	char *text = export_to_string(a.bundle, TP_EXPORT_MISP, &st, &reps);
	json_t *ev;
	assert_int_equal(tp_json_load(text, strlen(text), &ev, NULL), TP_OK);
	const json_t *e = json_object_get(ev, "Event");
	assert_non_null(e);
	/* what MISP's import needs: info, date, levels, attributes with uuids */
	assert_non_null(tp_json_str(e, "info"));
	assert_int_equal(strlen(tp_json_str(e, "date")), 10);
	assert_string_equal(tp_json_str(json_array_get(json_object_get(e, "Tag"), 0), "name"),
			    "tlp:amber");
	const json_t *attrs = json_object_get(e, "Attribute");
	assert_int_equal(json_array_size(attrs), a.st.indicators);
	size_t i;
	const json_t *x;
	int port = 0, btc = 0;
	json_array_foreach(attrs, i, x)
	{
		assert_non_null(tp_json_str(x, "category"));
		assert_int_equal(strlen(tp_json_str(x, "uuid")), 36);
		assert_true(json_is_true(json_object_get(x, "to_ids")));
		if (strcmp(tp_json_str(x, "type"), "ip-dst|port") == 0) {
			assert_string_equal(tp_json_str(x, "value"), "203.0.113.5|8443");
			port++;
		}
		btc += strcmp(tp_json_str(x, "type"), "btc") == 0;
	}
	assert_int_equal(port, 1);
	assert_int_equal(btc, 1);
	json_decref(ev);
	free(text);
	run_free(&a);
}

/* An ETH address goes out as MISP's coin-address object. */
static void test_misp_eth(void **state)
{
	struct tp_convert_opts o = {.identity = "KR KISA (demo)", .time = T2026};
	struct run a;
	run_import(&a, &o, LIST, inputs + 3, 1);
	assert_int_equal(a.st.indicators, 1);
	struct tp_export_stats st;
	int reps;
	char *text = export_to_string(a.bundle, TP_EXPORT_MISP, &st, &reps);
	assert_int_equal(st.written, 1);
	assert_int_equal(reps, 0);
	json_t *ev;
	assert_int_equal(tp_json_load(text, strlen(text), &ev, NULL), TP_OK);
	const json_t *e = json_object_get(ev, "Event");
	assert_int_equal(json_array_size(json_object_get(e, "Attribute")), 0);
	const json_t *ob = json_array_get(json_object_get(e, "Object"), 0);
	assert_string_equal(tp_json_str(ob, "name"), "coin-address");
	assert_string_equal(tp_json_str(ob, "template_uuid"),
			    "d0e6997e-78da-4815-a6a1-cfc1c1cb8a46");
	assert_int_equal(strlen(tp_json_str(ob, "uuid")), 36);
	const json_t *ad = json_array_get(json_object_get(ob, "Attribute"), 0);
	const json_t *sy = json_array_get(json_object_get(ob, "Attribute"), 1);
	assert_string_equal(tp_json_str(ad, "object_relation"), "address-crypto");
	assert_string_equal(tp_json_str(ad, "type"), "text");
	assert_string_equal(tp_json_str(ad, "value"), "0x098b716b8aaf21512996dc57eb0615e2383e2f96");
	assert_true(json_is_true(json_object_get(ad, "to_ids")));
	/* the attribute carries the indicator's uuid, the object another */
	const char *id = tp_json_str(json_array_get(json_object_get(a.bundle, "objects"), 1), "id");
	assert_non_null(id);
	assert_string_equal(tp_json_str(ad, "uuid"), strstr(id, "--") + 2);
	assert_string_not_equal(tp_json_str(ob, "uuid"), tp_json_str(ad, "uuid"));
	assert_string_equal(tp_json_str(sy, "object_relation"), "symbol");
	assert_string_equal(tp_json_str(sy, "value"), "ETH");
	json_decref(ev);
	free(text);
	run_free(&a);
}

static void test_zeek(void **state)
{
	struct tp_convert_opts o = {.identity = "JP NISC (demo)", .time = T2026, .source = "demo"};
	struct run a;
	run_import(&a, &o, LIST, inputs + 2, 1);
	struct tp_export_stats st;
	int reps;
	char *text = export_to_string(a.bundle, TP_EXPORT_ZEEK, &st, &reps);
	assert_string_equal(strtok(text, "\n"),
			    "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url");
	int urls = 0, lines = 0;
	for (char *l = strtok(NULL, "\n"); l; l = strtok(NULL, "\n")) {
		lines++;
		int tabs = 0;
		for (char *p = l; *p; p++)
			tabs += *p == '\t';
		assert_int_equal(tabs, 4);
		/* Zeek's Intel::URL has no scheme */
		if (strstr(l, "\tIntel::URL\t")) {
			assert_null(memmem(l, strcspn(l, "\t"), "://", 3));
			urls++;
		}
	}
	assert_int_equal(urls, 2);
	/* ipv4:port, a URL path and a wallet have no exact Intel type */
	assert_int_equal(lines + (int)st.skipped, (int)a.st.indicators);
	assert_int_equal(st.skipped, 3);
	assert_int_equal(reps, 3);
	free(text);
	run_free(&a);
}

static void test_suricata(void **state)
{
	struct tp_convert_opts o = {.time = T2026};
	struct run a;
	run_import(&a, &o, LIST, inputs + 2, 1);
	char dir[] = "/tmp/tp-convert-suriXXXXXX";
	assert_non_null(mkdtemp(dir));
	struct tp_export_stats st;
	struct tp_diag d = {0};
	struct run reps;
	reps.nrep = 0;
	assert_int_equal(tp_export_write(a.bundle, TP_EXPORT_SURICATA, NULL, dir, run_report, &reps,
					 &st, &d),
			 TP_OK);
	char p[512];
	snprintf(p, sizeof p, "%s/tripact-domains.lst", dir);
	char *dom = tp_test_slurp(p, NULL);
	assert_non_null(dom);
	/* string datasets are base64: "c2.example.org" */
	assert_non_null(strstr(dom, "YzIuZXhhbXBsZS5vcmc=\n"));
	snprintf(p, sizeof p, "%s/tripact-ips.lst", dir);
	char *ips = tp_test_slurp(p, NULL);
	assert_string_equal(ips, "198.51.100.23\n2001:db8::5\n");
	snprintf(p, sizeof p, "%s/tripact.rules", dir);
	char *rules = tp_test_slurp(p, NULL);
	assert_non_null(strstr(rules, "dns.query; dataset:isset,tripact-domains,type string,load "
				      "tripact-domains.lst;"));
	assert_non_null(strstr(rules, "ip.dst; dataset:isset,tripact-ips,type ip"));
	assert_non_null(strstr(rules, "filesha1:tripact-sha1.lst; sid:9700008;"));
	/* the three URL kinds: exact, host + start of target, part of target */
	assert_non_null(strstr(rules, "-> any 80 (msg:\"tripact URL indicator indicator--"));
	assert_non_null(strstr(rules,
			       "http.host; content:\"c2.example.org\"; startswith; endswith; "
			       "http.uri.raw; content:\"/gate.php\"; startswith; endswith; "
			       "sid:9710001; rev:1;)\n"));
	assert_non_null(strstr(rules,
			       "http.host; content:\"c2.example.org\"; startswith; endswith; "
			       "http.uri.raw; content:\"/panel/\"; startswith; sid:9710002;"));
	assert_non_null(strstr(rules, "-> any any (msg:\"tripact URL indicator indicator--"));
	assert_non_null(strstr(rules, "flow:established,to_server; http.uri.raw; "
				      "content:\"/wp-admin/x.php\"; sid:9710003; rev:1;)\n"));
	free(dom);
	free(ips);
	free(rules);
	snprintf(p, sizeof p, "%s/tripact-sha1.lst", dir);
	char *sha1 = tp_test_slurp(p, NULL);
	assert_string_equal(sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80700\n");
	free(sha1);
	const char *names[] = {"tripact-domains.lst", "tripact-ips.lst",  "tripact-md5.lst",
			       "tripact-sha256.lst",  "tripact-sha1.lst", "tripact.rules"};
	for (size_t i = 0; i < 6; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	/* CIDR, ip:port, e-mail and wallet */
	assert_int_equal(st.skipped, 4);
	assert_int_equal(st.skipped, (size_t)reps.nrep);
	assert_int_equal(st.written + st.skipped, a.st.indicators);
	run_free(&a);
}

/* A bundle with one indicator per pattern, ids ...-000000000000 onwards. */
static json_t *bundle_of(const char *const *patterns, size_t n)
{
	json_t *objs = json_array();
	for (size_t i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012zu", i);
		json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s}", "type", "indicator",
						      "id", id, "pattern", patterns[i],
						      "pattern_type", "stix"));
	}
	return json_pack("{s:s, s:o}", "type", "bundle", "objects", objs);
}

/* One indicator per pattern; returns the rules file Suricata export wrote. */
static char *suricata_rules_of(const char *const *patterns, size_t n, struct tp_export_stats *st)
{
	json_t *b = bundle_of(patterns, n);
	char dir[] = "/tmp/tp-convert-suriXXXXXX";
	assert_non_null(mkdtemp(dir));
	struct tp_diag d = {0};
	struct run reps;
	reps.nrep = 0;
	assert_int_equal(
		tp_export_write(b, TP_EXPORT_SURICATA, NULL, dir, run_report, &reps, st, &d),
		TP_OK);
	assert_int_equal(st->skipped, (size_t)reps.nrep);
	char p[512];
	snprintf(p, sizeof p, "%s/tripact.rules", dir);
	char *rules = tp_test_slurp(p, NULL);
	assert_non_null(rules);
	const char *names[] = {"tripact-domains.lst", "tripact-ips.lst",  "tripact-md5.lst",
			       "tripact-sha256.lst",  "tripact-sha1.lst", "tripact.rules"};
	for (size_t i = 0; i < 6; i++) {
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	json_decref(b);
	return rules;
}

static void test_suricata_urls(void **state)
{
	static const char *const pats[] = {
		/* port, upper-case host, query, fragment, bytes rules must not hold bare */
		"[url:value = 'http://C2.Example.org:8080/a;b\"c|d\\\\e?x=1#frag']",
		"[url:value = 'http://c2.example.org']",
		"[url:value = 'http://c2.example.org?q=1']",
		"[url:value = 'https://c2.example.org/gate.php']",
		"[url:value = 'http://user@c2.example.org/']",
		"[url:value = 'http://c2.example.org:http/']",
		"[file:hashes.'SHA-512' = "
		"'cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0f"
		"f8318d"
		"2877eec2f63b931bd47417a81a538327af927da3e']",
	};
	struct tp_export_stats st;
	char *rules = suricata_rules_of(pats, 7, &st);
	assert_int_equal(st.indicators, 7);
	assert_int_equal(st.written, 3);
	assert_int_equal(st.skipped, 4);
	const char *want =
		"alert http any any -> any 8080 (msg:\"tripact URL indicator "
		"indicator--00000000-0000-4000-8000-000000000000\"; flow:established,to_server; "
		"http.host; content:\"c2.example.org\"; startswith; endswith; http.uri.raw; "
		"content:\"/a|3b|b|22|c|7c|d|5c|e?x=1\"; startswith; endswith; sid:9710001; "
		"rev:1;)\n"
		"alert http any any -> any 80 (msg:\"tripact URL indicator "
		"indicator--00000000-0000-4000-8000-000000000001\"; flow:established,to_server; "
		"http.host; content:\"c2.example.org\"; startswith; endswith; http.uri.raw; "
		"content:\"/\"; startswith; endswith; sid:9710002; rev:1;)\n"
		"alert http any any -> any 80 (msg:\"tripact URL indicator "
		"indicator--00000000-0000-4000-8000-000000000002\"; flow:established,to_server; "
		"http.host; content:\"c2.example.org\"; startswith; endswith; http.uri.raw; "
		"content:\"/?q=1\"; startswith; endswith; sid:9710003; rev:1;)\n";
	const char *at = strstr(rules, "alert http any any -> any 8080");
	assert_non_null(at);
	assert_string_equal(at, want);
	free(rules);
}

static void test_zeek_urls(void **state)
{
	static const char *const pats[] = {
		"[url:value = 'http://c2.example.org:80/gate.php?id=1#top']",
		"[url:value = 'https://c2.example.org:80/a']",
		"[url:value = 'https://c2.example.org:8443/a/b']",
		"[url:value = 'http://c2.example.org?q=1']",
		"[url:value = 'http://c2.example.org']",
		"[url:value LIKE '%/wp-admin/x.php%']",
		"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = "
		"'203.0.113.5' AND network-traffic:dst_port = 8443]",
		"[cryptocurrency-wallet:value = '0xde0b295669a9fd93d5f28d9ec85e40f4cb697bae']",
		"[cryptocurrency-wallet:value = '1BoatSLRHtKNngkdXEeobR76b53LETtpyT']",
	};
	json_t *b = bundle_of(pats, 9);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	struct tp_diag d = {0};
	struct run reps;
	reps.nrep = 0;
	struct tp_export_stats st;
	assert_int_equal(tp_export_write(b, TP_EXPORT_ZEEK, out, NULL, run_report, &reps, &st, &d),
			 TP_OK);
	fclose(out);
	/* Zeek's form: no scheme, no fragment, ":80" only dropped for http */
	assert_string_equal(text,
			    "#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n"
			    "c2.example.org/gate.php?id=1\tIntel::URL\t-\t-\t-\n"
			    "c2.example.org:80/a\tIntel::URL\t-\t-\t-\n"
			    "c2.example.org:8443/a/b\tIntel::URL\t-\t-\t-\n"
			    "c2.example.org/?q=1\tIntel::URL\t-\t-\t-\n"
			    "c2.example.org/\tIntel::URL\t-\t-\t-\n");
	assert_int_equal(st.skipped, 4);
	assert_int_equal(reps.nrep, 4);
	assert_non_null(strstr(reps.rep_msg[0], "a path alone never matches"));
	assert_non_null(strstr(reps.rep_msg[1], "Intel::ADDR has no port"));
	assert_non_null(strstr(reps.rep_msg[2], "no Intel type for cryptocurrency addresses"));
	assert_non_null(strstr(reps.rep_msg[3], "no Intel type for cryptocurrency addresses"));
	free(text);
	json_decref(b);
}

static void test_not_exact(void **state)
{
	static const char bundle[] =
		"{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\","
		"\"objects\":[{\"type\":\"indicator\",\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-"
		"98ee46b3cd3f\",\"pattern\":\"[domain-name:value = 'a.example'] AND [file:size > "
		"1]\",\"pattern_type\":\"stix\"},{\"type\":\"indicator\",\"id\":\"indicator--"
		"1e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\",\"pattern\":\"alert tcp any\","
		"\"pattern_type\":\"snort\"}]}";
	json_t *b;
	assert_int_equal(tp_json_load(bundle, sizeof bundle - 1, &b, NULL), TP_OK);
	struct tp_export_stats st;
	int reps;
	char *text = export_to_string(b, TP_EXPORT_CSV, &st, &reps);
	assert_string_equal(text, "value,type,notes,id,tlp\n");
	assert_int_equal(st.indicators, 2);
	assert_int_equal(st.skipped, 2);
	assert_int_equal(reps, 2);
	free(text);
	json_decref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_csv), cmocka_unit_test(test_round_trip_misp),
		cmocka_unit_test(test_misp_event),     cmocka_unit_test(test_zeek),
		cmocka_unit_test(test_suricata),       cmocka_unit_test(test_suricata_urls),
		cmocka_unit_test(test_zeek_urls),      cmocka_unit_test(test_misp_eth),
		cmocka_unit_test(test_not_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
