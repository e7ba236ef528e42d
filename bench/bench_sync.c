/*
 * Node-to-node sync between two local nodes, on loopback:
 *   1. node A (us-cisa) holds N GREEN indicators and serves them;
 *   2. node B (jp-nisc) pulls them all (`sync run` with --pull): objects/s;
 *   3. B adds N indicators of its own and pushes them to A: objects/s.
 * Both nodes live in this one process (A's server threads and B's client),
 * so the CPU figure is the cost of the whole exchange, both sides.
 *
 *	bench_sync [OBJECTS]        e.g. bench_sync 100000 (default)
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "tripact/json.h"
#include "tripact/store.h"
#include "tripact/sync.h"
#include "tripact/taxii.h"

static void die(const char *what, const struct tp_diag *d)
{
	fprintf(stderr, "bench_sync: %s: %s\n", what, d ? d->message : "");
	exit(2);
}

/* GREEN indicator number k, of the producer block `who`. */
static json_t *indicator(long who, long k)
{
	char *s = NULL;
	if (asprintf(&s,
		     "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
		     "00000000-0000-4000-8%03ld-%012ld\",\"created\":\"2024-01-01T00:00:00.000Z\","
		     "\"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"bench %ld\","
		     "\"pattern\":\"[ipv4-addr:value = "
		     "'10.%ld.%ld.%ld']\",\"pattern_type\":\"stix\","
		     "\"valid_from\":\"2024-01-01T00:00:00Z\",\"object_marking_refs\":"
		     "[\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]}",
		     who, k, k, (k >> 16) & 255, (k >> 8) & 255, k & 255) < 0)
		exit(2);
	json_t *o = json_loads(s, 0, NULL);
	free(s);
	return o;
}

static void load(struct tp_store *s, int64_t coll, int64_t org, long who, long n)
{
	enum { BATCH = 5000 };
	json_t *objs[BATCH];
	struct tp_store_put puts[BATCH];
	static struct tp_store_put_result res[BATCH];
	struct tp_diag d = {0};
	for (long k = 0; k < n; k += BATCH) {
		long m = n - k < BATCH ? n - k : BATCH;
		for (long i = 0; i < m; i++) {
			objs[i] = indicator(who, k + i);
			puts[i] = (struct tp_store_put){.collection = coll,
							.object = objs[i],
							.origin = org,
							.default_tlp = TP_TLP_AMBER};
		}
		if (tp_store_put_many(s, puts, (size_t)m, res, &d) != TP_OK)
			die("loading", &d);
		for (long i = 0; i < m; i++)
			json_decref(objs[i]);
	}
}

/* A node in dir/name: node organisation `self`, the other one `partner`
 * with a partner-node account `account` granted `bits`. */
static struct tp_store *node(const char *dir, const char *name, const char *self,
			     const char *partner, const char *account, unsigned bits,
			     struct tp_collection *coll, int64_t *self_org, int64_t *partner_org)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	struct tp_store *s;
	struct tp_diag d = {0};
	if (tp_store_open(path, &s, &d) || tp_store_org_add(s, self, NULL, self_org, &d) ||
	    tp_store_org_add(s, partner, NULL, partner_org, &d) ||
	    tp_store_setting_set(s, "node.org", self) ||
	    tp_store_user_add(s, account, partner, "bench password", 1, &d) ||
	    tp_store_root_add(s, "api", NULL, NULL, 1, &d) ||
	    tp_store_collection_add(s, "api", NULL, "feed", "Feed", NULL, -1, coll, &d) ||
	    tp_store_grant(s, coll->id, account, NULL, bits, 0, &d))
		die("setting up a node", &d);
	return s;
}

static void run(struct tp_store *s, struct tp_peer *p, const char *what, long n)
{
	struct tp_sync_stats st = {0};
	struct tp_sync_options o = {.timeout = 600};
	struct tp_diag d = {0};
	double t0 = tp_bench_wall(), c0 = tp_bench_cpu();
	if (tp_sync_peer(s, p, &o, &st, &d) != TP_OK)
		die(what, &d);
	double wall = tp_bench_wall() - t0, cpu = tp_bench_cpu() - c0;
	size_t moved = st.pulled + st.pushed;
	if ((long)moved != n)
		fprintf(stderr, "bench_sync: %s moved %zu of %ld objects\n", what, moved, n);
	printf("  %-5s %zu objects in %.2f s = %.0f objects/s; CPU (both nodes) %.1f us per "
	       "object\n",
	       what, moved, wall, (double)moved / wall, cpu * 1e6 / (double)moved);
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100000;
	if (n < 100 || argc > 2) {
		fprintf(stderr, "usage: bench_sync [OBJECTS>=100]\n");
		return 2;
	}
	char dir[] = "/tmp/tp-bench-sync-XXXXXX";
	if (!mkdtemp(dir))
		return 2;
	printf("bench_sync: %ld objects each way between two nodes on loopback "
	       "(rerun: bench_sync %ld)\n",
	       n, n);
	struct tp_collection ca, cb;
	int64_t us_a, jp_a, jp_b, us_b;
	struct tp_store *a = node(dir, "a", "us-cisa", "jp-nisc", "node-jp",
				  TP_GRANT_READ | TP_GRANT_WRITE, &ca, &us_a, &jp_a);
	struct tp_store *b =
		node(dir, "b", "jp-nisc", "us-cisa", "node-us", TP_GRANT_READ, &cb, &jp_b, &us_b);
	load(a, ca.id, us_a, 1, n);

	struct tp_diag d = {0};
	struct tp_taxii_config cfg = {.store = a,
				      .listen = "127.0.0.1:0",
				      .threads = 4,
				      .default_tlp = TP_TLP_AMBER,
				      .node_org = us_a};
	struct tp_taxii_server *srv;
	if (tp_taxii_start(&cfg, &srv, &d) != TP_OK)
		die("starting node A", &d);
	char token[TP_TOKEN_LEN + 1];
	int64_t tid;
	struct tp_peer p = {.collection = cb.id, .mode = TP_PEER_PULL};
	snprintf(p.token_file, sizeof p.token_file, "%s/a.token", dir);
	FILE *f = fopen(p.token_file, "w");
	if (!f || tp_store_token_create(a, "node-jp", NULL, token, &tid, &d) ||
	    fprintf(f, "%s\n", token) < 0 || fclose(f))
		die("writing the token", &d);
	snprintf(p.name, sizeof p.name, "us");
	snprintf(p.url, sizeof p.url, "http://127.0.0.1:%u/api/", tp_taxii_port(srv));
	snprintf(p.remote_collection, sizeof p.remote_collection, "feed");
	snprintf(p.as_user, sizeof p.as_user, "node-us");
	if (tp_store_peer_add(b, &p, &d) || tp_store_peer_find(b, "us", &p))
		die("adding the peer", &d);
	run(b, &p, "pull", n);

	load(b, cb.id, jp_b, 2, n);
	snprintf(p.name, sizeof p.name, "us-push");
	p.mode = TP_PEER_PUSH;
	if (tp_store_peer_add(b, &p, &d) || tp_store_peer_find(b, "us-push", &p))
		die("adding the peer", &d);
	run(b, &p, "push", n);

	tp_taxii_stop(srv);
	tp_store_close(a);
	tp_store_close(b);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}
