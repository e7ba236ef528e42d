/*
 * The TAXII endpoints over real HTTP on loopback: every endpoint, the
 * filters, pagination (also while another client writes), content
 * negotiation, and bad input (malformed JSON, wrong media types, a 2 GB
 * Content-Length, a client that never finishes its request, traversal in
 * ids, SQL metacharacters, unknown parameters, wrong methods).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "tp_test.h"

static struct node N;
static char alice[64], bob[64], carol[64], wonly[64];
static struct tp_collection C1, C2;
#define OBJS "/api/collections/c1/objects/"

static int setup(void **state)
{
	struct tp_diag d = {0};
	node_open(&N);
	assert_int_equal(tp_store_org_add(N.store, "us-cisa", "CISA", NULL, &d), TP_OK);
	assert_int_equal(tp_store_org_add(N.store, "jp-nisc", "NISC", NULL, &d), TP_OK);
	assert_int_equal(tp_store_root_add(N.store, "api", "Test root", "for tests", 1, &d), TP_OK);
	assert_int_equal(tp_store_collection_add(N.store, "api", NULL, "c1", "One", "first",
						 TP_TLP_GREEN, &C1, &d),
			 TP_OK);
	assert_int_equal(
		tp_store_collection_add(N.store, "api", NULL, "c2", "Two", "", -1, &C2, &d), TP_OK);
	make_user(&N, "alice", "us-cisa", 0, alice);
	make_user(&N, "bob", "jp-nisc", 0, bob);
	make_user(&N, "carol", "jp-nisc", 0, carol);
	make_user(&N, "wonly", "us-cisa", 0, wonly);
	assert_int_equal(tp_store_grant(N.store, C1.id, "alice", NULL, 3, 0, &d), TP_OK);
	assert_int_equal(tp_store_grant(N.store, C1.id, "bob", NULL, 1, 0, &d), TP_OK);
	assert_int_equal(tp_store_grant(N.store, C1.id, "wonly", NULL, 2, 0, &d), TP_OK);
	assert_int_equal(tp_store_grant(N.store, C2.id, NULL, "us-cisa", 3, 0, &d), TP_OK);
	struct tp_taxii_config cfg = {
		.timeout = 2, .max_content_length = 1 << 20, .default_tlp = TP_TLP_AMBER};
	node_serve(&N, &cfg);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	return 0;
}

static int teardown(void **state)
{
	node_close(&N);
	curl_global_cleanup();
	return 0;
}

/* Posts n indicators numbered from k0 with the given modified stamp. */
static void post_range(const char *path, const char *tok, int k0, int n, const char *modified,
		       long want_status, int want_ok)
{
	struct tp_buf b;
	tp_buf_init(&b, 0);
	assert_int_equal(tp_buf_puts(&b, "{\"objects\":["), TP_OK);
	for (int k = k0; k < k0 + n; k++) {
		char *o = indicator(k, modified, NULL);
		assert_int_equal(tp_buf_printf(&b, "%s%s", k > k0 ? "," : "", o), TP_OK);
		free(o);
	}
	assert_int_equal(tp_buf_puts(&b, "]}"), TP_OK);
	struct http h;
	http_post(&N, path, tok, b.data, &h);
	assert_int_equal(h.status, want_status);
	if (want_status == 202)
		assert_int_equal(json_integer_value(json_object_get(h.json, "success_count")),
				 want_ok);
	http_free(&h);
	tp_buf_free(&b);
}

static void test_auth(void **state)
{
	struct http h;
	http_get(&N, "/taxii2/", NULL, &h);
	assert_int_equal(h.status, 401);
	assert_non_null(http_header(&h, "WWW-Authenticate"));
	assert_string_equal(json_string_value(json_object_get(h.json, "http_status")), "401");
	http_free(&h);
	http_get(&N, "/taxii2/", "not-a-token", &h);
	assert_int_equal(h.status, 401);
	http_free(&h);
	http_get(&N, "/taxii2/", "alice:wrong password", &h);
	assert_int_equal(h.status, 401);
	http_free(&h);
	http_get(&N, "/taxii2/", "alice:correct horse battery", &h);
	assert_int_equal(h.status, 200);
	http_free(&h);
	/* a second Basic login hits the verified-password memo; still right */
	http_get(&N, "/taxii2/", "alice:correct horse battery", &h);
	assert_int_equal(h.status, 200);
	http_free(&h);
	http_get(&N, "/taxii2/", "alice:correct horse batterY", &h);
	assert_int_equal(h.status, 401);
	http_free(&h);
}

static void test_discovery_and_root(void **state)
{
	struct http h;
	http_get(&N, "/taxii2/", alice, &h);
	assert_int_equal(h.status, 200);
	assert_string_equal(http_header(&h, "Content-Type"), TP_TAXII_MEDIA);
	char want[128];
	snprintf(want, sizeof want, "%s/api/", N.base);
	assert_string_equal(json_string_value(json_object_get(h.json, "default")), want);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(h.json, "api_roots"), 0)), want);
	http_free(&h);
	http_get(&N, "/api/", alice, &h);
	assert_int_equal(h.status, 200);
	assert_string_equal(json_string_value(json_object_get(h.json, "title")), "Test root");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(h.json, "versions"), 0)),
		TP_TAXII_MEDIA);
	assert_int_equal(json_integer_value(json_object_get(h.json, "max_content_length")),
			 1 << 20);
	http_free(&h);
	http_get(&N, "/nope/", alice, &h);
	assert_int_equal(h.status, 404);
	http_free(&h);
	http_do(&N, "HEAD", "/api/", alice, NULL, NULL, &h);
	assert_int_equal(h.status, 200);
	http_free(&h);
}

static void test_collections(void **state)
{
	struct http h;
	http_get(&N, "/api/collections/", alice, &h);
	assert_int_equal(h.status, 200);
	json_t *cs = json_object_get(h.json, "collections");
	assert_int_equal(json_array_size(cs), 2);
	json_t *c = json_array_get(cs, 0);
	assert_string_equal(json_string_value(json_object_get(c, "id")), C1.uuid);
	assert_true(json_is_true(json_object_get(c, "can_read")));
	assert_true(json_is_true(json_object_get(c, "can_write")));
	assert_string_equal(json_string_value(json_object_get(c, "alias")), "c1");
	http_free(&h);
	http_get(&N, "/api/collections/", bob, &h);
	cs = json_object_get(h.json, "collections");
	assert_int_equal(json_array_size(cs), 1);
	assert_true(json_is_false(json_object_get(json_array_get(cs, 0), "can_write")));
	http_free(&h);
	http_get(&N, "/api/collections/", carol, &h); /* no grants: nothing, not even names */
	assert_int_equal(h.status, 200);
	assert_int_equal(json_object_size(h.json), 0);
	http_free(&h);
	char path[128];
	snprintf(path, sizeof path, "/api/collections/%s/", C1.uuid);
	http_get(&N, path, bob, &h);
	assert_int_equal(h.status, 200);
	assert_string_equal(json_string_value(json_object_get(h.json, "title")), "One");
	http_free(&h);
	http_get(&N, path, carol, &h);
	assert_int_equal(h.status, 404);
	http_free(&h);
	http_get(&N, "/api/collections/c2/objects/", bob, &h);
	assert_int_equal(h.status, 404);
	http_free(&h);
}

static void test_post_and_status(void **state)
{
	struct http h;
	char *good = indicator(900001, "2024-02-01T00:00:00.000Z", NULL);
	char body[8192];
	snprintf(body, sizeof body,
		 "{\"objects\":[%s,{\"type\":\"indicator\",\"id\":\"malware--00000000-0000-4000-"
		 "8000-000000000001\"},{\"type\":\"x\"},42,{\"type\":\"note\",\"spec_version\":\"2."
		 "0\","
		 "\"id\":\"note--00000000-0000-4000-8000-000000000001\"}]}",
		 good);
	free(good);
	http_post(&N, OBJS, alice, body, &h);
	assert_int_equal(h.status, 202);
	assert_string_equal(json_string_value(json_object_get(h.json, "status")), "complete");
	assert_int_equal(json_integer_value(json_object_get(h.json, "total_count")), 5);
	assert_int_equal(json_integer_value(json_object_get(h.json, "success_count")), 1);
	assert_int_equal(json_integer_value(json_object_get(h.json, "failure_count")), 4);
	assert_int_equal(json_integer_value(json_object_get(h.json, "pending_count")), 0);
	json_t *f = json_array_get(json_object_get(h.json, "failures"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "id")),
			    "malware--00000000-0000-4000-8000-000000000001");
	assert_non_null(strstr(json_string_value(json_object_get(f, "message")), "objects[1].id"));
	char path[128];
	snprintf(path, sizeof path, "/api/status/%s/",
		 json_string_value(json_object_get(h.json, "id")));
	http_free(&h);
	http_get(&N, path, alice, &h);
	assert_int_equal(h.status, 200);
	assert_int_equal(json_integer_value(json_object_get(h.json, "failure_count")), 4);
	http_free(&h);
	http_get(&N, path, bob, &h); /* another account's status does not exist for it */
	assert_int_equal(h.status, 404);
	http_free(&h);
	http_get(&N, "/api/status/00000000-0000-4000-8000-000000000000/", alice, &h);
	assert_int_equal(h.status, 404);
	http_free(&h);
	/* the STIX validator runs on every object: a missing required
	 * property is a per-object failure naming the property */
	http_post(&N, OBJS, alice,
		  "{\"objects\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
		  "\"indicator--00000000-0000-4000-8000-000000000077\",\"created\":"
		  "\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\",\"pattern\":"
		  "\"[x:y = 1]\",\"pattern_type\":\"stix\"}]}",
		  &h);
	assert_int_equal(h.status, 202);
	assert_int_equal(json_integer_value(json_object_get(h.json, "failure_count")), 1);
	f = json_array_get(json_object_get(h.json, "failures"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "version")),
			    "2024-01-01T00:00:00.000Z");
	assert_non_null(strstr(json_string_value(json_object_get(f, "message")), "valid_from"));
	http_free(&h);
	/* the same version again: success, reported as already present */
	good = indicator(900001, "2024-02-01T00:00:00.000Z", NULL);
	snprintf(body, sizeof body, "{\"objects\":[%s]}", good);
	free(good);
	http_post(&N, OBJS, alice, body, &h);
	assert_int_equal(h.status, 202);
	assert_int_equal(json_integer_value(json_object_get(h.json, "success_count")), 1);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(h.json, "successes"), 0), "message")),
		"already present");
	http_free(&h);
	/* a bundle as stix+json */
	good = indicator(900002, "2024-02-01T00:00:00.000Z", NULL);
	snprintf(body, sizeof body,
		 "{\"type\":\"bundle\",\"id\":\"bundle--00000000-0000-4000-8000-000000000009\","
		 "\"objects\":[%s]}",
		 good);
	free(good);
	const char *const stix[] = {"Content-Type: application/stix+json;version=2.1", NULL};
	http_do(&N, "POST", OBJS, alice, stix, body, &h);
	assert_int_equal(h.status, 202);
	assert_int_equal(json_integer_value(json_object_get(h.json, "success_count")), 1);
	http_free(&h);
	/* permissions */
	http_post(&N, OBJS, bob, "{\"objects\":[]}", &h);
	assert_int_equal(h.status, 403);
	http_free(&h);
	http_post(&N, OBJS, carol, "{\"objects\":[]}", &h);
	assert_int_equal(h.status, 404);
	http_free(&h);
	http_post(&N, OBJS, wonly, "{\"objects\":[]}", &h);
	assert_int_equal(h.status, 202);
	http_free(&h);
	http_get(&N, OBJS, wonly, &h);
	assert_int_equal(h.status, 403);
	http_free(&h);
}

/* The text a client sends is stored without the whitespace between tokens
 * and served as is: what comes back is the same object, compact, whatever
 * the envelope's layout -- also when a key is spelt with escapes, a nested
 * key is called "objects" too, or strings hold brackets, quotes and commas. */
static void test_stored_text(void **state)
{
	static const char *const bodies[] = {
		"{\"more\" : false , \"x\" : {\"objects\":[1,{\"a\":\"]\"}]} ,\n"
		"  \"objects\" : [\n\t{ \"type\" : \"indicator\", \"spec_version\" : \"2.1\",\n"
		"    \"id\" : \"indicator--00000000-0000-4000-8000-000000920001\",\n"
		"    \"created\" : \"2024-01-01T00:00:00.000Z\",\r\n"
		"    \"modified\" : \"2024-01-01T00:00:00.000Z\",\n"
		"    \"name\" : \"a  b, \\\"q\\\" ]} \\\\ \\u00e9 {[\" ,\n"
		"    \"labels\" : [ \"x , y\" , \"z\" ] ,\n"
		"    \"pattern\" : \"[ipv4-addr:value = '10.9.0.1']\", \"pattern_type\" : "
		"\"stix\",\n"
		"    \"valid_from\" : \"2024-01-01T00:00:00Z\" } ,\n"
		"  7 ]\n}\n",
		"{\"obj\\u0065cts\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
		"\"indicator--00000000-0000-4000-8000-000000920002\",\"created\":"
		"\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-01-01T00:00:00.000Z\","
		"\"name\" : \"escaped key\",\"pattern\":\"[ipv4-addr:value = '10.9.0.2']\","
		"\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"}]}",
	};
	for (int i = 0; i < 2; i++) {
		struct http h;
		http_post(&N, OBJS, alice, bodies[i], &h);
		assert_int_equal(h.status, 202);
		assert_int_equal(json_integer_value(json_object_get(h.json, "success_count")), 1);
		assert_int_equal(json_integer_value(json_object_get(h.json, "failure_count")),
				 i == 0 ? 1 : 0);
		http_free(&h);
		json_t *sent = json_loads(bodies[i], 0, NULL);
		assert_non_null(sent);
		json_t *want = json_array_get(json_object_get(sent, "objects"), 0);
		char path[160];
		snprintf(path, sizeof path, OBJS "%s/",
			 json_string_value(json_object_get(want, "id")));
		http_get(&N, path, alice, &h);
		assert_int_equal(h.status, 200);
		json_t *got = json_array_get(json_object_get(h.json, "objects"), 0);
		assert_true(json_equal(got, want));
		/* compact: no whitespace outside strings */
		assert_null(strstr(h.body.data, "\" :"));
		assert_null(strstr(h.body.data, ", \""));
		assert_null(strchr(h.body.data, '\n'));
		if (i == 0)
			assert_non_null(strstr(h.body.data, "\"labels\":[\"x , y\",\"z\"]"));
		http_free(&h);
		json_decref(sent);
	}
}

/* Versions of one object: 3 versions of indicator 700000. */
static void test_versions_and_filters(void **state)
{
	const char *stamps[] = {"2024-03-01T00:00:00.000Z", "2024-03-02T00:00:00.000Z",
				"2024-03-03T00:00:00.000Z"};
	for (int i = 0; i < 3; i++)
		post_range(OBJS, alice, 700000, 1, stamps[i], 202, 1);
	post_range(OBJS, alice, 700001, 2, "2024-03-05T00:00:00.000Z", 202, 2);
	const char *id = "indicator--00000000-0000-4000-8000-000000700000";
	char path[512];
	struct http h;
	snprintf(path, sizeof path, OBJS "%s/versions/", id);
	http_get(&N, path, bob, &h);
	assert_int_equal(h.status, 200);
	json_t *vs = json_object_get(h.json, "versions");
	assert_int_equal(json_array_size(vs), 3);
	assert_string_equal(json_string_value(json_array_get(vs, 0)), stamps[0]);
	assert_true(json_is_false(json_object_get(h.json, "more")));
	http_free(&h);
	snprintf(path, sizeof path, OBJS "%s/", id);
	http_get(&N, path, bob, &h); /* default: last */
	assert_int_equal(h.status, 200);
	json_t *os = json_object_get(h.json, "objects");
	assert_int_equal(json_array_size(os), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(os, 0), "modified")),
			    stamps[2]);
	http_free(&h);
	static const struct {
		const char *query;
		int count;
		const char *first_modified;
	} cases[] = {
		{"match[version]=first", 1, "2024-03-01T00:00:00.000Z"},
		{"match[version]=all", 3, "2024-03-01T00:00:00.000Z"},
		{"match[version]=first,last", 2, "2024-03-01T00:00:00.000Z"},
		{"match[version]=2024-03-02T00:00:00Z", 1, "2024-03-02T00:00:00.000Z"},
		{"match[version]=2024-03-02T00:00:00.000Z,2024-03-03T00:00:00Z", 2,
		 "2024-03-02T00:00:00.000Z"},
		{"match[version]=2024-04-02T00:00:00Z", 0, NULL},
		{"match[spec_version]=2.1&match[version]=all", 3, "2024-03-01T00:00:00.000Z"},
		{"match[spec_version]=2.0", 0, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(path, sizeof path, OBJS "%s/?%s", id, cases[i].query);
		http_get(&N, path, bob, &h);
		if (cases[i].count == 0) {
			assert_int_equal(h.status, 404);
		} else {
			assert_int_equal(h.status, 200);
			os = json_object_get(h.json, "objects");
			assert_int_equal(json_array_size(os), cases[i].count);
			assert_string_equal(json_string_value(json_object_get(json_array_get(os, 0),
									      "modified")),
					    cases[i].first_modified);
		}
		http_free(&h);
	}
	/* match[id] and match[type] on the collection */
	http_get(&N,
		 OBJS "?match[id]=indicator--00000000-0000-4000-8000-000000700001,"
		      "indicator--00000000-0000-4000-8000-000000700002",
		 bob, &h);
	assert_int_equal(h.status, 200);
	assert_int_equal(json_array_size(json_object_get(h.json, "objects")), 2);
	http_free(&h);
	http_get(&N, OBJS "?match[type]=malware", bob, &h);
	assert_int_equal(h.status, 200);
	assert_int_equal(json_object_size(h.json), 0); /* an empty envelope */
	http_free(&h);
	/* manifest */
	http_get(&N,
		 "/api/collections/c1/manifest/?match[id]="
		 "indicator--00000000-0000-4000-8000-000000700000&match[version]=all",
		 bob, &h);
	assert_int_equal(h.status, 200);
	os = json_object_get(h.json, "objects");
	assert_int_equal(json_array_size(os), 3);
	json_t *m = json_array_get(os, 2);
	assert_string_equal(json_string_value(json_object_get(m, "version")), stamps[2]);
	assert_string_equal(json_string_value(json_object_get(m, "media_type")), TP_STIX_MEDIA);
	assert_non_null(json_string_value(json_object_get(m, "date_added")));
	assert_string_equal(http_header(&h, "X-TAXII-Date-Added-Last"),
			    json_string_value(json_object_get(m, "date_added")));
	http_free(&h);
	/* added_after: only what came after the second version */
	http_get(&N,
		 "/api/collections/c1/manifest/?match[id]="
		 "indicator--00000000-0000-4000-8000-000000700000&match[version]=all",
		 bob, &h);
	char after[64];
	snprintf(after, sizeof after, "%s",
		 json_string_value(json_object_get(
			 json_array_get(json_object_get(h.json, "objects"), 1), "date_added")));
	http_free(&h);
	snprintf(path, sizeof path, OBJS "%s/versions/?added_after=%s", id, after);
	http_get(&N, path, bob, &h);
	assert_int_equal(h.status, 200);
	assert_int_equal(json_array_size(json_object_get(h.json, "versions")), 1);
	http_free(&h);
	/* DELETE: read-only may not; a writer deletes one version, then all */
	http_do(&N, "DELETE", path, bob, NULL, NULL, &h);
	assert_int_equal(h.status, 405); /* versions/ takes no DELETE */
	http_free(&h);
	snprintf(path, sizeof path, OBJS "%s/", id);
	http_do(&N, "DELETE", path, bob, NULL, NULL, &h);
	assert_int_equal(h.status, 403);
	http_free(&h);
	/* deleting the newest version makes the one before it the last */
	snprintf(path, sizeof path, OBJS "%s/?match[version]=last", id);
	http_do(&N, "DELETE", path, alice, NULL, NULL, &h);
	assert_int_equal(h.status, 200);
	http_free(&h);
	snprintf(path, sizeof path, OBJS "%s/", id);
	http_get(&N, path, bob, &h);
	assert_int_equal(h.status, 200);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(h.json, "objects"), 0), "modified")),
		stamps[1]);
	http_free(&h);
	snprintf(path, sizeof path, OBJS "%s/?match[version]=first", id);
	http_do(&N, "DELETE", path, alice, NULL, NULL, &h);
	assert_int_equal(h.status, 200);
	http_free(&h);
	snprintf(path, sizeof path, OBJS "%s/versions/", id);
	http_get(&N, path, bob, &h);
	assert_int_equal(json_array_size(json_object_get(h.json, "versions")), 1);
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(h.json, "versions"), 0)),
		stamps[1]);
	http_free(&h);
	/* a new version after that is the last again */
	post_range(OBJS, alice, 700000, 1, "2024-03-04T00:00:00.000Z", 202, 1);
	snprintf(path, sizeof path, OBJS "%s/", id);
	http_get(&N, path, bob, &h);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(h.json, "objects"), 0), "modified")),
		"2024-03-04T00:00:00.000Z");
	http_free(&h);
	/* and an older one posted late does not displace it */
	post_range(OBJS, alice, 700000, 1, "2024-02-04T00:00:00.000Z", 202, 1);
	http_get(&N, path, bob, &h);
	assert_int_equal(json_array_size(json_object_get(h.json, "objects")), 1);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(h.json, "objects"), 0), "modified")),
		"2024-03-04T00:00:00.000Z");
	http_free(&h);
	snprintf(path, sizeof path, OBJS "%s/", id);
	http_do(&N, "DELETE", path, alice, NULL, NULL, &h);
	assert_int_equal(h.status, 200);
	http_free(&h);
	http_get(&N, path, bob, &h);
	assert_int_equal(h.status, 404);
	http_free(&h);
	http_do(&N, "DELETE", path, alice, NULL, NULL, &h);
	assert_int_equal(h.status, 404);
	http_free(&h);
}

/* Follows `next` through c2 and returns how many objects were seen;
 * checks no id is repeated and date_added strictly increases. */
static int walk(const char *tok, int limit, json_t *seen, int *pages)
{
	char path[256], next[64] = "";
	int n = 0;
	*pages = 0;
	const char *prev_last = NULL;
	char last[512] = "";
	for (;;) {
		struct http h;
		if (next[0])
			snprintf(path, sizeof path, "/api/collections/c2/objects/?limit=%d&next=%s",
				 limit, next);
		else
			snprintf(path, sizeof path, "/api/collections/c2/objects/?limit=%d", limit);
		http_get(&N, path, tok, &h);
		assert_int_equal(h.status, 200);
		(*pages)++;
		json_t *os = json_object_get(h.json, "objects");
		size_t i;
		json_t *o;
		json_array_foreach(os, i, o)
		{
			const char *id = json_string_value(json_object_get(o, "id"));
			assert_null(json_object_get(seen, id));
			json_object_set_new(seen, id, json_true());
			n++;
		}
		if (json_array_size(os)) {
			const char *first = http_header(&h, "X-TAXII-Date-Added-First");
			assert_non_null(first);
			if (prev_last)
				assert_true(strcmp(first, last) > 0);
			snprintf(last, sizeof last, "%s",
				 http_header(&h, "X-TAXII-Date-Added-Last"));
			prev_last = last;
		}
		int more = json_is_true(json_object_get(h.json, "more"));
		if (more)
			snprintf(next, sizeof next, "%s",
				 json_string_value(json_object_get(h.json, "next")));
		http_free(&h);
		if (!more)
			break;
	}
	return n;
}

static void test_pagination(void **state)
{
	post_range("/api/collections/c2/objects/", alice, 1000, 250, "2024-01-02T00:00:00.000Z",
		   202, 250);
	json_t *seen = json_object();
	int pages;
	assert_int_equal(walk(alice, 40, seen, &pages), 250);
	assert_int_equal(pages, 7);
	json_decref(seen);
	seen = json_object();
	assert_int_equal(walk(alice, 250, seen, &pages), 250);
	assert_int_equal(pages, 1);
	json_decref(seen);
	struct http h;
	http_get(&N, "/api/collections/c2/objects/?limit=5000", alice,
		 &h); /* capped, not refused */
	assert_int_equal(h.status, 200);
	http_free(&h);
}

struct writer {
	int batches;
	int done;
};

static void *write_loop(void *arg)
{
	struct writer *w = arg;
	for (int b = 0; b < w->batches; b++) {
		post_range("/api/collections/c2/objects/", alice, 5000 + b * 20, 20,
			   "2024-01-03T00:00:00.000Z", 202, 20);
		usleep(2000);
	}
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

/* Pages read while another client writes neither skip nor repeat. */
static void test_pagination_concurrent(void **state)
{
	static struct writer w = {.batches = 30};
	pthread_t t;
	json_t *seen = json_object();
	assert_int_equal(pthread_create(&t, NULL, write_loop, &w), 0);
	int total = 0, rounds = 0;
	char next[64] = "", after[512] = "";
	/* Page with `next` while there is more; at the end of the data poll
	 * with added_after=<X-TAXII-Date-Added-Last>, as TAXII clients do,
	 * until the writer is done and a poll finds nothing new. */
	for (;;) {
		int done = __atomic_load_n(&w.done, __ATOMIC_SEQ_CST);
		char path[1024];
		struct http h;
		if (next[0])
			snprintf(path, sizeof path, "/api/collections/c2/objects/?limit=7&next=%s",
				 next);
		else if (after[0])
			snprintf(path, sizeof path,
				 "/api/collections/c2/objects/?limit=7&added_after=%s", after);
		else
			snprintf(path, sizeof path, "/api/collections/c2/objects/?limit=7");
		http_get(&N, path, alice, &h);
		assert_int_equal(h.status, 200);
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(h.json, "objects"), i, o)
		{
			const char *id = json_string_value(json_object_get(o, "id"));
			assert_null(json_object_get(seen, id));
			json_object_set_new(seen, id, json_true());
			total++;
		}
		const char *nx = json_string_value(json_object_get(h.json, "next"));
		snprintf(next, sizeof next, "%s", nx ? nx : "");
		if (http_header(&h, "X-TAXII-Date-Added-Last"))
			snprintf(after, sizeof after, "%s",
				 http_header(&h, "X-TAXII-Date-Added-Last"));
		int more = json_is_true(json_object_get(h.json, "more"));
		http_free(&h);
		rounds++;
		if (!more && done)
			break;
		if (!more)
			usleep(3000);
	}
	pthread_join(t, NULL);
	assert_int_equal(total, 250 + 30 * 20);
	json_decref(seen);
	assert_true(rounds > 10);
}

static void test_negotiation(void **state)
{
	static const struct {
		const char *accept;
		long status;
		const char *ctype;
	} cases[] = {
		{"Accept: application/taxii+json;version=2.1", 200, TP_TAXII_MEDIA},
		{"Accept: application/taxii+json", 200, TP_TAXII_MEDIA},
		{"Accept: application/taxii+json; version=2.1; q=0.5", 200, TP_TAXII_MEDIA},
		{"Accept: */*", 200, TP_TAXII_MEDIA},
		{"Accept: application/*", 200, TP_TAXII_MEDIA},
		{"Accept: application/stix+json;version=2.1", 200, TP_STIX_MEDIA},
		{"Accept: application/stix+json;q=0.9, application/taxii+json;q=0.1", 200,
		 TP_STIX_MEDIA},
		{"Accept: application/taxii+json;version=2.0", 406, NULL},
		{"Accept: application/json", 406, NULL},
		{"Accept: text/html", 406, NULL},
		{"Accept: application/taxii+json;q=0, application/stix+json;q=0", 406, NULL},
		{"Accept: application/taxii+json;q=2", 406, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *hdrs[] = {cases[i].accept, NULL};
		struct http h;
		http_do(&N, "GET", "/api/collections/c2/objects/?limit=1", alice, hdrs, NULL, &h);
		if (h.status != cases[i].status)
			fail_msg("%s: got %ld", cases[i].accept, h.status);
		if (cases[i].ctype)
			assert_string_equal(http_header(&h, "Content-Type"), cases[i].ctype);
		if (cases[i].status == 406) /* errors are TAXII error resources */
			assert_string_equal(
				json_string_value(json_object_get(h.json, "http_status")), "406");
		http_free(&h);
	}
	const char *stix[] = {"Accept: application/stix+json", NULL};
	struct http h;
	http_do(&N, "GET", "/api/", alice, stix, NULL, &h); /* not an object endpoint */
	assert_int_equal(h.status, 406);
	http_free(&h);
	static const struct {
		const char *ctype;
		long status;
	} posts[] = {
		{"Content-Type: application/taxii+json;version=2.1", 202},
		{"Content-Type: application/taxii+json", 202},
		{"Content-Type: application/taxii+json; charset=utf-8; version=2.1", 202},
		{"Content-Type: application/taxii+json;version=2.0", 415},
		{"Content-Type: application/json", 415},
		{"Content-Type: text/plain", 415},
		{"Content-Type: application/stix+json;version=2.0", 415},
	};
	for (size_t i = 0; i < sizeof posts / sizeof posts[0]; i++) {
		const char *hdrs[] = {posts[i].ctype, NULL};
		http_do(&N, "POST", OBJS, alice, hdrs, "{\"objects\":[]}", &h);
		if (h.status != posts[i].status)
			fail_msg("%s: got %ld", posts[i].ctype, h.status);
		http_free(&h);
	}
}

/* Sends raw bytes on a fresh connection; returns the socket. */
static int raw_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(tp_taxii_port(N.srv))};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
	struct timeval tv = {.tv_sec = 10};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return fd;
}

static void test_bad_input(void **state)
{
	struct http h;
	http_post(&N, OBJS, alice, "{\"objects\": [", &h);
	assert_int_equal(h.status, 400);
	assert_non_null(
		strstr(json_string_value(json_object_get(h.json, "description")), "line 1"));
	http_free(&h);
	http_post(&N, OBJS, alice, "{\"objects\":[],\"objects\":[]}", &h); /* duplicate key */
	assert_int_equal(h.status, 400);
	http_free(&h);
	http_post(&N, OBJS, alice, "[1,2,3]", &h);
	assert_int_equal(h.status, 400);
	http_free(&h);
	/* a body over max_content_length (1 MiB here) */
	char *big = malloc((1 << 20) + 100);
	memset(big, ' ', (1 << 20) + 99);
	big[(1 << 20) + 99] = '\0';
	big[0] = '{';
	big[(1 << 20) + 98] = '}';
	http_post(&N, OBJS, alice, big, &h);
	assert_int_equal(h.status, 413);
	http_free(&h);
	/* the same without a Content-Length (chunked): cut off while reading */
	const char *const chunked[] = {"Content-Type: application/taxii+json;version=2.1",
				       "Transfer-Encoding: chunked", NULL};
	http_do(&N, "POST", OBJS, alice, chunked, big, &h);
	assert_int_equal(h.status, 413);
	http_free(&h);
	free(big);
	/* 2 GB announced: refused before any body is read */
	int fd = raw_connect();
	char req[1024];
	snprintf(req, sizeof req,
		 "POST " OBJS " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
		 "Content-Type: application/taxii+json;version=2.1\r\n"
		 "Content-Length: 2147483648\r\n\r\n{\"objects\":[",
		 alice);
	assert_true(write(fd, req, strlen(req)) > 0);
	char resp[512] = "";
	assert_true(read(fd, resp, sizeof resp - 1) > 0);
	assert_non_null(strstr(resp, " 413 "));
	close(fd);
	/* path traversal, odd ids and SQL metacharacters */
	static const struct {
		const char *path;
		long status;
	} paths[] = {
		{"/api/collections/c1/objects/../../../etc/passwd/", 404},
		{"/api/collections/c1/objects/%2e%2e%2f%2e%2e%2fetc/", 404},
		{"/api/collections/c1/objects/indicator--'%20OR%201=1--/", 404},
		{"/api/collections/c1'%20OR%20'1'='1/objects/", 404},
		{"/api/collections/c1/objects/indicator--00000000-0000-4000-8000-000000000000/",
		 404},
		{"/api/collections/c1/objects/?match[id]=indicator--'%20OR%201=1--", 400},
		{"/api/collections/c1/objects/?match[type]=indicator'%20OR%20'1'='1", 400},
		{"/api/collections/c1/objects/?match[type]=indicator;DROP%20TABLE%20objects", 400},
		{"/api/collections/c1/objects/?match[version]=last'--", 400},
		{"/api/collections/c1/objects/?match[spec_version]=2.1'", 400},
		{"/api/collections/c1/objects/?added_after=2024-01-01'%20OR%201=1", 400},
		{"/api/collections/c1/objects/?limit=1;DELETE", 400},
		{"/api/collections/c1/objects/?limit=-5", 400},
		{"/api/collections/c1/objects/?limit=0", 400},
		{"/api/collections/c1/objects/?next=zz'", 400},
		{"/api/collections/c1/objects/?foo=bar", 400},
		{"/api/collections/c1/objects/?match[foo]=bar", 400},
		{"/api/collections/c1/manifest/?limit=abc", 400},
		{"/api/collections/c1/objects/indicator--00000000-0000-4000-8000-000000700001/"
		 "?match[type]=indicator",
		 400},
		{"//api//collections/", 404},
		{"/api/collections/c1/objects/x/y/z/w/", 404},
	};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		http_get(&N, paths[i].path, alice, &h);
		if (h.status != paths[i].status)
			fail_msg("%s: got %ld", paths[i].path, h.status);
		http_free(&h);
	}
	/* the objects table is still there */
	http_get(&N, OBJS "?limit=1", alice, &h);
	assert_int_equal(h.status, 200);
	assert_int_equal(json_array_size(json_object_get(h.json, "objects")), 1);
	http_free(&h);
	/* methods */
	http_do(&N, "PUT", OBJS, alice, NULL, NULL, &h);
	assert_int_equal(h.status, 405);
	assert_string_equal(http_header(&h, "Allow"), "GET, HEAD, POST");
	http_free(&h);
	http_do(&N, "POST", "/taxii2/", alice, taxii_post, "{}", &h);
	assert_int_equal(h.status, 405);
	http_free(&h);
}

/* A client that sends half a request and goes silent is cut off after the
 * timeout (2 s here) while everyone else is served. */
static void test_slow_client(void **state)
{
	int fds[8];
	for (int i = 0; i < 8; i++) {
		fds[i] = raw_connect();
		const char *part = "GET /taxii2/ HTTP/1.1\r\nHost: x\r\nX-Slow: ";
		assert_true(write(fds[i], part, strlen(part)) > 0);
	}
	struct http h;
	http_get(&N, "/taxii2/", alice, &h);
	assert_int_equal(h.status, 200);
	http_free(&h);
	time_t t0 = time(NULL);
	for (int i = 0; i < 8; i++) {
		char buf[256];
		/* the server closes the connection: EOF (or a reset), where
		 * SO_RCVTIMEO would report EAGAIN after 10 s */
		errno = 0;
		ssize_t r = read(fds[i], buf, sizeof buf);
		if (r > 0) /* an error response before closing is fine too */
			r = read(fds[i], buf, sizeof buf);
		assert_true(r == 0 || (r < 0 && errno == ECONNRESET));
		close(fds[i]);
	}
	assert_true(time(NULL) - t0 < 8);
}

/* HTTPS with --tls-cert/--tls-key: a second server on the same store. The
 * certificate is made with openssl(1) (scripts/install-deps installs it). */
static void test_tls(void **state)
{
	char cmd[1024], cert[300], key[300];
	snprintf(cert, sizeof cert, "%s/cert.pem", N.dir);
	snprintf(key, sizeof key, "%s/key.pem", N.dir);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout '%s' -out '%s' -days 2 "
		 "-subj /CN=127.0.0.1 >/dev/null 2>&1",
		 key, cert);
	if (system(cmd) != 0) {
		print_message("openssl(1) is not installed: TLS not tested\n");
		skip();
	}
	struct node t = N;
	struct tp_taxii_config cfg = {.store = N.store,
				      .listen = "127.0.0.1:0",
				      .threads = 2,
				      .tls_cert = cert,
				      .tls_key = key};
	struct tp_diag d = {0};
	assert_int_equal(tp_taxii_start(&cfg, &t.srv, &d), TP_OK);
	snprintf(t.base, sizeof t.base, "https://127.0.0.1:%u", tp_taxii_port(t.srv));
	CURL *c = curl_easy_init();
	struct tp_buf body;
	tp_buf_init(&body, 1 << 20);
	char url[128], auth[128];
	snprintf(url, sizeof url, "%s/taxii2/", t.base);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", alice);
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_CAINFO, cert);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	tp_taxii_stop(t.srv);
	assert_int_equal(rc, CURLE_OK);
	assert_int_equal(status, 200);
	assert_non_null(strstr(body.data, "\"https://127.0.0.1:"));
	tp_buf_free(&body);
	/* a certificate without its key is refused */
	cfg.tls_key = NULL;
	assert_int_equal(tp_taxii_start(&cfg, &t.srv, &d), TP_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth),	    cmocka_unit_test(test_discovery_and_root),
		cmocka_unit_test(test_collections), cmocka_unit_test(test_post_and_status),
		cmocka_unit_test(test_stored_text), cmocka_unit_test(test_versions_and_filters),
		cmocka_unit_test(test_pagination),  cmocka_unit_test(test_pagination_concurrent),
		cmocka_unit_test(test_negotiation), cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_slow_client), cmocka_unit_test(test_tls),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
