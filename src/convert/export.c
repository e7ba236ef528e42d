/*
 * Export: STIX 2.1 indicators out to the formats sensors and other
 * platforms read. Only exact-value indicators export (a pattern that
 * tp_ioc_from_pattern reads back into one value); every other indicator is
 * reported with its id and left out, never approximated.
 *
 *	[domain-name:value = 'gonamod.com'] ->
 *	  misp      {"type":"domain","category":"Network activity","value":"gonamod.com",...}
 *	  csv       gonamod.com,domain,SHARPEXT C2 server,indicator--...,clear
 *	  zeek      gonamod.com<TAB>Intel::DOMAIN<TAB>volexity<TAB>SHARPEXT C2 server<TAB>-
 *	  suricata  Z29uYW1vZC5jb20=   (tripact-domains.lst, base64 as datasets want)
 */
#include <ctype.h>
#include <errno.h>
#include <nettle/base64.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "convert_int.h"
#include "tripact/json.h"
#include "tripact/uuid.h"

enum tp_err tp_export_format_parse(const char *s, enum tp_export_format *out)
{
	static const struct {
		const char *name;
		enum tp_export_format f;
	} names[] = {{"misp", TP_EXPORT_MISP},
		     {"csv", TP_EXPORT_CSV},
		     {"suricata", TP_EXPORT_SURICATA},
		     {"zeek-intel", TP_EXPORT_ZEEK},
		     {"zeek", TP_EXPORT_ZEEK}};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].f;
			return TP_OK;
		}
	return TP_EINVAL;
}

#define SURI_FILES    5
#define SURI_URL_SID0 9710001 /* sids of the per-URL rules start here */

struct ex {
	enum tp_export_format fmt;
	FILE *out;
	tp_convert_report_fn report;
	void *ctx;
	struct tp_export_stats *st;
	struct tp_buf value;
	json_t *misp_attrs;
	json_t *misp_objs; /* coin-address objects for ETH addresses */
	enum tp_tlp misp_tlp;
	FILE *sf[SURI_FILES]; /* suricata: domains, ips, md5, sha256, sha1 */
	size_t sn[SURI_FILES];
	struct tp_buf url_rules; /* suricata: one rule per URL indicator */
	size_t nurl;
};

static void skip(struct ex *x, const char *id, const char *fmt, const char *why)
{
	struct tp_diag d;
	tp_diag_clear(&d);
	d.code = TP_EUNSUPPORTED;
	tp_diag_object(&d, id);
	snprintf(d.message, sizeof d.message, "%s: %s", fmt, why);
	x->st->skipped++;
	if (x->report)
		x->report(x->ctx, "export", &d);
}

/* The most restrictive TLP 2.0 marking on o. */
static enum tp_tlp tlp_of(const json_t *o)
{
	enum tp_tlp t = TP_TLP_NONE;
	size_t i;
	const json_t *m;
	json_array_foreach(json_object_get(o, "object_marking_refs"), i, m)
	{
		for (int k = TP_TLP_CLEAR; k <= TP_TLP_RED; k++)
			if (json_is_string(m) &&
			    strcmp(json_string_value(m), tp_convert_tlp_id(k)) == 0 && k > (int)t)
				t = k;
	}
	return t;
}

static const char *first_ref(const json_t *o, const char *key)
{
	return tp_json_str(json_array_get(json_object_get(o, "external_references"), 0), key);
}

/* RFC 4180 field. */
static int csv_field(FILE *f, const char *s)
{
	if (!s)
		return 0;
	if (!strpbrk(s, ",\"\r\n"))
		return fputs(s, f) < 0 ? -1 : 0;
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	return fputc('"', f) < 0 ? -1 : 0;
}

/* Zeek fields: tab-separated, "-" when empty, no tabs or newlines inside. */
static void zeek_field(FILE *f, const char *s, size_t max)
{
	if (!s || !*s) {
		fputc('-', f);
		return;
	}
	for (size_t i = 0; s[i] && i < max; i++)
		fputc(s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ? ' ' : s[i], f);
}

/*
 * Zeek checks Intel::URL for equality against HTTP::build_url(): the Host
 * header (":port" added unless 80) and the request target, without scheme
 * or fragment; the same form is used for URLs found in mail.
 */
static enum tp_err zeek(struct ex *x, const json_t *o, enum tp_ioc_kind k, const char *v)
{
	const char *type = NULL, *id = tp_json_str(o, "id");
	size_t hn = 0, hkeep = 0, n = SIZE_MAX; /* URL: host bytes, kept, total */
	switch (k) {
	case TP_IOC_IPV4:
	case TP_IOC_IPV6:
		type = strchr(v, '/') ? "Intel::SUBNET" : "Intel::ADDR";
		break;
	case TP_IOC_DOMAIN:
		type = "Intel::DOMAIN";
		break;
	case TP_IOC_URL: {
		type = "Intel::URL";
		int http = strncasecmp(v, "http://", 7) == 0;
		v = strstr(v, "://") + 3;
		hn = strcspn(v, "/?#"), n = strcspn(v, "#");
		/* Zeek writes no ":80" for plain HTTP */
		hkeep = http && hn >= 3 && strncmp(v + hn - 3, ":80", 3) == 0 ? hn - 3 : hn;
		if (hkeep == 0) {
			skip(x, id, "zeek-intel", "URL without a host");
			return TP_OK;
		}
		break;
	}
	case TP_IOC_URL_NOSCHEME:
		type = "Intel::URL";
		break;
	case TP_IOC_URL_PATH:
		skip(x, id, "zeek-intel",
		     "Intel::URL is compared whole (host and path), so a path alone never "
		     "matches");
		return TP_OK;
	case TP_IOC_IPV4_PORT:
		skip(x, id, "zeek-intel",
		     "Intel::ADDR has no port; the address alone would match more than the "
		     "indicator");
		return TP_OK;
	case TP_IOC_BTC:
	case TP_IOC_ETH:
	case TP_IOC_XMR:
		skip(x, id, "zeek-intel", "Zeek has no Intel type for cryptocurrency addresses");
		return TP_OK;
	case TP_IOC_EMAIL:
		type = "Intel::EMAIL";
		break;
	case TP_IOC_MD5:
	case TP_IOC_SHA1:
	case TP_IOC_SHA256:
	case TP_IOC_SHA512:
		type = "Intel::FILE_HASH";
		break;
	case TP_IOC_FILENAME:
		type = "Intel::FILE_NAME";
		break;
	default:
		skip(x, id, "zeek-intel", "no Intel type for this kind of value");
		return TP_OK;
	}
	if (k == TP_IOC_URL) {
		zeek_field(x->out, v, hkeep);
		/* the request target always starts with '/' */
		if (n == hn || v[hn] == '?')
			fputc('/', x->out);
		if (n > hn)
			zeek_field(x->out, v + hn, n - hn);
	} else {
		zeek_field(x->out, v, SIZE_MAX);
	}
	fprintf(x->out, "\t%s\t", type);
	zeek_field(x->out, first_ref(o, "source_name"), 200);
	fputc('\t', x->out);
	const char *desc = tp_json_str(o, "description");
	zeek_field(x->out, desc ? desc : tp_json_str(o, "name"), 300);
	fputc('\t', x->out);
	zeek_field(x->out, first_ref(o, "url"), 1000);
	fputc('\n', x->out);
	x->st->written++;
	return TP_OK;
}

static enum tp_err csv(struct ex *x, const json_t *o, enum tp_ioc_kind k, const char *v)
{
	static const char *const tlp[] = {"", "clear", "green", "amber", "amber+strict", "red"};
	csv_field(x->out, v);
	fprintf(x->out, ",%s,", tp_ioc_kind_name(k));
	csv_field(x->out, tp_json_str(o, "description"));
	fprintf(x->out, ",%s,%s\n", tp_json_str(o, "id"), tlp[tlp_of(o)]);
	x->st->written++;
	return TP_OK;
}

static enum tp_err misp(struct ex *x, const json_t *o, enum tp_ioc_kind k, const char *v)
{
	const char *type, *cat = "Network activity", *id = tp_json_str(o, "id");
	char val[1100];
	switch (k) {
	case TP_IOC_IPV4:
	case TP_IOC_IPV6:
		type = "ip-dst";
		break;
	case TP_IOC_IPV4_PORT: {
		type = "ip-dst|port";
		const char *colon = strrchr(v, ':');
		snprintf(val, sizeof val, "%.*s|%s", (int)(colon - v), v, colon + 1);
		v = val;
		break;
	}
	case TP_IOC_DOMAIN:
		type = "domain";
		break;
	case TP_IOC_URL:
	case TP_IOC_URL_NOSCHEME:
		type = "url";
		break;
	case TP_IOC_URL_PATH:
		type = "uri";
		break;
	case TP_IOC_EMAIL:
		type = "email-src";
		cat = "Payload delivery";
		break;
	case TP_IOC_MD5:
		type = "md5", cat = "Payload delivery";
		break;
	case TP_IOC_SHA1:
		type = "sha1", cat = "Payload delivery";
		break;
	case TP_IOC_SHA256:
		type = "sha256", cat = "Payload delivery";
		break;
	case TP_IOC_SHA512:
		type = "sha512", cat = "Payload delivery";
		break;
	case TP_IOC_FILENAME:
		type = "filename", cat = "Payload delivery";
		break;
	case TP_IOC_BTC:
		type = "btc", cat = "Financial fraud";
		break;
	case TP_IOC_XMR:
		type = "xmr", cat = "Financial fraud";
		break;
	case TP_IOC_ETH:
		/* no ETH attribute type: MISP's coin-address object (below) */
		type = "text", cat = "Financial fraud";
		break;
	default:
		skip(x, id, "misp", "no MISP attribute type for this kind of value");
		return TP_OK;
	}
	const char *dd = strstr(id, "--");
	json_t *a = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s}", "type", type, "category", cat,
			      "value", v, "to_ids", 1, "uuid", dd ? dd + 2 : id, "comment",
			      tp_json_str(o, "description") ? tp_json_str(o, "description") : "");
	if (!a)
		return TP_ENOMEM;
	enum tp_tlp t = tlp_of(o);
	if (t != TP_TLP_NONE) {
		static const char *const tags[] = {NULL,	"tlp:clear",	    "tlp:green",
						   "tlp:amber", "tlp:amber+strict", "tlp:red"};
		json_object_set_new(a, "Tag", json_pack("[{s:s}]", "name", tags[t]));
		if (t > x->misp_tlp)
			x->misp_tlp = t;
	}
	if (k == TP_IOC_ETH) {
		/* the object's uuid: v5 of the attribute's, so exports agree */
		struct tp_uuid ns, ou;
		char ous[TP_UUID_STRLEN + 1];
		if (tp_uuid_parse(dd ? dd + 2 : id, 36, &ns) != TP_OK) {
			json_decref(a);
			skip(x, id, "misp", "indicator id without a UUID");
			return TP_OK;
		}
		tp_uuid_v5(&ns, "coin-address", 12, &ou);
		tp_uuid_format(&ou, ous);
		json_object_set_new(a, "object_relation", json_string("address-crypto"));
		json_t *sym = json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "type", "text",
					"category", "Other", "object_relation", "symbol", "value",
					"ETH", "to_ids", 0, "disable_correlation", 1);
		json_t *ob = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[o,o]}", "name",
				       "coin-address", "meta-category", "financial", "description",
				       "An address used in a cryptocurrency", "template_uuid",
				       "d0e6997e-78da-4815-a6a1-cfc1c1cb8a46", "template_version",
				       "7", "uuid", ous, "comment",
				       tp_json_str(o, "description") ? tp_json_str(o, "description")
								     : "",
				       "Attribute", a, sym);
		if (!ob || json_array_append_new(x->misp_objs, ob) != 0)
			return TP_ENOMEM;
	} else if (json_array_append_new(x->misp_attrs, a) != 0) {
		return TP_ENOMEM;
	}
	x->st->written++;
	return TP_OK;
}

static const char *const suri_files[SURI_FILES] = {"tripact-domains.lst", "tripact-ips.lst",
						   "tripact-md5.lst", "tripact-sha256.lst",
						   "tripact-sha1.lst"};

/* A rule content string: hex (|2e 3b|) for every byte outside a safe set, so
 * '"', ';', '\\' and '|' never need Suricata's escapes. */
static enum tp_err suri_content(struct tp_buf *b, const char *s, size_t n)
{
	static const char safe[] = "/._~%=&?+,@!*()$-";
	enum tp_err e = tp_buf_putc(b, '"');
	int inhex = 0;
	for (size_t i = 0; i < n && e == TP_OK; i++) {
		unsigned char c = (unsigned char)s[i];
		int plain = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
			    (c >= 'A' && c <= 'Z') || (c && strchr(safe, c));
		if (plain && inhex)
			e = tp_buf_putc(b, '|'), inhex = 0;
		if (e == TP_OK && plain)
			e = tp_buf_putc(b, (char)c);
		else if (e == TP_OK)
			e = tp_buf_printf(b, inhex ? " %02x" : "|%02x", c), inhex = 1;
	}
	if (e == TP_OK && inhex)
		e = tp_buf_putc(b, '|');
	if (e == TP_OK)
		e = tp_buf_putc(b, '"');
	return e;
}

/* One HTTP rule for a URL indicator: a full http:// URL must be the request's
 * host (normalized, so lowercase), port and whole raw request target; a URL
 * without scheme ("host/path", matched as '%://host/path%') the host, port
 * and the start of the target; a URL path ('%/path%') part of the target. */
static enum tp_err suricata_url(struct ex *x, const char *id, enum tp_ioc_kind k, const char *v)
{
	const char *host = NULL, *path = v;
	size_t hn = 0;
	char port[8] = "80";
	if (k == TP_IOC_URL) {
		if (strncasecmp(v, "http://", 7) != 0) {
			skip(x, id, "suricata",
			     "only http:// URLs are visible to Suricata's HTTP parser (the path of "
			     "an https:// or other URL is encrypted or not HTTP); export its "
			     "domain instead");
			return TP_OK;
		}
		v += 7;
	}
	if (k != TP_IOC_URL_PATH) {
		host = v;
		hn = strcspn(v, "/?#");
		path = v + hn;
		const char *colon = memchr(host, ':', hn);
		if (memchr(host, '@', hn) || host[0] == '[' || hn == 0) {
			skip(x, id, "suricata",
			     "URL host with user info or an IPv6 literal has no exact "
			     "http.host match");
			return TP_OK;
		}
		if (colon) {
			size_t pl = hn - (size_t)(colon - host) - 1;
			if (pl == 0 || pl >= sizeof port || strspn(colon + 1, "0123456789") < pl) {
				skip(x, id, "suricata", "URL port is not a number");
				return TP_OK;
			}
			memcpy(port, colon + 1, pl);
			port[pl] = '\0';
			hn = (size_t)(colon - host);
		}
	}
	char h[256];
	if (hn >= sizeof h) {
		skip(x, id, "suricata", "URL host longer than 255 bytes");
		return TP_OK;
	}
	for (size_t i = 0; i < hn; i++)
		h[i] = (char)tolower((unsigned char)host[i]);
	/* the fragment never goes on the wire */
	size_t pn = strcspn(path, "#");
	struct tp_buf *b = &x->url_rules;
	enum tp_err e =
		tp_buf_printf(b,
			      "alert http any any -> any %s (msg:\"tripact URL indicator %s\"; "
			      "flow:established,to_server; ",
			      host ? port : "any", id);
	if (e == TP_OK && host) {
		e = tp_buf_puts(b, "http.host; content:");
		if (e == TP_OK)
			e = suri_content(b, h, hn);
		if (e == TP_OK)
			e = tp_buf_puts(b, "; startswith; endswith; ");
	}
	if (e == TP_OK && (pn > 0 || k == TP_IOC_URL)) {
		e = tp_buf_puts(b, "http.uri.raw; content:");
		/* the request target always starts with '/' ("http://h?q" asks "/?q") */
		struct tp_buf t;
		tp_buf_init(&t, 0);
		if (e == TP_OK && (pn == 0 || path[0] == '?'))
			e = tp_buf_putc(&t, '/');
		if (e == TP_OK && pn)
			e = tp_buf_append(&t, path, pn);
		if (e == TP_OK)
			e = suri_content(b, t.data, t.len);
		tp_buf_free(&t);
		if (e == TP_OK)
			e = tp_buf_puts(b, k == TP_IOC_URL	      ? "; startswith; endswith; "
					   : k == TP_IOC_URL_NOSCHEME ? "; startswith; "
								      : "; ");
	}
	if (e == TP_OK)
		e = tp_buf_printf(b, "sid:%zu; rev:1;)\n", SURI_URL_SID0 + x->nurl);
	if (e != TP_OK)
		return e;
	x->nurl++;
	x->st->written++;
	return TP_OK;
}

static enum tp_err suricata(struct ex *x, const json_t *o, enum tp_ioc_kind k, const char *v)
{
	int f;
	const char *id = tp_json_str(o, "id");
	switch (k) {
	case TP_IOC_DOMAIN:
		f = 0;
		break;
	case TP_IOC_IPV4:
	case TP_IOC_IPV6:
		if (strchr(v, '/')) {
			skip(x, id, "suricata",
			     "ip datasets hold single addresses, not CIDR blocks");
			return TP_OK;
		}
		f = 1;
		break;
	case TP_IOC_MD5:
		f = 2;
		break;
	case TP_IOC_SHA256:
		f = 3;
		break;
	case TP_IOC_SHA1:
		/* no sha1 dataset type in Suricata 7; filesha1 reads a list */
		f = 4;
		break;
	case TP_IOC_URL:
	case TP_IOC_URL_NOSCHEME:
	case TP_IOC_URL_PATH:
		return suricata_url(x, id, k, v);
	case TP_IOC_SHA512:
		skip(x, id, "suricata", "Suricata hashes files with MD5, SHA-1 and SHA-256 only");
		return TP_OK;
	case TP_IOC_IPV4_PORT:
		skip(x, id, "suricata", "no dataset type holds an address with its port");
		return TP_OK;
	default: {
		char why[128];
		snprintf(why, sizeof why, "no dataset type or rule keyword for a %s value",
			 tp_ioc_kind_name(k));
		skip(x, id, "suricata", why);
		return TP_OK;
	}
	}
	if (f == 0) {
		/* string datasets are stored base64-encoded */
		size_t n = strlen(v);
		char *b = malloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);
		if (!b)
			return TP_ENOMEM;
		base64_encode_raw(b, n, (const uint8_t *)v);
		b[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
		fprintf(x->sf[0], "%s\n", b);
		free(b);
	} else {
		fprintf(x->sf[f], "%s\n", v);
	}
	x->sn[f]++;
	x->st->written++;
	return TP_OK;
}

static enum tp_err suricata_open(struct ex *x, const char *dir, struct tp_diag *d)
{
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return tp_diag_set(d, TP_EIO, "cannot create %s: %m", dir);
	for (int i = 0; i < SURI_FILES; i++) {
		char p[4096];
		snprintf(p, sizeof p, "%s/%s", dir, suri_files[i]);
		x->sf[i] = fopen(p, "w");
		if (!x->sf[i])
			return tp_diag_set(d, TP_EIO, "cannot write %s: %m", p);
	}
	return TP_OK;
}

static enum tp_err suricata_rules(struct ex *x, const char *dir, struct tp_diag *d)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/tripact.rules", dir);
	FILE *f = fopen(p, "w");
	if (!f)
		return tp_diag_set(d, TP_EIO, "cannot write %s: %m", p);
	fprintf(f, "# Generated by tripact export --to suricata; load the .lst files\n"
		   "# from this directory (Suricata 7 datasets).\n");
	static const struct {
		int set;
		const char *rule;
	} rules[] = {
		{0, "alert dns any any -> any any (msg:\"tripact domain indicator (DNS query)\"; "
		    "dns.query; dataset:isset,tripact-domains,type string,load "
		    "tripact-domains.lst; sid:9700001; rev:1;)"},
		{0, "alert tls any any -> any any (msg:\"tripact domain indicator (TLS SNI)\"; "
		    "tls.sni; dataset:isset,tripact-domains,type string,load tripact-domains.lst; "
		    "sid:9700002; rev:1;)"},
		{0, "alert http any any -> any any (msg:\"tripact domain indicator (HTTP "
		    "host)\"; http.host; dataset:isset,tripact-domains,type string,load "
		    "tripact-domains.lst; sid:9700003; rev:1;)"},
		{1, "alert ip $HOME_NET any -> any any (msg:\"tripact address indicator "
		    "(outbound)\"; ip.dst; dataset:isset,tripact-ips,type ip,load "
		    "tripact-ips.lst; sid:9700004; rev:1;)"},
		{1, "alert ip any any -> $HOME_NET any (msg:\"tripact address indicator "
		    "(inbound)\"; ip.src; dataset:isset,tripact-ips,type ip,load "
		    "tripact-ips.lst; sid:9700005; rev:1;)"},
		/* whole-file hashes: filemd5/filesha256 read the same hex-per-line
		 * files (file hashing must be enabled in suricata.yaml) */
		{2, "alert http any any -> any any (msg:\"tripact MD5 indicator (file)\"; "
		    "filemd5:tripact-md5.lst; sid:9700006; rev:1;)"},
		{3, "alert http any any -> any any (msg:\"tripact SHA-256 indicator (file)\"; "
		    "filesha256:tripact-sha256.lst; sid:9700007; rev:1;)"},
		{4, "alert http any any -> any any (msg:\"tripact SHA-1 indicator (file)\"; "
		    "filesha1:tripact-sha1.lst; sid:9700008; rev:1;)"},
	};
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (x->sn[rules[i].set])
			fprintf(f, "%s\n", rules[i].rule);
	if (x->url_rules.len)
		fwrite(x->url_rules.data, 1, x->url_rules.len, f);
	if (fclose(f) != 0)
		return tp_diag_set(d, TP_EIO, "cannot write %s: %m", p);
	return TP_OK;
}

static enum tp_err misp_write(struct ex *x, const json_t *bundle)
{
	static const char *const tags[] = {NULL,	"tlp:clear",	    "tlp:green",
					   "tlp:amber", "tlp:amber+strict", "tlp:red"};
	const char *bid = tp_json_str(bundle, "id");
	const char *dd = bid ? strstr(bid, "--") : NULL;
	char date[TP_TIME_BUFSZ];
	tp_time_format(tp_time_now(), 0, date);
	date[10] = '\0';
	json_t *ev =
		json_pack("{s:{s:s, s:s, s:s, s:s, s:s, s:b, s:O}}", "Event", "info",
			  "tripact export", "date", date, "threat_level_id", "2", "analysis", "2",
			  "distribution", "0", "published", 0, "Attribute", x->misp_attrs);
	if (!ev)
		return TP_ENOMEM;
	json_t *e = json_object_get(ev, "Event");
	if (dd)
		json_object_set_new(e, "uuid", json_string(dd + 2));
	if (json_array_size(x->misp_objs))
		json_object_set(e, "Object", x->misp_objs);
	if (x->misp_tlp != TP_TLP_NONE)
		json_object_set_new(e, "Tag", json_pack("[{s:s}]", "name", tags[x->misp_tlp]));
	int rc = json_dumpf(ev, x->out, JSON_INDENT(1));
	fputc('\n', x->out);
	json_decref(ev);
	return rc == 0 ? TP_OK : TP_EIO;
}

enum tp_err tp_export_write(const void *bundle_v, enum tp_export_format fmt, FILE *out,
			    const char *dir, tp_convert_report_fn report, void *ctx,
			    struct tp_export_stats *stats, struct tp_diag *d)
{
	const json_t *bundle = bundle_v;
	struct tp_export_stats st = {0};
	struct ex x = {.fmt = fmt, .out = out, .report = report, .ctx = ctx, .st = &st};
	const json_t *objs = json_object_get(bundle, "objects");
	if (!json_is_array(objs))
		return tp_diag_set(d, TP_EPARSE, "not a STIX bundle (no objects array)");
	tp_buf_init(&x.value, 1 << 20);
	tp_buf_init(&x.url_rules, 0);
	enum tp_err e = TP_OK;
	if (fmt == TP_EXPORT_SURICATA)
		e = dir ? suricata_open(&x, dir, d)
			: tp_diag_set(d, TP_EINVAL, "suricata export needs a directory");
	else if (!out)
		e = tp_diag_set(d, TP_EINVAL, "no output stream");
	if (fmt == TP_EXPORT_MISP &&
	    (!(x.misp_attrs = json_array()) || !(x.misp_objs = json_array())))
		e = TP_ENOMEM;
	if (e == TP_OK && fmt == TP_EXPORT_CSV)
		fputs("value,type,notes,id,tlp\n", out);
	if (e == TP_OK && fmt == TP_EXPORT_ZEEK)
		fputs("#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\tmeta.url\n",
		      out);
	size_t i;
	const json_t *o;
	json_array_foreach(objs, i, o)
	{
		if (e != TP_OK)
			break;
		const char *type = tp_json_str(o, "type");
		const char *pat = tp_json_str(o, "pattern");
		const char *id = tp_json_str(o, "id");
		if (!type || strcmp(type, "indicator") != 0)
			continue;
		st.indicators++;
		const char *pt = tp_json_str(o, "pattern_type");
		enum tp_ioc_kind k;
		if (!pat || !id || (pt && strcmp(pt, "stix") != 0) ||
		    tp_ioc_from_pattern(pat, &k, &x.value) != TP_OK) {
			skip(&x, id, "export",
			     "the pattern is not one exact-value comparison; left out");
			continue;
		}
		switch (fmt) {
		case TP_EXPORT_MISP:
			e = misp(&x, o, k, x.value.data);
			break;
		case TP_EXPORT_CSV:
			e = csv(&x, o, k, x.value.data);
			break;
		case TP_EXPORT_ZEEK:
			e = zeek(&x, o, k, x.value.data);
			break;
		case TP_EXPORT_SURICATA:
			e = suricata(&x, o, k, x.value.data);
			break;
		}
	}
	if (e == TP_OK && fmt == TP_EXPORT_MISP)
		e = misp_write(&x, bundle);
	if (e == TP_OK && fmt == TP_EXPORT_SURICATA)
		e = suricata_rules(&x, dir, d);
	for (int f = 0; f < SURI_FILES; f++)
		if (x.sf[f] && fclose(x.sf[f]) != 0 && e == TP_OK)
			e = tp_diag_set(d, TP_EIO, "cannot write %s/%s", dir, suri_files[f]);
	if (e == TP_OK && out && ferror(out))
		e = tp_diag_set(d, TP_EIO, "write error");
	json_decref(x.misp_attrs);
	json_decref(x.misp_objs);
	tp_buf_free(&x.value);
	tp_buf_free(&x.url_rules);
	if (stats)
		*stats = st;
	return e;
}
