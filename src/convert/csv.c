/*
 * Vendor CSV tables, `value,type[,notes]` as Volexity, ESET and others
 * publish them (RFC 4180 quoting, CRLF or LF, an optional UTF-8 BOM). A
 * first row whose first field is "value" (or "indicator", "ioc") is a
 * header and locates the columns by name; otherwise the columns are
 * value, type, notes. Type names are mapped (ip, domain, hostname, url,
 * md5, sha1, sha256, email, emailwhois, ...); an empty type is inferred; a
 * `file` row may hold several hashes separated by commas.
 *
 *	value,type,notes
 *	gonamod.com,hostname,SHARPEXT C2 server
 *	  -> [domain-name:value = 'gonamod.com'], description "SHARPEXT C2 server"
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"

#define MAX_RECORD (1 << 20)
#define MAX_FIELDS 64

struct record {
	struct tp_buf text;	/* the fields, NUL-separated */
	size_t off[MAX_FIELDS]; /* offset of each field in text */
	int n;
	long line; /* first line of the record */
};

/*
 * Reads one record; returns 1, 0 at the end, -1 on error (*err: TP_EIO,
 * TP_ELIMIT, or TP_EPARSE for an unterminated quote or too many fields,
 * with the reason in msg). *lineno counts physical lines.
 */
static int read_record(FILE *in, struct record *r, long *lineno, enum tp_err *err, const char **msg)
{
	tp_buf_reset(&r->text);
	r->n = 0;
	int ch = getc_unlocked(in);
	if (ch == EOF)
		return ferror(in) ? (*err = TP_EIO, -1) : 0;
	r->line = ++*lineno;
	int quoted = 0, at_start = 1;
	r->off[r->n++] = 0;
	for (;; ch = getc_unlocked(in)) {
		if (ch == EOF) {
			if (quoted) {
				*err = TP_EPARSE;
				*msg = "unterminated quoted field";
				return -1;
			}
			break;
		}
		if (quoted) {
			if (ch == '"') {
				int next = getc_unlocked(in);
				if (next == '"') {
					ch = '"';
				} else {
					quoted = 0;
					if (next != EOF)
						ungetc(next, in);
					continue;
				}
			} else if (ch == '\n') {
				++*lineno;
			}
		} else if (ch == '"' && at_start) {
			quoted = 1;
			at_start = 0;
			continue;
		} else if (ch == ',') {
			if (r->n == MAX_FIELDS) {
				*err = TP_EPARSE;
				*msg = "more than 64 fields";
				return -1;
			}
			if (tp_buf_putc(&r->text, '\0') != TP_OK)
				goto limit;
			r->off[r->n++] = r->text.len;
			at_start = 1;
			continue;
		} else if (ch == '\n') {
			break;
		} else if (ch == '\r') {
			continue;
		}
		at_start = 0;
		if (tp_buf_putc(&r->text, (char)ch) != TP_OK)
			goto limit;
	}
	if (tp_buf_putc(&r->text, '\0') != TP_OK)
		goto limit;
	return 1;
limit:
	*err = TP_ELIMIT;
	*msg = "record longer than 1 MiB";
	return -1;
}

static char *field(struct record *r, int i)
{
	if (i < 0 || i >= r->n)
		return NULL;
	char *s = r->text.data + r->off[i];
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

static int name_in(const char *s, const char *const *names)
{
	for (; *names; names++)
		if (strcasecmp(s, *names) == 0)
			return 1;
	return 0;
}

static const char *const value_names[] = {"value", "indicator", "ioc", "observable", NULL};
static const char *const type_names[] = {"type",     "entity_type", "indicator_type",
					 "ioc_type", "kind",	    NULL};
static const char *const note_names[] = {"notes",   "note",	"description",
					 "comment", "comments", NULL};

/* A row of type `file`: one or more hashes separated by commas or blanks. */
static enum tp_err file_row(struct tp_convert *c, struct tp_convert_rec *rec, char *v)
{
	char *save = NULL;
	int any = 0;
	for (char *h = strtok_r(v, ", \t;", &save); h; h = strtok_r(NULL, ", \t;", &save)) {
		any = 1;
		rec->value = h;
		rec->kind = TP_IOC_UNKNOWN;
		size_t n = strlen(h);
		int hex = 1;
		for (size_t i = 0; i < n; i++)
			hex &= isxdigit((unsigned char)h[i]) != 0;
		if (!hex || (n != 32 && n != 40 && n != 64 && n != 128)) {
			tp_convert_reject(c, rec->file, rec->line, NULL,
					  "'%.80s' in a file row is not an MD5, SHA-1, SHA-256 or "
					  "SHA-512 hash",
					  h);
			c->st.rows++;
			continue;
		}
		enum tp_err e = tp_convert_rec(c, rec);
		if (e != TP_OK)
			return e;
	}
	if (!any)
		return tp_convert_reject(c, rec->file, rec->line, NULL, "empty file row");
	return TP_OK;
}

enum tp_err tp_convert_csv(struct tp_convert *c, const char *file, FILE *in, struct tp_diag *d)
{
	struct record r;
	tp_buf_init(&r.text, MAX_RECORD);
	long lineno = 0;
	int cv = 0, ct = 1, cn = 2, first = 1;
	enum tp_err e = TP_OK, rerr = TP_OK;
	const char *msg = NULL;
	int got;
	while ((got = read_record(in, &r, &lineno, &rerr, &msg)) > 0) {
		int nul = 0;
		for (int k = 0; k < r.n; k++) {
			size_t end = k + 1 < r.n ? r.off[k + 1] - 1 : r.text.len - 1;
			nul |= strlen(r.text.data + r.off[k]) != end - r.off[k];
		}
		if (nul) {
			c->st.rows++;
			first = 0;
			tp_convert_reject(c, file, r.line, NULL, "record holds a NUL byte");
			continue;
		}
		char *v = field(&r, 0);
		if (first && strncmp(v, "\xef\xbb\xbf", 3) == 0) {
			r.off[0] += 3; /* a UTF-8 byte order mark */
			v = field(&r, 0);
		}
		if (r.n == 1 && *v == '\0')
			continue; /* blank line */
		if (v[0] == '#')
			continue; /* comment line */
		if (first) {
			first = 0;
			if (name_in(v, value_names)) {
				ct = cn = -1;
				for (int i = 1; i < r.n; i++) {
					const char *h = field(&r, i);
					if (ct < 0 && name_in(h, type_names))
						ct = i;
					else if (cn < 0 && name_in(h, note_names))
						cn = i;
				}
				continue;
			}
		}
		v = field(&r, cv);
		const char *type = field(&r, ct);
		const char *notes = field(&r, cn);
		if (!v || *v == '\0') {
			c->st.rows++;
			tp_convert_reject(c, file, r.line, NULL, "empty value");
			continue;
		}
		struct tp_convert_rec rec = {
			.file = file,
			.line = r.line,
			.description = notes && *notes ? notes : NULL,
		};
		size_t vn = tp_ioc_refang(v, strlen(v));
		(void)vn;
		if (type && strcasecmp(type, "file") == 0) {
			e = file_row(c, &rec, v);
		} else if (type && *type && !tp_ioc_kind_known(type)) {
			c->st.rows++;
			tp_convert_reject(c, file, r.line, NULL, "unknown type '%.40s' for '%.80s'",
					  type, v);
		} else {
			rec.value = v;
			rec.kind = type ? tp_ioc_kind_parse(type) : TP_IOC_UNKNOWN;
			rec.allowed = type && *type ? tp_ioc_name_kinds(type) : 0;
			rec.declared = type;
			e = tp_convert_rec(c, &rec);
		}
		if (e != TP_OK)
			break;
	}
	if (e == TP_OK && got < 0) {
		e = rerr;
		if (d)
			d->line = lineno;
		if (e == TP_EIO)
			tp_diag_set(d, e, "%s: read error after line %ld", file, lineno);
		else
			tp_diag_set(d, e, "%s line %ld: %s", file, lineno, msg);
	} else if (e != TP_OK) {
		if (d)
			d->line = lineno;
		tp_diag_set(d, e, "%s line %ld: %s", file, lineno, tp_strerror(e));
	}
	tp_buf_free(&r.text);
	return e;
}
