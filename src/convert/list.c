/*
 * Plain IOC lists: one value per line, its type inferred, defanged forms
 * undone. `#` comment lines are kept: a run of comment lines becomes the
 * description of the values that follow it, and a "Reference: <url>" line
 * in the run becomes the url of their external reference (maltrail's
 * convention). A comment after a value ("evil.com  # C2") describes that
 * value alone.
 *
 *	# Reference: https://securelist.com/operation-applejeus/87553/
 *	celasllc.com           -> [domain-name:value = 'celasllc.com']
 *	185.142.236.226        -> [ipv4-addr:value = '185.142.236.226']
 *	hxxp://bad[.]example/x -> [url:value = 'http://bad.example/x']
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"

#define MAX_LINE    (1 << 16)
#define MAX_COMMENT (1 << 16)

static char *trim(char *s, size_t *len)
{
	size_t n = *len;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	s[n] = '\0';
	while (*s && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	*len = n;
	return s;
}

/* "Reference: https://..." -> the url (in place), or NULL. */
static const char *reference_url(const char *text)
{
	if (strncasecmp(text, "reference:", 10) != 0)
		return NULL;
	text += 10;
	while (*text == ' ' || *text == '\t')
		text++;
	if (strncasecmp(text, "http://", 7) != 0 && strncasecmp(text, "https://", 8) != 0)
		return NULL;
	for (const char *p = text; *p; p++)
		if (isspace((unsigned char)*p))
			return NULL;
	return text;
}

enum tp_err tp_convert_list(struct tp_convert *c, const char *file, FILE *in, struct tp_diag *d)
{
	struct tp_buf line, desc, ref;
	tp_buf_init(&line, MAX_LINE);
	tp_buf_init(&desc, MAX_COMMENT);
	tp_buf_init(&ref, MAX_LINE);
	long lineno = 0;
	int prev_comment = 0;
	enum tp_err e = TP_OK, rerr = TP_OK;
	int r;
	for (;;) {
		r = tp_convert_getline(in, &line, &rerr);
		if (r < 0 && rerr == TP_ELIMIT) {
			/* one absurd line does not stop a feed: skip it, say so */
			int ch;
			while ((ch = getc_unlocked(in)) != EOF && ch != '\n')
				;
			lineno++;
			c->st.rows++;
			tp_convert_reject(c, file, lineno, NULL, "line longer than %d bytes",
					  MAX_LINE);
			prev_comment = 0;
			continue;
		}
		if (r <= 0)
			break;
		lineno++;
		size_t n = line.len;
		char empty[1] = "";
		char *s = line.data ? line.data : empty;
		if (memchr(s, '\0', n)) {
			c->st.rows++;
			tp_convert_reject(c, file, lineno, NULL, "line holds a NUL byte");
			prev_comment = 0;
			continue;
		}
		if (lineno == 1 && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
			s += 3;
			n -= 3;
		}
		s = trim(s, &n);
		if (n == 0) {
			prev_comment = 0;
			continue;
		}
		if (s[0] == '#') {
			size_t tn = n - 1;
			char *text = trim(s + 1, &tn);
			if (!prev_comment) {
				tp_buf_reset(&desc);
				tp_buf_reset(&ref);
			}
			prev_comment = 1;
			if (tn == 0)
				continue;
			const char *url = reference_url(text);
			if (url && ref.len == 0)
				e = tp_buf_puts(&ref, url);
			if (e == TP_OK && desc.len)
				e = tp_buf_putc(&desc, '\n');
			if (e == TP_OK)
				e = tp_buf_puts(&desc, text);
			if (e == TP_ELIMIT)
				e = TP_OK; /* a huge comment block is cut, not fatal */
			if (e != TP_OK)
				break;
			continue;
		}
		prev_comment = 0;
		/* a trailing "  # comment" describes this value alone */
		const char *own = NULL;
		for (char *p = s + 1; *p; p++) {
			if (*p == '#' && isspace((unsigned char)p[-1])) {
				*p = '\0';
				size_t on = strlen(p + 1);
				own = trim(p + 1, &on);
				n = (size_t)(p - s);
				s = trim(s, &n);
				break;
			}
		}
		n = tp_ioc_refang(s, n);
		struct tp_convert_rec rec = {
			.file = file,
			.line = lineno,
			.value = s,
			.description = own && *own ? own
				       : desc.len  ? desc.data
						   : NULL,
			.ref_url = ref.len ? ref.data : NULL,
		};
		e = tp_convert_rec(c, &rec);
		if (e != TP_OK)
			break;
	}
	if (e == TP_OK && r < 0) {
		e = rerr;
		if (d)
			d->line = lineno + 1;
		tp_diag_set(d, e, "%s: read error after line %ld", file, lineno);
	} else if (e != TP_OK) {
		if (d)
			d->line = lineno;
		tp_diag_set(d, e, "%s line %ld: %s", file, lineno, tp_strerror(e));
	}
	tp_buf_free(&line);
	tp_buf_free(&desc);
	tp_buf_free(&ref);
	return e;
}
