/*
 * tripact match throughput: generated Zeek TSV conn, dns and http logs
 * (half conn, a quarter each dns and http) against generated indicators
 * (addresses, domains, URLs, file hashes; one in a thousand of the log
 * values is planted from them so the hit path is exercised too).
 * Everything is generated at run time and deterministic.
 *
 *	bench_match [--records N] [--indicators N] [--traffic] [--dir DIR]
 *
 * --traffic adds one indicator on network-traffic, so every record is
 * also mapped to a network-traffic object (records are only mapped to the
 * SCO kinds some indicator names).
 *
 * Prints records/s and MB/s (CPU and wall), peak RSS and the hits. No
 * reference tool can be run: Zeek (Intel framework) and Suricata
 * (datasets) are not installable from this machine's Debian sources.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "tripact/match.h"

static unsigned long long rng = 88172645463325252ull;
static unsigned long long next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void ip_of(unsigned long long x, char *out)
{
	sprintf(out, "%llu.%llu.%llu.%llu", 1 + (x >> 24) % 223, (x >> 16) & 255, (x >> 8) & 255,
		x & 255);
}

static void domain_of(unsigned long long x, char *out)
{
	sprintf(out, "h%llx.example%llu.com", x & 0xffffff, (x >> 24) % 1000);
}

/* Indicator k's value (kind k % 4) and the log value planted for it. */
static void indicator_value(size_t k, char *out)
{
	unsigned long long x = (unsigned long long)k * 2654435761u + 12345;
	char b[128];
	switch (k % 4) {
	case 0:
		ip_of(x, out);
		break;
	case 1:
		domain_of(x, out);
		break;
	case 2:
		domain_of(x, b);
		sprintf(out, "http://%s/p/%llu.php", b, x % 100000);
		break;
	default:
		sprintf(out, "%016llx%016llx", x * 0x9e3779b97f4a7c15ull, x);
		break;
	}
}

static json_t *indicators(size_t n, int traffic)
{
	json_t *objs = json_array();
	if (traffic) /* one indicator naming network-traffic: every conn row makes one */
		json_array_append_new(objs,
				      json_pack("{s:s, s:s, s:s}", "type", "indicator", "id",
						"indicator--00000000-0000-4000-9000-000000000000",
						"pattern", "[network-traffic:dst_port = 4444]"));
	char v[256], pat[400], id[64];
	for (size_t k = 0; k < n; k++) {
		indicator_value(k, v);
		static const char *const fmt[] = {"[ipv4-addr:value = '%s']",
						  "[domain-name:value = '%s']",
						  "[url:value = '%s']", "[file:hashes.MD5 = '%s']"};
		snprintf(pat, sizeof pat, fmt[k % 4], v);
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012zu", k);
		json_array_append_new(objs,
				      json_pack("{s:s, s:s, s:s, s:s}", "type", "indicator", "id",
						id, "pattern", pat, "pattern_type", "stix"));
	}
	return json_pack("{s:s, s:s, s:o}", "type", "bundle", "id",
			 "bundle--00000000-0000-4000-8000-000000000000", "objects", objs);
}

static const char *header(const char *path, const char *fields, const char *types)
{
	static char h[2048];
	snprintf(h, sizeof h,
		 "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
		 "#path\t%s\n#open\t2026-01-01-00-00-00\n#fields\t%s\n#types\t%s\n",
		 path, fields, types);
	return h;
}

/* A planted value one time in a thousand. */
static int plant(size_t nind, size_t kind, char *out)
{
	if (next() % 1000)
		return 0;
	size_t k = (size_t)(next() % (nind / 4)) * 4 + kind;
	indicator_value(k, out);
	return 1;
}

static long generate(const char *dir, size_t n, size_t nind, char paths[3][512])
{
	long bytes = 0;
	const char *names[3] = {"conn", "dns", "http"};
	size_t counts[3] = {n / 2, n / 4, n - n / 2 - n / 4};
	for (int f = 0; f < 3; f++) {
		snprintf(paths[f], 512, "%s/%s.log", dir, names[f]);
		FILE *o = fopen(paths[f], "w");
		if (!o)
			return -1;
		if (f == 0)
			fputs(header("conn",
				     "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_"
				     "p\tproto\tservice\t"
				     "duration\torig_bytes\tresp_bytes\tconn_state",
				     "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval"
				     "\tcount\t"
				     "count\tstring"),
			      o);
		else if (f == 1)
			fputs(header("dns",
				     "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_"
				     "p\tproto\tquery\t"
				     "qtype_name\trcode_name\tanswers",
				     "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\ts"
				     "tring\t"
				     "vector[string]"),
			      o);
		else
			fputs(header("http",
				     "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_"
				     "p\tmethod\thost\t"
				     "uri\tuser_agent\tstatus_code",
				     "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring"
				     "\tstring\t"
				     "count"),
			      o);
		for (size_t i = 0; i < counts[f]; i++) {
			char a[64], b[64], d[160], p[300];
			ip_of(next() & 0xffffffff, a);
			if (!plant(nind, 0, b))
				ip_of(next() & 0xffffffff, b);
			double ts = 1700000000.0 + (double)i / 100.0;
			if (f == 0) {
				bytes += fprintf(o,
						 "%.6f\tC%zx\t%s\t%llu\t%s\t443\ttcp\tssl\t0."
						 "5\t100\t2000\tSF\n",
						 ts, i, a, 1024 + next() % 60000, b);
			} else if (f == 1) {
				if (!plant(nind, 1, d))
					domain_of(next(), d);
				bytes += fprintf(o,
						 "%.6f\tC%zx\t%s\t%llu\t10.0.0.53\t53\tudp\t%"
						 "s\tA\tNOERROR\t%s\n",
						 ts, i, a, 1024 + next() % 60000, d, b);
			} else {
				if (plant(nind, 2, p)) {
					char *host = p + 7, *slash = strchr(host, '/');
					*slash = '\0';
					bytes += fprintf(o,
							 "%.6f\tC%zx\t%s\t%llu\t%s\t80\tGET\t%s\t/"
							 "%s\tMozilla/5.0\t200\n",
							 ts, i, a, 1024 + next() % 60000, b, host,
							 slash + 1);
					continue;
				}
				domain_of(next(), d);
				bytes += fprintf(o,
						 "%.6f\tC%zx\t%s\t%llu\t%s\t80\tGET\t%s\t/index/"
						 "%llu.html\tMozilla/5.0\t200\n",
						 ts, i, a, 1024 + next() % 60000, b, d,
						 next() % 100000);
			}
		}
		if (fclose(o) != 0)
			return -1;
	}
	return bytes;
}

int main(int argc, char **argv)
{
	size_t n = 2000000, nind = 100000;
	int traffic = 0;
	const char *dir = "/tmp/tripact-bench-match";
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--records") == 0 && i + 1 < argc)
			n = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--indicators") == 0 && i + 1 < argc)
			nind = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--traffic") == 0)
			traffic = 1;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			dir = argv[++i];
		else {
			fprintf(stderr, "usage: bench_match [--records N] [--indicators N] "
					"[--traffic] [--dir DIR]\n");
			return 2;
		}
	}
	if (nind < 4)
		nind = 4;
	mkdir(dir, 0700);
	char paths[3][512];
	double t0 = tp_bench_wall();
	long bytes = generate(dir, n, nind, paths);
	if (bytes < 0) {
		fprintf(stderr, "bench_match: cannot write %s\n", dir);
		return 2;
	}
	printf("generated %zu Zeek TSV records (conn/dns/http), %.1f MB in %s (%.1f s)\n", n,
	       (double)bytes / 1e6, dir, tp_bench_wall() - t0);
	struct tp_match_opts o = {.identity = "bench"};
	struct tp_match *m = NULL;
	struct tp_diag d = {0};
	json_t *b = indicators(nind, traffic);
	double c0 = tp_bench_cpu();
	t0 = tp_bench_wall();
	if (tp_match_new(&o, NULL, NULL, NULL, &m) != TP_OK ||
	    tp_match_add_indicators(m, b, &d) != TP_OK || tp_match_compile(m, &d) != TP_OK) {
		fprintf(stderr, "bench_match: %s\n", d.message);
		return 2;
	}
	json_decref(b);
	printf("compiled %zu indicators: %.2f s CPU\n", nind, tp_bench_cpu() - c0);
	c0 = tp_bench_cpu();
	t0 = tp_bench_wall();
	for (int f = 0; f < 3; f++)
		if (tp_match_read_file(m, paths[f], TP_MATCH_AUTO, &d) != TP_OK) {
			fprintf(stderr, "bench_match: %s:%ld: %s\n", paths[f], d.line, d.message);
			return 2;
		}
	double cpu = tp_bench_cpu() - c0, wall = tp_bench_wall() - t0;
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	size_t recs = st.records[TP_MATCH_ZEEK];
	printf("matched %zu records against %zu indicators: %.2f s CPU, %.2f s wall\n", recs,
	       st.indicators, cpu, wall);
	printf("  %.0f records/s per core (CPU), %.1f MB/s; goal >= 500,000 records/s per core\n",
	       (double)recs / cpu, (double)st.bytes / 1e6 / cpu);
	printf("  hits %zu by %zu indicators; peak RSS %.1f MiB\n", st.hits, st.sighted,
	       (double)tp_bench_peak_rss_kib() / 1024.0);
	printf("  reference: none runnable here (Zeek and Suricata are not in this machine's "
	       "Debian sources)\n");
	printf("rerun: build/release/bench/bench_match --records %zu --indicators %zu%s --dir %s\n",
	       n, nind, traffic ? " --traffic" : "", dir);
	tp_match_free(m);
	for (int f = 0; f < 3; f++)
		remove(paths[f]);
	return 0;
}
