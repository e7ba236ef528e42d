/*
 * The TLP matrix: three partner organisations (us-cisa runs this node,
 * jp-nisc, kr-kisa), accounts with a read grant, a write-only grant or no
 * grant, objects at every TLP level in the three marking id families (and
 * unknown, granular and unmarked ones), posted by each organisation
 * directly or arriving from a partner node -- and every endpoint that
 * reads. The expectation is computed here from docs/sharing-policy.md,
 * independently of tp_tlp_may_read(): nothing withheld may be served,
 * nothing allowed may be missing, and withheld objects must not show in
 * counts, `more` flags or status codes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "harness.h"
#include "tp_test.h"

#define MD "\"marking-definition--"
static const struct {
	const char *name;
	const char *markings; /* object_marking_refs JSON, or NULL */
	const char *granular; /* granular_markings JSON, or NULL */
	enum tp_tlp level;    /* what the policy says it is */
} cases[] = {
	{"tlp2-clear", "[" MD "94868c89-83c2-464b-929b-a1a8aa3c8487\"]", NULL, TP_TLP_CLEAR},
	{"tlp2-green", "[" MD "bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"]", NULL, TP_TLP_GREEN},
	{"tlp2-amber", "[" MD "55d920b0-5e8b-4f79-9ee9-91f868d9b421\"]", NULL, TP_TLP_AMBER},
	{"tlp2-amber-strict", "[" MD "939a9414-2ddd-4d32-a0cd-375ea402b003\"]", NULL,
	 TP_TLP_AMBER_STRICT},
	{"tlp2-red", "[" MD "e828b379-4e03-4974-9ac4-e53a884c97c1\"]", NULL, TP_TLP_RED},
	{"tlp1-white", "[" MD "613f2e26-407d-48c7-9eca-b8e91df99dc9\"]", NULL, TP_TLP_CLEAR},
	{"tlp1-green", "[" MD "34098fce-860f-48ae-8e50-ebd3cc5e41da\"]", NULL, TP_TLP_GREEN},
	{"tlp1-amber", "[" MD "f88d31f6-486f-44da-b317-01333bde0b82\"]", NULL, TP_TLP_AMBER},
	{"tlp1-red", "[" MD "5e57c739-391a-4eb3-b6be-7d15ca92d5ed\"]", NULL, TP_TLP_RED},
	{"opencti-amber-strict", "[" MD "826578e1-40ad-459f-bc73-ede076f81f37\"]", NULL,
	 TP_TLP_AMBER_STRICT},
	{"unknown-marking", "[" MD "11111111-2222-4333-8444-555555555555\"]", NULL, TP_TLP_RED},
	{"green-and-red",
	 "[" MD "bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"," MD
	 "5e57c739-391a-4eb3-b6be-7d15ca92d5ed\"]",
	 NULL, TP_TLP_RED},
	{"granular-red", "[" MD "94868c89-83c2-464b-929b-a1a8aa3c8487\"]",
	 "[{\"selectors\":[\"pattern\"],\"marking_ref\":" MD
	 "e828b379-4e03-4974-9ac4-e53a884c97c1\"}]",
	 TP_TLP_RED},
	{"granular-green-only", NULL,
	 "[{\"selectors\":[\"name\"],\"marking_ref\":" MD
	 "bab4a63c-aed9-4cf5-a766-dfca5abac2bb\"}]",
	 TP_TLP_GREEN},
	{"unmarked", NULL, NULL, TP_TLP_AMBER}, /* the node default in this test */
};
#define NCASES (sizeof cases / sizeof cases[0])

enum { US = 1, JP = 2, KR = 3 };
static const char *const orgs[] = {NULL, "us-cisa", "jp-nisc", "kr-kisa"};
#define NODE_ORG US

/* Who posts: an organisation's own analyst, or a partner node's account. */
static const struct {
	const char *user;
	int org;
	int partner;
} posters[] = {
	{"w-us", US, 0}, {"w-jp", JP, 0}, {"w-kr", KR, 0}, {"node-jp", JP, 1}, {"node-kr", KR, 1},
};
#define NPOSTERS (sizeof posters / sizeof posters[0])

enum grant { G_READ, G_WRITE_ONLY, G_NONE };
static const char *const grant_names[] = {"read", "write-only", "none"};

struct viewer {
	char name[32];
	int org;
	enum grant grant;
	char token[64];
};
static struct viewer viewers[9];
static char poster_tok[NPOSTERS][64];
static struct node N;

/* Object k of poster p, case c. */
static void object_id(size_t p, size_t c, char *out)
{
	sprintf(out, "indicator--00000000-0000-4000-8000-%06zu%06zu", p + 1, c + 1);
}

/* docs/sharing-policy.md, restated. */
static int expect_readable(const struct viewer *v, size_t p, enum tp_tlp level)
{
	if (v->grant != G_READ)
		return 0;
	int same = v->org == posters[p].org;
	switch (level) {
	case TP_TLP_CLEAR:
	case TP_TLP_GREEN:
		return 1;
	case TP_TLP_AMBER:
	case TP_TLP_AMBER_STRICT:
		return same || !posters[p].partner || v->org == NODE_ORG;
	default:
		return same;
	}
}

static int setup(void **state)
{
	struct tp_diag d = {0};
	struct tp_collection c;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	node_open(&N);
	for (int o = US; o <= KR; o++)
		assert_int_equal(tp_store_org_add(N.store, orgs[o], NULL, NULL, &d), TP_OK);
	assert_int_equal(tp_store_root_add(N.store, "api", "Matrix", "", 1, &d), TP_OK);
	assert_int_equal(
		tp_store_collection_add(N.store, "api", NULL, "shared", "Shared", "", -1, &c, &d),
		TP_OK);
	for (size_t p = 0; p < NPOSTERS; p++) {
		make_user(&N, posters[p].user, orgs[posters[p].org], posters[p].partner,
			  poster_tok[p]);
		assert_int_equal(
			tp_store_grant(N.store, c.id, posters[p].user, NULL, TP_GRANT_WRITE, 0, &d),
			TP_OK);
	}
	int k = 0;
	for (int o = US; o <= KR; o++)
		for (int g = G_READ; g <= G_NONE; g++) {
			struct viewer *v = &viewers[k++];
			snprintf(v->name, sizeof v->name, "%s-%s", orgs[o], grant_names[g]);
			v->org = o;
			v->grant = (enum grant)g;
			make_user(&N, v->name, orgs[o], 0, v->token);
			if (g != G_NONE)
				assert_int_equal(
					tp_store_grant(N.store, c.id, v->name, NULL,
						       g == G_READ ? TP_GRANT_READ : TP_GRANT_WRITE,
						       0, &d),
					TP_OK);
		}
	struct tp_taxii_config cfg = {.default_tlp = TP_TLP_AMBER};
	assert_int_equal(tp_store_org_find(N.store, orgs[NODE_ORG], &cfg.node_org), TP_OK);
	node_serve(&N, &cfg);
	/* every poster posts every case */
	for (size_t p = 0; p < NPOSTERS; p++) {
		struct tp_buf b;
		tp_buf_init(&b, 0);
		assert_int_equal(tp_buf_puts(&b, "{\"objects\":["), TP_OK);
		for (size_t ci = 0; ci < NCASES; ci++) {
			char id[64];
			object_id(p, ci, id);
			assert_int_equal(
				tp_buf_printf(
					&b,
					"%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
					"\"id\":\"%s\",\"created\":\"2024-01-01T00:00:00.000Z\","
					"\"modified\":\"2024-01-01T00:00:00.000Z\",\"name\":\"%s\","
					"\"pattern\":\"[x:y = 1]\",\"pattern_type\":\"stix\","
					"\"valid_from\":\"2024-01-01T00:00:00Z\"%s%s%s%s}",
					ci ? "," : "", id, cases[ci].name,
					cases[ci].markings ? ",\"object_marking_refs\":" : "",
					cases[ci].markings ? cases[ci].markings : "",
					cases[ci].granular ? ",\"granular_markings\":" : "",
					cases[ci].granular ? cases[ci].granular : ""),
				TP_OK);
		}
		assert_int_equal(tp_buf_puts(&b, "]}"), TP_OK);
		struct http h;
		http_post(&N, "/api/collections/shared/objects/", poster_tok[p], b.data, &h);
		assert_int_equal(h.status, 202);
		assert_int_equal(json_integer_value(json_object_get(h.json, "success_count")),
				 NCASES);
		http_free(&h);
		tp_buf_free(&b);
	}
	return 0;
}

static int teardown(void **state)
{
	node_close(&N);
	curl_global_cleanup();
	return 0;
}

/* Collects the ids served by objects or manifest with limit `limit`. */
static void collect(const struct viewer *v, const char *endpoint, int limit, json_t *ids,
		    long *status, int *pages)
{
	char path[256], next[64] = "";
	*pages = 0;
	for (;;) {
		struct http h;
		snprintf(path, sizeof path, "/api/collections/shared/%s/?limit=%d%s%s", endpoint,
			 limit, next[0] ? "&next=" : "", next);
		http_get(&N, path, v->token, &h);
		*status = h.status;
		if (h.status != 200) {
			http_free(&h);
			return;
		}
		(*pages)++;
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(h.json, "objects"), i, o)
		{
			const char *id = json_string_value(json_object_get(o, "id"));
			assert_null(json_object_get(ids, id)); /* never twice */
			json_object_set_new(ids, id, json_true());
		}
		int more = json_is_true(json_object_get(h.json, "more"));
		/* an empty page after `more` would reveal withheld rows */
		assert_true(json_array_size(json_object_get(h.json, "objects")) > 0 || *pages == 1);
		if (more)
			snprintf(next, sizeof next, "%s",
				 json_string_value(json_object_get(h.json, "next")));
		http_free(&h);
		if (!more)
			return;
	}
}

static void test_matrix(void **state)
{
	int checked = 0;
	for (size_t vi = 0; vi < sizeof viewers / sizeof viewers[0]; vi++) {
		const struct viewer *v = &viewers[vi];
		int want_count = 0;
		for (size_t p = 0; p < NPOSTERS; p++)
			for (size_t c = 0; c < NCASES; c++)
				want_count += expect_readable(v, p, cases[c].level);
		/* lists: objects and manifest, one page and many small pages */
		static const char *const lists[] = {"objects", "manifest"};
		static const int limits[] = {1000, 7, 1};
		for (int li = 0; li < 2; li++)
			for (int k = 0; k < 3; k++) {
				json_t *ids = json_object();
				long st;
				int pages;
				collect(v, lists[li], limits[k], ids, &st, &pages);
				long want_st = v->grant == G_READ   ? 200
					       : v->grant == G_NONE ? 404
								    : 403;
				if (st != want_st)
					fail_msg("%s %s: status %ld, want %ld", v->name, lists[li],
						 st, want_st);
				if (st == 200) {
					assert_int_equal(json_object_size(ids), want_count);
					if (want_count)
						assert_int_equal(pages, (want_count + limits[k] -
									 1) / limits[k]);
					for (size_t p = 0; p < NPOSTERS; p++)
						for (size_t c = 0; c < NCASES; c++) {
							char id[64];
							object_id(p, c, id);
							int got = json_object_get(ids, id) != NULL;
							if (got !=
							    expect_readable(v, p, cases[c].level))
								fail_msg("%s via %s: %s by %s %s",
									 v->name, lists[li],
									 cases[c].name,
									 posters[p].user,
									 got ? "served but withheld"
									     : "allowed but "
									       "missing");
							checked++;
						}
				}
				json_decref(ids);
			}
		/* single object, versions: 200 if allowed, else exactly like a
		 * missing object (404 with the same body) */
		for (size_t p = 0; p < NPOSTERS; p++)
			for (size_t c = 0; c < NCASES; c++) {
				char id[64], path[256];
				object_id(p, c, id);
				int ok = expect_readable(v, p, cases[c].level);
				long want = ok ? 200 : v->grant == G_WRITE_ONLY ? 403 : 404;
				static const char *const fmt[] = {
					"/api/collections/shared/objects/%s/",
					"/api/collections/shared/objects/%s/versions/",
					"/api/collections/shared/objects/%s/?match[version]=all"};
				for (int f = 0; f < 3; f++) {
					struct http h;
					snprintf(path, sizeof path, fmt[f], id);
					http_get(&N, path, v->token, &h);
					if (h.status != want)
						fail_msg("%s: %s by %s: %s -> %ld, want %ld",
							 v->name, cases[c].name, posters[p].user,
							 path, h.status, want);
					if (!ok && want == 404)
						assert_string_equal(
							json_string_value(json_object_get(
								h.json, "description")),
							"no such resource, or it is not available "
							"to this account");
					http_free(&h);
					checked++;
				}
			}
	}
	print_message("%d checks\n", checked);
}

/* A newer version the viewer may not read neither hides the older one nor
 * shows: kr-kisa posts v1 GREEN then v2 RED. */
static void test_versions_across_levels(void **state)
{
	static const char *body_fmt =
		"{\"objects\":[{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":"
		"\"indicator--99999999-0000-4000-8000-000000000001\",\"created\":"
		"\"2024-01-01T00:00:00.000Z\",\"modified\":\"%s\",\"pattern\":\"[x:y = 1]\","
		"\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\","
		"\"object_marking_refs\":[%s\"]}]}";
	char body[1024];
	struct http h;
	snprintf(body, sizeof body, body_fmt, "2024-01-01T00:00:00.000Z",
		 MD "bab4a63c-aed9-4cf5-a766-dfca5abac2bb");
	http_post(&N, "/api/collections/shared/objects/", poster_tok[2], body, &h);
	assert_int_equal(h.status, 202);
	http_free(&h);
	snprintf(body, sizeof body, body_fmt, "2024-06-01T00:00:00.000Z",
		 MD "e828b379-4e03-4974-9ac4-e53a884c97c1");
	http_post(&N, "/api/collections/shared/objects/", poster_tok[2], body, &h);
	assert_int_equal(h.status, 202);
	http_free(&h);
	const char *path = "/api/collections/shared/objects/"
			   "indicator--99999999-0000-4000-8000-000000000001/";
	const char *vpath = "/api/collections/shared/objects/"
			    "indicator--99999999-0000-4000-8000-000000000001/versions/";
	for (size_t vi = 0; vi < sizeof viewers / sizeof viewers[0]; vi++) {
		const struct viewer *v = &viewers[vi];
		if (v->grant != G_READ)
			continue;
		http_get(&N, path, v->token, &h);
		assert_int_equal(h.status, 200);
		const char *mod = json_string_value(json_object_get(
			json_array_get(json_object_get(h.json, "objects"), 0), "modified"));
		assert_string_equal(mod, v->org == KR ? "2024-06-01T00:00:00.000Z"
						      : "2024-01-01T00:00:00.000Z");
		http_free(&h);
		http_get(&N, vpath, v->token, &h);
		assert_int_equal(json_array_size(json_object_get(h.json, "versions")),
				 v->org == KR ? 2 : 1);
		http_free(&h);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_versions_across_levels),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
