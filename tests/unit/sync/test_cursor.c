/* Sync's cursors and peer URLs, and the peers the store keeps: what a
 * round may save, and that nothing else moves them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
// clang-format off
#include <cmocka.h>
// clang-format on

#include "tripact/json.h"
#include "tripact/store.h"
#include "tripact/sync.h"
#include "unit/store/store_location.h"

static void test_pull_cursor(void **state)
{
	(void)state;
	char c[TP_TIME_BUFSZ] = "unchanged";
	assert_int_equal(tp_sync_pull_cursor("2026-11-27T05:09:53.123456Z", c), TP_OK);
	assert_string_equal(c, "2026-11-27T05:09:53.123456Z");
	strcpy(c, "kept");
	assert_int_equal(tp_sync_pull_cursor(NULL, c), TP_EPARSE);
	assert_int_equal(tp_sync_pull_cursor("", c), TP_EPARSE);
	assert_int_equal(tp_sync_pull_cursor("yesterday", c), TP_EPARSE);
	assert_int_equal(tp_sync_pull_cursor("2026-11-27T05:09:53+09:00", c), TP_EPARSE);
	assert_int_equal(tp_sync_pull_cursor("2026-11-27T05:09:53Z&limit=1", c), TP_EPARSE);
	char longer[100];
	memset(longer, '9', sizeof longer - 1);
	longer[sizeof longer - 1] = '\0';
	assert_int_equal(tp_sync_pull_cursor(longer, c), TP_EPARSE);
	assert_string_equal(c, "kept");
}

static void test_push_cursor(void **state)
{
	(void)state;
	/* everything accepted: to the end of the round */
	assert_int_equal(tp_sync_push_cursor(100, 500, 0), 500);
	/* a refusal: just before it, so it is sent again */
	assert_int_equal(tp_sync_push_cursor(100, 500, 300), 299);
	/* the first version refused: the cursor stays */
	assert_int_equal(tp_sync_push_cursor(100, 500, 101), 100);
	/* never backwards, never past the round */
	assert_int_equal(tp_sync_push_cursor(100, 500, 50), 100);
	assert_int_equal(tp_sync_push_cursor(100, 500, 900), 500);
	assert_int_equal(tp_sync_push_cursor(600, 500, 0), 600);
}

static void test_url(void **state)
{
	(void)state;
	assert_int_equal(tp_sync_url_check("https://jp.example:9443/dprk/", NULL), TP_OK);
	assert_int_equal(tp_sync_url_check("http://127.0.0.1:9000/a/b/", NULL), TP_OK);
	struct tp_diag d = {0};
	assert_int_equal(tp_sync_url_check("https://jp.example:9443/dprk", &d), TP_EINVAL);
	assert_non_null(strstr(d.message, "API root"));
	assert_int_equal(tp_sync_url_check("https://jp.example/", NULL), TP_EINVAL);
	assert_int_equal(tp_sync_url_check("ftp://jp.example/dprk/", NULL), TP_EINVAL);
	assert_int_equal(tp_sync_url_check("https:///dprk/", NULL), TP_EINVAL);
	assert_int_equal(tp_sync_url_check("https://jp.example/dprk/?x=1/", NULL), TP_EINVAL);
	assert_int_equal(tp_sync_url_check(NULL, NULL), TP_EINVAL);
}

static int count_peers(void *ctx, const struct tp_peer *p)
{
	(void)p;
	++*(int *)ctx;
	return 0;
}

/* The peers table: add, find, list, cursors saved one at a time, remove;
 * removing the local account removes its peers. */
static void test_peers_in_store(void **state)
{
	(void)state;
	char dir[] = "/tmp/tp-sync-peers-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct tp_store *s;
	struct tp_diag d = {0};
	assert_int_equal(tp_store_open(test_store_location(dir), &s, &d), TP_OK);
	assert_int_equal(tp_store_org_add(s, "jp-nisc", NULL, NULL, &d), TP_OK);
	assert_int_equal(tp_store_user_add(s, "node-jp", "jp-nisc", "long enough pw", 1, &d),
			 TP_OK);
	assert_int_equal(tp_store_root_add(s, "dprk", "DPRK", "", 1, &d), TP_OK);
	struct tp_collection c;
	assert_int_equal(tp_store_collection_add(s, "dprk", NULL, "feed", "Feed", "", -1, &c, &d),
			 TP_OK);
	struct tp_peer p = {.collection = c.id, .mode = TP_PEER_PULL | TP_PEER_PUSH};
	strcpy(p.name, "jp");
	strcpy(p.url, "https://jp.example:9443/dprk/");
	strcpy(p.remote_collection, "feed");
	strcpy(p.as_user, "node-jp");
	strcpy(p.token_file, "/etc/tripact/jp.token");
	assert_int_equal(tp_store_peer_add(s, &p, &d), TP_OK);
	assert_int_equal(tp_store_peer_add(s, &p, &d), TP_EEXIST);
	strcpy(p.name, "kr");
	strcpy(p.as_user, "nobody");
	assert_int_equal(tp_store_peer_add(s, &p, &d), TP_ENOTFOUND);
	p.mode = 0;
	assert_int_equal(tp_store_peer_add(s, &p, &d), TP_EINVAL);

	struct tp_peer f;
	assert_int_equal(tp_store_peer_find(s, "jp", &f), TP_OK);
	assert_string_equal(f.collection_key, "feed");
	assert_string_equal(f.as_user, "node-jp");
	assert_string_equal(f.pull_cursor, "");
	assert_int_equal(f.push_cursor, 0);
	assert_int_equal(f.mode, TP_PEER_PULL | TP_PEER_PUSH);

	/* each cursor on its own: the other is kept */
	assert_int_equal(tp_store_peer_set_cursors(s, f.id, "2026-01-01T00:00:00.000001Z", -1, &d),
			 TP_OK);
	assert_int_equal(tp_store_peer_set_cursors(s, f.id, NULL, 12345, &d), TP_OK);
	assert_int_equal(tp_store_peer_find(s, "jp", &f), TP_OK);
	assert_string_equal(f.pull_cursor, "2026-01-01T00:00:00.000001Z");
	assert_int_equal(f.push_cursor, 12345);
	assert_int_equal(tp_store_peer_set_cursors(s, 999, NULL, 1, &d), TP_ENOTFOUND);

	int n = 0;
	assert_int_equal(tp_store_peer_list(s, count_peers, &n), TP_OK);
	assert_int_equal(n, 1);
	assert_int_equal(tp_store_peer_remove(s, "jp", &d), TP_OK);
	assert_int_equal(tp_store_peer_remove(s, "jp", &d), TP_ENOTFOUND);
	assert_int_equal(tp_store_peer_find(s, "jp", &f), TP_ENOTFOUND);

	/* a peer goes with its local account */
	strcpy(p.name, "jp");
	strcpy(p.as_user, "node-jp");
	p.mode = TP_PEER_PULL;
	assert_int_equal(tp_store_peer_add(s, &p, &d), TP_OK);
	assert_int_equal(tp_store_user_remove(s, "node-jp", &d), TP_OK);
	assert_int_equal(tp_store_peer_find(s, "jp", &f), TP_ENOTFOUND);
	tp_store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* The count behind "skipped by TLP" and the id check behind SCOs. */
static void test_count_added(void **state)
{
	(void)state;
	char dir[] = "/tmp/tp-sync-count-XXXXXX";
	assert_non_null(mkdtemp(dir));
	struct tp_store *s;
	struct tp_diag d = {0};
	assert_int_equal(tp_store_open(test_store_location(dir), &s, &d), TP_OK);
	int64_t us, jp;
	assert_int_equal(tp_store_org_add(s, "us-cisa", NULL, &us, &d), TP_OK);
	assert_int_equal(tp_store_org_add(s, "jp-nisc", NULL, &jp, &d), TP_OK);
	assert_int_equal(tp_store_root_add(s, "dprk", "DPRK", "", 1, &d), TP_OK);
	struct tp_collection c;
	assert_int_equal(tp_store_collection_add(s, "dprk", NULL, "feed", "Feed", "", -1, &c, &d),
			 TP_OK);
	tp_time_us last = -1;
	int64_t count = -1;
	assert_int_equal(tp_store_count_added(s, c.id, 0, INT64_MAX, 0, &count, &last), TP_OK);
	assert_int_equal(count, 0);
	assert_int_equal(last, 0);
	json_t *o[3];
	struct tp_store_put puts[3];
	for (int i = 0; i < 3; i++) {
		o[i] = json_pack("{s:s, s:s}", "type", "ipv4-addr", "id", "");
		char id[64];
		snprintf(id, sizeof id, "ipv4-addr--00000000-0000-5000-8000-00000000000%d", i);
		json_object_set_new(o[i], "id", json_string(id));
		json_object_set_new(o[i], "value", json_string("10.0.0.1"));
		puts[i] = (struct tp_store_put){.collection = c.id,
						.object = o[i],
						.origin = i == 2 ? jp : us,
						.default_tlp = TP_TLP_GREEN};
	}
	struct tp_store_put_result res[3];
	assert_int_equal(tp_store_put_many(s, puts, 3, res, &d), TP_OK);
	assert_int_equal(tp_store_count_added(s, c.id, 0, INT64_MAX, 0, &count, &last), TP_OK);
	assert_int_equal(count, 3);
	assert_int_equal(last, res[2].date_added);
	/* not the peer's own, and only the range asked */
	assert_int_equal(tp_store_count_added(s, c.id, 0, INT64_MAX, jp, &count, NULL), TP_OK);
	assert_int_equal(count, 2);
	assert_int_equal(tp_store_count_added(s, c.id, res[0].date_added, res[1].date_added, jp,
					      &count, NULL),
			 TP_OK);
	assert_int_equal(count, 1);
	int known = -1;
	assert_int_equal(tp_store_id_known(s, c.id, tp_json_str(o[1], "id"), &known), TP_OK);
	assert_int_equal(known, 1);
	assert_int_equal(tp_store_id_known(s, c.id,
					   "ipv4-addr--00000000-0000-5000-8000-000000000009",
					   &known),
			 TP_OK);
	assert_int_equal(known, 0);
	for (int i = 0; i < 3; i++)
		json_decref(o[i]);
	tp_store_close(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pull_cursor), cmocka_unit_test(test_push_cursor),
		cmocka_unit_test(test_url),	    cmocka_unit_test(test_peers_in_store),
		cmocka_unit_test(test_count_added),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
