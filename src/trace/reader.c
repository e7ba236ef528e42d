/*
 * Line reading, CSV splitting and error reporting for the importers.
 * Example: tpr_csv_split on `a,"b,c",,"d""e"` gives four fields
 * a | b,c | (empty) | d"e.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reader.h"

enum tp_err tpr_open(struct tpr *r, const char *path, struct tp_diag *d)
{
	r->path = path;
	r->lineno = 0;
	r->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!r->f)
		return tp_diag_set(d, errno == ENOENT ? TP_ENOTFOUND : TP_EIO, "%s: %s", path,
				   strerror(errno));
	return TP_OK;
}

void tpr_close(struct tpr *r)
{
	if (r->f && r->f != stdin) {
		long pos = ftell(r->f);
		if (pos > 0)
			r->done_before += (uint64_t)pos;
		fclose(r->f);
	}
	r->f = NULL;
	free(r->line);
	r->line = NULL;
	r->cap = 0;
}

int tpr_next(struct tpr *r, struct tp_diag *d)
{
	size_t n = 0;
	int c;
	for (;;) {
		c = getc_unlocked(r->f);
		if (c == EOF || c == '\n')
			break;
		if (n + 2 > r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 4096;
			if (cap > TPR_MAX_LINE + 2) {
				tp_diag_set(d, TP_ELIMIT, "%s:%ld: line longer than %u bytes", r->path,
					    r->lineno + 1, TPR_MAX_LINE);
				return -1;
			}
			char *q = realloc(r->line, cap);
			if (!q) {
				tp_diag_set(d, TP_ENOMEM, "out of memory");
				return -1;
			}
			r->line = q;
			r->cap = cap;
		}
		r->line[n++] = (char)c;
	}
	if (c == EOF && ferror(r->f)) {
		tp_diag_set(d, TP_EIO, "%s: read error: %s", r->path, strerror(errno));
		return -1;
	}
	if (c == EOF && n == 0)
		return 0;
	if (!r->line) {
		r->line = malloc(16);
		if (!r->line) {
			tp_diag_set(d, TP_ENOMEM, "out of memory");
			return -1;
		}
		r->cap = 16;
	}
	if (n && r->line[n - 1] == '\r')
		n--;
	r->line[n] = '\0';
	r->len = n;
	r->lineno++;
	if (r->stats)
		r->stats->bytes += n + 1, r->stats->rows++;
	if (r->opts && r->opts->progress && (r->lineno & 0xffff) == 0) {
		long pos = ftell(r->f);
		r->opts->progress(r->opts->progress_ctx, r->done_before + (pos > 0 ? (uint64_t)pos : 0),
				  r->total, r->txs);
	}
	return 1;
}

enum tp_err tpr_bad(struct tpr *r, struct tp_diag *d, enum tp_err code, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (r->opts && r->opts->skip_bad) {
		if (r->stats) {
			if (r->stats->skipped++ == 0)
				snprintf(r->stats->first_skip, sizeof r->stats->first_skip,
					 "%s:%ld: %s", r->path, r->lineno, msg);
		}
		return TP_OK;
	}
	if (d)
		d->line = r->lineno;
	return tp_diag_set(d, code, "%s:%ld: %s", r->path, r->lineno, msg);
}

int tpr_csv_split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;
	for (;;) {
		if (n == max)
			return -1;
		if (*p == '"') {
			char *w = ++p;
			fields[n++] = w;
			for (;;) {
				if (*p == '\0')
					return -1;
				if (*p == '"') {
					if (p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p++;
			}
			if (*p != ',' && *p != '\0')
				return -1;
			*w = '\0';
			if (*p == '\0')
				return n;
			p++;
		} else {
			fields[n++] = p;
			char *comma = strchr(p, ',');
			if (!comma)
				return n;
			*comma = '\0';
			p = comma + 1;
		}
	}
}

uint64_t tpr_total_size(const char *const *files, size_t n)
{
	uint64_t t = 0;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(files[i], &st) == 0)
			t += (uint64_t)st.st_size;
	}
	return t;
}

char *tpr_quote_big_ints(const char *s, size_t len, size_t *outlen)
{
	/* worst case: every character a digit run needing two quotes */
	char *o = malloc(len * 2 + 1);
	if (!o)
		return NULL;
	size_t n = 0;
	int in_str = 0;
	for (size_t i = 0; i < len;) {
		char c = s[i];
		if (in_str) {
			o[n++] = c;
			i++;
			if (c == '\\' && i < len)
				o[n++] = s[i++];
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"') {
			in_str = 1;
			o[n++] = c;
			i++;
			continue;
		}
		if ((c >= '0' && c <= '9') || c == '-') {
			size_t j = i + (c == '-');
			while (j < len && s[j] >= '0' && s[j] <= '9')
				j++;
			int plain = j == len || !(s[j] == '.' || s[j] == 'e' || s[j] == 'E');
			if (plain && j - i >= 19) {
				o[n++] = '"';
				memcpy(o + n, s + i, j - i);
				n += j - i;
				o[n++] = '"';
			} else {
				memcpy(o + n, s + i, j - i);
				n += j - i;
			}
			i = j;
			continue;
		}
		o[n++] = c;
		i++;
	}
	o[n] = '\0';
	*outlen = n;
	return o;
}

int tpr_mkdirs(const char *dir)
{
	char p[4096];
	size_t n = strlen(dir);
	if (n == 0 || n >= sizeof p)
		return -1;
	memcpy(p, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0')
			continue;
		char c = p[i];
		p[i] = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST)
			return -1;
		p[i] = c;
	}
	return 0;
}

