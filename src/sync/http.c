/*
 * The TAXII client's HTTP: one libcurl easy handle per peer and round
 * (connections are reused across its requests). TLS certificates are
 * verified (libcurl's default; --ca-file adds a private CA), every request
 * has a timeout, and response bodies are capped. Errors say who, what and
 * why in one line:
 *
 *	peer jp: POST https://jp.example:9443/dprk/collections/feed/objects/:
 *	HTTP 403 Forbidden: this account may not write to this collection
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sync_int.h"
#include "tripact/json.h"
#include "tripact/taxii.h"

#define HDR_ADDED_LAST "X-TAXII-Date-Added-Last:"

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	if (tp_buf_append(&r->body, p, size * n) == TP_OK)
		return size * n;
	r->too_big = 1;
	return 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
	struct reply *r = ctx;
	size_t len = size * n, k = strlen(HDR_ADDED_LAST);
	if (len > k && strncasecmp(p, HDR_ADDED_LAST, k) == 0) {
		const char *v = p + k;
		size_t vl = len - k;
		while (vl && (*v == ' ' || *v == '\t'))
			v++, vl--;
		while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
			vl--;
		snprintf(r->added_last, sizeof r->added_last, "%.*s", (int)vl, v);
	}
	return len;
}

/* The first line of the token file, without its line end. */
static enum tp_err read_token(const char *path, char *out, size_t n, struct tp_diag *d)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return tp_diag_set(d, TP_EIO, "cannot read the token file %s: %m", path);
	int ok = fgets(out, (int)n, f) != NULL;
	fclose(f);
	out[ok ? strcspn(out, "\r\n") : 0] = '\0';
	if (!out[0])
		return tp_diag_set(d, TP_EINVAL, "the token file %s is empty", path);
	return TP_OK;
}

enum tp_err http_open(struct http *h, const struct tp_peer *p, long timeout, struct tp_diag *d)
{
	memset(h, 0, sizeof *h);
	h->peer = p;
	char auth[600] = "";
	if (p->token_file[0]) {
		char token[512];
		enum tp_err e = read_token(p->token_file, token, sizeof token, d);
		if (e)
			return e;
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	}
	h->curl = curl_easy_init();
	if (!h->curl)
		return tp_diag_set(d, TP_ENOMEM, "cannot start libcurl");
	struct curl_slist *g = curl_slist_append(NULL, "Accept: " TP_TAXII_MEDIA);
	if (g && auth[0])
		g = curl_slist_append(g, auth);
	h->get_headers = g;
	struct curl_slist *po = curl_slist_append(NULL, "Accept: " TP_TAXII_MEDIA);
	if (po)
		po = curl_slist_append(po, "Content-Type: " TP_TAXII_MEDIA);
	if (po && auth[0])
		po = curl_slist_append(po, auth);
	h->post_headers = po;
	if (!g || !po) {
		http_close(h);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	CURL *c = h->curl;
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->error);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "tripact-sync/" TP_VERSION);
	if (p->ca_file[0])
		curl_easy_setopt(c, CURLOPT_CAINFO, p->ca_file);
	if (!p->token_file[0] && p->login[0]) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, p->login);
		curl_easy_setopt(c, CURLOPT_PASSWORD, p->password);
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	return TP_OK;
}

void http_close(struct http *h)
{
	curl_slist_free_all(h->get_headers);
	curl_slist_free_all(h->post_headers);
	if (h->curl)
		curl_easy_cleanup(h->curl);
	h->curl = NULL;
	h->get_headers = h->post_headers = NULL;
}

void reply_init(struct reply *r)
{
	memset(r, 0, sizeof *r);
	tp_buf_init(&r->body, SYNC_BODY_MAX);
}

void reply_free(struct reply *r)
{
	tp_buf_free(&r->body);
}

/* "HTTP 403 Forbidden: this account may not ..." from a TAXII error
 * message resource, else from the start of the body. */
static enum tp_err status_error(struct http *h, const char *method, const char *url,
				const struct reply *r, struct tp_diag *d)
{
	json_t *j = NULL;
	const char *title = NULL, *desc = NULL;
	if (r->body.len && tp_json_load(r->body.data, r->body.len, &j, NULL) == TP_OK &&
	    json_is_object(j)) {
		title = tp_json_str(j, "title");
		desc = tp_json_str(j, "description");
	}
	enum tp_err e;
	if (title || desc)
		e = tp_diag_set(d, TP_EIO, "peer %s: %s %s: HTTP %ld %.200s%s%.400s", h->peer->name,
				method, url, r->status, title ? title : "", desc ? ": " : "",
				desc ? desc : "");
	else
		e = tp_diag_set(d, TP_EIO, "peer %s: %s %s: HTTP %ld%s%.200s", h->peer->name,
				method, url, r->status, r->body.len ? ": " : "",
				r->body.len ? r->body.data : "");
	json_decref(j);
	return e;
}

enum tp_err http_call(struct http *h, const char *url, const char *body, size_t len, long want,
		      struct reply *r, json_t **json, struct tp_diag *d)
{
	const char *method = body ? "POST" : "GET";
	CURL *c = h->curl;
	tp_buf_reset(&r->body);
	r->added_last[0] = '\0';
	r->status = 0;
	r->too_big = 0;
	h->error[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	if (body) {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->post_headers);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else {
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h->get_headers);
		curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_WRITE_ERROR && r->too_big)
		return tp_diag_set(d, TP_ELIMIT, "peer %s: %s %s: the reply is larger than %zu MiB",
				   h->peer->name, method, url, SYNC_BODY_MAX >> 20);
	if (rc != CURLE_OK)
		return tp_diag_set(d, TP_EIO, "peer %s: %s %s: %s", h->peer->name, method, url,
				   h->error[0] ? h->error : curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	if (r->status != want)
		return status_error(h, method, url, r, d);
	if (!json)
		return TP_OK;
	struct tp_diag jd = {0};
	if (tp_json_load(r->body.data ? r->body.data : "", r->body.len, json, &jd) != TP_OK)
		return tp_diag_set(d, TP_EPARSE,
				   "peer %s: %s %s: the reply is not JSON (line %ld: %s)",
				   h->peer->name, method, url, jd.line, jd.message);
	return TP_OK;
}
