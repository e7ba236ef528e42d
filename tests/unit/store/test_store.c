/*
 * The SQLite store: organisations, users (Argon2id), tokens, grants, API
 * roots and collections, then objects -- strictly increasing date_added,
 * versions, duplicates, paging by cursor, status resources, persistence.
 */
#include <ftw.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tp_test.h"
#include "tripact/buf.h"
#include "tripact/json.h"
#include "tripact/store.h"
#include "unit/store/store_location.h"

static char dir[64];
static const char *where; /* dir, or a PostgreSQL database */
static struct tp_store *S;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static int setup(void **state)
{
	snprintf(dir, sizeof dir, "/tmp/tp-store-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	struct tp_diag d = {0};
	where = test_store_location(dir);
	assert_int_equal(tp_store_open(where, &S, &d), TP_OK);
	return 0;
}

static int teardown(void **state)
{
	tp_store_close(S);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static void test_accounts(void **state)
{
	struct tp_diag d = {0};
	int64_t org;
	struct tp_account a;
	assert_int_equal(tp_store_org_add(S, "us-cisa", "CISA", &org, &d), TP_OK);
	assert_int_equal(tp_store_org_add(S, "us-cisa", NULL, NULL, &d), TP_EEXIST);
	assert_non_null(strstr(d.message, "already exists"));
	assert_int_equal(tp_store_org_add(S, "bad name; DROP", NULL, NULL, &d), TP_EINVAL);
	assert_int_equal(tp_store_user_add(S, "alice", "nope", "long enough", 0, &d), TP_ENOTFOUND);
	assert_int_equal(tp_store_user_add(S, "alice", "us-cisa", "short", 0, &d), TP_EINVAL);
	assert_int_equal(tp_store_user_add(S, "alice", "us-cisa", "long enough", 0, &d), TP_OK);
	assert_int_equal(tp_store_user_add(S, "alice", "us-cisa", "long enough", 0, &d), TP_EEXIST);
	assert_int_equal(tp_store_login(S, "alice", "long enough", &a), TP_OK);
	assert_int_equal(a.org, org);
	assert_string_equal(a.org_name, "us-cisa");
	assert_int_equal(tp_store_login(S, "alice", "long enougH", &a), TP_EAUTH);
	assert_int_equal(tp_store_login(S, "bob", "long enough", &a), TP_EAUTH);
	/* a remembered login does not survive a password change */
	assert_int_equal(tp_store_login(S, "alice", "long enough", &a), TP_OK);
	assert_int_equal(tp_store_user_passwd(S, "alice", "another one", &d), TP_OK);
	assert_int_equal(tp_store_login(S, "alice", "long enough", &a), TP_EAUTH);
	assert_int_equal(tp_store_login(S, "alice", "another one", &a), TP_OK);
	char tok[TP_TOKEN_LEN + 1], tok2[TP_TOKEN_LEN + 1];
	int64_t id, id2;
	assert_int_equal(tp_store_token_create(S, "alice", "ci", tok, &id, &d), TP_OK);
	assert_int_equal(tp_store_token_create(S, "alice", "ci", tok2, &id2, &d), TP_OK);
	assert_int_equal(strlen(tok), TP_TOKEN_LEN);
	assert_string_not_equal(tok, tok2);
	assert_int_equal(tp_store_token_check(S, tok, &a), TP_OK);
	assert_string_equal(a.name, "alice");
	tok[0] = tok[0] == 'A' ? 'B' : 'A';
	assert_int_equal(tp_store_token_check(S, tok, &a), TP_EAUTH);
	assert_int_equal(tp_store_token_check(S, "", &a), TP_EAUTH);
	assert_int_equal(tp_store_token_revoke(S, id2, &d), TP_OK);
	assert_int_equal(tp_store_token_check(S, tok2, &a), TP_EAUTH);
	assert_int_equal(tp_store_org_remove(S, "us-cisa", &d), TP_ECONFLICT);
	assert_int_equal(tp_store_user_remove(S, "alice", &d), TP_OK);
	assert_int_equal(tp_store_login(S, "alice", "another one", &a), TP_EAUTH);
	assert_int_equal(tp_store_org_remove(S, "us-cisa", &d), TP_OK);
}

static void test_grants(void **state)
{
	struct tp_diag d = {0};
	struct tp_collection c, c2;
	struct tp_account a;
	unsigned bits;
	assert_int_equal(tp_store_org_add(S, "jp", NULL, NULL, &d), TP_OK);
	assert_int_equal(tp_store_user_add(S, "ken", "jp", "long enough", 0, &d), TP_OK);
	assert_int_equal(tp_store_root_add(S, "api", "API", "", 1, &d), TP_OK);
	assert_int_equal(
		tp_store_collection_add(S, "api", NULL, "intel", "Intel", NULL, -1, &c, &d), TP_OK);
	assert_int_equal(tp_store_collection_add(S, "api", NULL, "intel", "Dup", NULL, -1, &c2, &d),
			 TP_EEXIST);
	assert_int_equal(
		tp_store_collection_add(S, "api", "not-a-uuid", NULL, "X", NULL, -1, &c2, &d),
		TP_EINVAL);
	assert_int_equal(tp_store_collection_add(S, "api", "0f0e0d0c-0b0a-4908-8706-050403020100",
						 NULL, "By id", NULL, TP_TLP_RED, &c2, &d),
			 TP_OK);
	assert_int_equal(c2.default_tlp, TP_TLP_RED);
	assert_int_equal(
		tp_store_collection_find(S, 0, "0f0e0d0c-0b0a-4908-8706-050403020100", &c2), TP_OK);
	assert_int_equal(tp_store_collection_find(S, 0, "intel", &c2), TP_OK);
	assert_int_equal(c2.id, c.id);
	assert_int_equal(tp_store_login(S, "ken", "long enough", &a), TP_OK);
	assert_int_equal(tp_store_access(S, &a, c.id, &bits), TP_OK);
	assert_int_equal(bits, 0);
	assert_int_equal(tp_store_grant(S, c.id, NULL, "jp", TP_GRANT_READ, 0, &d), TP_OK);
	assert_int_equal(tp_store_grant(S, c.id, "ken", NULL, TP_GRANT_WRITE, 0, &d), TP_OK);
	assert_int_equal(tp_store_access(S, &a, c.id, &bits), TP_OK);
	assert_int_equal(bits, TP_GRANT_READ | TP_GRANT_WRITE);
	assert_int_equal(tp_store_grant(S, c.id, NULL, "jp", TP_GRANT_READ, 1, &d), TP_OK);
	assert_int_equal(tp_store_access(S, &a, c.id, &bits), TP_OK);
	assert_int_equal(bits, TP_GRANT_WRITE);
	assert_int_equal(tp_store_grant(S, c.id, "ken", "jp", TP_GRANT_READ, 0, &d), TP_EINVAL);
	assert_int_equal(tp_store_grant(S, c.id, "nobody", NULL, TP_GRANT_READ, 0, &d),
			 TP_ENOTFOUND);
	/* root, collection (by alias or uuid) and grants in one look */
	struct tp_api_root root;
	int found_root;
	assert_int_equal(tp_store_collection_open(S, "api", "intel", &a, &root, &c2, &bits,
						  &found_root),
			 TP_OK);
	assert_true(found_root);
	assert_string_equal(root.name, "api");
	assert_int_equal(root.is_default, 1);
	assert_int_equal(c2.id, c.id);
	assert_string_equal(c2.alias, "intel");
	assert_string_equal(c2.title, "Intel");
	assert_int_equal(c2.default_tlp, -1);
	assert_int_equal(bits, TP_GRANT_WRITE);
	assert_int_equal(tp_store_collection_open(S, "api", "0f0e0d0c-0b0a-4908-8706-050403020100",
						  &a, &root, &c2, &bits, &found_root),
			 TP_OK);
	assert_int_equal(c2.default_tlp, TP_TLP_RED);
	assert_string_equal(c2.alias, "");
	assert_int_equal(bits, 0);
	assert_int_equal(tp_store_collection_open(S, "api", "nothing", &a, &root, &c2, &bits,
						  &found_root),
			 TP_ENOTFOUND);
	assert_true(found_root);
	assert_int_equal(tp_store_collection_open(S, "nope", "intel", &a, &root, &c2, &bits,
						  &found_root),
			 TP_ENOTFOUND);
	assert_false(found_root);
}

static int collect(void *ctx, const struct tp_store_row *r)
{
	json_t *a = ctx;
	json_array_append_new(a, json_pack("{s:s, s:I, s:I}", "id", r->id, "added",
					   (json_int_t)r->date_added, "version",
					   (json_int_t)r->version));
	return 0;
}

static int body_of(void *ctx, const struct tp_store_row *r)
{
	return tp_buf_append(ctx, r->json, r->json_len) != TP_OK;
}

static void test_objects(void **state)
{
	struct tp_diag d = {0};
	struct tp_collection c;
	int64_t org;
	assert_int_equal(tp_store_org_find(S, "jp", &org), TP_OK);
	assert_int_equal(tp_store_collection_find(S, 0, "intel", &c), TP_OK);
	enum { N = 500 };
	json_t *objs[N];
	struct tp_store_put puts[N];
	struct tp_store_put_result res[N];
	for (int i = 0; i < N; i++) {
		char id[64];
		snprintf(id, sizeof id, "ipv4-addr--00000000-0000-5000-8000-%012d", i % 250);
		/* SCOs without created/modified: the version is the date_added */
		objs[i] = json_pack("{s:s, s:s, s:s}", "type", "ipv4-addr", "id", id, "value",
				    "1.2.3.4");
		puts[i] = (struct tp_store_put){.collection = c.id,
						.object = objs[i],
						.origin = org,
						.default_tlp = TP_TLP_GREEN};
	}
	assert_int_equal(tp_store_put_many(S, puts, N, res, &d), TP_OK);
	for (int i = 1; i < N; i++) {
		assert_int_equal(res[i].err, TP_OK);
		assert_true(res[i].date_added > res[i - 1].date_added); /* strictly increasing */
		assert_int_equal(res[i].version, res[i].date_added);
	}
	/* same version again: a duplicate, with the original date_added */
	json_t *ind = json_pack("{s:s, s:s, s:s, s:s}", "type", "indicator", "id",
				"indicator--00000000-0000-4000-8000-000000000001", "created",
				"2024-01-01T00:00:00Z", "modified", "2024-01-02T00:00:00Z");
	struct tp_store_put p = {.collection = c.id, .object = ind, .origin = org};
	struct tp_store_put_result r1, r2;
	assert_int_equal(tp_store_put_many(S, &p, 1, &r1, &d), TP_OK);
	assert_int_equal(tp_store_put_many(S, &p, 1, &r2, &d), TP_OK);
	assert_int_equal(r2.duplicate, 1);
	assert_int_equal(r2.date_added, r1.date_added);
	assert_int_equal(r1.version, 1704153600000000LL);
	/* bad timestamps are reported per object */
	json_object_set_new(ind, "modified", json_string("yesterday"));
	assert_int_equal(tp_store_put_many(S, &p, 1, &r2, &d), TP_OK);
	assert_int_equal(r2.err, TP_EVALIDATE);
	json_decref(ind);
	for (int i = 0; i < N; i++)
		json_decref(objs[i]);
	/* pages by cursor: all versions, 64 at a time */
	struct tp_tlp_viewer v = {.org = org, .can_read = 1};
	struct tp_query q = {.collection = c.id, .limit = 64, .versions = TP_VERSION_ALL};
	json_t *all = json_array();
	int more = 1, pages = 0;
	while (more) {
		size_t before = json_array_size(all);
		assert_int_equal(tp_store_query(S, &q, &v, 1, collect, all, &more, &d), TP_OK);
		assert_true(json_array_size(all) > before);
		q.cursor = json_integer_value(
			json_object_get(json_array_get(all, json_array_size(all) - 1), "added"));
		pages++;
	}
	assert_int_equal(json_array_size(all), N + 1);
	assert_int_equal(pages, (N + 1 + 63) / 64);
	json_decref(all);
	/* last versions only: 250 SCOs + 1 indicator */
	all = json_array();
	q = (struct tp_query){.collection = c.id, .limit = 1000};
	assert_int_equal(tp_store_query(S, &q, &v, 0, collect, all, &more, &d), TP_OK);
	assert_int_equal(json_array_size(all), 251);
	assert_int_equal(more, 0);
	json_decref(all);
	/* type and id filters */
	all = json_array();
	q = (struct tp_query){
		.collection = c.id, .limit = 10, .n_types = 1, .types = {"indicator"}};
	assert_int_equal(tp_store_query(S, &q, &v, 1, collect, all, &more, &d), TP_OK);
	assert_int_equal(json_array_size(all), 1);
	json_decref(all);
	/* a viewer without read sees nothing */
	v.can_read = 0;
	all = json_array();
	assert_int_equal(tp_store_query(S, &q, &v, 1, collect, all, &more, &d), TP_OK);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
	/* delete one id, all versions */
	v.can_read = 1;
	int n = 0;
	q = (struct tp_query){.collection = c.id};
	assert_int_equal(tp_store_delete(S, &q, "ipv4-addr--00000000-0000-5000-8000-000000000007",
					 &v, &n, &d),
			 TP_OK);
	assert_int_equal(n, 2);
}

struct writer {
	int64_t collection, origin;
	const char *id;
	enum tp_err e;
};

static void *write_one(void *arg)
{
	struct writer *w = arg;
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "type", "indicator", "id", w->id, "created",
			      "2024-01-01T00:00:00Z", "modified", "2024-01-01T00:00:00Z");
	struct tp_store_put p = {.collection = w->collection, .object = o, .origin = w->origin};
	struct tp_store_put_result r;
	struct tp_diag d = {0};
	w->e = tp_store_put_many(S, &p, 1, &r, &d);
	json_decref(o);
	return NULL;
}

static size_t count_indicators(int64_t coll, const struct tp_tlp_viewer *v)
{
	struct tp_diag d = {0};
	struct tp_query q = {
		.collection = coll, .limit = 1000, .n_types = 1, .types = {"indicator"}};
	json_t *all = json_array();
	int more;
	assert_int_equal(tp_store_query(S, &q, v, 0, collect, all, &more, &d), TP_OK);
	size_t n = json_array_size(all);
	json_decref(all);
	return n;
}

/* The collection the object tests use and its organisation's id. */
static void intel(struct tp_collection *c, int64_t *org)
{
	assert_int_equal(tp_store_org_find(S, "jp", org), TP_OK);
	assert_int_equal(tp_store_collection_find(S, 0, "intel", c), TP_OK);
}

/* A read section is one snapshot: a commit from another thread shows only
 * after it ends, and the thread can write again afterwards. The text given
 * with an object is what is stored and served. */
static void test_read_section_and_text(void **state)
{
	struct tp_diag d = {0};
	struct tp_collection c;
	int64_t org;
	intel(&c, &org);
	struct tp_tlp_viewer v = {.org = org, .can_read = 1};
	size_t n0 = count_indicators(c.id, &v);
	tp_store_read_begin(S);
	assert_int_equal(count_indicators(c.id, &v), n0);
	struct writer w = {c.id, org, "indicator--00000000-0000-4000-8000-000000000301", TP_EDB};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, write_one, &w), 0);
	pthread_join(t, NULL);
	assert_int_equal(w.e, TP_OK); /* the reader does not block the writer */
	assert_int_equal(count_indicators(c.id, &v), n0);
	tp_store_read_end(S);
	assert_int_equal(count_indicators(c.id, &v), n0 + 1);
	/* writes on this thread work again, and keep the given text */
	static const char text[] = "{\"type\":\"indicator\",\"id\":\"indicator--00000000-0000-4000-"
				   "8000-000000000302\",\"name\":\"as sent \\u00e9\"}";
	json_t *o = json_loads(text, 0, NULL);
	assert_non_null(o);
	struct tp_store_put p = {.collection = c.id,
				 .object = o,
				 .origin = org,
				 .json = text,
				 .json_len = sizeof text - 1};
	struct tp_store_put_result r;
	assert_int_equal(tp_store_put_many(S, &p, 1, &r, &d), TP_OK);
	assert_int_equal(r.err, TP_OK);
	json_decref(o);
	struct tp_query q = {.collection = c.id,
			     .limit = 10,
			     .n_ids = 1,
			     .ids = {"indicator--00000000-0000-4000-8000-000000000302"}};
	struct tp_buf b;
	tp_buf_init(&b, 0);
	int more;
	assert_int_equal(tp_store_query(S, &q, &v, 1, body_of, &b, &more, &d), TP_OK);
	assert_string_equal(b.data, text);
	tp_buf_free(&b);
}

/* Read sections one after another, each on the connection the last one
 * gave back (on PostgreSQL its COMMIT is answered while the next request
 * starts), some reading nothing, with writes in between. */
static void test_read_sections_in_a_row(void **state)
{
	struct tp_diag d = {0};
	struct tp_collection c;
	int64_t org;
	intel(&c, &org);
	struct tp_tlp_viewer v = {.org = org, .can_read = 1};
	struct tp_query q = {.collection = c.id, .limit = 5};
	for (int i = 0; i < 30; i++) {
		tp_store_read_begin(S);
		if (i % 3) {
			json_t *rows = json_array();
			int more = 0;
			assert_int_equal(tp_store_query(S, &q, &v, 1, collect, rows, &more, &d),
					 TP_OK);
			assert_int_equal(json_array_size(rows), 5);
			assert_int_equal(more, 1);
			json_decref(rows);
		}
		tp_store_read_end(S);
		if (i % 10 == 9) {
			char id[64];
			snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d",
				 400 + i);
			struct writer w = {c.id, org, id, TP_EDB};
			write_one(&w);
			assert_int_equal(w.e, TP_OK);
		}
	}
}

static void test_status_and_reopen(void **state)
{
	char *json = NULL;
	assert_int_equal(tp_store_status_put(S, "11111111-1111-4111-8111-111111111111", 1, 7,
					     "{\"id\":\"x\"}"),
			 TP_OK);
	assert_int_equal(
		tp_store_status_get(S, "11111111-1111-4111-8111-111111111111", 1, 8, &json),
		TP_ENOTFOUND);
	assert_int_equal(
		tp_store_status_get(S, "11111111-1111-4111-8111-111111111111", 1, 7, &json), TP_OK);
	assert_string_equal(json, "{\"id\":\"x\"}");
	free(json);
	assert_int_equal(tp_store_setting_set(S, "node.org", "jp"), TP_OK);
	tp_store_close(S);
	struct tp_diag d = {0};
	assert_int_equal(tp_store_open(where, &S, &d), TP_OK);
	assert_int_equal(tp_store_setting_get(S, "node.org", &json), TP_OK);
	assert_string_equal(json, "jp");
	free(json);
	struct tp_collection c;
	assert_int_equal(tp_store_collection_find(S, 0, "intel", &c), TP_OK);
	/* an unreachable server: the error says so (S is left as it was) */
	assert_int_equal(tp_store_open("postgresql:///x?host=/nonexistent", &S, &d), TP_EDB);
	assert_non_null(strstr(d.message, "cannot connect to PostgreSQL"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accounts),
		cmocka_unit_test(test_grants),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_read_section_and_text),
		cmocka_unit_test(test_read_sections_in_a_row),
		cmocka_unit_test(test_status_and_reopen),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
