/* Planted indicators found in the real samples: exact counts, first and
 * last seen, TLP carried over, unsupported patterns reported, the cap on
 * observed-data, generic JSON lines through a field map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "match_test.h"

#define APT   "data/telemetry/zeek_apt29eval_otrf/day1/"
#define EVE   "data/telemetry/slips_ctu/suricata/test6-malicious.eve.json.gz"
#define RED   "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

static void read_ok(struct tp_match *m, const char *rel, enum tp_match_format f)
{
	struct tp_diag d = {0};
	enum tp_err e = tp_match_read_file(m, tp_test_path(rel), f, &d);
	if (e)
		fprintf(stderr, "%s:%ld: %s\n", rel, d.line, d.message);
	assert_int_equal(e, TP_OK);
}

static json_t *find(json_t *bundle, const char *type, const char *key, const char *value)
{
	size_t i;
	json_t *o;
	json_array_foreach(json_object_get(bundle, "objects"), i, o)
	{
		const char *t = tp_json_str(o, "type"), *v = tp_json_str(o, key);
		if (t && strcmp(t, type) == 0 && v && strcmp(v, value) == 0)
			return o;
	}
	return NULL;
}

#define IND(n) "indicator--00000000-0000-4000-8000-0000000000" #n

static void test_planted_zeek_json(void **state)
{
	(void)state;
	struct tp_match_opts o = {.identity = "CERT test", .time = 1767225600000000};
	struct seen s = {0};
	struct tp_match *m = planted(&o, &s);
	assert_non_null(m);
	/* two indicators need several records: matched over windows */
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	assert_int_equal(st.unsupported, 0);
	assert_int_equal(st.indicators, 11);
	assert_int_equal(st.windowed, 2);
	assert_int_equal(s.reports, 0);
	read_ok(m, APT "SCRANTON_conn.log", 0);
	read_ok(m, APT "SCRANTON_dns.log", 0);
	read_ok(m, APT "SCRANTON_http.log", 0);
	read_ok(m, APT "SCRANTON_files.log", 0);
	assert_int_equal(hits_of(m, 1), 3);  /* ip 192.168.0.5 */
	assert_int_equal(hits_of(m, 2), 4);  /* domain wpad.dmevals.local */
	assert_int_equal(hits_of(m, 3), 4);  /* url http://192.168.0.4/webdav/python.exe */
	assert_int_equal(hits_of(m, 4), 29); /* file MD5 */
	assert_int_equal(hits_of(m, 5), 6);  /* network-traffic to 10.0.0.4:445 */
	assert_int_equal(hits_of(m, 6), 0);  /* an address not in the logs */
	/* 192.168.0.4 is in 78 records (16 conn, 62 http), the wpad lookup
	 * in 4: "[ip] AND [wpad]" pairs each lookup with one of them, and
	 * "[ip] REPEATS 5 TIMES" takes 15 disjoint fives, 3 records left */
	assert_int_equal(hits_of(m, 7), 4);
	assert_int_equal(hits_of(m, 8), 15);
	tp_match_stats(m, &st);
	assert_int_equal(st.hits, 46 + 2 * 4 + 5 * 15);
	assert_int_equal(st.sighted, 7);
	assert_int_equal(st.window_dropped, 0);
	/* the MD5's 29 hits keep 10 observed-data, the windows' 8 and 75 records 10 each */
	assert_int_equal(st.capped, 19 + 0 + 65);

	json_t *b = NULL;
	struct tp_diag d = {0};
	assert_int_equal(tp_match_sightings(m, &b, &d), TP_OK);
	json_t *sg = find(b, "sighting", "sighting_of_ref", IND(04));
	assert_non_null(sg);
	assert_int_equal(json_integer_value(json_object_get(sg, "count")), 29);
	assert_string_equal(tp_json_str(sg, "first_seen"), "2020-04-30T00:32:21.423786Z");
	assert_string_equal(tp_json_str(sg, "last_seen"), "2020-04-30T00:35:25.657521Z");
	assert_int_equal(json_array_size(json_object_get(sg, "observed_data_refs")), 10);
	/* TLP:RED indicator -> TLP:RED sighting and observed-data */
	json_t *marks = json_object_get(sg, "object_marking_refs");
	assert_int_equal(json_array_size(marks), 1);
	assert_string_equal(json_string_value(json_array_get(marks, 0)), RED);
	json_t *od = find(
		b, "observed-data", "id",
		json_string_value(json_array_get(json_object_get(sg, "observed_data_refs"), 0)));
	assert_non_null(od);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(od, "object_marking_refs"), 0)),
		RED);
	/* the matched file is there, with its hashes, marked too */
	json_t *file = NULL;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(od, "object_refs"), i, v)
	{
		json_t *x = find(b, "file", "id", json_string_value(v));
		if (x)
			file = x;
	}
	assert_non_null(file);
	assert_string_equal(tp_json_str(json_object_get(file, "hashes"), "MD5"),
			    "118a489422be0c5ca0cecf3bb7903c7e");
	assert_non_null(json_object_get(file, "object_marking_refs"));
	/* dns: first and last seen */
	sg = find(b, "sighting", "sighting_of_ref", IND(02));
	assert_string_equal(tp_json_str(sg, "first_seen"), "2020-04-30T00:07:59.132979Z");
	assert_string_equal(tp_json_str(sg, "last_seen"), "2020-04-30T00:37:59.169839Z");
	sg = find(b, "sighting", "sighting_of_ref", IND(03));
	assert_string_equal(tp_json_str(sg, "first_seen"), "2020-04-30T00:35:25.615397Z");
	assert_string_equal(tp_json_str(sg, "last_seen"), "2020-04-30T00:35:25.658110Z");
	/* where sighted: the identity, with the id `tripact import` gives it */
	json_t *ident = find(b, "identity", "name", "CERT test");
	assert_non_null(ident);
	assert_string_equal(
		tp_json_str(ident, "id"),
		json_string_value(json_array_get(json_object_get(sg, "where_sighted_refs"), 0)));
	/* the TLP:GREEN indicator's sighting stays GREEN; the definition is shipped */
	sg = find(b, "sighting", "sighting_of_ref", IND(01));
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(sg, "object_marking_refs"), 0)),
		GREEN);
	assert_non_null(find(b, "marking-definition", "id", GREEN));
	assert_null(find(b, "sighting", "sighting_of_ref", IND(06)));
	json_decref(b);
	tp_match_free(m);
}

static void test_planted_eve(void **state)
{
	(void)state;
	struct tp_match_opts o = {0};
	struct seen s = {0};
	struct tp_match *m = planted(&o, &s);
	read_ok(m, EVE, 0);
	assert_int_equal(hits_of(m, 9), 605);  /* dns rrname and tls sni */
	assert_int_equal(hits_of(m, 10), 445); /* dest_ip */
	assert_int_equal(hits_of(m, 11), 25);  /* url built from http.hostname + http.url */
	json_t *b = NULL;
	assert_int_equal(tp_match_sightings(m, &b, NULL), TP_OK);
	json_t *sg = find(b, "sighting", "sighting_of_ref", IND(09));
	/* Suricata's +0200 offsets come out in UTC */
	assert_string_equal(tp_json_str(sg, "first_seen"), "2021-06-06T14:15:21.635225Z");
	assert_string_equal(tp_json_str(sg, "last_seen"), "2021-06-07T13:39:17.838359Z");
	/* an unmarked indicator gives an unmarked sighting; TLP 1.0 ids are kept */
	assert_null(json_object_get(find(b, "sighting", "sighting_of_ref", IND(10)),
				    "object_marking_refs"));
	sg = find(b, "sighting", "sighting_of_ref", IND(11));
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(sg, "object_marking_refs"), 0)),
		"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82");
	json_decref(b);
	tp_match_free(m);
}

static void test_jsonl_map(void **state)
{
	(void)state;
	/* the apt29 conn log as generic JSON lines: only what is mapped counts */
	const char *map[] = {"src=id_orig_h", "dst=id_resp_h", "dst_port=id_resp_p", "proto=proto",
			     "ts=ts"};
	struct tp_match_opts o = {.map = map, .nmap = 5};
	struct seen s = {0};
	struct tp_match *m = planted(&o, &s);
	read_ok(m, APT "SCRANTON_conn.log", TP_MATCH_JSONL);
	assert_int_equal(hits_of(m, 1), 3);
	assert_int_equal(hits_of(m, 5), 6);
	tp_match_free(m);
	/* unmapped: the addresses are not read */
	const char *only_dst[] = {"dst=id_resp_h"};
	o.map = only_dst;
	o.nmap = 1;
	m = planted(&o, &s);
	read_ok(m, APT "SCRANTON_conn.log", TP_MATCH_JSONL);
	assert_int_equal(hits_of(m, 1), 3);
	assert_int_equal(hits_of(m, 5), 0); /* no port mapped */
	tp_match_free(m);
	/* a map naming no field is refused */
	const char *bad[] = {"source=id_orig_h"};
	o.map = bad;
	struct tp_match *none = NULL;
	assert_int_equal(tp_match_new(&o, NULL, NULL, NULL, &none), TP_EINVAL);
	assert_null(none);
}

struct hitlog {
	size_t n;
	long first_line;
	char log[16];
};

static void on_hit(void *ctx, const struct tp_match_hit *h)
{
	struct hitlog *l = ctx;
	if (!l->n++) {
		l->first_line = h->line;
		snprintf(l->log, sizeof l->log, "%s", h->log);
	}
}

static void test_hit_callback_and_limits(void **state)
{
	(void)state;
	struct hitlog l = {0};
	struct tp_match_opts o = {.max_observed = 2};
	struct tp_match *m = NULL;
	json_t *root =
		json_pack("[{s:s, s:s, s:s, s:s}]", "type", "indicator", "id",
			  "indicator--00000000-0000-4000-8000-000000000099", "pattern",
			  "[domain-name:value = 'wpad.dmevals.local']", "pattern_type", "stix");
	assert_int_equal(tp_match_new(&o, NULL, on_hit, &l, &m), TP_OK);
	assert_int_equal(tp_match_add_indicators(m, root, NULL), TP_OK);
	assert_int_equal(tp_match_compile(m, NULL), TP_OK);
	assert_int_equal(tp_match_add_indicators(m, root, NULL), TP_EINVAL); /* compiled */
	read_ok(m, APT "SCRANTON_dns.log", 0);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.log, "dns");
	assert_true(l.first_line > 0);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	assert_int_equal(st.capped, 2);
	json_decref(root);
	tp_match_free(m);
	/* a pattern that does not parse is reported, not fatal */
	struct seen s = {0};
	root = json_pack("{s:s, s:s, s:s}", "type", "indicator", "id", "indicator--x", "pattern",
			 "[nope");
	assert_int_equal(tp_match_new(&o, seen_report, NULL, &s, &m), TP_OK);
	assert_int_equal(tp_match_add_indicators(m, root, NULL), TP_OK);
	assert_int_equal(s.reports, 1);
	tp_match_stats(m, &st);
	assert_int_equal(st.unsupported, 1);
	json_decref(root);
	tp_match_free(m);
}

/* References between the SCOs of one record resolve while matching. */
static void test_references(void **state)
{
	(void)state;
	struct tp_match_opts o = {0};
	struct tp_match *m = NULL;
	json_t *root = json_pack(
		"[{s:s, s:s, s:s}, {s:s, s:s, s:s}]", "type", "indicator", "id", "indicator--a",
		"pattern", "[domain-name:resolves_to_refs[*].value = '10.0.0.4']", "type",
		"indicator", "id", "indicator--b", "pattern",
		"[network-traffic:src_ref.value = '10.0.1.4' AND network-traffic:dst_port = 53]");
	assert_int_equal(tp_match_new(&o, NULL, NULL, NULL, &m), TP_OK);
	assert_int_equal(tp_match_add_indicators(m, root, NULL), TP_OK);
	assert_int_equal(tp_match_compile(m, NULL), TP_OK);
	read_ok(m, APT "SCRANTON_dns.log", 0);
	size_t hits;
	tp_match_indicator(m, 0, NULL, &hits, NULL);
	assert_int_equal(hits, 1);
	tp_match_indicator(m, 1, NULL, &hits, NULL);
	assert_int_equal(hits, 29);
	json_decref(root);
	tp_match_free(m);
}

/* The four wpad queries of SCRANTON_dns.log at 00:07:59, 00:17:59,
 * 00:27:59 and 00:37:59 on 2020-04-30, against validity windows. */
static void validity_case(enum tp_match_validity v, const char *from, const char *until,
			  size_t want_hits, size_t want_outside)
{
	struct tp_match_opts o = {.validity = v};
	struct tp_match *m = NULL;
	json_t *root = json_pack("{s:s, s:s, s:s, s:s}", "type", "indicator", "id", "indicator--v",
				 "pattern", "[domain-name:value = 'wpad.dmevals.local']",
				 "valid_from", from);
	if (until)
		json_object_set_new(root, "valid_until", json_string(until));
	assert_int_equal(tp_match_new(&o, NULL, NULL, NULL, &m), TP_OK);
	assert_int_equal(tp_match_add_indicators(m, root, NULL), TP_OK);
	assert_int_equal(tp_match_compile(m, NULL), TP_OK);
	read_ok(m, APT "SCRANTON_dns.log", 0);
	size_t hits = 99, outside = 99;
	tp_match_indicator(m, 0, NULL, &hits, &outside);
	assert_int_equal(hits, want_hits);
	assert_int_equal(outside, want_outside);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	assert_int_equal(st.hits, want_hits);
	assert_int_equal(st.outside, want_outside);
	json_decref(root);
	tp_match_free(m);
}

static void test_validity(void **state)
{
	(void)state;
	const char *later = "2026-01-01T00:00:00Z", *early = "2020-01-01T00:00:00Z";
	/* new intelligence matches old logs unless asked otherwise */
	validity_case(TP_MATCH_VALID_UNTIL, later, NULL, 4, 0);
	validity_case(TP_MATCH_VALID_BOTH, later, NULL, 0, 4);
	validity_case(TP_MATCH_VALID_BOTH, "2020-04-30T00:17:59.148441Z", NULL, 3, 1);
	/* valid_until is exclusive; an expired indicator stops firing */
	validity_case(TP_MATCH_VALID_UNTIL, early, "2020-04-30T00:20:00Z", 2, 2);
	validity_case(TP_MATCH_VALID_UNTIL, early, "2020-04-30T00:17:59.148441Z", 1, 3);
	validity_case(TP_MATCH_VALID_UNTIL, early, "2020-04-30T00:03:20Z", 0, 4);
	validity_case(TP_MATCH_VALID_NONE, later, "2020-04-30T00:03:20Z", 4, 0);
	/* a validity that is no timestamp: reported, not matched */
	struct seen s = {0};
	struct tp_match_opts o = {0};
	struct tp_match *m = NULL;
	json_t *root = json_pack("{s:s, s:s, s:s, s:s}", "type", "indicator", "id", "indicator--w",
				 "pattern", "[domain-name:value = 'x.example']", "valid_until",
				 "tomorrow");
	assert_int_equal(tp_match_new(&o, seen_report, NULL, &s, &m), TP_OK);
	assert_int_equal(tp_match_add_indicators(m, root, NULL), TP_OK);
	assert_int_equal(s.reports, 1);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	assert_int_equal(st.unsupported, 1);
	json_decref(root);
	tp_match_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planted_zeek_json),
		cmocka_unit_test(test_planted_eve),
		cmocka_unit_test(test_jsonl_map),
		cmocka_unit_test(test_hit_callback_and_limits),
		cmocka_unit_test(test_references),
		cmocka_unit_test(test_validity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
