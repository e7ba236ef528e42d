/*
 * Lines from a file (plain or gzip: zlib tells them apart by the magic
 * bytes), stdin or memory, each NUL-terminated without its line end, with
 * a cap on line length so one endless line cannot take all memory.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "input.h"

#define LINE_MAX_BYTES (16u << 20)

enum tp_err input_open(struct input *in, const char *path, struct tp_diag *d)
{
	memset(in, 0, sizeof *in);
	tp_buf_init(&in->line, LINE_MAX_BYTES + 1);
	if (strcmp(path, "-") == 0) {
		int fd = dup(0);
		in->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
		if (!in->gz && fd >= 0)
			close(fd);
	} else {
		in->gz = gzopen(path, "rb");
	}
	if (!in->gz)
		return tp_diag_set(d, errno == ENOENT ? TP_ENOTFOUND : TP_EIO, "cannot open %s: %s",
				   path, strerror(errno ? errno : ENOMEM));
	gzbuffer(in->gz, 1 << 17);
	return TP_OK;
}

void input_open_mem(struct input *in, const char *text, size_t len)
{
	memset(in, 0, sizeof *in);
	tp_buf_init(&in->line, LINE_MAX_BYTES + 1);
	in->mem = text;
	in->memlen = len;
}

void input_close(struct input *in)
{
	if (in->gz)
		gzclose(in->gz);
	in->gz = NULL;
	tp_buf_free(&in->line);
}

/* Refills buf; 0 at the end, -1 on a read error. */
static int fill(struct input *in)
{
	if (in->mem) {
		size_t n = in->memlen - in->mempos;
		if (n > sizeof in->buf)
			n = sizeof in->buf;
		memcpy(in->buf, in->mem + in->mempos, n);
		in->mempos += n;
		in->bpos = 0;
		in->blen = n;
		return n > 0;
	}
	int n = gzread(in->gz, in->buf, sizeof in->buf);
	if (n < 0)
		return -1;
	in->bpos = 0;
	in->blen = (size_t)n;
	return n > 0;
}

enum tp_err input_next(struct input *in, char **line, size_t *len, int *got, struct tp_diag *d)
{
	tp_buf_reset(&in->line);
	*got = 0;
	for (;;) {
		if (in->bpos == in->blen) {
			int r = in->eof ? 0 : fill(in);
			if (r < 0) {
				int zerr = 0;
				const char *msg = gzerror(in->gz, &zerr);
				return tp_diag_set(d, TP_EIO, "line %ld: read error: %s",
						   in->lineno + 1, msg ? msg : "?");
			}
			if (r == 0) {
				in->eof = 1;
				if (in->line.len == 0)
					return TP_OK;
				break; /* a last line without a newline */
			}
		}
		const char *s = in->buf + in->bpos;
		const char *nl = memchr(s, '\n', in->blen - in->bpos);
		size_t n = nl ? (size_t)(nl - s) : in->blen - in->bpos;
		if (tp_buf_append(&in->line, s, n) != TP_OK)
			return tp_diag_set(d, TP_ELIMIT, "line %ld: longer than %u bytes",
					   in->lineno + 1, LINE_MAX_BYTES);
		in->bpos += n + (nl != NULL);
		in->bytes += n + (nl != NULL);
		if (nl)
			break;
	}
	in->lineno++;
	if (tp_buf_append(&in->line, "", 0) != TP_OK) /* storage and a NUL even when empty */
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	if (in->line.len && in->line.data[in->line.len - 1] == '\r')
		in->line.data[--in->line.len] = '\0';
	*line = in->line.data;
	*len = in->line.len;
	*got = 1;
	return TP_OK;
}
