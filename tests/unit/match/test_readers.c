/* The telemetry readers on real samples: record counts, headers, escapes,
 * unset and empty fields, format detection and bad lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "match/match_int.h"
#include "match_test.h"

static size_t records(const char *rel, enum tp_match_format f, enum tp_match_format want)
{
	struct tp_match_opts o = {0};
	struct seen s = {0};
	struct tp_match *m = planted(&o, &s);
	assert_non_null(m);
	struct tp_diag d = {0};
	enum tp_err e = tp_match_read_file(m, tp_test_path(rel), f, &d);
	if (e)
		fprintf(stderr, "%s:%ld: %s\n", rel, d.line, d.message);
	assert_int_equal(e, TP_OK);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	size_t total = 0;
	for (int i = 0; i < TP_MATCH_FORMATS; i++)
		total += st.records[i];
	assert_int_equal(st.records[want], total); /* all of them read as `want` */
	tp_match_free(m);
	return total;
}

#define APT "data/telemetry/zeek_apt29eval_otrf/"
#define T10 "data/telemetry/slips_ctu/zeek-tsv-test10/"

static void test_counts(void **state)
{
	(void)state;
	/* Zeek JSON with @stream and id_orig_h names, plain and gzip */
	assert_int_equal(records(APT "day1/SCRANTON_conn.log", 0, TP_MATCH_ZEEK_JSON), 134);
	assert_int_equal(records(APT "day1/SCRANTON_dns.log", 0, TP_MATCH_ZEEK_JSON), 32);
	assert_int_equal(records(APT "day1/SCRANTON_http.log", 0, TP_MATCH_ZEEK_JSON), 62);
	assert_int_equal(records(APT "day1/SCRANTON_files.log", 0, TP_MATCH_ZEEK_JSON), 69);
	assert_int_equal(records(APT "day1/combined_zeek.jsonl.gz", 0, TP_MATCH_ZEEK_JSON), 2140);
	assert_int_equal(records(APT "day2/combined_zeek.jsonl.gz", 0, TP_MATCH_ZEEK_JSON), 5664);
	/* Suricata EVE, gzip */
	assert_int_equal(records("data/telemetry/slips_ctu/suricata/test6-malicious.eve.json.gz", 0,
				 TP_MATCH_EVE),
			 5000);
	/* Zeek TSV; conn.log's first header line is indented */
	assert_int_equal(records(T10 "conn.log", 0, TP_MATCH_ZEEK), 141);
	assert_int_equal(records(T10 "dns.log", 0, TP_MATCH_ZEEK), 93);
	assert_int_equal(records(T10 "files.log", 0, TP_MATCH_ZEEK), 6);
	assert_int_equal(records(T10 "ssl.log", 0, TP_MATCH_ZEEK), 13);
	assert_int_equal(records(T10 "x509.log", TP_MATCH_ZEEK, TP_MATCH_ZEEK), 2);
	/* the same JSON read as generic lines when forced */
	assert_int_equal(records(APT "day1/SCRANTON_dns.log", TP_MATCH_JSONL, TP_MATCH_JSONL), 32);
}

static void test_escapes_unset_empty(void **state)
{
	(void)state;
	size_t len;
	char *text = tp_test_slurp(tp_test_path("tests/data/match/escapes.log"), &len);
	assert_non_null(text);
	struct zeek_tsv *z;
	assert_int_equal(zeek_tsv_new(&z), TP_OK);
	struct record *r = calloc(1, sizeof *r);
	tp_buf_init(&r->text, 1 << 20);
	struct tp_diag d = {0};
	char *save = NULL;
	int rows = 0;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int got;
		assert_int_equal(zeek_tsv_line(z, line, strlen(line), r, &got, &d), TP_OK);
		if (!got)
			continue;
		rows++;
		assert_string_equal(r->log, "dns");
		size_t n;
		const char *q = record_get(r, F_QUERY, &n);
		if (rows == 1) {
			assert_int_equal(r->ts, 1700000000500000);
			assert_int_equal(n, 16); /* \x09 decoded to one tab */
			assert_memory_equal(q, "evil\ttab.example", 16);
			/* the set splits on the raw comma only: \x2c stays inside */
			assert_int_equal(r->nv, 8);
			assert_string_equal(record_str(r, 6), "203.0.113.9");
			assert_string_equal(record_str(r, 7), "a,b.example");
		} else if (rows == 2) {
			assert_null(q);				    /* "-" unset */
			assert_null(record_get(r, F_ANSWER, NULL)); /* (empty) */
			assert_int_equal(r->ts, 1700000001000000);
		} else {
			assert_string_equal(q, "back\\slash.example");
			assert_null(record_get(r, F_SRC_PORT, NULL));
			assert_string_equal(record_get(r, F_SRC, NULL), "2001:db8::1");
			assert_int_equal(r->ts, 1700000002000001);
		}
	}
	assert_int_equal(rows, 3);
	tp_buf_free(&r->text);
	free(r);
	zeek_tsv_free(z);
	free(text);
}

static void test_tsv_errors(void **state)
{
	(void)state;
	struct zeek_tsv *z;
	assert_int_equal(zeek_tsv_new(&z), TP_OK);
	struct record *r = calloc(1, sizeof *r);
	struct tp_diag d = {0};
	int got;
	char row[] = "1\t2";
	assert_int_equal(zeek_tsv_line(z, row, 3, r, &got, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "before the #fields"));
	char sep[] = "#separator ab";
	assert_int_equal(zeek_tsv_line(z, sep, strlen(sep), r, &got, &d), TP_EUNSUPPORTED);
	char fields[] = "#fields\tts\tid.orig_h";
	assert_int_equal(zeek_tsv_line(z, fields, strlen(fields), r, &got, &d), TP_OK);
	char types[] = "#types\ttime";
	assert_int_equal(zeek_tsv_line(z, types, strlen(types), r, &got, &d), TP_EPARSE);
	char shortrow[] = "1700000000";
	assert_int_equal(zeek_tsv_line(z, shortrow, strlen(shortrow), r, &got, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "1 columns, the #fields header has 2"));
	char badts[] = "17000x\t10.0.0.1";
	assert_int_equal(zeek_tsv_line(z, badts, strlen(badts), r, &got, &d), TP_EPARSE);
	tp_buf_free(&r->text);
	free(r);
	zeek_tsv_free(z);
}

static void test_bad_lines(void **state)
{
	(void)state;
	/* stops at the first bad row, naming its line */
	struct tp_match_opts o = {0};
	struct seen s = {0};
	struct tp_match *m = planted(&o, &s);
	struct tp_diag d = {0};
	assert_int_equal(tp_match_read_file(m, tp_test_path(T10 "notice.log"), 0, &d), TP_EPARSE);
	assert_int_equal(d.line, 21);
	assert_non_null(strstr(d.message, "23 columns"));
	tp_match_free(m);
	/* --skip-bad: counted, reported with the line, the rest read */
	o.skip_bad = 1;
	memset(&s, 0, sizeof s);
	m = planted(&o, &s);
	tp_diag_clear(&d);
	assert_int_equal(tp_match_read_file(m, tp_test_path(T10 "notice.log"), 0, &d), TP_OK);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	assert_int_equal(st.bad, 1);
	assert_int_equal(s.first_bad_line, 21);
	assert_int_equal(st.records[TP_MATCH_ZEEK], 12);
	/* btest baselines mask their times: every row is bad */
	assert_int_equal(
		tp_match_read_file(
			m, tp_test_path("data/telemetry/zeek_btest_fixtures/opt.basic__http.log"),
			0, &d),
		TP_OK);
	tp_match_stats(m, &st);
	assert_int_equal(st.bad, 15);
	assert_non_null(strstr(s.last, "is not a time"));
	/* JSON lines: syntax, not an object, bad time */
	size_t len;
	char *text = tp_test_slurp(tp_test_path("tests/data/match/bad.jsonl"), &len);
	assert_int_equal(tp_match_read_mem(m, "bad.jsonl", text, len, TP_MATCH_JSONL, &d), TP_OK);
	tp_match_stats(m, &st);
	assert_int_equal(st.bad, 18);
	assert_int_equal(st.records[TP_MATCH_JSONL], 1);
	tp_match_free(m);
	/* without --skip-bad the first bad JSON line stops with its number */
	o.skip_bad = 0;
	m = planted(&o, &s);
	tp_diag_clear(&d);
	assert_int_equal(tp_match_read_mem(m, "bad.jsonl", text, len, TP_MATCH_JSONL, &d),
			 TP_EPARSE);
	assert_int_equal(d.line, 2);
	/* the good records before a bad one are matched, once */
	const char *two = "{\"dst\":\"192.168.0.5\"}\n{\"dst\": nope}\n";
	assert_int_equal(tp_match_read_mem(m, "two.jsonl", two, strlen(two), TP_MATCH_JSONL, &d),
			 TP_EPARSE);
	assert_int_equal(hits_of(m, 1), 1);
	assert_int_equal(tp_match_read_mem(m, "empty", "", 0, TP_MATCH_JSONL, &d), TP_OK);
	assert_int_equal(hits_of(m, 1), 1);
	/* a file that is neither Zeek nor JSON */
	tp_diag_clear(&d);
	assert_int_equal(tp_match_read_mem(m, "x.txt", "hello\n", 6, TP_MATCH_AUTO, &d), TP_EPARSE);
	assert_non_null(strstr(d.message, "--format"));
	assert_int_equal(tp_match_read_file(m, "/nonexistent/x.log", 0, &d), TP_ENOTFOUND);
	free(text);
	tp_match_free(m);
}

/* Times past 9999-12-31T23:59:59Z, which no STIX timestamp holds, are bad
 * records (a sighting of one could not be written); the last second is
 * still a time. */
static void test_time_range(void **state)
{
	(void)state;
	struct tp_match_opts o = {0};
	struct seen s = {0};
	struct tp_match *m = planted(&o, &s);
	static const char *const bad[] = {
		"{\"ts\": 253402300800, \"dst\": \"192.168.0.5\"}\n",
		"{\"ts\": \"253402300800.5\", \"dst\": \"192.168.0.5\"}\n",
		"{\"ts\": 3.0e11, \"dst\": \"192.168.0.5\"}\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct tp_diag d = {0};
		assert_int_equal(
			tp_match_read_mem(m, "t.jsonl", bad[i], strlen(bad[i]), TP_MATCH_JSONL, &d),
			TP_EPARSE);
		assert_non_null(strstr(d.message, "is not a time"));
	}
	const char *last = "{\"ts\": 253402300799, \"dst\": \"192.168.0.5\"}\n";
	struct tp_diag d = {0};
	assert_int_equal(tp_match_read_mem(m, "t.jsonl", last, strlen(last), TP_MATCH_JSONL, &d),
			 TP_OK);
	assert_int_equal(hits_of(m, 1), 1);
	tp_match_free(m);
}

static void test_too_many_values(void **state)
{
	(void)state;
	/* a DNS row with 300 answers: counted as truncated, never dropped silently */
	struct tp_buf b;
	tp_buf_init(&b, 1 << 20);
	assert_int_equal(
		tp_buf_puts(&b,
			    "{\"_path\":\"dns\",\"ts\":1,\"query\":\"a.example\",\"answers\":["),
		TP_OK);
	for (int i = 0; i < 300; i++)
		assert_int_equal(
			tp_buf_printf(&b, "%s\"10.0.%d.%d\"", i ? "," : "", i / 256, i % 256),
			TP_OK);
	assert_int_equal(tp_buf_puts(&b, "]}\n"), TP_OK);
	struct tp_match_opts o = {0};
	struct seen s = {0};
	struct tp_match *m = planted(&o, &s);
	assert_int_equal(tp_match_read_mem(m, "dns.log", b.data, b.len, 0, NULL), TP_OK);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	assert_int_equal(st.records[TP_MATCH_ZEEK_JSON], 1);
	assert_int_equal(st.truncated, 1);
	tp_match_free(m);
	tp_buf_free(&b);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(detect_format("#separator \\x09", 15), TP_MATCH_ZEEK);
	const char *eve =
		"{\"timestamp\":\"2021-06-06T15:59:46.457984+0200\",\"event_type\":\"dns\"}";
	assert_int_equal(detect_format(eve, strlen(eve)), TP_MATCH_EVE);
	const char *zj = "{\"_path\":\"conn\",\"ts\":1}";
	assert_int_equal(detect_format(zj, strlen(zj)), TP_MATCH_ZEEK_JSON);
	const char *gen = "{\"src\":\"10.0.0.1\"}";
	assert_int_equal(detect_format(gen, strlen(gen)), TP_MATCH_JSONL);
	assert_int_equal(detect_format("nope", 4), TP_MATCH_AUTO);
	enum tp_match_format f;
	assert_int_equal(tp_match_format_parse("zeek-json", &f), TP_OK);
	assert_int_equal(f, TP_MATCH_ZEEK_JSON);
	assert_int_equal(tp_match_format_parse("pcap", &f), TP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),		cmocka_unit_test(test_escapes_unset_empty),
		cmocka_unit_test(test_tsv_errors),	cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_time_range),
		cmocka_unit_test(test_too_many_values), cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
