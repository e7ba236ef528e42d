/*
 * TAXII node benchmark (issue 4, item 7), on loopback:
 *   1. bulk-load N indicators into the store (default 1,000,000);
 *   2. POST envelopes of 100 indicators from 4 keep-alive clients (objects/s);
 *   3. GET objects?limit=100 with wrk at 64 connections (requests/s, p50, p99);
 *   4. the latency of one page at the start and at the end of the collection
 *      (the cost of a page must not grow with the collection);
 *   5. peak resident memory of this process (server + loader).
 *
 *	bench_taxii [OBJECTS [SECONDS]]      e.g. bench_taxii 100000 5
 *
 * The machine is shared: figures are noisy. Reference (from issue 4, NOT
 * re-measured here: medallion cannot be installed without PyPI): medallion
 * serves about 500 GET requests/s on a 5-object collection on this machine
 * and takes 54 s for one page once a collection holds 4,000 objects.
 */
#include <curl/curl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tripact/buf.h"
#include "tripact/json.h"
#include "tripact/store.h"
#include "tripact/taxii.h"
#include "bench.h"

static long vm_kib(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key) + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static void die(const char *what, const struct tp_diag *d)
{
	fprintf(stderr, "bench_taxii: %s: %s\n", what, d ? d->message : "");
	exit(2);
}

static char *indicator(long k)
{
	char *s = NULL;
	if (asprintf(&s,
		     "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
		     "00000000-0000-4000-8000-%012ld\",\"created\":\"2024-01-01T00:00:00.000Z\","
		     "\"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"bench %ld\","
		     "\"pattern\":\"[ipv4-addr:value = "
		     "'10.%ld.%ld.%ld']\",\"pattern_type\":\"stix\","
		     "\"valid_from\":\"2024-01-01T00:00:00Z\",\"object_marking_refs\":"
		     "[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}",
		     k, k, (k >> 16) & 255, (k >> 8) & 255, k & 255) < 0)
		exit(2);
	return s;
}

static char base[64], token[64];
static double post_until;

static size_t sink(char *p, size_t size, size_t n, void *ud)
{
	struct tp_buf *b = ud;
	if (b && tp_buf_append(b, p, size * n) != TP_OK)
		return 0;
	return size * n;
}

struct poster {
	long first; /* id numbers start here */
	long objects;
	long errors;
	double cpu; /* CPU seconds this client thread used */
};

static void *post_loop(void *arg)
{
	struct poster *p = arg;
	CURL *c = curl_easy_init();
	char url[128], auth[128];
	snprintf(url, sizeof url, "%s/api/collections/bench/objects/", base);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	hl = curl_slist_append(hl, "Content-Type: application/taxii+json;version=2.1");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, NULL);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	long k = p->first;
	while (tp_bench_wall() < post_until) {
		struct tp_buf b;
		tp_buf_init(&b, 0);
		int ok = tp_buf_puts(&b, "{\"objects\":[") == TP_OK;
		for (int i = 0; i < 100 && ok; i++) {
			char *o = indicator(k++);
			ok = tp_buf_printf(&b, "%s%s", i ? "," : "", o) == TP_OK;
			free(o);
		}
		ok = ok && tp_buf_puts(&b, "]}") == TP_OK;
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, b.data);
		long status = 0;
		if (ok && curl_easy_perform(c) == CURLE_OK &&
		    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
		    status == 202)
			p->objects += 100;
		else
			p->errors++;
		tp_buf_free(&b);
	}
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	p->cpu = tp_bench_thread_cpu();
	return NULL;
}

/* Median latency (ms) of n GETs of path. */
static double median_get(const char *path, int n, char *next_out, size_t next_len)
{
	double *t = calloc((size_t)n, sizeof *t);
	CURL *c = curl_easy_init();
	char url[512], auth[128];
	snprintf(url, sizeof url, "%s%s", base, path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	struct tp_buf body;
	for (int i = 0; i < n; i++) {
		tp_buf_init(&body, 64 << 20);
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
		double t0 = tp_bench_wall();
		if (curl_easy_perform(c) != CURLE_OK)
			exit(2);
		t[i] = (tp_bench_wall() - t0) * 1e3;
		if (next_out && i == n - 1) {
			json_t *j = json_loadb(body.data, body.len, 0, NULL);
			const char *nx = json_string_value(json_object_get(j, "next"));
			snprintf(next_out, next_len, "%s", nx ? nx : "");
			json_decref(j);
		}
		tp_buf_free(&body);
	}
	for (int i = 1; i < n; i++) /* insertion sort: n is small */
		for (int j = i; j > 0 && t[j] < t[j - 1]; j--) {
			double x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	double m = t[n / 2];
	free(t);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	return m;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

int main(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: bench_taxii [OBJECTS [SECONDS]]   (default 1000000 10)\n"
		       "TP_BENCH_THREADS=N sets the server's worker threads (default 4).\n"
		       "TP_BENCH_STORE=postgresql://... runs on an (empty) PostgreSQL\n"
		       "database instead of a SQLite store in a scratch directory.\n"
		       "Needs wrk(1) for the GET figures.\n");
		return 0;
	}
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int secs = argc > 2 ? atoi(argv[2]) : 10;
	if (n < 1000 || secs < 1) {
		fprintf(stderr, "usage: bench_taxii [OBJECTS>=1000 [SECONDS]]\n");
		return 2;
	}
	char dir[] = "/tmp/tp-bench-taxii-XXXXXX";
	if (!mkdtemp(dir))
		return 2;
	struct tp_store *s;
	struct tp_diag d = {0};
	struct tp_collection coll;
	int64_t org, tid;
	const char *where = getenv("TP_BENCH_STORE");
	if (!where || !*where)
		where = dir;
	if (tp_store_open(where, &s, &d) || tp_store_org_add(s, "us-cisa", NULL, &org, &d) ||
	    tp_store_user_add(s, "bench", "us-cisa", "bench password", 0, &d) ||
	    tp_store_token_create(s, "bench", NULL, token, &tid, &d) ||
	    tp_store_root_add(s, "api", NULL, NULL, 1, &d) ||
	    tp_store_collection_add(s, "api", NULL, "bench", "Bench", NULL, -1, &coll, &d) ||
	    tp_store_grant(s, coll.id, NULL, "us-cisa", 3, 0, &d))
		die("setting up the node", &d);

	printf("bench_taxii: %ld objects, %d s per run, store %s (rerun: bench_taxii %ld %d)\n", n,
	       secs, where == dir ? "SQLite" : where, n, secs);
	double t0 = tp_bench_wall(), c0 = tp_bench_cpu();
	tp_time_us deep_cursor = 0;
	enum { BATCH = 5000 };
	json_t **objs = calloc(BATCH, sizeof *objs);
	struct tp_store_put *puts = calloc(BATCH, sizeof *puts);
	struct tp_store_put_result *res = calloc(BATCH, sizeof *res);
	for (long k = 0; k < n; k += BATCH) {
		long m = n - k < BATCH ? n - k : BATCH;
		for (long i = 0; i < m; i++) {
			char *t = indicator(k + i);
			objs[i] = json_loads(t, 0, NULL);
			free(t);
			puts[i] = (struct tp_store_put){.collection = coll.id,
							.object = objs[i],
							.origin = org,
							.default_tlp = TP_TLP_AMBER};
		}
		if (tp_store_put_many(s, puts, (size_t)m, res, &d) != TP_OK)
			die("bulk load", &d);
		if (k <= n - 150 && n - 150 < k + m)
			deep_cursor = res[n - 150 - k].date_added;
		for (long i = 0; i < m; i++)
			json_decref(objs[i]);
	}
	double load = tp_bench_wall() - t0, load_cpu = tp_bench_cpu() - c0;
	printf("  store bulk load:   %ld objects in %.1f s = %.0f objects/s (batches of %d);\n"
	       "                     CPU %.1f us per object\n",
	       n, load, (double)n / load, BATCH, load_cpu * 1e6 / (double)n);
	free(objs);
	free(puts);
	free(res);

	const char *te = getenv("TP_BENCH_THREADS");
	unsigned threads = te && atoi(te) > 0 && atoi(te) <= 64 ? (unsigned)atoi(te) : 4;
	printf("  server: %u worker threads\n", threads);
	struct tp_taxii_config cfg = {.store = s,
				      .listen = "127.0.0.1:0",
				      .threads = threads,
				      .default_tlp = TP_TLP_AMBER,
				      .max_content_length = 64u << 20};
	struct tp_taxii_server *srv;
	if (tp_taxii_start(&cfg, &srv, &d) != TP_OK)
		die("starting the server", &d);
	snprintf(base, sizeof base, "http://127.0.0.1:%u", tp_taxii_port(srv));
	curl_global_init(CURL_GLOBAL_DEFAULT);

	/* POST: 4 clients, envelopes of 100 validated indicators */
	struct poster ps[4];
	pthread_t th[4];
	post_until = tp_bench_wall() + secs;
	t0 = tp_bench_wall();
	c0 = tp_bench_cpu();
	for (int i = 0; i < 4; i++) {
		ps[i] = (struct poster){.first = 100000000L * (i + 1)};
		pthread_create(&th[i], NULL, post_loop, &ps[i]);
	}
	long posted = 0, errors = 0;
	double client_cpu = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		posted += ps[i].objects;
		errors += ps[i].errors;
		client_cpu += ps[i].cpu;
	}
	double pt = tp_bench_wall() - t0;
	/* the server's share: this process's CPU time less the clients' */
	double server_cpu = tp_bench_cpu() - c0 - client_cpu;
	printf("  POST (4 clients, 100 indicators per envelope, each validated and stored):\n"
	       "                     %ld objects in %.1f s = %.0f objects/s, %ld failed requests"
	       " (goal >= 50,000)\n"
	       "                     server CPU %.1f us per object = %.0f objects/s per core;"
	       " clients %.1f us\n",
	       posted, pt, (double)posted / pt, errors, server_cpu * 1e6 / (double)posted,
	       (double)posted / server_cpu, client_cpu * 1e6 / (double)posted);

	/* GET with wrk */
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "wrk -t2 -c64 -d%ds --latency -H 'Authorization: Bearer %s' "
		 "'%s/api/collections/bench/objects/?limit=100' 2>&1",
		 secs, token, base);
	c0 = tp_bench_cpu();
	FILE *w = popen(cmd, "r");
	char line[512];
	double rps = 0;
	char p50[32] = "?", p99[32] = "?";
	while (w && fgets(line, sizeof line, w)) {
		sscanf(line, " Requests/sec: %lf", &rps);
		sscanf(line, " 50%% %31s", p50);
		sscanf(line, " 99%% %31s", p99);
	}
	int wrc = w ? pclose(w) : -1;
	double get_cpu = tp_bench_cpu() - c0; /* wrk is another process: all server */
	if (wrc != 0)
		printf("  GET: wrk failed or is not installed (exit %d)\n", wrc);
	else
		printf("  GET objects?limit=100, wrk 64 connections, 2 threads:\n"
		       "                     %.0f requests/s, p50 %s, p99 %s"
		       " (goal >= 5,000/s, p99 <= 20 ms; medallion ~500/s on 5 objects)\n"
		       "                     server CPU %.0f us per request = %.0f requests/s per "
		       "core\n",
		       rps, p50, p99, get_cpu * 1e6 / (rps * secs), rps * secs / get_cpu);

	/* page cost at the start and deep into the collection */
	double first = median_get("/api/collections/bench/objects/?limit=100", 21, NULL, 0);
	char deep[256], tok[24];
	tp_taxii_next_format(deep_cursor, tok);
	snprintf(deep, sizeof deep, "/api/collections/bench/objects/?limit=100&next=%s", tok);
	double last = median_get(deep, 21, NULL, 0);
	double manifest = median_get("/api/collections/bench/manifest/?limit=1000", 21, NULL, 0);
	printf("  one page, median of 21 (single client):\n"
	       "                     objects?limit=100: first page %.2f ms, page at object %ld of"
	       " %ld %.2f ms;\n                     manifest?limit=1000 %.2f ms"
	       " (medallion: 54 s for one page at 4,000 objects)\n",
	       first, n - 150, n, last, manifest);
	printf("  memory: peak resident %.1f MiB, now %.1f MiB (server and loader in one process;"
	       " goal <= 300 MiB)\n",
	       (double)vm_kib("VmHWM:") / 1024, (double)vm_kib("VmRSS:") / 1024);
	tp_taxii_stop(srv);
	tp_store_close(s);
	curl_global_cleanup();
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}
