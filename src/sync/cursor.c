/*
 * Cursors and peer URLs: the small rules sync relies on, kept apart from
 * the network code so they can be tested alone.
 *
 * The pull cursor is the peer's clock, not ours: the X-TAXII-Date-Added-Last
 * of the last page stored, sent back unchanged as added_after. The push
 * cursor is our own date_added, which is unique and increasing within a
 * collection, so "just before the earliest refused version" is that
 * version's date_added minus one microsecond.
 */
#include <string.h>

#include "tripact/sync.h"

enum tp_err tp_sync_pull_cursor(const char *header, char out[TP_TIME_BUFSZ])
{
	tp_time_us t;
	if (!header || strlen(header) >= TP_TIME_BUFSZ ||
	    tp_time_parse(header, strlen(header), 0, &t, NULL, NULL) != TP_OK)
		return TP_EPARSE;
	memcpy(out, header, strlen(header) + 1);
	return TP_OK;
}

tp_time_us tp_sync_push_cursor(tp_time_us old, tp_time_us upto, tp_time_us first_refused)
{
	tp_time_us c = first_refused ? first_refused - 1 : upto;
	if (c > upto)
		c = upto;
	return c > old ? c : old;
}

enum tp_err tp_sync_url_check(const char *url, struct tp_diag *d)
{
	size_t n = url ? strlen(url) : 0;
	const char *host = NULL;
	if (n >= 8 && strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (n >= 7 && strncmp(url, "http://", 7) == 0)
		host = url + 7;
	if (!host || !*host || *host == '/')
		return tp_diag_set(d, TP_EINVAL,
				   "'%s' is not an http:// or https:// URL with a host",
				   url ? url : "");
	if (url[n - 1] != '/' || !strchr(host, '/') || strchr(host, '/')[1] == '\0')
		return tp_diag_set(d, TP_EINVAL,
				   "'%s' is not an API root URL (https://host:port/api-root/)",
				   url);
	if (strpbrk(url, " ?#\"\\"))
		return tp_diag_set(d, TP_EINVAL, "'%s': no spaces, query or fragment", url);
	return TP_OK;
}
