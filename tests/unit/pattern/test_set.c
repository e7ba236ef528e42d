/*
 * The compiled matcher against the evaluator: a generated corpus of
 * indicators (every indexing path: equality on strings and integers, IN,
 * CIDR, LIKE, MATCHES, unindexable ones, multi-observation ones) and of
 * observations (integer, real and string ports among them), and for
 * every observation the set's answer must equal the evaluator's, pattern
 * by pattern. Also: two threads sharing one set, early stop, statistics.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "pattern/eval.h"
#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/pattern.h"
#include "tripact/pattern_set.h"

#define NIND 600
#define NOBS 400

static uint64_t rng = 0x2545f4914f6cdd1dull;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static const char *const ips[] = {"10.0.0.1",	 "10.0.0.2",	"10.0.0.17", "10.1.2.3",
				  "192.168.7.7", "203.0.113.9", "8.8.8.8"};
static const char *const ip6s[] = {"2001:db8::1", "2001:db8:dead:beef::7", "fe80::1"};
static const char *const domains[] = {"evil.example.com", "mail.example.com", "cdn.example.org",
				      "update-check.example.net"};
static const char *const names[] = {
	"invoice.pdf",
	"invoice.exe",
	"setup.msi",
	"readme.txt",
	"AppleJeus.dmg",
	"\xe1\x84\x87\xe1\x85\xa9\xe1\x84\x80\xe1\x85\xa9\xe1\x84\x89\xe1\x85\xa5.hwp" /* NFD */};
static const char *const md5s[] = {"79054025255fb1a26e4bc422aef54eb4",
				   "cead3f77f6cda6ec00f57d76c9a6879f",
				   "d41d8cd98f00b204e9800998ecf8427e"};
static const char *const wallets[] = {"0x098B716B8Aaf21512996dC57EB0615e2383E2f96",
				      "bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6"};
static const char *const cidrs4[] = {"10.0.0.0/8",     "10.0.0.0/28", "10.0.0.17/32",
				     "192.168.0.0/16", "0.0.0.0/0",   "203.0.113.0/24"};
static const char *const cidrs6[] = {"2001:db8::/32", "2001:db8:dead:beef::/64", "::/0"};
static const char *const likes[] = {
	"%.exe",    "invoice.%", "%example.com",
	"_0.0.0.1", "%Jeus%",	 "\xeb\xb3\xb4\xea\xb3\xa0\xec\x84\x9c%" /* NFC */};
static const char *const regexes[] = {"^inv.*\\\\.(pdf|exe)$",	    "example\\\\.(com|org)$",
				      "^10\\\\.0\\\\.0\\\\.[0-9]$", "(?i)applejeus",
				      "^0x[0-9a-fA-F]{40}$",	    "(a|b)\\\\1"};

/* integer literals: small ones, 2^53 - 1 (the last indexed) and 2^53 + 1
 * (not indexed: as a double it equals the real 2^53) */
static const char *const ports[] = {"80", "443", "4444", "-1", "9007199254740991",
				    "9007199254740993"};
/* dst_port values: integers, reals equal or not to an integer, a string */
static const char *const port_values[] = {"80",	    "443",	"4444.0",	    "4444.5",
					  "-1",	    "\"4444\"", "9007199254740991", "9007199254740991.0",
					  "9007199254740992.0", "1e300"};

#define PICK(a) a[rnd(sizeof a / sizeof a[0])]

/* One leaf comparison (test) as pattern text. */
static void leaf(struct tp_buf *b)
{
	enum tp_err e = TP_OK;
	switch (rnd(16)) {
	case 0:
		e = tp_buf_printf(b, "ipv4-addr:value = '%s'", PICK(ips));
		break;
	case 1:
		e = tp_buf_printf(b, "ipv4-addr:value ISSUBSET '%s'", PICK(cidrs4));
		break;
	case 2:
		e = tp_buf_printf(b, "ipv6-addr:value ISSUBSET '%s'", PICK(cidrs6));
		break;
	case 3:
		e = tp_buf_printf(b, "domain-name:value IN ('%s', '%s')", PICK(domains),
				  PICK(domains));
		break;
	case 4:
		e = tp_buf_printf(b, "file:name LIKE '%s'", PICK(likes));
		break;
	case 5:
		e = tp_buf_printf(b, "file:name MATCHES '%s'", PICK(regexes));
		break;
	case 6:
		e = tp_buf_printf(b, "file:hashes.MD5 = '%s'", PICK(md5s));
		break;
	case 7:
		e = tp_buf_printf(b, "x-crypto-wallet:address = '%s'", PICK(wallets));
		break;
	case 8:
		e = tp_buf_printf(b, "file:size > %u", rnd(3000));
		break;
	case 9:
		e = tp_buf_printf(b, "domain-name:value NOT = '%s'", PICK(domains));
		break;
	case 10:
		e = tp_buf_printf(b, "network-traffic:dst_ref.value = '%s'", PICK(ips));
		break;
	case 11:
		e = tp_buf_printf(b, "domain-name:value MATCHES '%s'", PICK(regexes));
		break;
	case 12:
		e = tp_buf_printf(b, "EXISTS x-crypto-wallet:chain");
		break;
	case 13:
		e = tp_buf_printf(b, "network-traffic:dst_port = %s", PICK(ports));
		break;
	case 14:
		e = tp_buf_printf(b, "network-traffic:dst_port IN (%s, '4444', %s)", PICK(ports),
				  PICK(ports));
		break;
	default:
		e = tp_buf_printf(b, "url:value LIKE 'http://%s/%%'", PICK(domains));
		break;
	}
	assert_int_equal(e, TP_OK);
}

static void comparison(struct tp_buf *b)
{
	unsigned k = rnd(4);
	leaf(b);
	if (k == 1) {
		assert_int_equal(tp_buf_puts(b, " AND "), TP_OK);
		leaf(b);
	} else if (k == 2) {
		assert_int_equal(tp_buf_puts(b, " OR "), TP_OK);
		leaf(b);
	}
}

static void observation(struct tp_buf *b)
{
	assert_int_equal(tp_buf_putc(b, '['), TP_OK);
	comparison(b);
	assert_int_equal(tp_buf_putc(b, ']'), TP_OK);
}

static char *gen_pattern(void)
{
	struct tp_buf b;
	tp_buf_init(&b, 0);
	unsigned shape = rnd(10);
	observation(&b);
	if (shape == 6) {
		assert_int_equal(tp_buf_puts(&b, " OR "), TP_OK);
		observation(&b);
	} else if (shape == 7) {
		assert_int_equal(tp_buf_puts(&b, rnd(2) ? " AND " : " FOLLOWEDBY "), TP_OK);
		observation(&b);
	} else if (shape == 8) {
		assert_int_equal(tp_buf_printf(&b, " REPEATS %u TIMES", 1 + rnd(3)), TP_OK);
	} else if (shape == 9) {
		assert_int_equal(tp_buf_puts(&b, rnd(2) ? " WITHIN 30 SECONDS"
							: " START t'2020-01-01T00:00:00Z' STOP "
							  "t'2020-01-01T01:00:00Z'"),
				 TP_OK);
	}
	return tp_buf_steal(&b);
}

static json_t *gen_sco(int i, json_t *pool_objs)
{
	char id[80];
	json_t *o;
	switch (rnd(7)) {
	case 0:
		o = json_pack("{s:s,s:s}", "type", "ipv4-addr", "value", PICK(ips));
		break;
	case 1:
		o = json_pack("{s:s,s:s}", "type", "ipv6-addr", "value", PICK(ip6s));
		break;
	case 2:
		o = json_pack("{s:s,s:s}", "type", "domain-name", "value", PICK(domains));
		break;
	case 3:
		o = json_pack("{s:s,s:s,s:i,s:{s:s}}", "type", "file", "name", PICK(names), "size",
			      (int)rnd(4000), "hashes", "MD5", PICK(md5s));
		break;
	case 4:
		o = json_pack("{s:s,s:s,s:s}", "type", "x-crypto-wallet", "address", PICK(wallets),
			      "chain", "ethereum");
		if (rnd(2))
			json_object_del(o, "chain");
		break;
	case 5: {
		snprintf(id, sizeof id, "ipv4-addr--dst-%d", i);
		json_array_append_new(pool_objs, json_pack("{s:s,s:s,s:s}", "type", "ipv4-addr",
							   "id", id, "value", PICK(ips)));
		o = json_pack("{s:s,s:s}", "type", "network-traffic", "dst_ref", id);
		if (rnd(4)) {
			json_t *port = json_loads(PICK(port_values), JSON_DECODE_ANY, NULL);
			assert_non_null(port);
			json_object_set_new(o, "dst_port", port);
		}
		break;
	}
	default: {
		char url[128];
		snprintf(url, sizeof url, "http://%s/x", PICK(domains));
		o = json_pack("{s:s,s:s}", "type", "url", "value", url);
		break;
	}
	}
	return o;
}

static json_t *gen_data(void)
{
	json_t *objs = json_array();
	for (int i = 0; i < NOBS; i++) {
		json_t *refs = json_array();
		unsigned n = 1 + rnd(3);
		for (unsigned k = 0; k < n; k++) {
			char id[80];
			snprintf(id, sizeof id, "sco--%d-%u", i, k);
			json_t *o = gen_sco(i * 4 + (int)k, objs);
			json_object_set_new(o, "id", json_string(id));
			json_array_append_new(objs, o);
			json_array_append_new(refs, json_string(id));
		}
		char id[80], t0[40], t1[40];
		unsigned m = rnd(120);
		snprintf(id, sizeof id, "observed-data--%d", i);
		snprintf(t0, sizeof t0, "2020-01-01T00:%02u:00Z", m % 60);
		snprintf(t1, sizeof t1, "2020-01-01T%02u:%02u:30Z", m / 60, m % 60);
		json_array_append_new(objs, json_pack("{s:s,s:s,s:s,s:s,s:i,s:o}", "type",
						      "observed-data", "id", id, "first_observed",
						      t0, "last_observed", t1, "number_observed",
						      1 + (int)rnd(3), "object_refs", refs));
	}
	return objs;
}

struct fixture {
	char *pats[NIND];
	struct tp_pattern *parsed[NIND];
	struct tp_pattern_set *set;
	json_t *root;
	struct tp_pattern_data *data;
};

static struct fixture fx;

static int setup(void **state)
{
	struct tp_diag d = {0};
	assert_int_equal(tp_pattern_set_new(&fx.set), TP_OK);
	for (int i = 0; i < NIND; i++) {
		fx.pats[i] = gen_pattern();
		if (tp_pattern_set_add(fx.set, fx.pats[i], strlen(fx.pats[i]), (uint32_t)i, &d) ||
		    tp_pattern_parse(fx.pats[i], strlen(fx.pats[i]), 0, &fx.parsed[i], &d)) {
			fprintf(stderr, "%s: %s\n", fx.pats[i], d.message);
			return -1;
		}
	}
	if (tp_pattern_set_compile(fx.set, &d) != TP_OK) {
		fprintf(stderr, "compile: %s\n", d.message);
		return -1;
	}
	fx.root = gen_data();
	if (tp_pattern_data_new(fx.root, &fx.data, &d) != TP_OK) {
		fprintf(stderr, "data: %s\n", d.message);
		return -1;
	}
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	for (int i = 0; i < NIND; i++) {
		free(fx.pats[i]);
		tp_pattern_free(fx.parsed[i]);
	}
	tp_pattern_set_free(fx.set);
	tp_pattern_data_free(fx.data);
	json_decref(fx.root);
	return 0;
}

struct hits {
	uint8_t hit[NIND];
	size_t n;
	size_t stop_after; /* 0: never stop */
};

static int on_hit(uint32_t id, void *ctx)
{
	struct hits *h = ctx;
	assert_true(id < NIND);
	assert_int_equal(h->hit[id], 0); /* each indicator once */
	h->hit[id] = 1;
	h->n++;
	return h->stop_after && h->n >= h->stop_after;
}

static int on_hit_prefix(uint32_t id, void *ctx)
{
	struct {
		uint8_t *hit;
		size_t n;
	} *h = ctx;
	assert_int_equal(h->hit[id], 0);
	h->hit[id] = 1;
	h->n++;
	return 0;
}

static void test_differential(void **state)
{
	struct fixture *f = *state;
	struct tp_pattern_scratch *sc = NULL;
	assert_int_equal(tp_pattern_scratch_new(f->set, &sc), TP_OK);
	struct eval_scratch ev;
	assert_int_equal(eval_scratch_init(&ev), 0);
	size_t total = 0, mismatches = 0;
	for (size_t o = 0; o < tp_pattern_data_count(f->data); o++) {
		struct hits h = {0};
		assert_int_equal(tp_pattern_set_match(f->set, sc, f->data, o, on_hit, &h), TP_OK);
		for (int i = 0; i < NIND; i++) {
			uint32_t which = (uint32_t)o;
			int m = 0;
			assert_int_equal(
				eval_pattern(f->parsed[i], f->data, &which, 1, &ev, &m, NULL, NULL),
				TP_OK);
			if (m != h.hit[i] && mismatches++ < 10)
				fprintf(stderr,
					"observation %zu, indicator %d %s: set %d, evaluator %d\n",
					o, i, f->pats[i], h.hit[i], m);
			total += (size_t)m;
		}
	}
	fprintf(stderr, "differential: %d indicators x %zu observations, %zu matches\n", NIND,
		tp_pattern_data_count(f->data), total);
	assert_int_equal(mismatches, 0);
	assert_true(total > 1000); /* the corpus really exercises matching */
	assert_int_equal(tp_pattern_scratch_limit_hits(sc), 0);
	eval_scratch_fini(&ev);
	tp_pattern_scratch_free(sc);
}

static void test_stats(void **state)
{
	struct fixture *f = *state;
	struct tp_pattern_set_stats st;
	tp_pattern_set_stats(f->set, &st);
	fprintf(stderr,
		"stats: %zu indicators, %zu exact, %zu verified, %zu unindexed, %zu eq, %zu cidr, "
		"%zu regex (%zu fallback) in %zu databases, %zu bytes\n",
		st.indicators, st.exact, st.verified, st.unindexed, st.eq_atoms, st.cidr_atoms,
		st.regex_atoms, st.regex_fallback, st.hs_databases, st.bytes);
	assert_int_equal(st.indicators, NIND);
	assert_int_equal(st.exact + st.verified + st.unindexed, NIND);
	assert_true(st.exact > 50 && st.verified > 50 && st.unindexed > 10);
	assert_true(st.eq_atoms > 0 && st.cidr_atoms > 0 && st.regex_atoms > 0);
	assert_true(st.hs_databases >= 2);
	assert_true(st.bytes > 0);
}

static void test_early_stop_and_errors(void **state)
{
	struct fixture *f = *state;
	struct tp_pattern_scratch *sc = NULL;
	assert_int_equal(tp_pattern_scratch_new(f->set, &sc), TP_OK);
	for (size_t o = 0; o < 50; o++) {
		struct hits h = {.stop_after = 1};
		assert_int_equal(tp_pattern_set_match(f->set, sc, f->data, o, on_hit, &h), TP_OK);
		assert_true(h.n <= 1);
	}
	struct hits h = {0};
	assert_int_equal(tp_pattern_set_match(f->set, sc, f->data, 1u << 30, on_hit, &h),
			 TP_EINVAL);
	struct tp_diag d = {0};
	assert_int_equal(tp_pattern_set_add(f->set, "[a:b = 1]", 9, 1, &d), TP_EINVAL);
	tp_pattern_scratch_free(sc);
	/* a bad pattern leaves a set usable */
	struct tp_pattern_set *s = NULL;
	assert_int_equal(tp_pattern_set_new(&s), TP_OK);
	assert_int_equal(tp_pattern_set_add(s, "[a:b = ", 7, 1, &d), TP_EPARSE);
	assert_int_equal(tp_pattern_set_add(s, "[a:b = 'x']", 11, 2, &d), TP_OK);
	assert_int_equal(tp_pattern_scratch_new(s, &sc), TP_EINVAL); /* not compiled yet */
	assert_int_equal(tp_pattern_set_compile(s, &d), TP_OK);
	assert_int_equal(tp_pattern_set_compile(s, &d), TP_EINVAL);
	tp_pattern_set_free(s);
}

struct thread_arg {
	struct fixture *f;
	size_t hits;
	int ok;
};

static void *worker(void *p)
{
	struct thread_arg *a = p;
	struct tp_pattern_scratch *sc = NULL;
	a->ok = tp_pattern_scratch_new(a->f->set, &sc) == TP_OK;
	for (size_t o = 0; a->ok && o < tp_pattern_data_count(a->f->data); o++) {
		struct hits h = {0};
		a->ok = tp_pattern_set_match(a->f->set, sc, a->f->data, o, on_hit, &h) == TP_OK;
		a->hits += h.n;
	}
	tp_pattern_scratch_free(sc);
	return NULL;
}

static void test_threads_share_a_set(void **state)
{
	struct thread_arg a[3] = {{*state, 0, 0}, {*state, 0, 0}, {*state, 0, 0}};
	worker(&a[0]);
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i + 1]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 3; i++)
		assert_true(a[i].ok);
	assert_true(a[0].hits > 0);
	assert_int_equal(a[1].hits, a[0].hits);
	assert_int_equal(a[2].hits, a[0].hits);
}

/* The CIDR prefix tree against brute force: overlapping random networks. */
static void test_prefix_tree(void **state)
{
	(void)state;
	enum { NNET = 3000, NVAL = 600 };
	static char nets[NNET][64];
	static struct cidr parsed[NNET];
	struct tp_pattern_set *s = NULL;
	struct tp_diag d = {0};
	assert_int_equal(tp_pattern_set_new(&s), TP_OK);
	for (int i = 0; i < NNET; i++) {
		const char *type = (i % 3 == 2) ? "ipv6-addr" : "ipv4-addr";
		if (i % 3 == 2)
			snprintf(nets[i], sizeof nets[i], "2001:db8:%x:%x::/%u", rnd(4), rnd(3),
				 rnd(129));
		else
			snprintf(nets[i], sizeof nets[i], "%u.%u.%u.%u/%u", 10 + rnd(2), rnd(4),
				 rnd(3), rnd(256), rnd(33));
		assert_int_equal(tp_pattern_cidr_parse(nets[i], strlen(nets[i]), &parsed[i]), 0);
		char pat[160];
		int n = snprintf(pat, sizeof pat, "[%s:value ISSUBSET '%s']", type, nets[i]);
		assert_int_equal(tp_pattern_set_add(s, pat, (size_t)n, (uint32_t)i, &d), TP_OK);
	}
	assert_int_equal(tp_pattern_set_compile(s, &d), TP_OK);
	json_t *objs = json_array();
	static char vals[NVAL][64];
	for (int j = 0; j < NVAL; j++) {
		int v6 = j % 3 == 2;
		if (v6)
			snprintf(vals[j], sizeof vals[j], "2001:db8:%x:%x::%x%s", rnd(4), rnd(3),
				 rnd(65536), rnd(4) ? "" : "/100");
		else
			snprintf(vals[j], sizeof vals[j], "%u.%u.%u.%u%s", 10 + rnd(2), rnd(4),
				 rnd(3), rnd(256), rnd(4) ? "" : "/20");
		char id[40], od[40];
		snprintf(id, sizeof id, "sco--%d", j);
		snprintf(od, sizeof od, "observed-data--%d", j);
		json_array_append_new(objs, json_pack("{s:s,s:s,s:s}", "type",
						      v6 ? "ipv6-addr" : "ipv4-addr", "id", id,
						      "value", vals[j]));
		json_array_append_new(objs, json_pack("{s:s,s:s,s:s,s:s,s:i,s:[s]}", "type",
						      "observed-data", "id", od, "first_observed",
						      "2024-01-01T00:00:00Z", "last_observed",
						      "2024-01-01T00:00:00Z", "number_observed", 1,
						      "object_refs", id));
	}
	struct tp_pattern_data *data = NULL;
	assert_int_equal(tp_pattern_data_new(objs, &data, &d), TP_OK);
	struct tp_pattern_scratch *sc = NULL;
	assert_int_equal(tp_pattern_scratch_new(s, &sc), TP_OK);
	static uint8_t hit[NNET];
	size_t total = 0;
	for (int j = 0; j < NVAL; j++) {
		memset(hit, 0, sizeof hit);
		struct hits2 {
			uint8_t *hit;
			size_t n;
		} h = {hit, 0};
		assert_int_equal(tp_pattern_set_match(s, sc, data, (size_t)j, on_hit_prefix, &h),
				 TP_OK);
		struct cidr x;
		assert_int_equal(tp_pattern_cidr_parse(vals[j], strlen(vals[j]), &x), 0);
		size_t want = 0;
		for (int i = 0; i < NNET; i++) {
			int w = tp_pattern_cidr_within(&x, &parsed[i]);
			want += (size_t)w;
			if (w != hit[i])
				fprintf(stderr, "%s in %s: set %d, brute force %d\n", vals[j],
					nets[i], hit[i], w);
			assert_int_equal(w, hit[i]);
		}
		assert_int_equal(h.n, want);
		total += want;
	}
	fprintf(stderr, "prefix tree: %d networks x %d values, %zu containments\n", NNET, NVAL,
		total);
	assert_true(total > NVAL);
	tp_pattern_scratch_free(sc);
	tp_pattern_data_free(data);
	json_decref(objs);
	tp_pattern_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
		cmocka_unit_test(test_stats),
		cmocka_unit_test(test_early_stop_and_errors),
		cmocka_unit_test(test_threads_share_a_set),
		cmocka_unit_test(test_prefix_tree),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
