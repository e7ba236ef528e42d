/*
 * MISP warninglists: known-benign values (RFC 1918 ranges, CDN and cloud
 * addresses, top sites, public DNS, empty-file hashes, ...) that turn up in
 * IOC feeds as false positives. On import, a value on a list is reported
 * with the list's name and left out.
 *
 *	{"name": "List of RFC 1918 CIDR blocks", "type": "cidr",
 *	 "list": ["10.0.0.0/8", ...], "matching_attributes": ["ip-src", "ip-dst", ...]}
 *	tp_warninglists_match(w, TP_IOC_IPV4, "10.1.2.3") -> "List of RFC 1918 CIDR blocks"
 *
 * Lists with "category": "known" are informational and skipped. Note that
 * some snapshots lack the category: dynamic-dns is such a list, and
 * DPRK operators use dynamic DNS, so do not filter with it.
 *
 * List types: `string` (exact, case-insensitive; an entry ".example.com"
 * also matches its subdomains), `hostname` (the name or any subdomain),
 * `substring`, `cidr` (v4 and v6). `regex` lists are reported as not
 * supported when loaded. `matching_attributes` decides which kinds of value
 * a list applies to. Host-name lists also apply to the host of a URL.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "convert_int.h"
#include "tripact/json.h"

enum wl_type { WL_STRING, WL_HOSTNAME, WL_SUBSTRING, WL_CIDR };

/* Kinds a list applies to, as a bit set. */
#define KBIT(k) (1u << (k))
#define K_IP	(KBIT(TP_IOC_IPV4) | KBIT(TP_IOC_IPV6) | KBIT(TP_IOC_IPV4_PORT))
#define K_HOST	(KBIT(TP_IOC_DOMAIN))
#define K_URL	(KBIT(TP_IOC_URL) | KBIT(TP_IOC_URL_NOSCHEME))
#define K_HASH	(KBIT(TP_IOC_MD5) | KBIT(TP_IOC_SHA1) | KBIT(TP_IOC_SHA256) | KBIT(TP_IOC_SHA512))

struct cidr {
	int family;
	uint8_t addr[16];
	int prefix;
};

struct list {
	char *name;
	enum wl_type type;
	unsigned kinds;
	char **words; /* sorted, lower-case (string, hostname, substring) */
	size_t nwords;
	struct cidr *cidrs;
	size_t ncidrs;
};

struct tp_warninglists {
	struct list *lists;
	size_t n;
};

static unsigned kinds_of(const json_t *attrs)
{
	unsigned k = 0;
	size_t i;
	const json_t *a;
	json_array_foreach(attrs, i, a)
	{
		const char *s = json_string_value(a);
		if (!s)
			continue;
		if (strncmp(s, "ip-", 3) == 0 || strcmp(s, "domain|ip") == 0)
			k |= K_IP;
		if (strcmp(s, "domain") == 0 || strcmp(s, "hostname") == 0 ||
		    strcmp(s, "domain|ip") == 0)
			k |= K_HOST;
		if (strcmp(s, "url") == 0)
			k |= K_URL;
		if (strcmp(s, "md5") == 0 || strcmp(s, "sha1") == 0 || strcmp(s, "sha256") == 0 ||
		    strcmp(s, "sha512") == 0 || strncmp(s, "filename|", 9) == 0)
			k |= K_HASH;
		if (strcmp(s, "email") == 0 || strcmp(s, "email-src") == 0 ||
		    strcmp(s, "email-dst") == 0)
			k |= KBIT(TP_IOC_EMAIL);
	}
	return k;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int parse_cidr(const char *s, struct cidr *c)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof tmp)
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	memset(c, 0, sizeof *c);
	if (inet_pton(AF_INET, tmp, c->addr) == 1) {
		c->family = AF_INET;
		c->prefix = 32;
	} else if (inet_pton(AF_INET6, tmp, c->addr) == 1) {
		c->family = AF_INET6;
		c->prefix = 128;
	} else {
		return 0;
	}
	if (slash) {
		char *end;
		long p = strtol(slash + 1, &end, 10);
		if (*end || p < 0 || p > c->prefix)
			return 0;
		c->prefix = (int)p;
	}
	return 1;
}

static int in_cidr(const struct cidr *c, int family, const uint8_t *a)
{
	if (c->family != family)
		return 0;
	int full = c->prefix / 8, rest = c->prefix % 8;
	if (memcmp(c->addr, a, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return (c->addr[full] & mask) == (a[full] & mask);
}

static void list_free(struct list *l)
{
	free(l->name);
	for (size_t i = 0; i < l->nwords; i++)
		free(l->words[i]);
	free(l->words);
	free(l->cidrs);
}

static enum tp_err add_file(struct tp_warninglists *w, const char *path, struct tp_diag *d)
{
	json_t *root;
	enum tp_err e = tp_json_load_file(path, &root, d);
	if (e != TP_OK)
		return e;
	const char *name = tp_json_str(root, "name");
	const char *type = tp_json_str(root, "type");
	const json_t *items = json_object_get(root, "list");
	struct list l = {0};
	if (!name || !type || !json_is_array(items)) {
		json_decref(root);
		return tp_diag_set(d, TP_EPARSE,
				   "%s: not a MISP warninglist (name, type and list required)",
				   path);
	}
	const char *category = tp_json_str(root, "category");
	if (category && strcmp(category, "known") == 0) {
		json_decref(root); /* informational, not false positives */
		return TP_OK;
	}
	if (strcmp(type, "string") == 0)
		l.type = WL_STRING;
	else if (strcmp(type, "hostname") == 0)
		l.type = WL_HOSTNAME;
	else if (strcmp(type, "substring") == 0)
		l.type = WL_SUBSTRING;
	else if (strcmp(type, "cidr") == 0)
		l.type = WL_CIDR;
	else {
		json_decref(root);
		return tp_diag_set(d, TP_EUNSUPPORTED, "%s: warninglist type '%s' is not supported",
				   path, type);
	}
	l.kinds = kinds_of(json_object_get(root, "matching_attributes"));
	l.name = strdup(name);
	size_t n = json_array_size(items);
	if (l.type == WL_CIDR)
		l.cidrs = calloc(n ? n : 1, sizeof *l.cidrs);
	else
		l.words = calloc(n ? n : 1, sizeof *l.words);
	if (!l.name || (!l.cidrs && !l.words))
		goto nomem;
	size_t i;
	const json_t *x;
	json_array_foreach(items, i, x)
	{
		const char *s = json_string_value(x);
		if (!s || !*s)
			continue;
		if (l.type == WL_CIDR) {
			if (parse_cidr(s, &l.cidrs[l.ncidrs]))
				l.ncidrs++;
			continue;
		}
		char *v = strdup(s);
		if (!v)
			goto nomem;
		for (char *p = v; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		if (l.type == WL_HOSTNAME && v[0] == '.')
			memmove(v, v + 1, strlen(v));
		l.words[l.nwords++] = v;
	}
	if (l.words)
		qsort(l.words, l.nwords, sizeof *l.words, cmp_str);
	struct list *nl = realloc(w->lists, (w->n + 1) * sizeof *nl);
	if (!nl)
		goto nomem;
	w->lists = nl;
	w->lists[w->n++] = l;
	json_decref(root);
	return TP_OK;
nomem:
	list_free(&l);
	json_decref(root);
	return TP_ENOMEM;
}

static int ends_json(const char *s)
{
	size_t n = strlen(s);
	return n > 5 && strcmp(s + n - 5, ".json") == 0;
}

enum tp_err tp_warninglists_add(struct tp_warninglists *w, const char *path, struct tp_diag *d)
{
	DIR *dir = opendir(path);
	if (!dir)
		return add_file(w, path, d);
	/* a directory: every *.json in it (MISP's lists/<name>/list.json too) */
	char **names = NULL;
	size_t n = 0, cap = 0;
	enum tp_err e = TP_OK;
	struct dirent *de;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", path, de->d_name);
		char sub[4200];
		snprintf(sub, sizeof sub, "%s/list.json", p);
		const char *use = ends_json(de->d_name) ? p : access(sub, R_OK) == 0 ? sub : NULL;
		if (!use)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 32;
			char **nn = realloc(names, cap * sizeof *nn);
			if (!nn) {
				e = TP_ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(use))) {
			e = TP_ENOMEM;
			break;
		}
		n++;
	}
	closedir(dir);
	/* a stable order, so the first matching list is always the same */
	if (e == TP_OK && n)
		qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; e == TP_OK && i < n; i++) {
		/* skip files that are not warninglists (licences as JSON, ...) */
		if ((e = add_file(w, names[i], d)) == TP_EPARSE && strstr(names[i], "LICENSE"))
			e = TP_OK;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (e == TP_OK && n == 0)
		e = tp_diag_set(d, TP_ENOTFOUND, "%s: no warninglist (*.json) in this directory",
				path);
	return e;
}

enum tp_err tp_warninglists_new(struct tp_warninglists **out)
{
	*out = calloc(1, sizeof **out);
	return *out ? TP_OK : TP_ENOMEM;
}

void tp_warninglists_free(struct tp_warninglists *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++)
		list_free(&w->lists[i]);
	free(w->lists);
	free(w);
}

size_t tp_warninglists_count(const struct tp_warninglists *w)
{
	return w ? w->n : 0;
}

static int has_word(const struct list *l, const char *s)
{
	return bsearch(&s, l->words, l->nwords, sizeof *l->words, cmp_str) != NULL;
}

/* host or any parent domain ("a.b.example.com" -> "b.example.com" -> ...). */
static int host_match(const struct list *l, const char *host)
{
	char dotted[300];
	for (const char *p = host; p; p = strchr(p, '.')) {
		if (*p == '.')
			p++;
		if (l->type == WL_HOSTNAME && has_word(l, p))
			return 1;
		/* string lists: exact, or ".suffix" entries for subdomains */
		if (l->type == WL_STRING) {
			if (p == host && has_word(l, p))
				return 1;
			snprintf(dotted, sizeof dotted, ".%s", p);
			if (p != host && has_word(l, dotted))
				return 1;
			if (p == host && has_word(l, dotted))
				return 1;
		}
	}
	return 0;
}

const char *tp_warninglists_match(const struct tp_warninglists *w, int kind, const char *value)
{
	if (!w || kind <= 0 || kind >= 32)
		return NULL;
	char v[2048];
	snprintf(v, sizeof v, "%s", value);
	for (char *p = v; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	/* the host of a URL, the address of ip:port */
	char host[300] = "";
	if (kind == TP_IOC_URL || kind == TP_IOC_URL_NOSCHEME) {
		const char *h = kind == TP_IOC_URL ? strstr(v, "://") + 3 : v;
		size_t hn = strcspn(h, "/:?#");
		snprintf(host, sizeof host, "%.*s", (int)hn, h);
	}
	uint8_t addr[16];
	int family = 0;
	if (kind == TP_IOC_IPV4 || kind == TP_IOC_IPV6 || kind == TP_IOC_IPV4_PORT) {
		char ip[64];
		snprintf(ip, sizeof ip, "%.*s",
			 (int)strcspn(v, kind == TP_IOC_IPV4_PORT ? ":" : "/"), v);
		if (inet_pton(AF_INET, ip, addr) == 1)
			family = AF_INET;
		else if (inet_pton(AF_INET6, ip, addr) == 1)
			family = AF_INET6;
	}
	for (size_t i = 0; i < w->n; i++) {
		const struct list *l = &w->lists[i];
		if (!(l->kinds & KBIT(kind)))
			continue;
		int hit = 0;
		switch (l->type) {
		case WL_CIDR:
			for (size_t k = 0; family && !hit && k < l->ncidrs; k++)
				hit = in_cidr(&l->cidrs[k], family, addr);
			break;
		case WL_SUBSTRING:
			for (size_t k = 0; !hit && k < l->nwords; k++)
				hit = strstr(v, l->words[k]) != NULL;
			break;
		case WL_STRING:
		case WL_HOSTNAME:
			if (kind == TP_IOC_DOMAIN)
				hit = host_match(l, v);
			else if (host[0])
				hit = host_match(l, host) ||
				      (l->type == WL_STRING && has_word(l, v));
			else
				hit = l->type == WL_STRING && has_word(l, v);
			break;
		}
		if (hit)
			return l->name;
	}
	return NULL;
}
