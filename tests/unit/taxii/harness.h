/*
 * Test harness for the TAXII server: a scratch node directory, a server on
 * a free loopback port (in this process, so it is stopped in teardown
 * whatever happens) and a libcurl client that returns status, headers and
 * body. Include after cmocka.h.
 */
#ifndef TP_TAXII_HARNESS_H
#define TP_TAXII_HARNESS_H

#include <curl/curl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tripact/buf.h"
#include "tripact/json.h"
#include "tripact/store.h"
#include "tripact/taxii.h"
#include "unit/store/store_location.h"

struct node {
	char dir[256];
	struct tp_store *store;
	struct tp_taxii_server *srv;
	char base[64];
};

struct http {
	long status;
	struct tp_buf body;
	struct tp_buf headers;
	json_t *json; /* parsed body, NULL if not JSON */
};

static inline int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(p);
}

static inline void node_rmdir(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh store in a scratch directory (or a PostgreSQL database, see
 * store_location.h). */
static inline void node_open(struct node *n)
{
	memset(n, 0, sizeof *n);
	snprintf(n->dir, sizeof n->dir, "/tmp/tp-taxii-test-XXXXXX");
	assert_non_null(mkdtemp(n->dir));
	struct tp_diag d = {0};
	assert_int_equal(tp_store_open(test_store_location(n->dir), &n->store, &d), TP_OK);
}

static inline void node_serve(struct node *n, const struct tp_taxii_config *extra)
{
	struct tp_taxii_config cfg = {0};
	if (extra)
		cfg = *extra;
	cfg.store = n->store;
	cfg.listen = "127.0.0.1:0";
	if (!cfg.threads)
		cfg.threads = 4;
	struct tp_diag d = {0};
	assert_int_equal(tp_taxii_start(&cfg, &n->srv, &d), TP_OK);
	snprintf(n->base, sizeof n->base, "http://127.0.0.1:%u", tp_taxii_port(n->srv));
}

static inline void node_close(struct node *n)
{
	tp_taxii_stop(n->srv);
	n->srv = NULL;
	tp_store_close(n->store);
	n->store = NULL;
	if (n->dir[0])
		node_rmdir(n->dir);
	n->dir[0] = '\0';
}

static inline size_t on_data(char *p, size_t size, size_t nmemb, void *ud)
{
	struct tp_buf *b = ud;
	return tp_buf_append(b, p, size * nmemb) == TP_OK ? size * nmemb : 0;
}

static inline void http_free(struct http *h)
{
	tp_buf_free(&h->body);
	tp_buf_free(&h->headers);
	json_decref(h->json);
	memset(h, 0, sizeof *h);
}

/*
 * method: "GET", "POST", ...; path below the base URL; auth: a token, or
 * "user:password" for Basic when it has a colon, or NULL; extra headers
 * NULL-terminated (may be NULL); body may be NULL.
 */
static inline void http_do(struct node *n, const char *method, const char *path, const char *auth,
			   const char *const *hdrs, const char *body, struct http *out)
{
	memset(out, 0, sizeof *out);
	tp_buf_init(&out->body, 64u << 20);
	tp_buf_init(&out->headers, 1 << 20);
	CURL *c = curl_easy_init();
	assert_non_null(c);
	char url[2048];
	snprintf(url, sizeof url, "%s%s", n->base, path);
	struct curl_slist *hl = NULL;
	char line[512];
	if (auth && strchr(auth, ':')) {
		curl_easy_setopt(c, CURLOPT_USERPWD, auth);
	} else if (auth) {
		snprintf(line, sizeof line, "Authorization: Bearer %s", auth);
		hl = curl_slist_append(hl, line);
	}
	for (int i = 0; hdrs && hdrs[i]; i++)
		hl = curl_slist_append(hl, hdrs[i]);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
	if (out->body.len)
		out->json = json_loadb(out->body.data, out->body.len, 0, NULL);
}

static inline void http_get(struct node *n, const char *path, const char *auth, struct http *out)
{
	http_do(n, "GET", path, auth, NULL, NULL, out);
}

static const char *const taxii_post[] = {"Content-Type: application/taxii+json;version=2.1",
					 "Accept: application/taxii+json;version=2.1", NULL};

static inline void http_post(struct node *n, const char *path, const char *auth, const char *body,
			     struct http *out)
{
	http_do(n, "POST", path, auth, taxii_post, body, out);
}

/* The value of response header name (case-insensitive), or NULL (static). */
static inline const char *http_header(const struct http *h, const char *name)
{
	static char v[512];
	size_t nl = strlen(name);
	const char *p = h->headers.data;
	while (p && *p) {
		const char *eol = strstr(p, "\r\n");
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len > nl + 1 && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *s = p + nl + 1;
			while (*s == ' ')
				s++;
			snprintf(v, sizeof v, "%.*s", (int)(len - (size_t)(s - p)), s);
			return v;
		}
		p = eol ? eol + 2 : NULL;
	}
	return NULL;
}

/* A token for a new user of org (created with an unguessable password). */
static inline void make_user(struct node *n, const char *user, const char *org, int partner,
			     char *token)
{
	struct tp_diag d = {0};
	int64_t id;
	assert_int_equal(
		tp_store_user_add(n->store, user, org, "correct horse battery", partner, &d),
		TP_OK);
	assert_int_equal(tp_store_token_create(n->store, user, "test", token, &id, &d), TP_OK);
}

/* An indicator with the given id suffix number, modified stamp and markings
 * (a JSON array text, or NULL). Caller frees. */
static inline char *indicator(int k, const char *modified, const char *markings)
{
	char *s = NULL;
	int rc =
		asprintf(&s,
			 "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--"
			 "00000000-0000-4000-8000-%012d\",\"created\":\"2024-01-01T00:00:00.000Z\","
			 "\"modified\":\"%s\",\"name\":\"ind %d\",\"pattern\":\"[ipv4-addr:value = "
			 "'10.0.%d.%d']\",\"pattern_type\":\"stix\",\"valid_from\":"
			 "\"2024-01-01T00:00:00Z\"%s%s}",
			 k, modified, k, (k / 256) % 256, k % 256,
			 markings ? ",\"object_marking_refs\":" : "", markings ? markings : "");
	assert_true(rc > 0);
	return s;
}

#endif
