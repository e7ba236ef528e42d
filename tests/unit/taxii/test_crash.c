/*
 * Crash safety: `tripact serve` (a real process, set up with `tripact
 * admin`) is killed with SIGKILL in the middle of a stream of POSTs. After
 * a restart, every object whose POST was acknowledged (202, counted as a
 * success) must be there. Also exercises the admin commands end to end.
 * With TP_TEST_STORE=postgres the node's store is a PostgreSQL database.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>

#include <cmocka.h>

#include "harness.h"
#include "tp_test.h"

static struct node N; /* only dir and base are used: the server is a process */
static char store[512]; /* its --data: N.dir, or a PostgreSQL database */
static pid_t server = -1;
static char token[128];

static void run_ok(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fail_msg("'%s' exited with %d", cmd, rc);
}

static void start_server(void)
{
	char portfile[512];
	snprintf(portfile, sizeof portfile, "%s/port", N.dir);
	unlink(portfile);
	server = fork();
	assert_true(server >= 0);
	if (server == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execl(getenv("TRIPACT"), "tripact", "serve", "--data", store, "--listen",
		      "127.0.0.1:0", "--port-file", portfile, "--quiet", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) { /* up to 20 s under sanitizers */
		FILE *f = fopen(portfile, "r");
		unsigned port;
		if (f && fscanf(f, "%u", &port) == 1) {
			fclose(f);
			snprintf(N.base, sizeof N.base, "http://127.0.0.1:%u", port);
			return;
		}
		if (f)
			fclose(f);
		usleep(100000);
	}
	fail_msg("the server did not start");
}

static void stop_server(int sig)
{
	if (server > 0) {
		kill(server, sig);
		waitpid(server, NULL, 0);
		server = -1;
	}
}

static int setup(void **state)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const char *t = getenv("TRIPACT");
	assert_non_null(t);
	snprintf(N.dir, sizeof N.dir, "/tmp/tp-taxii-crash-XXXXXX");
	assert_non_null(mkdtemp(N.dir));
	snprintf(store, sizeof store, "%s", test_store_location(N.dir));
	char cmd[2048];
	const char *steps[] = {
		"org add us-cisa --title CISA",
		"api-root add api --title Crash --default",
		"collection add --api-root api --alias feed --title Feed --tlp green",
		"grant read,write --collection feed --org us-cisa",
		"node set --org us-cisa --default-tlp amber",
	};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		snprintf(cmd, sizeof cmd, "'%s' admin --data '%s' %s >/dev/null", t, store,
			 steps[i]);
		run_ok(cmd);
	}
	snprintf(cmd, sizeof cmd,
		 "echo 'a long passphrase' | '%s' admin --data '%s' user add poster --org us-cisa",
		 t, store);
	run_ok(cmd);
	/* a password on the command line is not a thing: user add reads stdin */
	snprintf(cmd, sizeof cmd,
		 "'%s' admin --data '%s' user add x --org us-cisa </dev/null 2>/dev/null", t,
		 store);
	assert_int_not_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "'%s' admin --data '%s' token create --user poster --label crash",
		 t, store);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(token, sizeof token, p));
	assert_int_equal(pclose(p), 0);
	token[strcspn(token, "\n")] = '\0';
	assert_int_equal(strlen(token), TP_TOKEN_LEN);
	return 0;
}

static int teardown(void **state)
{
	stop_server(SIGKILL);
	node_rmdir(N.dir);
	curl_global_cleanup();
	return 0;
}

/* POSTs batch b (10 objects); 1 if acknowledged in full, 0 if the
 * connection died, fails the test on any other answer. */
static int post_batch(int b)
{
	struct tp_buf body;
	tp_buf_init(&body, 0);
	assert_int_equal(tp_buf_puts(&body, "{\"objects\":["), TP_OK);
	for (int k = 0; k < 10; k++) {
		char *o = indicator(b * 10 + k, "2024-05-01T00:00:00.000Z", NULL);
		assert_int_equal(tp_buf_printf(&body, "%s%s", k ? "," : "", o), TP_OK);
		free(o);
	}
	assert_int_equal(tp_buf_puts(&body, "]}"), TP_OK);
	CURL *c = curl_easy_init();
	char url[256], auth[256];
	struct tp_buf out;
	tp_buf_init(&out, 1 << 20);
	snprintf(url, sizeof url, "%s/api/collections/feed/objects/", N.base);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	struct curl_slist *hl = curl_slist_append(NULL, auth);
	hl = curl_slist_append(hl, "Content-Type: application/taxii+json;version=2.1");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	int acked = 0;
	if (rc == CURLE_OK && status != 0) {
		if (status != 202)
			fail_msg("batch %d: HTTP %ld", b, status);
		json_t *j = json_loadb(out.data, out.len, 0, NULL);
		acked = json_integer_value(json_object_get(j, "success_count")) == 10;
		json_decref(j);
		assert_true(acked);
	}
	tp_buf_free(&out);
	tp_buf_free(&body);
	return acked;
}

static void *killer(void *arg)
{
	useconds_t us = *(useconds_t *)arg;
	usleep(us);
	kill(server, SIGKILL);
	return NULL;
}

static void test_sigkill_during_posts(void **state)
{
	int acked_total = 0;
	static int acked[100000];
	int nb = 0;
	srand((unsigned)time(NULL));
	for (int round = 0; round < 3; round++) {
		start_server();
		pthread_t t;
		static useconds_t delay;
		delay = 300000 + (useconds_t)(rand() % 700000);
		assert_int_equal(pthread_create(&t, NULL, killer, &delay), 0);
		int died = 0;
		while (!died && nb < 100000) {
			int ok = post_batch(nb);
			if (ok) {
				acked[acked_total++] = nb;
			} else {
				died = 1;
			}
			nb++;
		}
		pthread_join(t, NULL);
		waitpid(server, NULL, 0);
		server = -1;
		print_message("round %d: killed after %d acknowledged batches\n", round,
			      acked_total);
	}
	assert_true(acked_total > 0);
	/* restart and check every acknowledged object */
	start_server();
	json_t *have = json_object();
	char path[256], next[64] = "";
	for (;;) {
		struct http h;
		snprintf(path, sizeof path, "/api/collections/feed/manifest/?limit=1000%s%s",
			 next[0] ? "&next=" : "", next);
		http_get(&N, path, token, &h);
		assert_int_equal(h.status, 200);
		size_t i;
		json_t *o;
		json_array_foreach(json_object_get(h.json, "objects"), i, o) json_object_set_new(
			have, json_string_value(json_object_get(o, "id")), json_true());
		int more = json_is_true(json_object_get(h.json, "more"));
		if (more)
			snprintf(next, sizeof next, "%s",
				 json_string_value(json_object_get(h.json, "next")));
		http_free(&h);
		if (!more)
			break;
	}
	for (int i = 0; i < acked_total; i++)
		for (int k = 0; k < 10; k++) {
			char id[64];
			snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012d",
				 acked[i] * 10 + k);
			if (!json_object_get(have, id))
				fail_msg("acknowledged %s is missing after the crash", id);
		}
	/* nothing half-stored: every batch is all there or not at all */
	assert_int_equal(json_object_size(have) % 10, 0);
	json_decref(have);
	stop_server(SIGTERM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigkill_during_posts),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
