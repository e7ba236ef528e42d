/*
 * Indicator values: kinds, refanging, inference and STIX patterns.
 *
 * Inference order matters because the shapes overlap: a 40-hex string is a
 * SHA-1 and never a domain, "1.2.3.4" is an address and not a domain with
 * numeric labels, "a.com/x" is a URL without scheme and "/x" a URL path.
 *
 *	tp_ioc_classify("Evil.Example", &k=UNKNOWN, ...) -> DOMAIN "evil.example"
 *	tp_ioc_pattern(DOMAIN, "evil.example")  -> [domain-name:value = 'evil.example']
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ioc.h"

static const char *const kind_names[TP_IOC_KIND_COUNT] = {
	[TP_IOC_UNKNOWN] = "unknown",
	[TP_IOC_IPV4] = "ipv4",
	[TP_IOC_IPV6] = "ipv6",
	[TP_IOC_IPV4_PORT] = "ipv4-port",
	[TP_IOC_DOMAIN] = "domain",
	[TP_IOC_URL] = "url",
	[TP_IOC_URL_NOSCHEME] = "url-noscheme",
	[TP_IOC_URL_PATH] = "url-path",
	[TP_IOC_MD5] = "md5",
	[TP_IOC_SHA1] = "sha1",
	[TP_IOC_SHA256] = "sha256",
	[TP_IOC_SHA512] = "sha512",
	[TP_IOC_EMAIL] = "email",
	[TP_IOC_FILENAME] = "filename",
	[TP_IOC_BTC] = "btc",
	[TP_IOC_ETH] = "eth",
	[TP_IOC_XMR] = "xmr",
};

const char *tp_ioc_kind_name(enum tp_ioc_kind k)
{
	return (unsigned)k < TP_IOC_KIND_COUNT ? kind_names[k] : "unknown";
}

/* Vendor and MISP type names. */
static const struct {
	const char *name;
	enum tp_ioc_kind kind;
} synonyms[] = {
	{"ip", TP_IOC_UNKNOWN}, /* v4 or v6: inferred */
	{"ip-src", TP_IOC_UNKNOWN},
	{"ip-dst", TP_IOC_UNKNOWN},
	{"ipaddress", TP_IOC_UNKNOWN},
	{"ipv4-addr", TP_IOC_IPV4},
	{"ipv6-addr", TP_IOC_IPV6},
	{"cidr", TP_IOC_UNKNOWN},
	{"hostname", TP_IOC_DOMAIN},
	{"host", TP_IOC_DOMAIN},
	{"fqdn", TP_IOC_DOMAIN},
	{"domain-name", TP_IOC_DOMAIN},
	{"uri", TP_IOC_URL},
	{"sha-1", TP_IOC_SHA1},
	{"sha-256", TP_IOC_SHA256},
	{"sha-512", TP_IOC_SHA512},
	{"md5hash", TP_IOC_MD5},
	{"email-src", TP_IOC_EMAIL},
	{"email-dst", TP_IOC_EMAIL},
	{"email-addr", TP_IOC_EMAIL},
	{"emailwhois", TP_IOC_EMAIL},
	{"whois-registrant-email", TP_IOC_EMAIL},
	{"email-address", TP_IOC_EMAIL},
	{"file-name", TP_IOC_FILENAME},
	{"btc", TP_IOC_BTC},
	{"bitcoin", TP_IOC_BTC},
	{"ethereum", TP_IOC_ETH},
	{"monero", TP_IOC_XMR},
	{"xmr", TP_IOC_XMR},
};

enum tp_ioc_kind tp_ioc_kind_parse(const char *name)
{
	for (int k = 1; k < TP_IOC_KIND_COUNT; k++)
		if (strcasecmp(name, kind_names[k]) == 0)
			return k;
	for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
		if (strcasecmp(name, synonyms[i].name) == 0)
			return synonyms[i].kind;
	return TP_IOC_UNKNOWN;
}

/* Synonym names that map to "infer" are still known names. */
int tp_ioc_kind_known(const char *name);
int tp_ioc_kind_known(const char *name)
{
	if (tp_ioc_kind_parse(name) != TP_IOC_UNKNOWN)
		return 1;
	for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
		if (strcasecmp(name, synonyms[i].name) == 0)
			return 1;
	return 0;
}

unsigned tp_ioc_name_kinds(const char *name)
{
	enum tp_ioc_kind k = tp_ioc_kind_parse(name);
	if (k != TP_IOC_UNKNOWN)
		return 1u << k;
	if (strcasecmp(name, "url") == 0 || strcasecmp(name, "uri") == 0)
		return TP_IOC_KINDS_URL;
	return tp_ioc_kind_known(name) ? TP_IOC_KINDS_IP : 0;
}

int tp_ioc_is_hash(enum tp_ioc_kind k)
{
	return k == TP_IOC_MD5 || k == TP_IOC_SHA1 || k == TP_IOC_SHA256 || k == TP_IOC_SHA512;
}

/* Replaces s[i..i+n) by rep (not longer than n); returns the new length. */
static size_t splice(char *s, size_t len, size_t i, size_t n, const char *rep)
{
	size_t r = strlen(rep);
	memmove(s + i + r, s + i + n, len - i - n);
	memcpy(s + i, rep, r);
	return len - n + r;
}

size_t tp_ioc_refang(char *s, size_t len)
{
	static const struct {
		const char *from, *to;
	} subs[] = {
		{"[://]", "://"}, {"[.]", "."}, {"(.)", "."}, {"{.}", "."},  {"[dot]", "."},
		{"(dot)", "."},	  {"[:]", ":"}, {"[@]", "@"}, {"[at]", "@"}, {"(at)", "@"},
	};
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	size_t lead = 0;
	while (lead < len && isspace((unsigned char)s[lead]))
		lead++;
	memmove(s, s + lead, len - lead);
	len -= lead;
	s[len] = '\0';
	/* hxxp:// hXXps[://] at the start; only before a scheme separator, as
	 * real host names start with "hxxp-" too (maltrail's kimsuky list) */
	if (len >= 7 && (s[0] == 'h' || s[0] == 'H') && (s[1] == 'x' || s[1] == 'X') &&
	    (s[2] == 'x' || s[2] == 'X') && (s[3] == 'p' || s[3] == 'P')) {
		const char *rest = s + 4 + (s[4] == 's' || s[4] == 'S');
		if (strncmp(rest, "://", 3) == 0 || strncmp(rest, "[://]", 5) == 0 ||
		    strncmp(rest, "[:]//", 5) == 0) {
			s[0] = 'h';
			s[1] = s[2] = 't';
			s[3] = 'p';
		}
	}
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '[' && s[i] != '(' && s[i] != '{')
			continue;
		for (size_t j = 0; j < sizeof subs / sizeof subs[0]; j++) {
			size_t n = strlen(subs[j].from);
			if (n <= len - i && strncasecmp(s + i, subs[j].from, n) == 0) {
				len = splice(s, len, i, n, subs[j].to);
				break;
			}
		}
	}
	/* the absolute form of a host name: "evil.example." */
	if (len > 1 && s[len - 1] == '.' && s[len - 2] != '.' && !memchr(s, '/', len))
		len--;
	s[len] = '\0';
	return len;
}

static int all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* An IPv4 (family AF_INET) or IPv6 address, with a /prefix if allowed. */
static int is_ip(const char *s, int family, int allow_prefix)
{
	char tmp[80];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= sizeof tmp || (slash && !allow_prefix))
		return 0;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	struct in6_addr a; /* large enough for either family */
	if (inet_pton(family, tmp, &a) != 1)
		return 0;
	if (slash) {
		char *end;
		if (!isdigit((unsigned char)slash[1]))
			return 0;
		long p = strtol(slash + 1, &end, 10);
		if (*end || p < 0 || p > (family == AF_INET ? 32 : 128))
			return 0;
	}
	return 1;
}

static int is_ipv4(const char *s, int allow_prefix)
{
	return is_ip(s, AF_INET, allow_prefix);
}

static int is_ipv6(const char *s, int allow_prefix)
{
	return is_ip(s, AF_INET6, allow_prefix);
}

/* host names: labels of letters, digits, '-' and '_', a non-numeric TLD. */
static int is_domain(const char *s, size_t n)
{
	if (n == 0 || n > 253 || s[n - 1] == '.')
		return 0;
	size_t label = 0, dots = 0, last = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
			dots++;
			last = i + 1;
			continue;
		}
		if (!(isalnum(ch) || ch == '-' || ch == '_'))
			return 0;
		if (label == 0 && ch == '-')
			return 0;
		if (++label > 63)
			return 0;
	}
	if (dots == 0)
		return 0;
	int alpha = 0;
	for (size_t i = last; i < n; i++)
		if (isalpha((unsigned char)s[i]))
			alpha = 1;
	return alpha;
}

static int is_email(const char *s)
{
	const char *at = strrchr(s, '@');
	if (!at || at == s || strchr(s, ' '))
		return 0;
	for (const char *p = s; p < at; p++)
		if (!isgraph((unsigned char)*p) || *p == '@')
			return 0;
	return is_domain(at + 1, strlen(at + 1));
}

static int in_set(char c, const char *set)
{
	return c && strchr(set, c) != NULL;
}

static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
static const char bech32[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static int is_btc(const char *s, size_t n)
{
	if (n >= 14 && n <= 74 && strncasecmp(s, "bc1", 3) == 0) {
		for (size_t i = 3; i < n; i++)
			if (!in_set((char)tolower((unsigned char)s[i]), bech32))
				return 0;
		return 1;
	}
	if (n < 26 || n > 35 || (s[0] != '1' && s[0] != '3'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!in_set(s[i], b58))
			return 0;
	return 1;
}

static int is_xmr(const char *s, size_t n)
{
	if ((n != 95 && n != 106) || (s[0] != '4' && s[0] != '8'))
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!in_set(s[i], b58))
			return 0;
	return 1;
}

static int is_eth(const char *s, size_t n)
{
	return n == 42 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && all_hex(s + 2, 40);
}

/* scheme "://" host [...]: a scheme of letters, digits, '+', '-', '.' */
static int is_url(const char *s)
{
	const char *p = strstr(s, "://");
	if (!p || p == s || !isalpha((unsigned char)s[0]))
		return 0;
	for (const char *q = s; q < p; q++)
		if (!(isalnum((unsigned char)*q) || *q == '+' || *q == '-' || *q == '.'))
			return 0;
	if (p[3] == '\0' || p[3] == '/')
		return 0;
	for (const char *q = s; *q; q++)
		if (isspace((unsigned char)*q) || (unsigned char)*q < 0x20)
			return 0;
	return 1;
}

static int no_space(const char *s)
{
	for (; *s; s++)
		if (isspace((unsigned char)*s) || (unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int is_ipv4_port(const char *s)
{
	const char *colon = strrchr(s, ':');
	if (!colon || colon - s > 15 || !isdigit((unsigned char)colon[1]))
		return 0;
	char tmp[16];
	memcpy(tmp, s, colon - s);
	tmp[colon - s] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	return *end == '\0' && port > 0 && port <= 65535 && is_ipv4(tmp, 0);
}

static enum tp_ioc_kind infer(const char *s)
{
	size_t n = strlen(s);
	if (is_url(s))
		return TP_IOC_URL;
	if (all_hex(s, n)) {
		switch (n) {
		case 32:
			return TP_IOC_MD5;
		case 40:
			return TP_IOC_SHA1;
		case 64:
			return TP_IOC_SHA256;
		case 128:
			return TP_IOC_SHA512;
		}
	}
	if (is_eth(s, n))
		return TP_IOC_ETH;
	if (is_ipv4(s, 1))
		return TP_IOC_IPV4;
	if (strchr(s, ':') && is_ipv6(s, 1))
		return TP_IOC_IPV6;
	if (is_ipv4_port(s))
		return TP_IOC_IPV4_PORT;
	if (is_email(s))
		return TP_IOC_EMAIL;
	if (is_btc(s, n))
		return TP_IOC_BTC;
	if (is_xmr(s, n))
		return TP_IOC_XMR;
	if (is_domain(s, n))
		return TP_IOC_DOMAIN;
	const char *slash = strchr(s, '/');
	if (slash == s && n > 1 && no_space(s))
		return TP_IOC_URL_PATH;
	if (slash && no_space(s) && (size_t)(slash - s) < 256) {
		/* host[:port]/path without a scheme */
		char host[256];
		size_t hn = (size_t)(slash - s);
		memcpy(host, s, hn);
		host[hn] = '\0';
		char *colon = strchr(host, ':');
		if (colon) {
			char *end;
			long port = strtol(colon + 1, &end, 10);
			if (*end || port <= 0 || port > 65535 || !isdigit((unsigned char)colon[1]))
				return TP_IOC_UNKNOWN;
			*colon = '\0';
		}
		if (is_domain(host, strlen(host)) || is_ipv4(host, 0))
			return TP_IOC_URL_NOSCHEME;
	}
	return TP_IOC_UNKNOWN;
}

static int check(enum tp_ioc_kind k, const char *s)
{
	size_t n = strlen(s);
	switch (k) {
	case TP_IOC_IPV4:
		return is_ipv4(s, 1);
	case TP_IOC_IPV6:
		return is_ipv6(s, 1);
	case TP_IOC_IPV4_PORT:
		return is_ipv4_port(s);
	case TP_IOC_DOMAIN:
		return is_domain(s, n);
	case TP_IOC_URL:
		return is_url(s);
	case TP_IOC_URL_NOSCHEME:
		return infer(s) == TP_IOC_URL_NOSCHEME;
	case TP_IOC_URL_PATH:
		return s[0] == '/' && n > 1 && no_space(s);
	case TP_IOC_MD5:
		return n == 32 && all_hex(s, n);
	case TP_IOC_SHA1:
		return n == 40 && all_hex(s, n);
	case TP_IOC_SHA256:
		return n == 64 && all_hex(s, n);
	case TP_IOC_SHA512:
		return n == 128 && all_hex(s, n);
	case TP_IOC_EMAIL:
		return is_email(s);
	case TP_IOC_FILENAME:
		for (const char *p = s; *p; p++)
			if ((unsigned char)*p < 0x20)
				return 0;
		return n > 0 && n <= 1024;
	case TP_IOC_BTC:
		return is_btc(s, n);
	case TP_IOC_ETH:
		return is_eth(s, n);
	case TP_IOC_XMR:
		return is_xmr(s, n);
	default:
		return 0;
	}
}

/* 1 if s is valid UTF-8 (no overlongs, surrogates or code points > U+10FFFF). */
static int utf8_valid(const unsigned char *p)
{
	while (*p) {
		unsigned c = *p;
		int n = c < 0x80		 ? 0
			: c >= 0xc2 && c <= 0xdf ? 1
			: c >= 0xe0 && c <= 0xef ? 2
			: c >= 0xf0 && c <= 0xf4 ? 3
						 : -1;
		if (n < 0)
			return 0;
		unsigned cp = n == 0 ? c : c & (0x3f >> n);
		for (int i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (n == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return 0;
		p += n + 1;
	}
	return 1;
}

enum tp_err tp_ioc_classify(const char *s, enum tp_ioc_kind *kind, struct tp_buf *out,
			    struct tp_diag *d)
{
	enum tp_ioc_kind k = *kind;
	if (*s == '\0')
		return tp_diag_set(d, TP_EPARSE, "empty value");
	if (!utf8_valid((const unsigned char *)s))
		return tp_diag_set(d, TP_EPARSE, "the value is not valid UTF-8");
	if (k == TP_IOC_UNKNOWN) {
		k = infer(s);
		if (k == TP_IOC_UNKNOWN)
			return tp_diag_set(d, TP_EPARSE,
					   "'%.80s' is not an IP address, domain, URL, hash, "
					   "e-mail address or wallet address",
					   s);
	} else if (!check(k, s)) {
		return tp_diag_set(d, TP_EPARSE, "'%.80s' is not a valid %s value", s,
				   tp_ioc_kind_name(k));
	}
	tp_buf_reset(out);
	enum tp_err e = tp_buf_puts(out, s);
	if (e != TP_OK)
		return e;
	int lower = tp_ioc_is_hash(k) || k == TP_IOC_DOMAIN || k == TP_IOC_ETH;
	if (k == TP_IOC_EMAIL) {
		/* the domain part is case-insensitive, the local part is not */
		char *at = strrchr(out->data, '@');
		for (char *p = at; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (k == TP_IOC_IPV6) {
		for (char *p = out->data; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	}
	if (lower)
		for (char *p = out->data; *p; p++)
			*p = (char)tolower((unsigned char)*p);
	*kind = k;
	return TP_OK;
}

enum tp_err tp_ioc_quote(struct tp_buf *out, const char *s)
{
	for (; *s; s++) {
		enum tp_err e;
		if (*s == '\\' || *s == '\'')
			e = tp_buf_putc(out, '\\');
		else
			e = TP_OK;
		if (e == TP_OK)
			e = tp_buf_putc(out, *s);
		if (e != TP_OK)
			return e;
	}
	return TP_OK;
}

/* The object path compared for each kind ("" when the kind is special). */
static const char *const paths[TP_IOC_KIND_COUNT] = {
	[TP_IOC_IPV4] = "ipv4-addr:value",
	[TP_IOC_IPV6] = "ipv6-addr:value",
	[TP_IOC_DOMAIN] = "domain-name:value",
	[TP_IOC_URL] = "url:value",
	[TP_IOC_URL_NOSCHEME] = "url:value",
	[TP_IOC_URL_PATH] = "url:value",
	[TP_IOC_MD5] = "file:hashes.MD5",
	[TP_IOC_SHA1] = "file:hashes.'SHA-1'",
	[TP_IOC_SHA256] = "file:hashes.'SHA-256'",
	[TP_IOC_SHA512] = "file:hashes.'SHA-512'",
	[TP_IOC_EMAIL] = "email-addr:value",
	[TP_IOC_FILENAME] = "file:name",
	/* not a STIX 2.1 type: OpenCTI's cryptocurrency-wallet observable */
	[TP_IOC_BTC] = "cryptocurrency-wallet:value",
	[TP_IOC_ETH] = "cryptocurrency-wallet:value",
	[TP_IOC_XMR] = "cryptocurrency-wallet:value",
};

enum tp_err tp_ioc_pattern(enum tp_ioc_kind k, const char *value, struct tp_buf *out)
{
	enum tp_err e;
	if ((unsigned)k >= TP_IOC_KIND_COUNT || k == TP_IOC_UNKNOWN)
		return TP_EINVAL;
	if (k == TP_IOC_IPV4_PORT) {
		const char *colon = strrchr(value, ':');
		e = tp_buf_printf(out,
				  "[network-traffic:dst_ref.type = 'ipv4-addr' AND "
				  "network-traffic:dst_ref.value = '%.*s' AND "
				  "network-traffic:dst_port = %s]",
				  (int)(colon - value), value, colon + 1);
		return e;
	}
	int like = k == TP_IOC_URL_NOSCHEME || k == TP_IOC_URL_PATH;
	/* a CIDR block stands for the addresses it holds: ISSUBSET, not = */
	int subset = (k == TP_IOC_IPV4 || k == TP_IOC_IPV6) && strchr(value, '/');
	const char *op = like ? "LIKE" : subset ? "ISSUBSET" : "=";
	const char *pre = k == TP_IOC_URL_NOSCHEME ? "%://" : like ? "%" : "";
	e = tp_buf_printf(out, "[%s %s '%s", paths[k], op, pre);
	if (e == TP_OK)
		e = tp_ioc_quote(out, value);
	if (e == TP_OK)
		e = tp_buf_puts(out, like ? "%']" : "']");
	return e;
}

/* Reads a quoted literal at *p; advances past it. */
static int unquote(const char **p, struct tp_buf *v)
{
	const char *s = *p;
	if (*s != '\'')
		return 0;
	for (s++; *s && *s != '\''; s++) {
		if (*s == '\\' && (s[1] == '\\' || s[1] == '\''))
			s++;
		if (tp_buf_putc(v, *s) != TP_OK)
			return 0;
	}
	if (*s != '\'')
		return 0;
	*p = s + 1;
	return 1;
}

enum tp_err tp_ioc_from_pattern(const char *pat, enum tp_ioc_kind *kind, struct tp_buf *value)
{
	tp_buf_reset(value);
	static const char nt[] = "[network-traffic:dst_ref.type = 'ipv4-addr' AND "
				 "network-traffic:dst_ref.value = ";
	if (strncmp(pat, nt, sizeof nt - 1) == 0) {
		const char *p = pat + sizeof nt - 1;
		if (!unquote(&p, value))
			return TP_EUNSUPPORTED;
		const char *tail = " AND network-traffic:dst_port = ";
		if (strncmp(p, tail, strlen(tail)) != 0)
			return TP_EUNSUPPORTED;
		p += strlen(tail);
		char *end;
		long port = strtol(p, &end, 10);
		if (strcmp(end, "]") != 0 || port <= 0 || port > 65535)
			return TP_EUNSUPPORTED;
		if (tp_buf_printf(value, ":%ld", port) != TP_OK)
			return TP_ENOMEM;
		*kind = TP_IOC_IPV4_PORT;
		return TP_OK;
	}
	/* one comparison, spacing as any producer writes it:
	 * "[" path ("=" | "LIKE") 'literal' "]" */
	const char *p = pat;
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != '[')
		return TP_EUNSUPPORTED;
	while (isspace((unsigned char)*p))
		p++;
	char path[64];
	size_t pn = 0;
	int inq = 0;
	for (; *p && (inq || (!isspace((unsigned char)*p) && *p != '=' && *p != ']')); p++) {
		if (*p == '\'')
			inq = !inq;
		else if (pn + 1 < sizeof path)
			path[pn++] = *p; /* hashes.'SHA-256' -> hashes.SHA-256 */
		else
			return TP_EUNSUPPORTED;
	}
	path[pn] = '\0';
	while (isspace((unsigned char)*p))
		p++;
	int like_op = 0, subset_op = 0;
	if (*p == '=')
		p++;
	else if (strncmp(p, "LIKE", 4) == 0 && isspace((unsigned char)p[4]))
		p += 4, like_op = 1;
	else if (strncmp(p, "ISSUBSET", 8) == 0 && isspace((unsigned char)p[8]))
		p += 8, subset_op = 1;
	else
		return TP_EUNSUPPORTED;
	while (isspace((unsigned char)*p))
		p++;
	tp_buf_reset(value);
	if (!unquote(&p, value))
		return TP_EUNSUPPORTED;
	while (isspace((unsigned char)*p))
		p++;
	if (*p++ != ']')
		return TP_EUNSUPPORTED;
	while (isspace((unsigned char)*p))
		p++;
	if (*p)
		return TP_EUNSUPPORTED; /* qualifiers, more observations */
	for (int k = 1; k < TP_IOC_KIND_COUNT; k++) {
		if (!paths[k])
			continue;
		/* the table's path without its quotes */
		char want[64];
		size_t wn = 0;
		for (const char *q = paths[k]; *q && wn + 1 < sizeof want; q++)
			if (*q != '\'')
				want[wn++] = *q;
		want[wn] = '\0';
		if (strcasecmp(path, want) != 0)
			continue;
		int like = k == TP_IOC_URL_NOSCHEME || k == TP_IOC_URL_PATH;
		if (like != like_op)
			continue;
		/* ISSUBSET only on addresses, and then with a CIDR block */
		if (subset_op && ((k != TP_IOC_IPV4 && k != TP_IOC_IPV6) || !value->data ||
				  !strchr(value->data, '/')))
			continue;
		struct tp_buf raw;
		tp_buf_init(&raw, 0);
		if (tp_buf_append(&raw, value->data ? value->data : "", value->len) != TP_OK) {
			tp_buf_free(&raw);
			return TP_ENOMEM;
		}
		if (like) {
			const char *pre = k == TP_IOC_URL_NOSCHEME ? "%://" : "%";
			size_t pl = strlen(pre);
			if (raw.len < pl + 1 || strncmp(raw.data, pre, pl) != 0 ||
			    raw.data[raw.len - 1] != '%') {
				tp_buf_free(&raw);
				continue;
			}
			memmove(raw.data, raw.data + pl, raw.len - pl);
			raw.len -= pl + 1;
			raw.data[raw.len] = '\0';
			if ((k == TP_IOC_URL_PATH) != (raw.data[0] == '/')) {
				tp_buf_free(&raw);
				continue;
			}
		}
		enum tp_ioc_kind kk = k;
		if (k == TP_IOC_BTC || k == TP_IOC_ETH || k == TP_IOC_XMR)
			kk = TP_IOC_UNKNOWN; /* which coin: by the address form */
		struct tp_buf canon;
		tp_buf_init(&canon, 0);
		enum tp_err e = tp_ioc_classify(raw.data, &kk, &canon, NULL);
		tp_buf_reset(value);
		if (e == TP_OK && ((int)kk == k || (k >= TP_IOC_BTC && (int)kk >= TP_IOC_BTC))) {
			e = tp_buf_append(value, canon.data, canon.len);
			*kind = kk;
		} else if (e == TP_OK || k == TP_IOC_FILENAME || k == TP_IOC_URL) {
			/* not in canonical form, but still an exact value */
			e = tp_buf_append(value, raw.data, raw.len);
			*kind = k;
		} else {
			e = TP_EUNSUPPORTED;
		}
		tp_buf_free(&canon);
		tp_buf_free(&raw);
		if (e != TP_EUNSUPPORTED)
			return e;
	}
	return TP_EUNSUPPORTED;
}
