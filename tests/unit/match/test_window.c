/* Indicators over several records: AND, FOLLOWEDBY, WITHIN, REPEATS,
 * START/STOP, across inputs, with a full window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "match_test.h"
#include "tripact/buf.h"

#define DNS(ts, q)                                                                                 \
	"{\"_path\":\"dns\",\"ts\":" #ts ",\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":5000,"         \
	"\"id.resp_h\":\"10.0.0.53\",\"id.resp_p\":53,\"proto\":\"udp\",\"query\":\"" q "\"}\n"
#define CONN(ts, dst)                                                                              \
	"{\"_path\":\"conn\",\"ts\":" #ts ",\"id.orig_h\":\"10.0.0.5\",\"id.orig_p\":5001,"        \
	"\"id.resp_h\":\"" dst "\",\"id.resp_p\":443,\"proto\":\"tcp\"}\n"

/* a.example is looked up at 100, 400 and 2000 s; 10.9.9.9 is reached at
 * 50, 130, 430 and 1000 s. The lookups are read first, as a separate
 * dns.log would be. */
static const char dns_log[] = DNS(100, "a.example") DNS(400, "a.example") DNS(2000, "a.example");
static const char conn_log[] =
	CONN(50, "10.9.9.9") CONN(130, "10.9.9.9") CONN(430, "10.9.9.9") CONN(1000, "10.9.9.9");

struct hits {
	size_t n;
	long line[16];
	char file[16][16];
};

static void on_hit(void *ctx, const struct tp_match_hit *h)
{
	struct hits *l = ctx;
	if (l->n < 16) {
		l->line[l->n] = h->line;
		snprintf(l->file[l->n], sizeof l->file[0], "%s", h->file);
	}
	l->n++;
}

/* A matcher of one pattern, fed dns_log then conn_log. */
static struct tp_match *run(const char *pattern, struct hits *l, struct seen *s)
{
	struct tp_match_opts o = {0};
	struct tp_match *m = NULL;
	json_t *root = json_pack("{s:s, s:s, s:s}", "type", "indicator", "id", "indicator--w",
				 "pattern", pattern);
	assert_int_equal(tp_match_new(&o, seen_report, on_hit, l, &m), TP_OK);
	assert_int_equal(tp_match_add_indicators(m, root, NULL), TP_OK);
	json_decref(root);
	assert_int_equal(tp_match_compile(m, NULL), TP_OK);
	assert_int_equal(tp_match_read_mem(m, "dns.log", dns_log, strlen(dns_log), 0, NULL), TP_OK);
	assert_int_equal(tp_match_read_mem(m, "conn.log", conn_log, strlen(conn_log), 0, NULL),
			 TP_OK);
	(void)s;
	return m;
}

static size_t matches(const struct tp_match *m)
{
	size_t n = 0;
	tp_match_indicator(m, 0, NULL, &n, NULL);
	return n;
}

static void test_followedby_within_across_inputs(void **state)
{
	(void)state;
	struct hits l = {0};
	struct seen s = {0};
	struct tp_match *m = run("[domain-name:value = 'a.example'] FOLLOWEDBY "
				 "[ipv4-addr:value = '10.9.9.9'] WITHIN 60 SECONDS",
				 &l, &s);
	/* (100, 130) and (400, 430); 50 comes before any lookup, 1000 is
	 * too long after 400, nothing follows 2000 */
	assert_int_equal(matches(m), 2);
	assert_int_equal(l.n, 4);
	assert_string_equal(l.file[0], "dns.log");
	assert_int_equal(l.line[0], 1);
	assert_string_equal(l.file[1], "conn.log");
	assert_int_equal(l.line[1], 2);
	assert_int_equal(l.line[2], 2);
	assert_int_equal(l.line[3], 3);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	assert_int_equal(st.windowed, 1);
	assert_int_equal(st.hits, 4);
	assert_int_equal(st.sighted, 1);
	assert_int_equal(st.unsupported, 0);
	/* the sighting counts matches and names all four records */
	json_t *b = NULL;
	assert_int_equal(tp_match_sightings(m, &b, NULL), TP_OK);
	size_t i, ods = 0;
	json_t *v;
	json_array_foreach(json_object_get(b, "objects"), i, v)
	{
		const char *type = tp_json_str(v, "type");
		if (strcmp(type, "sighting") == 0) {
			assert_int_equal(json_integer_value(json_object_get(v, "count")), 2);
			assert_string_equal(tp_json_str(v, "first_seen"),
					    "1970-01-01T00:01:40.000Z");
			assert_string_equal(tp_json_str(v, "last_seen"),
					    "1970-01-01T00:07:10.000Z");
		}
		ods += strcmp(type, "observed-data") == 0;
	}
	assert_int_equal(ods, 4);
	json_decref(b);
	tp_match_free(m);
	/* without WITHIN any later connection will do, yet only the lookups
	 * at 100 and 400 have one after them: still two, whichever pairs */
	memset(&l, 0, sizeof l);
	m = run("[domain-name:value = 'a.example'] FOLLOWEDBY [ipv4-addr:value = '10.9.9.9']", &l,
		&s);
	assert_int_equal(matches(m), 2);
	tp_match_free(m);
}

static void test_and_repeats_start_stop(void **state)
{
	(void)state;
	struct hits l = {0};
	struct seen s = {0};
	/* AND without order or window: each match takes one of each */
	struct tp_match *m =
		run("[domain-name:value = 'a.example'] AND [ipv4-addr:value = '10.9.9.9']", &l, &s);
	assert_int_equal(matches(m), 3);
	assert_int_equal(l.n, 6);
	tp_match_free(m);
	/* four connections: one match of three, one left over */
	memset(&l, 0, sizeof l);
	m = run("[ipv4-addr:value = '10.9.9.9'] REPEATS 3 TIMES", &l, &s);
	assert_int_equal(matches(m), 1);
	assert_int_equal(l.n, 3);
	tp_match_free(m);
	/* only what lies between 300 s and 1200 s: 400, 430 and 1000 */
	memset(&l, 0, sizeof l);
	m = run("[ipv4-addr:value = '10.9.9.9'] REPEATS 2 TIMES "
		"START t'1970-01-01T00:05:00Z' STOP t'1970-01-01T00:20:00Z'",
		&l, &s);
	assert_int_equal(matches(m), 1);
	assert_int_equal(l.n, 2);
	tp_match_free(m);
	/* an OR of two blocks: every record of either is a match */
	memset(&l, 0, sizeof l);
	m = run("[domain-name:value = 'a.example'] OR [ipv4-addr:value = '10.9.9.9']", &l, &s);
	assert_int_equal(matches(m), 7);
	tp_match_free(m);
}

/* A window keeps WINDOW_MAX records; the earliest leave, counted. */
static void test_full_window(void **state)
{
	(void)state;
	struct tp_buf text;
	tp_buf_init(&text, 1 << 24);
	for (int i = 1; i <= 1100; i++)
		assert_int_equal(tp_buf_printf(&text,
					       "{\"_path\":\"conn\",\"ts\":%d,\"id.orig_h\":"
					       "\"10.0.0.5\",\"id.resp_h\":\"10.9.9.9\"}\n",
					       i),
				 TP_OK);
	assert_int_equal(tp_buf_puts(&text, DNS(5000, "b.example")), TP_OK);
	struct hits l = {0};
	struct tp_match_opts o = {0};
	struct tp_match *m = NULL;
	json_t *root =
		json_pack("{s:s, s:s, s:s}", "type", "indicator", "id", "indicator--w", "pattern",
			  "[ipv4-addr:value = '10.9.9.9'] AND [domain-name:value = 'b.example']");
	assert_int_equal(tp_match_new(&o, NULL, on_hit, &l, &m), TP_OK);
	assert_int_equal(tp_match_add_indicators(m, root, NULL), TP_OK);
	assert_int_equal(tp_match_compile(m, NULL), TP_OK);
	assert_int_equal(tp_match_read_mem(m, "x.log", text.data, text.len, 0, NULL), TP_OK);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	assert_int_equal(st.window_dropped, 1100 - 1024 + 1); /* room for the lookup */
	assert_int_equal(matches(m), 1);
	assert_int_equal(l.n, 2);
	assert_true(l.line[0] > 1100 - 1024 + 1); /* a connection still kept */
	json_decref(root);
	tp_match_free(m);
	tp_buf_free(&text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_followedby_within_across_inputs),
		cmocka_unit_test(test_and_repeats_start_stop),
		cmocka_unit_test(test_full_window),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
