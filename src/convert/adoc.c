/*
 * IOC tables and listings in AsciiDoc reports, as ESET publishes them in
 * eset/malware-ioc README.adoc files:
 *
 *	== 3CX supply-chain compromise
 *	... https://www.welivesecurity.com/2023/04/20/linux-malware-... (the reference)
 *	|====
 *	| IP address | Domain | Hosting provider | First seen | Details
 *	| `172.93.201[.]88` | `journalide[.]org` | Nexeon Technologies, Inc. | 2023-03-29 | C&C
 *server
 *	|====
 *	  -> [ipv4-addr:value = '172.93.201.88'] and [domain-name:value = 'journalide.org'],
 *	     described "C&C server" with the other cells as context
 *
 *	=== Network indicators
 *	----
 *	wix.navercloud[.]me
 *	----
 *	  -> a listing block: one value per line, as in `--from list`
 *
 * Table columns are recognised by their header (IP address, Domain, URL,
 * SHA-1, SHA-256, MD5, Filename, Details/Description; other columns are
 * context). Values are the `backquoted` parts of a cell (`+...+` literal
 * markers removed), or the whole cell; "N/A" is empty. Listing blocks and
 * list items ("- `value`") are read only under a section whose title names
 * network indicators, C&C servers or hashes; any other listing or list
 * (detection names, file paths, mutexes) is reported once per section,
 * with its line, as not converted.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "convert_int.h"

#define MAX_LINE (1 << 16)
#define MAX_COLS 16

enum col { C_OTHER, C_IP, C_DOMAIN, C_URL, C_MD5, C_SHA1, C_SHA256, C_FILENAME, C_DETAILS };

struct adoc {
	struct tp_convert *c;
	const char *file;
	struct tp_buf top, section, ref, desc, value;
	/* the table being read */
	int in_table, ncols, cell;
	int skip; /* a table too wide to read (reported) */
	enum col cols[MAX_COLS];
	char *head[MAX_COLS];
	struct tp_buf cells[MAX_COLS];
	long row_line;
	/* the listing block being read */
	int in_listing, listing_ok, listing_reported;
	int items_reported; /* a list in this section was reported */
};

static int has(const char *s, const char *word)
{
	return strcasestr(s, word) != NULL;
}

static enum col col_of(const char *h)
{
	if (has(h, "sha-256") || has(h, "sha256"))
		return C_SHA256;
	if (has(h, "sha-1") || has(h, "sha1"))
		return C_SHA1;
	if (has(h, "md5"))
		return C_MD5;
	if (has(h, "ip address") || strcasecmp(h, "ip") == 0)
		return C_IP;
	if (has(h, "domain"))
		return C_DOMAIN;
	if (strcasecmp(h, "url") == 0 || has(h, "urls"))
		return C_URL;
	if (has(h, "filename") || has(h, "file name"))
		return C_FILENAME;
	if (has(h, "details") || has(h, "description"))
		return C_DETAILS;
	return C_OTHER;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* The cell's text without `backquotes` and their +literal+ markers. */
static void plain(const char *cell, struct tp_buf *out)
{
	tp_buf_reset(out);
	for (const char *p = cell; *p; p++) {
		if (*p == '`')
			continue;
		if (*p == '+' && ((p > cell && p[-1] == '`') || p[1] == '`'))
			continue;
		if (tp_buf_putc(out, *p) != TP_OK)
			return;
	}
}

static enum tp_err one_value(struct adoc *a, char *v, enum col col, long line)
{
	struct tp_convert *c = a->c;
	/* `+literal+` and `++literal++` passthrough markers */
	size_t n = strlen(v);
	while (n >= 2 && v[0] == '+' && v[n - 1] == '+') {
		v[--n] = '\0';
		v++;
		n--;
	}
	v = trim(v);
	if (!*v || strcasecmp(v, "N/A") == 0)
		return TP_OK;
	n = tp_ioc_refang(v, strlen(v));
	if (strchr(v, '<') && strchr(v, '>')) {
		c->st.rows++;
		return tp_convert_reject(c, a->file, line, NULL,
					 "'%.120s' holds a placeholder (<...>), not an exact value",
					 v);
	}
	static const unsigned allowed[] = {
		[C_IP] = TP_IOC_KINDS_IP | (1u << TP_IOC_IPV4_PORT),
		[C_DOMAIN] = 1u << TP_IOC_DOMAIN,
		[C_URL] = TP_IOC_KINDS_URL,
		[C_MD5] = 1u << TP_IOC_MD5,
		[C_SHA1] = 1u << TP_IOC_SHA1,
		[C_SHA256] = 1u << TP_IOC_SHA256,
	};
	static const char *const names[] = {
		[C_IP] = "IP address", [C_DOMAIN] = "domain", [C_URL] = "URL",
		[C_MD5] = "MD5",       [C_SHA1] = "SHA-1",    [C_SHA256] = "SHA-256",
	};
	struct tp_convert_rec rec = {
		.file = a->file,
		.line = line,
		.value = v,
		.allowed = col == C_OTHER ? 0 : allowed[col],
		.declared = col == C_OTHER ? NULL : names[col],
		.description = a->desc.len ? a->desc.data : NULL,
		.ref_url = a->ref.len ? a->ref.data : NULL,
	};
	return tp_convert_rec(c, &rec);
}

/* Every `...` part of a cell, or the whole cell when it has none. */
static enum tp_err cell_values(struct adoc *a, char *cell, enum col col, long line)
{
	if (!strchr(cell, '`'))
		return one_value(a, cell, col, line);
	enum tp_err e = TP_OK;
	char *p = cell;
	while (e == TP_OK && (p = strchr(p, '`')) != NULL) {
		char *end = strchr(p + 1, '`');
		if (!end)
			break;
		*end = '\0';
		e = one_value(a, p + 1, col, line);
		p = end + 1;
	}
	return e;
}

static enum tp_err flush_row(struct adoc *a)
{
	enum tp_err e = TP_OK;
	/* description: Details, then the context columns */
	tp_buf_reset(&a->desc);
	struct tp_buf txt;
	tp_buf_init(&txt, 1 << 16);
	if (a->section.len)
		e = tp_buf_puts(&a->desc, a->section.data);
	for (int pass = 0; e == TP_OK && pass < 2; pass++) {
		for (int k = 0; e == TP_OK && k < a->ncols; k++) {
			enum col col = a->cols[k];
			int want =
				pass == 0 ? col == C_DETAILS : col == C_OTHER || col == C_FILENAME;
			if (!want)
				continue;
			plain(a->cells[k].data ? a->cells[k].data : "", &txt);
			char *t = trim(txt.data ? txt.data : (char *)"");
			if (!*t || strcasecmp(t, "N/A") == 0)
				continue;
			if (a->desc.len)
				e = tp_buf_putc(&a->desc, '\n');
			if (e == TP_OK && pass == 1)
				e = tp_buf_printf(&a->desc, "%s: ", a->head[k]);
			if (e == TP_OK)
				e = tp_buf_puts(&a->desc, t);
		}
	}
	tp_buf_free(&txt);
	if (e == TP_ELIMIT)
		e = TP_OK;
	for (int k = 0; e == TP_OK && k < a->ncols; k++) {
		enum col col = a->cols[k];
		if (col == C_OTHER || col == C_FILENAME || col == C_DETAILS || !a->cells[k].data)
			continue;
		e = cell_values(a, a->cells[k].data, col, a->row_line);
	}
	for (int k = 0; k < a->ncols; k++)
		tp_buf_reset(&a->cells[k]);
	a->cell = 0;
	return e;
}

/* The cells of one table line ("| a | b"), added to the row being read. */
static enum tp_err table_line(struct adoc *a, char *s, long line)
{
	enum tp_err e = TP_OK;
	int header = a->ncols == 0;
	int tick = 0;
	char *start = NULL;
	for (char *p = s;; p++) {
		if (*p == '`')
			tick = !tick;
		if ((*p == '|' && !tick) || *p == '\0') {
			if (start) {
				char save = *p;
				*p = '\0';
				char *t = trim(start);
				if (header) {
					if (a->ncols == MAX_COLS) {
						a->skip = 1;
					} else if (!(a->head[a->ncols] = strdup(t))) {
						e = TP_ENOMEM;
					} else {
						a->cols[a->ncols] = col_of(t);
						a->ncols++;
					}
				} else {
					if (a->cell == 0)
						a->row_line = line;
					if (a->cell < a->ncols)
						e = tp_buf_puts(&a->cells[a->cell], t);
					a->cell++;
					if (e == TP_OK && a->cell == a->ncols)
						e = flush_row(a);
				}
				*p = save;
			}
			if (*p == '\0')
				break;
			start = p + 1;
		}
		if (e != TP_OK)
			break;
	}
	if (e == TP_OK && !start && !header && a->cell > 0 && a->cell <= a->ncols) {
		/* a continuation line of the last cell */
		e = tp_buf_printf(&a->cells[a->cell - 1], " %s", trim(s));
	}
	if (header && a->skip) {
		a->c->st.rows++;
		tp_convert_reject(a->c, a->file, line, NULL,
				  "table with more than %d columns is not read", MAX_COLS);
	}
	if (e == TP_ELIMIT) {
		/* a cell over 64 KiB: this row is dropped, and said so */
		a->c->st.rows++;
		tp_convert_reject(a->c, a->file, a->row_line, NULL,
				  "table cell longer than 64 KiB; row not read");
		for (int k = 0; k < a->ncols; k++)
			tp_buf_reset(&a->cells[k]);
		a->cell = 0;
		e = TP_OK;
	}
	return e;
}

static void end_table(struct adoc *a)
{
	if (a->cell > 0)
		tp_convert_reject(a->c, a->file, a->row_line, NULL,
				  "incomplete table row (%d of %d cells)", a->cell, a->ncols);
	for (int k = 0; k < a->ncols; k++) {
		free(a->head[k]);
		a->head[k] = NULL;
		tp_buf_reset(&a->cells[k]);
	}
	a->ncols = a->cell = 0;
	a->in_table = a->skip = 0;
}

/* "`E9C3...406D`": a hash needs no section title to be recognised. */
static int is_hash_item(const char *t)
{
	const char *p = t;
	while (*p == '`' || *p == '+')
		p++;
	size_t n = strspn(p, "0123456789abcdefABCDEF");
	const char *q = p + n;
	while (*q == '`' || *q == '+')
		q++;
	return (n == 32 || n == 40 || n == 64 || n == 128) && *trim((char *)q) == '\0';
}

static int listing_wanted(const char *title)
{
	return has(title, "network") || has(title, "hash") || has(title, "domain") ||
	       has(title, "sha-1") || has(title, "sha1") || has(title, "sha-256") ||
	       has(title, "md5") || has(title, "ip address") || has(title, "url") ||
	       has(title, "c&c");
}

enum tp_err tp_convert_adoc(struct tp_convert *c, const char *file, FILE *in, struct tp_diag *d)
{
	struct adoc a = {.c = c, .file = file};
	struct tp_buf line;
	tp_buf_init(&line, MAX_LINE);
	tp_buf_init(&a.section, 1024);
	tp_buf_init(&a.top, 512);
	tp_buf_init(&a.ref, 4096);
	tp_buf_init(&a.desc, 1 << 16);
	tp_buf_init(&a.value, MAX_LINE);
	for (int k = 0; k < MAX_COLS; k++)
		tp_buf_init(&a.cells[k], 1 << 16);
	long lineno = 0;
	enum tp_err e = TP_OK, rerr = TP_OK;
	int r = 0;
	while (e == TP_OK && (r = tp_convert_getline(in, &line, &rerr)) > 0) {
		lineno++;
		char empty[1] = "";
		char *s = line.data ? line.data : empty;
		if (memchr(s, '\0', line.len)) {
			c->st.rows++;
			tp_convert_reject(c, file, lineno, NULL, "line holds a NUL byte");
			continue;
		}
		size_t n = strlen(s);
		while (n && (s[n - 1] == '\r' || s[n - 1] == ' '))
			s[--n] = '\0';
		if (strncmp(s, "|===", 4) == 0) {
			if (a.in_table)
				end_table(&a);
			else
				a.in_table = 1;
			continue;
		}
		if (a.in_table) {
			if (*s && !a.skip)
				e = table_line(&a, s, lineno);
			continue;
		}
		if (strcmp(s, "----") == 0) {
			a.in_listing = !a.in_listing;
			if (a.in_listing) {
				a.listing_ok = listing_wanted(a.section.data ? a.section.data : "");
				a.listing_reported = 0;
			}
			continue;
		}
		if (a.in_listing) {
			char *t = trim(s);
			if (!*t)
				continue;
			if (!a.listing_ok && !is_hash_item(t)) {
				if (!a.listing_reported) {
					c->st.rows++;
					tp_convert_reject(
						c, file, lineno, NULL,
						"listing under '%.100s' is not read (only network "
						"indicators and hashes are)",
						a.section.len ? a.section.data : "no section");
				}
				a.listing_reported = 1;
				continue;
			}
			tp_buf_reset(&a.desc);
			if (a.section.len)
				e = tp_buf_puts(&a.desc, a.section.data);
			if (e == TP_OK)
				e = one_value(&a, t, C_OTHER, lineno);
			continue;
		}
		if (s[0] == '=' && (s[1] == '=' || s[1] == ' ')) {
			/* a section title: "Top section / Subsection"; a new
			 * top-level section forgets the reference */
			char *t = s;
			while (*t == '=')
				t++;
			int level = (int)(t - s);
			t = trim(t);
			if (level <= 2) {
				tp_buf_reset(&a.ref);
				tp_buf_reset(&a.top);
				e = tp_buf_puts(&a.top, t);
			}
			tp_buf_reset(&a.section);
			a.items_reported = 0;
			if (e == TP_OK)
				e = tp_buf_puts(&a.section, a.top.len ? a.top.data : "");
			if (e == TP_OK && level > 2)
				e = tp_buf_printf(&a.section, "%s%s", a.top.len ? " / " : "", t);
			if (e == TP_ELIMIT)
				e = TP_OK;
			continue;
		}
		if ((s[0] == '-' || s[0] == '*') && (s[1] == ' ' || s[1] == '*')) {
			/* a list item: read like a listing line */
			char *t = s;
			while (*t == '-' || *t == '*')
				t++;
			t = trim(t);
			if (!listing_wanted(a.section.data ? a.section.data : "") &&
			    !is_hash_item(t)) {
				if (!a.items_reported) {
					c->st.rows++;
					tp_convert_reject(
						c, file, lineno, NULL,
						"list under '%.100s' is not read (only network "
						"indicators and hashes are)",
						a.section.len ? a.section.data : "no section");
				}
				a.items_reported = 1;
				continue;
			}
			tp_buf_reset(&a.desc);
			if (a.section.len)
				e = tp_buf_puts(&a.desc, a.section.data);
			if (e == TP_OK)
				e = cell_values(&a, t, C_OTHER, lineno);
			continue;
		}
		/* prose: a report URL is the reference of what follows (the first
		 * one of a section: later ones are usually site links) */
		char *u = strstr(s, "https://");
		size_t un = u ? strcspn(u, " [\t") : 0;
		if (u && un > 8 && un < 2000 && a.ref.len == 0) {
			e = tp_buf_append(&a.ref, u, un);
			if (e == TP_ELIMIT)
				e = TP_OK;
		}
	}
	if (e == TP_OK && r < 0) {
		e = rerr;
		if (d)
			d->line = lineno + 1;
		tp_diag_set(d, e, "%s line %ld: %s", file, lineno + 1,
			    e == TP_ELIMIT ? "line too long" : "read error");
	} else if (e != TP_OK) {
		if (d)
			d->line = lineno;
		tp_diag_set(d, e, "%s line %ld: %s", file, lineno, tp_strerror(e));
	} else if (a.in_table) {
		end_table(&a);
		tp_convert_reject(c, file, lineno, NULL, "table not closed at the end of the file");
	}
	for (int k = 0; k < MAX_COLS; k++) {
		free(a.head[k]);
		tp_buf_free(&a.cells[k]);
	}
	tp_buf_free(&line);
	tp_buf_free(&a.section);
	tp_buf_free(&a.top);
	tp_buf_free(&a.ref);
	tp_buf_free(&a.desc);
	tp_buf_free(&a.value);
	return e;
}
