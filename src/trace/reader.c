/*
 * Line reading, CSV splitting and error reporting for the importers.
 * Example: tpr_csv_split on `a,"b,c",,"d""e"` gives four fields
 * a | b,c | (empty) | d"e.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reader.h"

/* Bytes asked of each read: big enough that a read costs little per line. */
#define READ_CHUNK (4u << 20)

enum tp_err tpr_open(struct tpr *r, const char *path, struct tp_diag *d)
{
	r->path = path;
	r->lineno = 0;
	r->pos = r->end = r->scanned = r->peeked = 0;
	r->eof = 0;
	r->consumed = r->dropped = 0;
	r->f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!r->f)
		return tp_diag_set(d, errno == ENOENT ? TP_ENOTFOUND : TP_EIO, "%s: %s", path,
				   strerror(errno));
	return TP_OK;
}

void tpr_close(struct tpr *r)
{
	if (r->f && r->f != stdin)
		fclose(r->f);
	r->done_before += r->consumed;
	r->consumed = 0;
	r->f = NULL;
	free(r->buf);
	r->buf = NULL;
	r->line = NULL;
	r->cap = r->pos = r->end = r->scanned = r->peeked = 0;
}

uint64_t tpr_drop_step = (uint64_t)64 << 20;

void tpr_drop_cache(int fd, uint64_t *dropped, uint64_t upto)
{
	upto -= upto % tpr_drop_step;
	if (upto >= *dropped + tpr_drop_step) {
		(void)posix_fadvise(fd, (off_t)*dropped, (off_t)(upto - *dropped),
				    POSIX_FADV_DONTNEED);
		*dropped = upto;
	}
}

/*
 * Moves the unreturned bytes to the front of buf and reads more after
 * them (one byte is always left for the NUL after a last line). 0 or -1.
 */
static int refill(struct tpr *r, struct tp_diag *d)
{
	size_t keep = r->end - r->pos;
	if (keep > TPR_MAX_LINE) {
		tp_diag_set(d, TP_ELIMIT, "%s:%ld: line longer than %u bytes", r->path,
			    r->lineno + 1, TPR_MAX_LINE);
		return -1;
	}
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, keep);
		r->scanned -= r->pos;
		r->pos = 0;
		r->peeked = 0; /* every peeked line was returned: buf held no newline */
		r->end = keep;
	}
	if (r->cap - r->end < READ_CHUNK / 2 + 1) {
		size_t cap = r->cap ? r->cap * 2 : READ_CHUNK;
		char *q = realloc(r->buf, cap);
		if (!q) {
			tp_diag_set(d, TP_ENOMEM, "out of memory");
			return -1;
		}
		r->buf = q;
		r->cap = cap;
	}
	size_t got = fread(r->buf + r->end, 1, r->cap - 1 - r->end, r->f);
	if (got == 0) {
		if (ferror(r->f)) {
			tp_diag_set(d, TP_EIO, "%s: read error: %s", r->path, strerror(errno));
			return -1;
		}
		r->eof = 1;
	}
	r->end += got;
	if (r->f != stdin)
		tpr_drop_cache(fileno(r->f), &r->dropped, r->consumed);
	return 0;
}

int tpr_next(struct tpr *r, struct tp_diag *d)
{
	char *nl;
	for (;;) {
		nl = r->buf ? memchr(r->buf + r->scanned, '\n', r->end - r->scanned) : NULL;
		if (nl || (r->eof && r->pos < r->end))
			break;
		if (r->eof)
			return 0;
		r->scanned = r->end;
		if (refill(r, d) < 0)
			return -1;
	}
	char *line = r->buf + r->pos;
	size_t n = nl ? (size_t)(nl - line) : r->end - r->pos;
	if (n > TPR_MAX_LINE) {
		tp_diag_set(d, TP_ELIMIT, "%s:%ld: line longer than %u bytes", r->path,
			    r->lineno + 1, TPR_MAX_LINE);
		return -1;
	}
	r->pos += n + (nl != NULL);
	r->scanned = r->pos;
	r->consumed += n + (nl != NULL);
	if (n && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	r->line = line;
	r->len = n;
	r->lineno++;
	if (r->stats)
		r->stats->bytes += n + 1, r->stats->rows++;
	if (r->opts && r->opts->progress && (r->lineno & 0xffff) == 0)
		r->opts->progress(r->opts->progress_ctx, r->done_before + r->consumed, r->total,
				  r->txs);
	return 1;
}

/*
 * The whole line starting at buf[from], if its newline is read: 1 with
 * *line, *len (no newline or CR) and *nl, the newline's offset; else 0.
 */
static int line_at(const struct tpr *r, size_t from, const char **line, size_t *len, size_t *nl)
{
	if (!r->buf || from >= r->end)
		return 0;
	const char *p = r->buf + from;
	const char *q = memchr(p, '\n', r->end - from);
	if (!q)
		return 0;
	size_t n = (size_t)(q - p);
	*nl = (size_t)(q - r->buf);
	if (n && p[n - 1] == '\r')
		n--;
	*line = p;
	*len = n;
	return 1;
}

int tpr_peek(struct tpr *r, const char **line, size_t *len)
{
	size_t nl;
	if (!line_at(r, r->pos, line, len, &nl))
		return 0;
	r->scanned = nl; /* tpr_next finds this newline at once */
	return 1;
}

int tpr_peek_more(struct tpr *r, const char **line, size_t *len)
{
	if (r->peeked <= r->pos)
		return tpr_peek(r, line, len) ? (r->peeked = r->scanned + 1, 1) : 0;
	size_t nl;
	if (!line_at(r, r->peeked, line, len, &nl))
		return 0;
	r->peeked = nl + 1;
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
