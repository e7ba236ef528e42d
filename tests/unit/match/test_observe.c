/* Records mapped to STIX observables: spot checks of docs/match.md's table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "match/match_int.h"
#include "match_test.h"

/* The SCOs of one JSON line read as format f, with STIX ids. */
static json_t *scos(enum tp_match_format f, const char *log, const char *line)
{
	struct record *r = calloc(1, sizeof *r);
	tp_buf_init(&r->text, 1 << 20);
	struct tp_diag d = {0};
	assert_int_equal(json_line(f, line, strlen(line), log, NULL, 0, r, &d), TP_OK);
	json_t *objs = json_array(), *refs = json_array();
	struct ids ids = {.stable = 1};
	tp_buf_init(&ids.url, 1 << 20);
	enum tp_err e = observe(r, &ids, objs, refs);
	tp_buf_free(&ids.url);
	assert_true(e == TP_OK || e == TP_ENOTFOUND);
	json_decref(refs);
	tp_buf_free(&r->text);
	free(r);
	return objs;
}

static json_t *of_type(json_t *objs, const char *type, size_t nth)
{
	size_t i;
	json_t *o;
	json_array_foreach(objs, i,
			   o) if (strcmp(tp_json_str(o, "type"), type) == 0 && !nth--) return o;
	return NULL;
}

static void test_http(void **state)
{
	(void)state;
	json_t *o = scos(
		TP_MATCH_ZEEK_JSON, "",
		"{\"_path\":\"http\",\"ts\":1.5,\"id.orig_h\":\"10.0.1.4\",\"id.orig_p\":5000,"
		"\"id.resp_h\":\"192.0.2.8\",\"id.resp_p\":8080,\"method\":\"POST\","
		"\"host\":\"evil.example:8080\",\"uri\":\"/a.php?x=1\",\"user_agent\":\"curl/8\"}");
	/* HTTP::build_url: the Host header as logged, the port when not 80
	 * unless the header has it already (Zeek would write it twice) */
	assert_string_equal(tp_json_str(of_type(o, "url", 0), "value"),
			    "http://evil.example:8080/a.php?x=1");
	assert_string_equal(tp_json_str(of_type(o, "domain-name", 0), "value"), "evil.example");
	json_t *nt = of_type(o, "network-traffic", 0);
	assert_int_equal(json_integer_value(json_object_get(nt, "dst_port")), 8080);
	json_t *ext = json_object_get(json_object_get(nt, "extensions"), "http-request-ext");
	assert_string_equal(tp_json_str(ext, "request_method"), "post");
	assert_string_equal(tp_json_str(ext, "request_value"), "/a.php?x=1");
	assert_string_equal(tp_json_str(json_object_get(ext, "request_header"), "User-Agent"),
			    "curl/8");
	/* protocols: the network layer when the log has no proto, then http */
	json_t *p = json_object_get(nt, "protocols");
	assert_string_equal(json_string_value(json_array_get(p, 0)), "ipv4");
	assert_string_equal(json_string_value(json_array_get(p, 1)), "http");
	/* src_ref resolves to the ipv4-addr with its deterministic id */
	json_t *src = of_type(o, "ipv4-addr", 0);
	assert_string_equal(tp_json_str(nt, "src_ref"), tp_json_str(src, "id"));
	json_decref(o);
	/* no Host: the responder's address, IPv6 in brackets */
	o = scos(TP_MATCH_ZEEK_JSON, "http",
		 "{\"ts\":1,\"uid\":\"C\",\"id.resp_h\":\"2001:db8::8\",\"id.resp_p\":81,\"uri\":"
		 "\"/x\"}");
	assert_string_equal(tp_json_str(of_type(o, "url", 0), "value"),
			    "http://[2001:db8::8]:81/x");
	assert_string_equal(tp_json_str(of_type(o, "ipv6-addr", 0), "value"), "2001:db8::8");
	json_decref(o);
}

/* A URI whose bytes are not UTF-8 (a Zeek log's \xff read back): the
 * traffic is still observed, without the http-request-ext that needs it
 * as a string, and nothing is taken for a lack of memory. */
static void test_http_uri_not_utf8(void **state)
{
	(void)state;
	struct record *r = calloc(1, sizeof *r);
	tp_buf_init(&r->text, 1 << 20);
	record_reset(r);
	snprintf(r->log, sizeof r->log, "http");
	assert_int_equal(record_add(r, F_SRC, "10.0.1.4", 8), TP_OK);
	assert_int_equal(record_add(r, F_DST, "192.0.2.8", 9), TP_OK);
	assert_int_equal(record_add(r, F_METHOD, "GET", 3), TP_OK);
	static const char uri[] = "/b/\xff\xffW.png";
	assert_int_equal(record_add(r, F_URI, uri, sizeof uri - 1), TP_OK);
	json_t *objs = json_array(), *refs = json_array();
	struct ids ids = {.stable = 1};
	tp_buf_init(&ids.url, 1 << 20);
	assert_int_equal(observe(r, &ids, objs, refs), TP_OK);
	json_t *nt = of_type(objs, "network-traffic", 0);
	assert_non_null(nt);
	assert_null(json_object_get(nt, "extensions"));
	tp_buf_free(&ids.url);
	json_decref(objs);
	json_decref(refs);
	tp_buf_free(&r->text);
	free(r);
}

static void test_dns_and_files(void **state)
{
	(void)state;
	json_t *o = scos(TP_MATCH_ZEEK_JSON, "dns",
			 "{\"ts\":1,\"uid\":\"C\",\"query\":\"www.example.org\",\"proto\":\"udp\","
			 "\"answers\":[\"cdn.example.net\",\"203.0.113.5\",\"TXT some text\"]}");
	json_t *q = NULL;
	for (size_t i = 0; (q = of_type(o, "domain-name", i)); i++)
		if (strcmp(tp_json_str(q, "value"), "www.example.org") == 0)
			break;
	assert_non_null(q);
	json_t *res = json_object_get(q, "resolves_to_refs");
	assert_int_equal(json_array_size(res), 2); /* the TXT answer is no observable */
	json_decref(o);
	o = scos(TP_MATCH_ZEEK_JSON, "files",
		 "{\"ts\":1,\"fuid\":\"F\",\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\","
		 "\"filename\":\"a.exe\",\"total_bytes\":10,\"mime_type\":\"application/"
		 "x-dosexec\"}");
	json_t *f = of_type(o, "file", 0);
	assert_string_equal(tp_json_str(json_object_get(f, "hashes"), "MD5"),
			    "d41d8cd98f00b204e9800998ecf8427e");
	assert_string_equal(tp_json_str(f, "name"), "a.exe");
	assert_int_equal(json_integer_value(json_object_get(f, "size")), 10);
	json_decref(o);
	/* smtp: addresses out of "Name <addr>" */
	o = scos(TP_MATCH_ZEEK_JSON, "smtp",
		 "{\"ts\":1,\"uid\":\"C\",\"mailfrom\":\"<a@b.example>\",\"to\":[\"Bob "
		 "<bob@c.example>\"]}");
	assert_string_equal(tp_json_str(of_type(o, "email-addr", 0), "value"), "a@b.example");
	assert_string_equal(tp_json_str(of_type(o, "email-addr", 1), "value"), "bob@c.example");
	json_decref(o);
}

static void test_eve_tls(void **state)
{
	(void)state;
	json_t *o = scos(
		TP_MATCH_EVE, "",
		"{\"timestamp\":\"2021-06-06T16:54:00.074627+0200\",\"event_type\":\"tls\","
		"\"src_ip\":\"192.168.1.129\",\"dest_ip\":\"122.248.252.67\",\"proto\":\"TCP\","
		"\"tls\":{\"subject\":\"CN=www.myedimax.com\",\"serial\":\"17:8E\","
		"\"fingerprint\":\"2d:d1:9f:80\",\"sni\":\"www.myedimax.com\"}}");
	json_t *x = of_type(o, "x509-certificate", 0);
	assert_string_equal(tp_json_str(json_object_get(x, "hashes"), "SHA-1"), "2dd19f80");
	assert_string_equal(tp_json_str(x, "subject"), "CN=www.myedimax.com");
	assert_string_equal(tp_json_str(of_type(o, "domain-name", 0), "value"), "www.myedimax.com");
	json_t *p = json_object_get(of_type(o, "network-traffic", 0), "protocols");
	assert_string_equal(json_string_value(json_array_get(p, 0)), "tcp");
	assert_string_equal(json_string_value(json_array_get(p, 1)), "tls");
	json_decref(o);
	/* an EVE fileinfo from server to client: the URL takes http_port */
	o = scos(TP_MATCH_EVE, "",
		 "{\"timestamp\":\"2021-06-07T09:25:25.523057+0200\",\"event_type\":\"fileinfo\","
		 "\"src_ip\":\"192.168.1.129\",\"src_port\":554,\"dest_ip\":\"162.142.125.53\","
		 "\"dest_port\":51230,\"proto\":\"TCP\",\"http\":{\"hostname\":\"147.32.82.197\","
		 "\"http_port\":554,\"url\":\"/\"},\"fileinfo\":{\"filename\":\"/\",\"size\":47}}");
	assert_string_equal(tp_json_str(of_type(o, "url", 0), "value"),
			    "http://147.32.82.197:554/");
	assert_int_equal(json_integer_value(json_object_get(of_type(o, "file", 0), "size")), 47);
	json_decref(o);
	/* a certificate with nothing that names it still gets a stable id */
	o = scos(TP_MATCH_EVE, "",
		 "{\"timestamp\":\"2021-06-06T16:54:00Z\",\"event_type\":\"tls\","
		 "\"tls\":{\"subject\":\"CN=a\"}}");
	json_t *o2 = scos(TP_MATCH_EVE, "",
			  "{\"timestamp\":\"2021-06-06T16:54:00Z\",\"event_type\":\"tls\","
			  "\"tls\":{\"subject\":\"CN=a\"}}");
	assert_non_null(of_type(o, "x509-certificate", 0));
	assert_string_equal(tp_json_str(of_type(o, "x509-certificate", 0), "id"),
			    tp_json_str(of_type(o2, "x509-certificate", 0), "id"));
	json_decref(o);
	json_decref(o2);
	/* nothing observable: no SCOs */
	o = scos(TP_MATCH_EVE, "",
		 "{\"timestamp\":\"2021-06-06T16:54:00Z\",\"event_type\":\"stats\"}");
	assert_int_equal(json_array_size(o), 0);
	json_decref(o);
}

static void test_shape(void **state)
{
	(void)state;
	const char *why;
	assert_int_equal(pattern_shape("[ipv4-addr:value = '1.2.3.4']", &why), 0);
	assert_int_equal(pattern_shape("([a:b = 'x] AND [' OR a:c = 'WITHIN'])", &why), 0);
	assert_int_equal(pattern_shape("[a:b = 1] AND [a:c = 2]", &why), 1);
	assert_int_equal(pattern_shape("[a:b = 1] followedby [a:c = 2]", &why), 1);
	assert_int_equal(pattern_shape("[a:b = 1] WITHIN 5 SECONDS", &why), 1);
	assert_int_equal(pattern_shape("[a:b = 1] REPEATS 1024 TIMES", &why), 1);
	assert_null(why);
	assert_int_equal(pattern_shape("[a:b = 1] REPEATS 1025 TIMES", &why), -1);
	assert_non_null(why);
	/* the blocks of a window, brackets in strings and paths kept inside */
	const char *p = "([a:b[*].c = ']' AND a:d = 1] OR [e:f = '[']) FOLLOWEDBY [g:h = 2]";
	const char *b = pattern_block(p);
	assert_int_equal(b - p, 1);
	assert_int_equal(pattern_block_len(b), strlen("[a:b[*].c = ']' AND a:d = 1]"));
	b = pattern_block(b + pattern_block_len(b));
	assert_int_equal(pattern_block_len(b), strlen("[e:f = '[']"));
	b = pattern_block(b + pattern_block_len(b));
	assert_string_equal(b, "[g:h = 2]");
	assert_int_equal(pattern_block_len(b), strlen(b));
	assert_null(pattern_block(b + pattern_block_len(b)));
	/* the SCO kinds a pattern names, references included; not in strings */
	assert_int_equal(pattern_needs("[network-traffic:dst_ref.value = '10.0.0.1']"),
			 S_NT | S_ADDR);
	assert_int_equal(pattern_needs("[url:value = 'file:x' OR file:name = 'email-addr:']"),
			 S_URL | S_FILE);
	assert_int_equal(pattern_needs("[x509-certificate:hashes.'SHA-1' = 'ab']"), S_X509);
	assert_int_equal(pattern_needs("[process:name = 'a']"), 0);
	assert_int_equal(
		pattern_shape(
			"[a:b = 1] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'",
			&why),
		1);
}

/* observe_objects() makes what observe() does, keyed by the same cheap ids. */
static void test_objects_dictionary(void **state)
{
	(void)state;
	static const char *const lines[] = {
		"{\"_path\":\"http\",\"ts\":1.5,\"id.orig_h\":\"10.0.1.4\",\"id.orig_p\":5000,"
		"\"id.resp_h\":\"192.0.2.8\",\"id.resp_p\":8080,\"method\":\"GET\","
		"\"host\":\"evil.example\",\"uri\":\"/a\"}",
		"{\"_path\":\"conn\",\"ts\":2,\"id.orig_h\":\"10.0.1.4\",\"id.orig_p\":5000,"
		"\"id.resp_h\":\"10.0.1.4\",\"id.resp_p\":4444,\"proto\":\"tcp\"}",
		"{\"_path\":\"weird\",\"ts\":3}",
	};
	for (size_t l = 0; l < sizeof lines / sizeof lines[0]; l++) {
		struct record *r = calloc(1, sizeof *r);
		tp_buf_init(&r->text, 1 << 20);
		struct tp_diag d = {0};
		assert_int_equal(json_line(TP_MATCH_ZEEK_JSON, lines[l], strlen(lines[l]), "", NULL,
					   0, r, &d),
				 TP_OK);
		json_t *objs = json_array(), *refs = json_array(), *dict = json_object();
		struct ids ids = {0};
		tp_buf_init(&ids.url, 1 << 20);
		enum tp_err e1 = observe(r, &ids, objs, refs);
		ids.next = 0;
		enum tp_err e2 = observe_objects(r, &ids, dict);
		assert_int_equal(e1, e2);
		assert_int_equal(json_object_size(dict), json_array_size(objs));
		assert_true(l == 2 ? e1 == TP_ENOTFOUND : e1 == TP_OK && json_array_size(objs) > 0);
		for (size_t i = 0; i < json_array_size(objs); i++)
			assert_true(json_equal(
				json_object_get(dict, json_string_value(json_array_get(refs, i))),
				json_array_get(objs, i)));
		ids.stable = 1;
		assert_int_equal(observe_objects(r, &ids, dict), TP_EINVAL);
		tp_buf_free(&ids.url);
		json_decref(objs);
		json_decref(refs);
		json_decref(dict);
		tp_buf_free(&r->text);
		free(r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_http_uri_not_utf8),
		cmocka_unit_test(test_dns_and_files),
		cmocka_unit_test(test_eve_tls),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_objects_dictionary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
