/*
 * HTTP plumbing of the TAXII server: libmicrohttpd with a thread pool
 * (epoll), authentication (Basic with Argon2id-hashed passwords, or Bearer
 * tokens), request bodies capped at max_content_length -- checked against
 * Content-Length before a single body byte is read, so a client announcing
 * 2 GB gets its 413 at once -- client timeouts, and one access log line per
 * request:
 *
 *	127.0.0.1 alice@jp-nisc "GET /api/collections/ HTTP/1.1" 200 412 0.4ms
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <nettle/base64.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "taxii_int.h"
#include "tripact/json.h"
#include "tripact/validate.h"

/* Per-connection request state (MHD's con_cls). */
struct state {
	struct tp_buf body;
	unsigned early; /* 413 decided while reading the body */
	size_t dropped; /* body bytes dropped after that */
	struct resp r;
	int have_resp;
	int authed;
	struct tp_account acct;
	struct timespec t0;
	char method[16];
	char url[512];
	char version[16];
};

unsigned tp_taxii_error(struct resp *r, unsigned status, const char *title, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	char code[8];
	snprintf(code, sizeof code, "%u", status);
	json_t *e = json_pack("{s:s, s:s, s:s}", "title", title, "description", msg, "http_status",
			      code);
	tp_taxii_json(r, status, e);
	return status;
}

void tp_taxii_json(struct resp *r, unsigned status, json_t *v)
{
	tp_buf_reset(&r->body);
	r->status = status;
	r->ctype = TP_TAXII_MEDIA;
	char *s = v ? tp_json_dump(v) : NULL;
	json_decref(v);
	if (!s || tp_buf_puts(&r->body, s) != TP_OK) {
		r->status = 500;
		tp_buf_reset(&r->body);
		if (tp_buf_puts(&r->body, "{\"title\":\"out of memory\",\"http_status\":\"500\"}"))
			tp_buf_reset(&r->body);
	}
	free(s);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/* "Basic <b64 user:pass>" or "Bearer <token>". */
static enum tp_err authenticate(struct tp_taxii_server *srv, const char *h, struct tp_account *a)
{
	if (!h)
		return TP_EAUTH;
	if (strncasecmp(h, "Bearer ", 7) == 0)
		return tp_store_token_check(srv->cfg.store, h + 7, a);
	if (strncasecmp(h, "Basic ", 6) != 0)
		return TP_EAUTH;
	const char *b64 = h + 6;
	size_t n = strlen(b64);
	if (n > 1024)
		return TP_EAUTH;
	uint8_t raw[800];
	size_t rawlen = sizeof raw;
	struct base64_decode_ctx dc;
	base64_decode_init(&dc);
	if (!base64_decode_update(&dc, &rawlen, raw, n, b64) || !base64_decode_final(&dc))
		return TP_EAUTH;
	if (rawlen >= sizeof raw || memchr(raw, '\0', rawlen))
		return TP_EAUTH;
	raw[rawlen] = '\0';
	char *colon = strchr((char *)raw, ':');
	if (!colon)
		return TP_EAUTH;
	*colon = '\0';
	enum tp_err e = tp_store_login(srv->cfg.store, (char *)raw, colon + 1, a);
	memset(raw, 0, sizeof raw);
	return e;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, struct resp *r)
{
	/* the response takes the body over: no copy of a 100-object page */
	r->sent = r->body.len;
	char *body = tp_buf_steal(&r->body);
	if (!body)
		return MHD_NO;
	struct MHD_Response *m =
		MHD_create_response_from_buffer_with_free_callback(r->sent, body, free);
	if (!m)
		free(body);
	if (!m)
		return MHD_NO;
	if (r->sent || r->status >= 300)
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE,
					r->ctype ? r->ctype : TP_TAXII_MEDIA);
	if (r->allow)
		MHD_add_response_header(m, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->challenge)
		MHD_add_response_header(m, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Basic realm=\"tripact\", Bearer realm=\"tripact\"");
	if (r->first[0]) {
		MHD_add_response_header(m, "X-TAXII-Date-Added-First", r->first);
		MHD_add_response_header(m, "X-TAXII-Date-Added-Last", r->last);
	}
	MHD_add_response_header(m, "Cache-Control", "no-store");
	MHD_add_response_header(m, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ok = MHD_queue_response(c, r->status, m);
	MHD_destroy_response(m);
	return ok;
}

static enum MHD_Result respond_now(struct MHD_Connection *c, struct state *st)
{
	st->have_resp = 1;
	return send_resp(c, &st->r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct tp_taxii_server *srv = cls;
	struct state *st = *con_cls;
	if (!st) {
		st = calloc(1, sizeof *st);
		if (!st)
			return MHD_NO;
		*con_cls = st;
		clock_gettime(CLOCK_MONOTONIC, &st->t0);
		snprintf(st->method, sizeof st->method, "%s", method);
		snprintf(st->url, sizeof st->url, "%s", url);
		snprintf(st->version, sizeof st->version, "%s", version);
		tp_buf_init(&st->r.body, 0);
		tp_buf_init(&st->body, srv->cfg.max_content_length);
		const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							    MHD_HTTP_HEADER_AUTHORIZATION);
		if (authenticate(srv, h, &st->acct) == TP_OK) {
			st->authed = 1;
		} else {
			st->r.challenge = 1;
			tp_taxii_error(&st->r, 401, "Unauthorized",
				       h ? "the credentials were not accepted"
					 : "authentication is required (Basic or Bearer)");
			return respond_now(c, st);
		}
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl) {
			char *end;
			unsigned long long n = strtoull(cl, &end, 10);
			if (*end || end == cl || n > srv->cfg.max_content_length) {
				tp_taxii_error(&st->r, 413, "Payload Too Large",
					       "the request body may be at most %zu bytes",
					       srv->cfg.max_content_length);
				return respond_now(c, st);
			}
		}
		return MHD_YES;
	}
	if (st->have_resp) { /* answered early: drop whatever still arrives */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		/* Over the cap (a body without Content-Length): keep reading and
		 * dropping so the client gets its 413 once it has sent the body,
		 * but hang up on one that sends far more. libmicrohttpd cannot
		 * answer in the middle of an upload. */
		if (st->early) {
			st->dropped += *upload_size;
			*upload_size = 0;
			return st->dropped > 4 * srv->cfg.max_content_length ? MHD_NO : MHD_YES;
		}
		if (tp_buf_append(&st->body, upload, *upload_size) != TP_OK)
			st->early = 413;
		*upload_size = 0;
		return MHD_YES;
	}
	if (st->early) {
		tp_taxii_error(&st->r, 413, "Payload Too Large",
			       "the request body may be at most %zu bytes",
			       srv->cfg.max_content_length);
		return respond_now(c, st);
	}
	struct req q = {
		.srv = srv,
		.conn = c,
		.method = method,
		.url = url,
		.acct = st->acct,
		.body = st->body.data ? st->body.data : "",
		.body_len = st->body.len,
	};
	st->r.status = 500;
	/* a GET reads the root, the collection, the grants and a page: one
	 * read transaction (one snapshot) for all of them */
	int reads_only = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (reads_only)
		tp_store_read_begin(srv->cfg.store);
	tp_taxii_route(&q, &st->r);
	if (reads_only)
		tp_store_read_end(srv->cfg.store);
	return respond_now(c, st);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct tp_taxii_server *srv = cls;
	struct state *st = *con_cls;
	if (!st)
		return;
	if (srv->cfg.log) {
		char addr[INET6_ADDRSTRLEN] = "-";
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
			inet_ntop(AF_INET, &((struct sockaddr_in *)ci->client_addr)->sin_addr, addr,
				  sizeof addr);
		char line[1024], who[260];
		if (st->authed)
			snprintf(who, sizeof who, "%s@%s", st->acct.name, st->acct.org_name);
		else
			snprintf(who, sizeof who, "-");
		/* the URL is client-controlled: keep the log line one printable line */
		char url[512];
		size_t k = 0;
		for (const char *p = st->url; *p && k + 1 < sizeof url; p++)
			url[k++] = (*p >= 0x20 && *p < 0x7f && *p != '"') ? *p : '?';
		url[k] = '\0';
		snprintf(line, sizeof line, "%s %s \"%s %s %s\" %u %zu %.1fms%s", addr, who,
			 st->method, url, st->version, st->have_resp ? st->r.status : 0, st->r.sent,
			 ms_since(&st->t0),
			 toe == MHD_REQUEST_TERMINATED_COMPLETED_OK	 ? ""
			 : toe == MHD_REQUEST_TERMINATED_TIMEOUT_REACHED ? " timeout"
									 : " aborted");
		srv->cfg.log(srv->cfg.log_ctx, line);
	}
	tp_buf_free(&st->body);
	tp_buf_free(&st->r.body);
	free(st);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct tp_taxii_server *srv = cls;
	if (!srv->cfg.log)
		return;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	size_t n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	srv->cfg.log(srv->cfg.log_ctx, line);
}

static enum tp_err slurp(const char *path, char **out, struct tp_diag *d)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return tp_diag_set(d, TP_EIO, "cannot open %s: %m", path);
	struct tp_buf b;
	tp_buf_init(&b, 1 << 20);
	char chunk[4096];
	size_t n;
	enum tp_err e = TP_OK;
	while (!e && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		e = tp_buf_append(&b, chunk, n);
	fclose(f);
	if (e || !b.data) {
		tp_buf_free(&b);
		return tp_diag_set(d, e ? e : TP_EIO, "cannot read %s", path);
	}
	*out = tp_buf_steal(&b);
	return TP_OK;
}

static enum tp_err parse_listen(const char *s, struct sockaddr_in *sa, struct tp_diag *d)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	const char *colon = s ? strrchr(s, ':') : NULL;
	if (!colon || colon == s || (size_t)(colon - s) >= 64)
		return tp_diag_set(d, TP_EINVAL, "listen address '%s' is not HOST:PORT",
				   s ? s : "");
	char host[64];
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof host, "127.0.0.1");
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1)
		return tp_diag_set(d, TP_EINVAL, "listen host '%s' is not an IPv4 address", host);
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port < 0 || port > 65535)
		return tp_diag_set(d, TP_EINVAL, "listen port '%s' is not 0-65535", colon + 1);
	sa->sin_port = htons((uint16_t)port);
	return TP_OK;
}

enum tp_err tp_taxii_start(const struct tp_taxii_config *cfg, struct tp_taxii_server **out,
			   struct tp_diag *d)
{
	if (!cfg->store)
		return tp_diag_set(d, TP_EINVAL, "no store");
	if (!cfg->tls_cert != !cfg->tls_key)
		return tp_diag_set(d, TP_EINVAL, "TLS needs both a certificate and a key");
	struct sockaddr_in sa;
	enum tp_err e = parse_listen(cfg->listen ? cfg->listen : "127.0.0.1:9000", &sa, d);
	if (e)
		return e;
	struct tp_taxii_server *srv = calloc(1, sizeof *srv);
	if (!srv)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	srv->cfg = *cfg;
	if ((e = tp_stix_validator_new(NULL, &srv->validator, d)) != TP_OK) {
		free(srv);
		return e;
	}
	if (!srv->cfg.threads)
		srv->cfg.threads = 4;
	if (!srv->cfg.timeout)
		srv->cfg.timeout = 30;
	if (!srv->cfg.max_content_length)
		srv->cfg.max_content_length = 10u << 20;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	snprintf(srv->scheme, sizeof srv->scheme, "http");
	if (cfg->tls_cert) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			tp_stix_validator_free(srv->validator);
			free(srv);
			return tp_diag_set(d, TP_EUNSUPPORTED, "this libmicrohttpd has no TLS");
		}
		if ((e = slurp(cfg->tls_cert, &srv->cert, d)) ||
		    (e = slurp(cfg->tls_key, &srv->key, d))) {
			tp_stix_validator_free(srv->validator);
			free(srv->cert);
			free(srv);
			return e;
		}
		flags |= MHD_USE_TLS;
		snprintf(srv->scheme, sizeof srv->scheme, "https");
	}
	struct MHD_OptionItem tls[] = {
		{MHD_OPTION_HTTPS_MEM_CERT, 0, srv->cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, srv->key},
		{MHD_OPTION_END, 0, NULL},
	};
	srv->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, srv,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
		(unsigned)srv->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned)srv->cfg.timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)256,
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_LISTENING_ADDRESS_REUSE,
		(unsigned)1, MHD_OPTION_ARRAY, cfg->tls_cert ? tls : tls + 2, MHD_OPTION_END);
	if (!srv->mhd) {
		tp_stix_validator_free(srv->validator);
		free(srv->cert);
		free(srv->key);
		free(srv);
		return tp_diag_set(d, TP_EIO, "cannot listen on %s (in use, or not permitted)",
				   cfg->listen ? cfg->listen : "127.0.0.1:9000");
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	srv->port = di ? di->port : ntohs(sa.sin_port);
	*out = srv;
	return TP_OK;
}

unsigned tp_taxii_port(const struct tp_taxii_server *srv)
{
	return srv->port;
}

void tp_taxii_stop(struct tp_taxii_server *srv)
{
	if (!srv)
		return;
	MHD_stop_daemon(srv->mhd);
	tp_stix_validator_free(srv->validator);
	free(srv->cert);
	free(srv->key);
	free(srv);
}
