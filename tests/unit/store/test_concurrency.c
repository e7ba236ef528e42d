/*
 * Writers on several threads share one store and one collection: every
 * object is stored once, date_added stays unique and strictly increasing,
 * and paging by cursor returns each object exactly once. Runs on SQLite,
 * and on PostgreSQL with TP_TEST_STORE=postgres (store_location.h), where
 * the order comes from the collection's row lock rather than a process
 * mutex.
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
#include "tripact/json.h"
#include "tripact/store.h"
#include "unit/store/store_location.h"

#define THREADS	  4
#define BATCHES	  10
#define PER_BATCH 5

struct writer {
	struct tp_store *s;
	int64_t collection, org;
	int n;
	enum tp_err e;
};

static void *write_batches(void *arg)
{
	struct writer *w = arg;
	w->e = TP_OK;
	for (int b = 0; b < BATCHES && !w->e; b++) {
		json_t *objs[PER_BATCH];
		struct tp_store_put p[PER_BATCH];
		struct tp_store_put_result r[PER_BATCH];
		for (int i = 0; i < PER_BATCH; i++) {
			char id[80];
			snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%04d%04d%04d",
				 w->n, b, i);
			objs[i] = json_pack("{s:s, s:s, s:s}", "type", "indicator", "id", id,
					    "modified", "2024-01-01T00:00:00Z");
			p[i] = (struct tp_store_put){.collection = w->collection,
						     .object = objs[i],
						     .origin = w->org,
						     .default_tlp = TP_TLP_GREEN};
		}
		struct tp_diag d = {0};
		w->e = tp_store_put_many(w->s, p, PER_BATCH, r, &d);
		for (int i = 0; i < PER_BATCH; i++) {
			if (!w->e && (r[i].err || r[i].duplicate))
				w->e = TP_ECONFLICT;
			json_decref(objs[i]);
		}
	}
	return NULL;
}

struct page {
	tp_time_us last;
	int rows, out_of_order;
};

static int on_row(void *ctx, const struct tp_store_row *r)
{
	struct page *p = ctx;
	if (r->date_added <= p->last)
		p->out_of_order++;
	p->last = r->date_added;
	p->rows++;
	return 0;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static void test_parallel_writers(void **state)
{
	char dir[] = "/tmp/tp-store-conc-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct tp_store *s;
	struct tp_diag d = {0};
	assert_int_equal(tp_store_open(test_store_location(dir), &s, &d), TP_OK);
	int64_t org;
	struct tp_collection c;
	assert_int_equal(tp_store_org_add(s, "us", NULL, &org, &d), TP_OK);
	assert_int_equal(tp_store_root_add(s, "api", NULL, NULL, 1, &d), TP_OK);
	assert_int_equal(tp_store_collection_add(s, "api", NULL, "c", "C", NULL, -1, &c, &d),
			 TP_OK);
	pthread_t t[THREADS];
	struct writer w[THREADS];
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct writer){s, c.id, org, i, TP_EDB};
		assert_int_equal(pthread_create(&t[i], NULL, write_batches, &w[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(w[i].e, TP_OK);
	}
	/* pages of 7 by cursor: every object once, in date_added order */
	struct tp_tlp_viewer v = {.org = org, .can_read = 1};
	struct page pg = {0};
	int more = 1;
	while (more) {
		struct tp_query q = {.collection = c.id, .cursor = pg.last, .limit = 7};
		assert_int_equal(tp_store_query(s, &q, &v, 0, on_row, &pg, &more, &d), TP_OK);
	}
	assert_int_equal(pg.rows, THREADS * BATCHES * PER_BATCH);
	assert_int_equal(pg.out_of_order, 0);
	int64_t count;
	tp_time_us last;
	assert_int_equal(tp_store_count_added(s, c.id, 0, pg.last, 0, &count, &last), TP_OK);
	assert_int_equal(count, THREADS * BATCHES * PER_BATCH);
	assert_true(last == pg.last);
	tp_store_close(s);
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parallel_writers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
