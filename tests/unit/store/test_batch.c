/*
 * Large batches of objects: none lost, none reordered, duplicates and
 * versions inside one batch, marking definitions first, and a failure in
 * the middle rolls the whole batch back and names the object. The batches
 * are larger than the PostgreSQL back end's pipeline (pg_pipe.h), so they
 * cross its sync points. Runs on SQLite, and on PostgreSQL with
 * TP_TEST_STORE=postgres (store_location.h).
 */
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/store.h"
#include "tripact/time.h"
#include "unit/store/store_location.h"

static char dir[64];
static struct tp_store *S;
static int64_t org;
static struct tp_collection coll;

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/tp-batch-test-XXXXXX");
	assert_non_null(mkdtemp(dir));
	struct tp_diag d = {0};
	assert_int_equal(tp_store_open(test_store_location(dir), &S, &d), TP_OK);
	assert_int_equal(tp_store_org_add(S, "jp", NULL, &org, &d), TP_OK);
	assert_int_equal(tp_store_root_add(S, "api", NULL, NULL, 1, &d), TP_OK);
	assert_int_equal(
		tp_store_collection_add(S, "api", NULL, "intel", "Intel", NULL, -1, &coll, &d),
		TP_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tp_store_close(S);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

static json_t *indicator(int k, int day)
{
	char id[64], mod[32];
	snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d", k);
	snprintf(mod, sizeof mod, "2024-01-%02dT00:00:00Z", day);
	return json_pack("{s:s, s:s, s:s, s:s}", "type", "indicator", "id", id, "created",
			 "2024-01-01T00:00:00Z", "modified", mod);
}

static struct tp_store_put put_of(const json_t *o)
{
	return (struct tp_store_put){
		.collection = coll.id, .object = o, .origin = org, .default_tlp = TP_TLP_AMBER};
}

/* "id version" of each row, in the order the store returns them */
static int collect(void *ctx, const struct tp_store_row *r)
{
	char line[128], version[TP_TIME_BUFSZ];
	tp_time_format(r->version, 0, version);
	snprintf(line, sizeof line, "%s %s", r->id, version);
	json_array_append_new(ctx, json_string(line));
	return 0;
}

static json_t *stored(unsigned versions)
{
	struct tp_tlp_viewer v = {.org = org, .can_read = 1};
	struct tp_query q = {.collection = coll.id, .limit = 5000, .versions = versions};
	json_t *rows = json_array();
	int more = 1;
	struct tp_diag d = {0};
	assert_int_equal(tp_store_query(S, &q, &v, 0, collect, rows, &more, &d), TP_OK);
	assert_int_equal(more, 0);
	return rows;
}

static void expect_row(const json_t *rows, size_t at, const json_t *o)
{
	const char *version = tp_json_str(o, "modified");
	char line[128];
	snprintf(line, sizeof line, "%s %s", tp_json_str(o, "id"),
		 version ? version : tp_json_str(o, "created"));
	assert_string_equal(json_string_value(json_array_get(rows, at)), line);
}

/*
 * 600 indicators and a marking definition after them: ids 0-399 (day 2);
 * older versions of 0-99 (day 1) and newer ones of 100-149 (day 3) after
 * them; 150-199 again, same version (duplicates in the batch); 200-209
 * were stored before the batch (duplicates of stored rows).
 */
static void test_order_and_duplicates(void **state)
{
	(void)state;
	enum { N = 601, MD = 600 };
	struct tp_diag d = {0};
	json_t *before[10];
	struct tp_store_put pb[10];
	struct tp_store_put_result rb[10];
	for (int k = 0; k < 10; k++) {
		before[k] = indicator(200 + k, 2);
		pb[k] = put_of(before[k]);
	}
	assert_int_equal(tp_store_put_many(S, pb, 10, rb, &d), TP_OK);

	json_t *o[N];
	struct tp_store_put p[N];
	struct tp_store_put_result r[N];
	for (int i = 0; i < MD; i++)
		o[i] = i < 400	 ? indicator(i, 2)
		       : i < 500 ? indicator(i - 400, 1)
		       : i < 550 ? indicator(i - 400, 3)
				 : indicator(i - 400, 2);
	o[MD] = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "type", "marking-definition", "id",
			  "marking-definition--00000000-0000-4000-8000-000000000001", "created",
			  "2024-01-01T00:00:00Z", "definition_type", "statement", "definition",
			  "statement", "Copyright jp");
	for (int i = 0; i < N; i++)
		p[i] = put_of(o[i]);
	assert_int_equal(tp_store_put_many(S, p, N, r, &d), TP_OK);

	/* the definition first, then the objects in the order given */
	assert_true(r[MD].date_added > rb[9].date_added);
	assert_true(r[0].date_added > r[MD].date_added);
	tp_time_us last = r[MD].date_added;
	json_t *all = stored(TP_VERSION_ALL);
	size_t row = 0;
	for (int k = 0; k < 10; k++)
		expect_row(all, row++, before[k]);
	expect_row(all, row++, o[MD]);
	for (int i = 0; i < MD; i++) {
		assert_int_equal(r[i].err, TP_OK);
		int dup_in_batch = i >= 550, dup_of_stored = i >= 200 && i < 210;
		assert_int_equal(r[i].duplicate, dup_in_batch || dup_of_stored);
		if (dup_in_batch) {
			assert_int_equal(r[i].date_added, r[i - 400].date_added);
		} else if (dup_of_stored) {
			assert_int_equal(r[i].date_added, rb[i - 200].date_added);
		} else {
			assert_true(r[i].date_added > last);
			last = r[i].date_added;
			expect_row(all, row++, o[i]);
		}
	}
	assert_int_equal(json_array_size(all), row); /* nothing else, nothing lost */
	json_decref(all);

	/* the newest version of each id, wherever it came in the batch */
	json_t *latest = stored(TP_VERSION_LAST);
	assert_int_equal(json_array_size(latest), 401);
	row = 0;
	for (int k = 0; k < 10; k++)
		expect_row(latest, row++, before[k]);
	expect_row(latest, row++, o[MD]);
	for (int i = 0; i < 400; i++)
		if (i < 100 || i >= 150) {
			if (i < 200 || i >= 210)
				expect_row(latest, row++, o[i]);
		}
	for (int i = 500; i < 550; i++)
		expect_row(latest, row++, o[i]);
	assert_int_equal(json_array_size(latest), row);
	json_decref(latest);
	for (int i = 0; i < N; i++)
		json_decref(o[i]);
	for (int k = 0; k < 10; k++)
		json_decref(before[k]);
}

/* Puts 500 new indicators (ids from 1000 on) with object `bad` spoilt by
 * spoil(); returns put_many's result. */
static enum tp_err put_spoilt(int bad, void (*spoil)(struct tp_store_put *), struct tp_diag *d)
{
	enum { N = 500 };
	json_t *o[N];
	struct tp_store_put p[N];
	struct tp_store_put_result r[N];
	for (int i = 0; i < N; i++) {
		o[i] = indicator(1000 + i, 2);
		p[i] = put_of(o[i]);
	}
	if (spoil)
		spoil(&p[bad]);
	enum tp_err e = tp_store_put_many(S, p, N, r, d);
	for (int i = 0; i < N; i++)
		json_decref(o[i]);
	return e;
}

static void no_collection(struct tp_store_put *p)
{
	p->collection = coll.id + 1000;
}

/* text that is not UTF-8: PostgreSQL refuses it when the row arrives */
static void not_utf8(struct tp_store_put *p)
{
	p->json = "{\"type\":\"indicator\",\"name\":\"\xff\"}";
	p->json_len = strlen(p->json);
}

static void test_failure_midway(void **state)
{
	(void)state;
	struct tp_diag d = {0};
	json_t *was = stored(TP_VERSION_ALL);
	size_t n = json_array_size(was);
	json_decref(was);

	assert_int_equal(put_spoilt(400, no_collection, &d), TP_ENOTFOUND);
	assert_non_null(strstr(d.message, "no such collection"));
	json_t *now = stored(TP_VERSION_ALL);
	assert_int_equal(json_array_size(now), n); /* not one of the 500 */
	json_decref(now);

	/* SQLite stores the bytes as given: the row-level failure is PostgreSQL's,
	 * after the first 256 statements of the batch were answered */
	if (test_store_is_pg()) {
		memset(&d, 0, sizeof d);
		assert_int_equal(put_spoilt(400, not_utf8, &d), TP_EDB);
		assert_non_null(
			strstr(d.message, "indicator--00000000-0000-4000-8000-000000001400"));
		assert_non_null(strstr(d.message, "UTF8"));
		now = stored(TP_VERSION_ALL);
		assert_int_equal(json_array_size(now), n);
		json_decref(now);
	}

	/* the store is usable afterwards, and the batch goes in whole */
	assert_int_equal(put_spoilt(0, NULL, &d), TP_OK);
	now = stored(TP_VERSION_ALL);
	assert_int_equal(json_array_size(now), n + 500);
	json_decref(now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_duplicates),
		cmocka_unit_test(test_failure_midway),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
