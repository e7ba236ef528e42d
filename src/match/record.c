/*
 * The record every reader fills: values tagged with a field, copied into
 * one text buffer that is reused from line to line.
 */
#include <string.h>

#include "match_int.h"

static const char *const names[F_NFIELDS] = {
	[F_SRC] = "src",
	[F_DST] = "dst",
	[F_SRC_PORT] = "src_port",
	[F_DST_PORT] = "dst_port",
	[F_PROTO] = "proto",
	[F_QUERY] = "query",
	[F_ANSWER] = "answer",
	[F_HOST] = "host",
	[F_URI] = "uri",
	[F_URL] = "url",
	[F_METHOD] = "method",
	[F_USER_AGENT] = "user_agent",
	[F_SNI] = "sni",
	[F_MD5] = "md5",
	[F_SHA1] = "sha1",
	[F_SHA256] = "sha256",
	[F_FILENAME] = "filename",
	[F_SIZE] = "size",
	[F_MIME] = "mime_type",
	[F_EMAIL] = "email",
	[F_CERT_SUBJECT] = "cert_subject",
	[F_CERT_ISSUER] = "cert_issuer",
	[F_CERT_SERIAL] = "cert_serial",
	[F_CERT_SHA1] = "cert_sha1",
	[F_CERT_SHA256] = "cert_sha256",
	[F_DOMAIN] = "domain",
	[F_HTTP_PORT] = "http_port",
	[F_TS] = "ts",
};

const char *field_name(enum field f)
{
	return (unsigned)f < F_NFIELDS ? names[f] : NULL;
}

int field_of(const char *name)
{
	for (int f = 0; f < F_NFIELDS; f++)
		if (strcmp(names[f], name) == 0)
			return f;
	return -1;
}

void record_reset(struct record *r)
{
	r->log[0] = '\0';
	r->ts = 0;
	r->nv = 0;
	r->dropped = 0;
	tp_buf_reset(&r->text);
}

enum tp_err record_add(struct record *r, enum field f, const char *s, size_t n)
{
	if (r->nv == REC_MAX_VALUES) {
		r->dropped++;
		return TP_OK;
	}
	if (n > UINT32_MAX || r->text.len > UINT32_MAX - n - 1)
		return TP_ELIMIT;
	uint32_t off = (uint32_t)r->text.len;
	enum tp_err e = tp_buf_append(&r->text, s, n);
	if (e == TP_OK)
		e = tp_buf_putc(&r->text, '\0');
	if (e != TP_OK)
		return e;
	r->v[r->nv++] = (struct value){(uint8_t)f, off, (uint32_t)n};
	return TP_OK;
}

const char *record_get(const struct record *r, enum field f, size_t *len)
{
	for (size_t i = 0; i < r->nv; i++)
		if (r->v[i].field == f) {
			if (len)
				*len = r->v[i].len;
			return record_str(r, i);
		}
	return NULL;
}

int parse_epoch(const char *s, size_t n, tp_time_us *out)
{
	size_t i = 0;
	int64_t sec = 0, frac = 0;
	int digits = 0;
	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (sec > INT64_MAX / 10 / 1000000 - 10)
			return -1;
		sec = sec * 10 + (s[i++] - '0');
	}
	if (i == 0)
		return -1;
	if (i < n && s[i] == '.') {
		i++;
		size_t start = i;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (digits < 6) {
				frac = frac * 10 + (s[i] - '0');
				digits++;
			}
		if (i == start)
			return -1;
	}
	if (i != n || sec > TS_MAX_SECONDS)
		return -1;
	for (; digits < 6; digits++)
		frac *= 10;
	*out = sec * 1000000 + frac;
	return 0;
}
