/*
 * The JSON line readers: Zeek JSON logs, Suricata EVE and other JSON lines
 * read through a field map. All three walk a dotted path into the object;
 * an array anywhere on the way gives one value per element:
 *
 *	EVE  {"event_type":"dns","dns":{"rrname":"evil.example",
 *	      "answers":[{"rdata":"203.0.113.9"}]}}
 *	"dns.rrname" -> F_QUERY evil.example, "dns.answers.rdata" -> F_ANSWER 203.0.113.9
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "match_int.h"
#include "tripact/json.h"
#include "tripact/time.h"

static const struct {
	const char *path;
	enum field f;
} eve[] = {
	{"timestamp", F_TS},
	{"src_ip", F_SRC},
	{"dest_ip", F_DST},
	{"src_port", F_SRC_PORT},
	{"dest_port", F_DST_PORT},
	{"proto", F_PROTO},
	{"dns.rrname", F_QUERY},
	{"dns.queries.rrname", F_QUERY},
	{"dns.rdata", F_ANSWER},
	{"dns.answers.rdata", F_ANSWER},
	{"dns.grouped.A", F_ANSWER},
	{"dns.grouped.AAAA", F_ANSWER},
	{"dns.grouped.CNAME", F_ANSWER},
	{"http.hostname", F_HOST},
	{"http.url", F_URI},
	{"http.http_method", F_METHOD},
	{"http.http_user_agent", F_USER_AGENT},
	{"http.http_port", F_HTTP_PORT},
	{"tls.sni", F_SNI},
	{"tls.subject", F_CERT_SUBJECT},
	{"tls.issuerdn", F_CERT_ISSUER},
	{"tls.serial", F_CERT_SERIAL},
	{"tls.fingerprint", F_CERT_SHA1},
	{"fileinfo.filename", F_FILENAME},
	{"fileinfo.md5", F_MD5},
	{"fileinfo.sha1", F_SHA1},
	{"fileinfo.sha256", F_SHA256},
	{"fileinfo.size", F_SIZE},
	{"fileinfo.magic", F_MIME},
	{"email.from", F_EMAIL},
	{"email.to", F_EMAIL},
	{"email.cc", F_EMAIL},
	{"smtp.mail_from", F_EMAIL},
	{"smtp.rcpt_to", F_EMAIL},
};

/* "2021-06-06T15:59:46.457984+0200" (Suricata) or RFC 3339, or epoch. */
static int parse_time(const char *s, size_t n, tp_time_us *out)
{
	if (parse_epoch(s, n, out) == 0)
		return 0;
	char buf[64];
	if (n + 2 > sizeof buf)
		return -1;
	memcpy(buf, s, n);
	if (n > 5 && (s[n - 5] == '+' || s[n - 5] == '-') && s[n - 3] != ':') {
		memmove(buf + n - 1, buf + n - 2, 2); /* +0200 -> +02:00 */
		buf[n - 2] = ':';
		n++;
	}
	return tp_time_parse(buf, n, TP_TIME_ANY_OFFSET, out, NULL, NULL) == TP_OK ? 0 : -1;
}

static enum tp_err scalar(const json_t *v, enum field f, struct record *r, const char *where,
			  struct tp_diag *d)
{
	char num[64];
	const char *s = NULL;
	size_t n = 0;
	if (json_is_string(v)) {
		s = json_string_value(v);
		n = json_string_length(v);
	} else if (json_is_integer(v)) {
		n = (size_t)snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		s = num;
	} else if (json_is_real(v) && f == F_TS) {
		double x = json_real_value(v);
		if (!(x >= 0 && x < (double)TS_MAX_SECONDS + 1))
			return tp_diag_set(d, TP_EPARSE, "%s: %g is not a time", where, x);
		r->ts = (tp_time_us)llround(x * 1e6);
		return TP_OK;
	} else {
		return TP_OK; /* null, booleans, objects: nothing to match */
	}
	if (f == F_TS) {
		if (parse_time(s, n, &r->ts) != 0)
			return tp_diag_set(d, TP_EPARSE, "%s: '%.40s' is not a time", where, s);
		return TP_OK;
	}
	if (record_add(r, f, s, n) != TP_OK)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	return TP_OK;
}

/* Every value at dotted path under v (arrays fan out). */
static enum tp_err collect(const json_t *v, const char *path, enum field f, struct record *r,
			   const char *where, struct tp_diag *d)
{
	if (json_is_array(v)) {
		size_t i;
		const json_t *x;
		json_array_foreach(v, i, x)
		{
			enum tp_err e = collect(x, path, f, r, where, d);
			if (e)
				return e;
		}
		return TP_OK;
	}
	if (!*path)
		return scalar(v, f, r, where, d);
	if (!json_is_object(v))
		return TP_OK;
	const json_t *x = json_object_get(v, path); /* a key with dots in it */
	if (x)
		return collect(x, "", f, r, where, d);
	const char *dot = strchr(path, '.');
	if (!dot)
		return TP_OK;
	char head[128];
	size_t hn = (size_t)(dot - path);
	if (hn >= sizeof head)
		return TP_OK;
	memcpy(head, path, hn);
	head[hn] = '\0';
	return collect(json_object_get(v, head), dot + 1, f, r, where, d);
}

/* Zeek JSON: every member whose name is a column the log maps. */
static enum tp_err zeek_members(const json_t *o, const char *prefix, struct record *r,
				struct tp_diag *d)
{
	const char *k;
	const json_t *v;
	json_object_foreach((json_t *)o, k, v)
	{
		char col[128];
		/* "id_orig_h" (some shippers) is "id.orig_h"; {"id":{...}} nests */
		if (!*prefix && strncmp(k, "id_", 3) == 0)
			snprintf(col, sizeof col, "id.%s", k + 3);
		else
			snprintf(col, sizeof col, "%s%s", prefix, k);
		if (json_is_object(v) && !*prefix) {
			char p[130];
			snprintf(p, sizeof p, "%s.", k);
			enum tp_err e = zeek_members(v, p, r, d);
			if (e)
				return e;
			continue;
		}
		int f = zeek_field(r->log, col, strlen(col));
		if (f >= 0) {
			enum tp_err e = collect(v, "", (enum field)f, r, col, d);
			if (e)
				return e;
		}
	}
	return TP_OK;
}

static void set_log(struct record *r, const char *s)
{
	snprintf(r->log, sizeof r->log, "%s", s ? s : "");
}

enum tp_err json_line(enum tp_match_format f, const char *line, size_t len, const char *file_log,
		      const struct json_map *map, size_t nmap, struct record *r, struct tp_diag *d)
{
	json_t *o = NULL;
	struct tp_diag jd = {0};
	if (tp_json_load(line, len, &o, &jd) != TP_OK)
		return tp_diag_set(d, TP_EPARSE, "column %ld: %s", jd.column, jd.message);
	enum tp_err e = TP_OK;
	if (!json_is_object(o)) {
		e = tp_diag_set(d, TP_EPARSE, "not a JSON object");
		goto out;
	}
	record_reset(r);
	if (f == TP_MATCH_ZEEK_JSON) {
		const char *p = tp_json_str(o, "_path");
		set_log(r, p			       ? p
			   : tp_json_str(o, "@stream") ? tp_json_str(o, "@stream")
						       : file_log);
		e = zeek_members(o, "", r, d);
	} else if (f == TP_MATCH_EVE) {
		const char *t = tp_json_str(o, "event_type");
		if (!t) {
			e = tp_diag_set(d, TP_EPARSE, "EVE record without event_type");
			goto out;
		}
		set_log(r, t);
		for (size_t i = 0; e == TP_OK && i < sizeof eve / sizeof eve[0]; i++)
			e = collect(o, eve[i].path, eve[i].f, r, eve[i].path, d);
	} else {
		set_log(r, file_log);
		for (size_t i = 0; e == TP_OK && i < nmap; i++)
			e = collect(o, map[i].key, (enum field)map[i].field, r, map[i].key, d);
	}
out:
	json_decref(o);
	return e;
}

enum tp_match_format detect_format(const char *line, size_t len)
{
	size_t k = 0;
	while (k < len && (line[k] == ' ' || line[k] == '\t'))
		k++;
	if (k < len && line[k] == '#')
		return TP_MATCH_ZEEK;
	json_t *o = NULL;
	if (tp_json_load(line, len, &o, NULL) != TP_OK || !json_is_object(o)) {
		json_decref(o);
		return TP_MATCH_AUTO; /* undecided */
	}
	enum tp_match_format f = TP_MATCH_JSONL;
	if (json_object_get(o, "event_type") && json_object_get(o, "timestamp"))
		f = TP_MATCH_EVE;
	else if (json_object_get(o, "_path") || json_object_get(o, "@stream") ||
		 (json_object_get(o, "ts") &&
		  (json_object_get(o, "uid") || json_object_get(o, "fuid") ||
		   json_object_get(o, "id"))))
		f = TP_MATCH_ZEEK_JSON;
	json_decref(o);
	return f;
}
