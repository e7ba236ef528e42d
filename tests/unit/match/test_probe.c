/*
 * The probes (probe.c) against the JSON path: generated records carrying
 * every field observe.c maps, from small pools so that indicators on every
 * SCO kind and property hit, are matched twice, once with the probes and
 * once building every record's JSON; the hits (indicator, file, line) and
 * the sightings bundle must be the same byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "match/engine.h"
#include "match_test.h"

static const char *const addrs[] = {"10.0.0.1",	       "10.0.0.2",  "192.168.1.7", "2001:db8::1",
				    "::ffff:10.0.0.1", "not-an-ip", "10.0.0.300",  "10.0.1.9"};
static const char *const ports[] = {"80", "443", "4444", "8080", "", "70000", "x", "53"};
static const char *const names[] = {"a.example",     "B.example",  "evil.example.com",
				    "noDot",	     "10.0.0.1",   "c.example:8080",
				    "TXT text here", "2001:db8::1"};
static const char *const answers[] = {"10.0.0.2",  "2001:db8::1",   "b.example",
				      "c.example", "TXT text here", "10.0.0.1"};
static const char *const hosts[] = {"a.example", "a.example:8080", "2001:db8::1",
				    "evil.example.com:80"};
static const char *const uris[] = {"/", "/a.php", "/x?y=1", "/inv.pdf"};
static const char *const methods[] = {"GET", "post", "AVeryLongMethodNameOfMoreThan31Bytes"};
static const char *const agents[] = {"curl/8", "Mozilla/5.0 (X11)", "evilbot"};
static const char *const urls[] = {"http://a.example/a.php", "http://evil.example.com/x",
				   "https://b.example/"};
static const char *const hashes[] = {"d41d8cd98f00b204e9800998ecf8427e", "aa:bb:cc:dd", "AABBCCDD",
				     "1234abcd"};
static const char *const files[] = {"inv.pdf", "a.exe", "report.doc"};
static const char *const sizes[] = {"100", "0", "-1", "abc", "4444", ""};
static const char *const mimes[] = {"application/pdf", "text/plain"};
static const char *const emails[] = {"Eve <eve@evil.example>", "bob@a.example", "nobody",
				     " carol@c.example "};
static const char *const certs[] = {"CN=evil", "CN=ca", "01AB", "O=Example"};

static unsigned long long rng = 2463534242ull;
static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const protos[] = {"TCP", "udp"};

#define POOL(pool) pool, sizeof pool / sizeof pool[0]
/* The members of a record, each present in about every other record;
 * several values (an array) where a field may have several. */
static const struct {
	const char *key;
	const char *const *pool;
	size_t n;
	int many;
} fields[] = {
	{"src", POOL(addrs), 1},	  {"dst", POOL(addrs), 0},
	{"src_port", POOL(ports), 0},	  {"dst_port", POOL(ports), 0},
	{"http_port", POOL(ports), 0},	  {"proto", POOL(protos), 0},
	{"query", POOL(names), 0},	  {"answer", POOL(answers), 1},
	{"host", POOL(hosts), 0},	  {"uri", POOL(uris), 0},
	{"method", POOL(methods), 0},	  {"user_agent", POOL(agents), 0},
	{"url", POOL(urls), 0},		  {"sni", POOL(names), 1},
	{"domain", POOL(names), 0},	  {"md5", POOL(hashes), 0},
	{"sha1", POOL(hashes), 0},	  {"sha256", POOL(hashes), 0},
	{"filename", POOL(files), 0},	  {"size", POOL(sizes), 0},
	{"mime_type", POOL(mimes), 0},	  {"email", POOL(emails), 1},
	{"cert_subject", POOL(certs), 0}, {"cert_issuer", POOL(certs), 0},
	{"cert_serial", POOL(certs), 0},  {"cert_sha1", POOL(hashes), 0},
	{"cert_sha256", POOL(hashes), 0},
};

/* n JSON lines read with the default map: every field by its own name. */
static void records(struct tp_buf *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(tp_buf_printf(b, "{\"ts\":\"%zu.5\"", 1600000000 + 7 * i), TP_OK);
		for (size_t f = 0; f < sizeof fields / sizeof fields[0]; f++) {
			if (next() % 2 == 0)
				continue;
			size_t many = fields[f].many ? 1 + next() % 3 : 0;
			assert_int_equal(
				tp_buf_printf(b, ",\"%s\":%s", fields[f].key, many ? "[" : ""),
				TP_OK);
			for (size_t k = 0; k < (many ? many : 1); k++)
				assert_int_equal(
					tp_buf_printf(b, "%s\"%s\"", k ? "," : "",
						      fields[f].pool[next() % fields[f].n]),
					TP_OK);
			assert_int_equal(tp_buf_puts(b, many ? "]" : ""), TP_OK);
		}
		assert_int_equal(tp_buf_puts(b, "}\n"), TP_OK);
	}
}

#define HTTP_EXT "network-traffic:extensions.'http-request-ext'."
/* Indicators no record can match: no address, a string for an integer,
 * a type never made. */
#define NEVER_1 "[ipv4-addr:value = '10.0.0.300']"
#define NEVER_2 "[network-traffic:dst_port = '8080']"
#define NEVER_3 "[process:name = 'never.exe']"

/* Every SCO kind and property observe.c writes: equality, CIDR, regex,
 * LIKE, integers, references (behind an indexed comparison), windows. */
static const char *const indexed[] = {
	"[ipv4-addr:value = '10.0.0.1']",
	NEVER_1,
	"[ipv4-addr:value ISSUBSET '10.0.0.0/24']",
	"[ipv6-addr:value = '2001:db8::1']",
	"[ipv6-addr:value ISSUBSET '::ffff:0:0/96']",
	"[ipv6-addr:value ISSUBSET '2001:db8::/32']",
	"[network-traffic:dst_port = 4444]",
	"[network-traffic:src_port IN (53, 443)]",
	NEVER_2,
	"[network-traffic:dst_port = 8080 AND network-traffic:src_ref.value = '10.0.0.2']",
	"[network-traffic:src_port = 80 AND network-traffic:dst_ref.value ISSUBSET '10.0.0.0/8']",
	"[" HTTP_EXT "request_method = 'post']",
	"[" HTTP_EXT "request_method = 'averylongmethodnameofmorethan31']",
	"[" HTTP_EXT "request_value = '/a.php']",
	"[" HTTP_EXT "request_header.Host = 'a.example:8080']",
	"[" HTTP_EXT "request_header.'User-Agent' MATCHES '^Mozilla']",
	"[domain-name:value = 'a.example']",
	"[domain-name:value = 'c.example']",
	"[domain-name:value MATCHES 'evil\\\\.example']",
	"[domain-name:value LIKE 'B.%']",
	"[domain-name:value = 'B.example' AND domain-name:resolves_to_refs[*].value = '10.0.0.2']",
	"[url:value = 'http://a.example:8080/a.php']",
	"[url:value = 'http://a.example/a.php']",
	"[url:value LIKE 'http://[2001:db8::1]%']",
	"[url:value = 'http://evil.example.com:80/x?y=1']",
	"[url:value LIKE 'http://10.0.0.1%']",
	"[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
	"[file:hashes.'SHA-1' = 'aabbccdd']",
	"[file:hashes.'SHA-256' = 'AABBCCDD']",
	"[file:name MATCHES '\\\\.pdf$']",
	"[file:size = 4444]",
	"[file:size IN (0, 100)]",
	"[file:mime_type = 'text/plain' AND file:size > 10]",
	"[x509-certificate:hashes.'SHA-1' = 'aabbccdd']",
	"[x509-certificate:hashes.'SHA-256' = '1234abcd']",
	"[x509-certificate:subject = 'CN=evil']",
	"[x509-certificate:issuer LIKE 'CN=%']",
	"[x509-certificate:serial_number = '01AB']",
	"[email-addr:value = 'eve@evil.example']",
	"[email-addr:value MATCHES '^carol@']",
	NEVER_3,
	"[domain-name:value = 'a.example'] FOLLOWEDBY [ipv4-addr:value = '10.0.0.2'] WITHIN 60 "
	"SECONDS",
};

/* Sets the probes cannot answer for: every record is built. */
static const char *const unprobed[] = {
	"[file:size > 10]",
	"[network-traffic:src_ref = '0']",
	"[ipv4-addr:resolves_to_refs[*].value = 'x']",
};

struct run {
	struct tp_buf hits;
};

static void on_hit(void *ctx, const struct tp_match_hit *h)
{
	struct run *r = ctx;
	assert_int_equal(tp_buf_printf(&r->hits, "%s %s %ld %lld\n", h->indicator_id, h->file,
				       h->line, (long long)h->ts),
			 TP_OK);
}

/* The hits and the sightings of patterns over text; *probed: probes used. */
static char *run(const char *const *patterns, size_t n, const char *text, int no_probes,
		 char **sightings, int *probed)
{
	struct run r;
	tp_buf_init(&r.hits, 1 << 26);
	struct tp_match_opts o = {.time = 1700000000000000, .max_observed = 100};
	struct tp_match *m = NULL;
	struct tp_diag d = {0};
	assert_int_equal(tp_match_new(&o, NULL, on_hit, &r, &m), TP_OK);
	m->no_probes = no_probes;
	json_t *objs = json_array();
	for (size_t i = 0; i < n; i++) {
		char id[64];
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012zu", i + 1);
		json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s}", "type", "indicator",
						      "id", id, "pattern", patterns[i],
						      "pattern_type", "stix"));
	}
	assert_int_equal(tp_match_add_indicators(m, objs, &d), TP_OK);
	json_decref(objs);
	assert_int_equal(tp_match_compile(m, &d), TP_OK);
	*probed = m->probes != NULL;
	enum tp_err e = tp_match_read_mem(m, "gen.jsonl", text, strlen(text), TP_MATCH_JSONL, &d);
	if (e)
		fprintf(stderr, "line %ld: %s\n", d.line, d.message);
	assert_int_equal(e, TP_OK);
	json_t *bundle = NULL;
	assert_int_equal(tp_match_sightings(m, &bundle, &d), TP_OK);
	json_object_del(bundle, "id"); /* random: a bundle id is no content */
	*sightings = json_dumps(bundle, JSON_SORT_KEYS | JSON_COMPACT);
	json_decref(bundle);
	tp_match_free(m);
	assert_int_equal(tp_buf_putc(&r.hits, '\0'), TP_OK);
	return r.hits.data;
}

/* Both paths over the same records; the number of hit lines. */
static size_t compare(const char *const *patterns, size_t n, int want_probes)
{
	struct tp_buf text;
	tp_buf_init(&text, 1 << 26);
	records(&text, 3000);
	assert_int_equal(tp_buf_putc(&text, '\0'), TP_OK);
	char *sight_json, *sight_probe;
	int probed_json, probed;
	char *hits_json = run(patterns, n, text.data, 1, &sight_json, &probed_json);
	char *hits_probe = run(patterns, n, text.data, 0, &sight_probe, &probed);
	assert_false(probed_json);
	assert_int_equal(probed, want_probes);
	assert_string_equal(hits_probe, hits_json);
	assert_string_equal(sight_probe, sight_json);
	size_t lines = 0;
	for (const char *p = hits_json; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	free(hits_json);
	free(hits_probe);
	free(sight_json);
	free(sight_probe);
	tp_buf_free(&text);
	return lines;
}

static void test_probes_same_hits(void **state)
{
	(void)state;
	size_t n = sizeof indexed / sizeof indexed[0];
	size_t lines = compare(indexed, n, 1);
	assert_true(lines > 1000);
}

/* Each indicator alone, so a probe missing one kind of value cannot hide
 * behind another indicator's candidate on the same record. */
static void test_probes_each_indicator(void **state)
{
	(void)state;
	size_t hit = 0, n = sizeof indexed / sizeof indexed[0];
	for (size_t i = 0; i < n; i++) {
		rng = 2463534242ull + i;
		size_t lines = compare(&indexed[i], 1, 1);
		if (lines == 0)
			fprintf(stderr, "no hits: %s\n", indexed[i]);
		hit += lines > 0;
	}
	assert_int_equal(hit, n - 3); /* all but NEVER_1..3 */
}

static void test_unprobed_sets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof unprobed / sizeof unprobed[0]; i++) {
		const char *two[] = {indexed[0], unprobed[i]};
		compare(two, 2, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probes_same_hits),
		cmocka_unit_test(test_probes_each_indicator),
		cmocka_unit_test(test_unprobed_sets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
