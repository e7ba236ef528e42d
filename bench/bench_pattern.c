/*
 * Pattern benchmarks (all inputs generated at run time, deterministic):
 *
 *  (a) parse rate: 100,000 realistic indicator patterns (addresses, CIDRs,
 *      domains, URLs, hashes, e-mail addresses, wallets, 1% regexes, some
 *      ORs of hashes), parsed and freed one by one;
 *  (b) compiled matcher: 1,000,000 such indicators compiled into one set,
 *      then 1,000,000 observations (10,000 distinct observed-data, each
 *      with one SCO, about 10% of them hitting an indicator, matched 100
 *      times over) on one thread.
 *
 * Goals (issue 3): parse >= 500,000 patterns/s; match >= 2,000,000
 * observations/s with 1M indicators loaded; <= 150 bytes per indexed
 * indicator.
 *
 * Rerun: build/release/bench/bench_pattern [--patterns N] [--indicators N]
 *        [--observations N]
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "tripact/json.h"
#include "tripact/pattern.h"
#include "tripact/pattern_set.h"
#include "bench.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * 4;
}

static void hex(char *out, int n, uint64_t seed)
{
	static const char h[] = "0123456789abcdef";
	uint64_t x = seed;
	for (int i = 0; i < n; i++) {
		if (i % 16 == 0)
			x = seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		out[i] = h[(x >> (4 * (i % 16))) & 15];
	}
	out[n] = 0;
}

enum kind {
	K_IP4,
	K_CIDR4,
	K_IP6,
	K_CIDR6,
	K_DOMAIN,
	K_URL,
	K_MD5,
	K_SHA1,
	K_SHA256,
	K_EMAIL,
	K_WALLET,
	K_HASHPAIR,
	K_REGEX,
	K_COUNT
};

static enum kind pick_kind(uint64_t r)
{
	unsigned p = (unsigned)(r % 1000);
	static const struct {
		unsigned upto;
		enum kind k;
	} mix[] = {
		{230, K_IP4},	 {280, K_CIDR4}, {330, K_IP6},	  {350, K_CIDR6},
		{500, K_DOMAIN}, {600, K_URL},	 {670, K_MD5},	  {720, K_SHA1},
		{800, K_SHA256}, {860, K_EMAIL}, {940, K_WALLET}, {990, K_HASHPAIR},
		{1000, K_REGEX},
	};
	for (size_t i = 0; i < sizeof mix / sizeof mix[0]; i++)
		if (p < mix[i].upto)
			return mix[i].k;
	return K_IP4;
}

/* The indexed value of indicator i (what an observation must carry to hit it). */
static enum kind value_of(uint64_t i, char *type, char *prop, char *val)
{
	uint64_t s = i * 0x9e3779b97f4a7c15ull + 12345;
	enum kind k = pick_kind(s >> 7);
	uint64_t x = s ^ (s >> 29);
	char h[129];
	switch (k) {
	case K_IP4:
	case K_CIDR4:
		strcpy(type, "ipv4-addr"), strcpy(prop, "value");
		sprintf(val, "%u.%u.%u.%u", (unsigned)(x >> 8) % 223 + 1, (unsigned)(x >> 16) & 255,
			(unsigned)(x >> 24) & 255, (unsigned)(x >> 32) & 255);
		break;
	case K_IP6:
	case K_CIDR6:
		strcpy(type, "ipv6-addr"), strcpy(prop, "value");
		sprintf(val, "2001:db8:%x:%x::%x", (unsigned)(x >> 8) & 0xffff,
			(unsigned)(x >> 24) & 0xffff, (unsigned)(x >> 40) & 0xffff);
		break;
	case K_DOMAIN:
		strcpy(type, "domain-name"), strcpy(prop, "value");
		hex(h, 10, x);
		sprintf(val, "%s.%s", h, (x & 1) ? "example.com" : "example.net");
		break;
	case K_URL:
	case K_REGEX:
		strcpy(type, "url"), strcpy(prop, "value");
		hex(h, 12, x);
		sprintf(val, "http://%s.example.org/dl/%s.php?id=%u", h, h + 6,
			(unsigned)(x % 9973));
		break;
	case K_MD5:
	case K_HASHPAIR:
		strcpy(type, "file"), strcpy(prop, "hashes.MD5");
		hex(val, 32, x);
		break;
	case K_SHA1:
		strcpy(type, "file"), strcpy(prop, "hashes.'SHA-1'");
		hex(val, 40, x);
		break;
	case K_SHA256:
		strcpy(type, "file"), strcpy(prop, "hashes.'SHA-256'");
		hex(val, 64, x);
		break;
	case K_EMAIL:
		strcpy(type, "email-addr"), strcpy(prop, "value");
		hex(h, 8, x);
		sprintf(val, "%s@mail%u.example.com", h, (unsigned)(x % 500));
		break;
	case K_WALLET:
		strcpy(type, "x-crypto-wallet"), strcpy(prop, "address");
		hex(h, 40, x);
		sprintf(val, "0x%s", h);
		break;
	default:
		break;
	}
	return k;
}

/* The pattern of indicator i. */
static int pattern_of(uint64_t i, char *out, size_t cap)
{
	char type[32], prop[32], val[160], h[65];
	enum kind k = value_of(i, type, prop, val);
	switch (k) {
	case K_CIDR4: {
		char *last = strrchr(val, '.');
		strcpy(last, ".0");
		return snprintf(out, cap, "[ipv4-addr:value ISSUBSET '%s/24']", val);
	}
	case K_CIDR6:
		return snprintf(out, cap, "[ipv6-addr:value ISSUBSET '%s/112']", val);
	case K_HASHPAIR:
		hex(h, 64, i);
		return snprintf(out, cap,
				"[file:hashes.MD5 = '%s' OR file:hashes.'SHA-256' = '%s']", val, h);
	case K_REGEX: {
		/* regexes on the URL's host, as analysts write them */
		char host[64];
		sscanf(val + 7, "%63[^.]", host);
		return snprintf(
			out, cap,
			"[url:value MATCHES '^https?://%.8s[0-9a-f]*\\\\.example\\\\.org/']", host);
	}
	default:
		return snprintf(out, cap, "[%s:%s = '%s']", type, prop, val);
	}
}

/* Builds the JSON of observation j: hits indicator (j * 7919) % nind 10% of the time. */
static json_t *observation_of(uint64_t j, uint64_t nind, json_t *objs)
{
	char type[32], prop[32], val[160], id[64], sco[64];
	uint64_t r = rnd64();
	uint64_t src = (r % 10 == 0) ? (r >> 8) % nind : nind + (r >> 8);
	enum kind k = value_of(src, type, prop, val);
	json_t *o = json_object();
	snprintf(sco, sizeof sco, "%s--%llu", type, (unsigned long long)j);
	json_object_set_new(o, "type", json_string(type));
	json_object_set_new(o, "id", json_string(sco));
	if (k == K_CIDR4 || k == K_CIDR6 || k == K_IP4 || k == K_IP6)
		json_object_set_new(o, "value", json_string(val));
	else if (strncmp(prop, "hashes.", 7) == 0) {
		const char *alg = prop[7] == '\'' ? (prop[12] == '1' ? "SHA-1" : "SHA-256") : "MD5";
		json_object_set_new(o, "hashes", json_pack("{s:s}", alg, val));
		json_object_set_new(o, "name", json_string("payload.bin"));
	} else
		json_object_set_new(o, prop, json_string(val));
	json_array_append_new(objs, o);
	snprintf(id, sizeof id, "observed-data--%llu", (unsigned long long)j);
	json_t *od = json_pack("{s:s,s:s,s:s,s:s,s:i,s:[s]}", "type", "observed-data", "id", id,
			       "first_observed", "2024-03-01T00:00:00Z", "last_observed",
			       "2024-03-01T00:00:05Z", "number_observed", 1, "object_refs", sco);
	json_array_append_new(objs, od);
	return od;
}

static int on_hit(uint32_t id, void *ctx)
{
	(*(size_t *)ctx)++;
	return 0;
}

static long arg(int argc, char **argv, const char *name, long def)
{
	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return atol(argv[i + 1]);
	return def;
}

int main(int argc, char **argv)
{
	long npat = arg(argc, argv, "--patterns", 100000);
	long nind = arg(argc, argv, "--indicators", 1000000);
	long nobs = arg(argc, argv, "--observations", 1000000);
	char buf[512];
	struct tp_diag d = {0};

	/* (a) parse rate */
	char **pats = malloc((size_t)npat * sizeof *pats);
	size_t bytes = 0;
	for (long i = 0; i < npat; i++) {
		int n = pattern_of((uint64_t)i, buf, sizeof buf);
		pats[i] = strndup(buf, (size_t)n);
		bytes += (size_t)n;
	}
	double t0 = tp_bench_wall();
	for (long i = 0; i < npat; i++) {
		struct tp_pattern *p = NULL;
		if (tp_pattern_parse(pats[i], strlen(pats[i]), 0, &p, &d) != TP_OK) {
			fprintf(stderr, "bench_pattern: %s: %s\n", pats[i], d.message);
			return 1;
		}
		tp_pattern_free(p);
	}
	double tparse = tp_bench_wall() - t0;
	for (long i = 0; i < npat; i++)
		free(pats[i]);
	free(pats);
	printf("parse:   %ld patterns (%.1f MB) in %.3f s = %.0f patterns/s (goal >= 500000)\n",
	       npat, (double)bytes / 1e6, tparse, (double)npat / tparse);

	/* (b) compile */
	malloc_trim(0);
	long rss0 = rss_kb();
	struct tp_pattern_set *set = NULL;
	if (tp_pattern_set_new(&set) != TP_OK)
		return 1;
	t0 = tp_bench_wall();
	for (long i = 0; i < nind; i++) {
		int n = pattern_of((uint64_t)i, buf, sizeof buf);
		if (tp_pattern_set_add(set, buf, (size_t)n, (uint32_t)i, &d) != TP_OK) {
			fprintf(stderr, "bench_pattern: %s: %s\n", buf, d.message);
			return 1;
		}
	}
	double tadd = tp_bench_wall() - t0;
	t0 = tp_bench_wall();
	if (tp_pattern_set_compile(set, &d) != TP_OK) {
		fprintf(stderr, "bench_pattern: compile: %s\n", d.message);
		return 1;
	}
	double tcomp = tp_bench_wall() - t0;
	/* Hand the builder's freed temporaries back (glibc keeps them), so the
	 * RSS figure is what the compiled set holds. */
	malloc_trim(0);
	long rss1 = rss_kb();
	struct tp_pattern_set_stats st;
	tp_pattern_set_stats(set, &st);
	size_t indexed = st.exact + st.verified;
	printf("compile: %ld indicators: add (parse + atoms) %.2f s, build indexes %.2f s, "
	       "total %.2f s\n",
	       nind, tadd, tcomp, tadd + tcomp);
	printf("         %zu exact, %zu verified, %zu unindexed; %zu eq + %zu cidr + %zu regex "
	       "atoms, %zu Hyperscan db, %zu regex fallbacks\n",
	       st.exact, st.verified, st.unindexed, st.eq_atoms, st.cidr_atoms, st.regex_atoms,
	       st.hs_databases, st.regex_fallback);
	printf("memory:  %.1f MB accounted = %.0f bytes/indexed indicator (goal <= 150); "
	       "RSS grew %.1f MB = %.0f bytes/indicator\n",
	       (double)st.bytes / 1e6, indexed ? (double)st.bytes / (double)indexed : 0.0,
	       (double)(rss1 - rss0) / 1024,
	       nind ? (double)(rss1 - rss0) * 1024 / (double)nind : 0);

	/* observations: 10,000 distinct ones reused */
	long ndistinct = nobs < 10000 ? nobs : 10000;
	json_t *objs = json_array();
	for (long j = 0; j < ndistinct; j++)
		observation_of((uint64_t)j, (uint64_t)nind, objs);
	struct tp_pattern_data *data = NULL;
	if (tp_pattern_data_new(objs, &data, &d) != TP_OK) {
		fprintf(stderr, "bench_pattern: data: %s\n", d.message);
		return 1;
	}
	struct tp_pattern_scratch *sc = NULL;
	if (tp_pattern_scratch_new(set, &sc) != TP_OK)
		return 1;
	/* Five passes; the best is the one least disturbed by other load. Both
	 * wall-clock and thread CPU time are reported: on a shared machine the
	 * CPU-time rate is what one core does. */
	size_t hits = 0;
	double best = 0, worst = 0, bestcpu = 0;
	for (int pass = 0; pass < 5; pass++) {
		hits = 0;
		t0 = tp_bench_wall();
		double c0 = tp_bench_thread_cpu();
		for (long j = 0; j < nobs; j++)
			if (tp_pattern_set_match(set, sc, data, (size_t)(j % ndistinct), on_hit,
						 &hits) != TP_OK)
				return 1;
		double t = tp_bench_wall() - t0, c = tp_bench_thread_cpu() - c0;
		if (pass == 0 || t < best)
			best = t;
		if (pass == 0 || c < bestcpu)
			bestcpu = c;
		if (t > worst)
			worst = t;
	}
	printf("match:   %ld observations (%ld distinct, ~10%% carry an indicator value), one "
	       "thread: best of 5 passes %.3f s = %.0f observations/s wall (worst %.0f/s), "
	       "%.0f observations per CPU-second (goal >= 2000000); %zu hits\n",
	       nobs, ndistinct, best, (double)nobs / best, (double)nobs / worst,
	       (double)nobs / bestcpu, hits);
	printf("reference: no figure for the OASIS cti-pattern-matcher (Python, not installable "
	       "offline here); it evaluates one pattern at a time.\n");
	printf("rerun:   build/release/bench/bench_pattern --patterns %ld --indicators %ld "
	       "--observations %ld (2 shared cores: figures are noisy)\n",
	       npat, nind, nobs);
	tp_pattern_scratch_free(sc);
	tp_pattern_data_free(data);
	json_decref(objs);
	tp_pattern_set_free(set);
	return 0;
}
