/*
 * Which Zeek columns feed which field, per log. Zeek JSON uses the same
 * names ("id.orig_h"; some shippers write "id_orig_h", see json_record.c).
 *
 *	dns.log   query -> F_QUERY, answers -> F_ANSWER (one value per element)
 *	http.log  host, uri, method, user_agent
 */
#include <string.h>

#include "match_int.h"

static const struct {
	const char *log; /* "" = any log */
	const char *column;
	enum field f;
} columns[] = {
	{"", "ts", F_TS},
	{"", "id.orig_h", F_SRC},
	{"", "id.resp_h", F_DST},
	{"", "id.orig_p", F_SRC_PORT},
	{"", "id.resp_p", F_DST_PORT},
	{"", "proto", F_PROTO},
	{"dns", "query", F_QUERY},
	{"dns", "answers", F_ANSWER},
	{"http", "host", F_HOST},
	{"http", "uri", F_URI},
	{"http", "method", F_METHOD},
	{"http", "user_agent", F_USER_AGENT},
	{"ssl", "server_name", F_SNI},
	{"files", "md5", F_MD5},
	{"files", "sha1", F_SHA1},
	{"files", "sha256", F_SHA256},
	{"files", "filename", F_FILENAME},
	{"files", "total_bytes", F_SIZE},
	{"files", "mime_type", F_MIME},
	{"smtp", "mailfrom", F_EMAIL},
	{"smtp", "rcptto", F_EMAIL},
	{"smtp", "from", F_EMAIL},
	{"smtp", "to", F_EMAIL},
	{"smtp", "cc", F_EMAIL},
	{"x509", "certificate.subject", F_CERT_SUBJECT},
	{"x509", "certificate.issuer", F_CERT_ISSUER},
	{"x509", "certificate.serial", F_CERT_SERIAL},
	{"x509", "fingerprint", F_CERT_SHA256}, /* Zeek >= 4.2: SHA-256 by default */
};

int zeek_field(const char *log, const char *column, size_t len)
{
	for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
		if (strlen(columns[i].column) == len &&
		    memcmp(columns[i].column, column, len) == 0 &&
		    (!columns[i].log[0] || strcmp(columns[i].log, log) == 0))
			return (int)columns[i].f;
	return -1;
}
