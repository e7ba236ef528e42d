/*
 * Content negotiation for TAXII 2.1. Real clients send everything from
 * "application/taxii+json;version=2.1" to "application/taxii+json" (no
 * version: the newest, 2.1), "application/json, <any>/<any>;q=0.8" or nothing at
 * all. Each offered type gets the q-value of the most specific range that
 * matches it (RFC 9110 12.5.1):
 *
 *	Accept: application/stix+json;q=0.5, application/<any>;q=0.9
 *	  taxii+json -> 0.9 (application/<any>), stix+json -> 0.5 (exact)
 *	  => taxii+json   (<any> stands for the asterisk)
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tripact/taxii.h"

#define MAX_RANGES 32

struct range {
	char type[64], sub[64];
	int version_ok; /* no version, or version=2.1 */
	int has_version;
	int q; /* 0..1000 */
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Copies a token (up to one of stop or whitespace) lower-cased. */
static const char *token(const char *p, char *out, size_t n, const char *stop)
{
	size_t k = 0;
	while (*p && !strchr(stop, *p) && *p != ' ' && *p != '\t') {
		if (k + 1 < n)
			out[k++] = (char)tolower((unsigned char)*p);
		else
			return NULL;
		p++;
	}
	out[k] = '\0';
	return p;
}

static enum tp_err parse_q(const char *v, int *q)
{
	/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) */
	if (v[0] != '0' && v[0] != '1')
		return TP_EPARSE;
	int whole = v[0] - '0', frac = 0, digits = 0;
	const char *p = v + 1;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p) && digits < 3; p++, digits++)
			frac = frac * 10 + (*p - '0');
		while (digits < 3)
			frac *= 10, digits++;
	}
	if (*p || (whole == 1 && frac))
		return TP_EPARSE;
	*q = whole * 1000 + frac;
	return TP_OK;
}

/* Parses one media-range with parameters from p; advances past it. */
static enum tp_err parse_range(const char **pp, struct range *r)
{
	const char *p = skip_ws(*pp);
	memset(r, 0, sizeof *r);
	r->q = 1000;
	r->version_ok = 1;
	if (!(p = token(p, r->type, sizeof r->type, "/,;")) || *p != '/' || !r->type[0])
		return TP_EPARSE;
	if (!(p = token(p + 1, r->sub, sizeof r->sub, ",;")) || !r->sub[0])
		return TP_EPARSE;
	if (strcmp(r->type, "*") == 0 && strcmp(r->sub, "*") != 0)
		return TP_EPARSE;
	p = skip_ws(p);
	while (*p == ';') {
		char k[32], v[64];
		p = skip_ws(p + 1);
		if (!(p = token(p, k, sizeof k, "=,;")))
			return TP_EPARSE;
		p = skip_ws(p);
		if (*p != '=')
			return TP_EPARSE;
		p = skip_ws(p + 1);
		if (*p == '"') {
			size_t n = 0;
			for (p++; *p && *p != '"'; p++)
				if (n + 1 < sizeof v)
					v[n++] = *p;
			if (*p != '"')
				return TP_EPARSE;
			v[n] = '\0';
			p++;
		} else if (!(p = token(p, v, sizeof v, ",;"))) {
			return TP_EPARSE;
		}
		if (strcmp(k, "q") == 0) {
			if (parse_q(v, &r->q))
				return TP_EPARSE;
		} else if (strcmp(k, "version") == 0) {
			r->has_version = 1;
			r->version_ok = strcmp(v, "2.1") == 0;
		}
		p = skip_ws(p);
	}
	if (*p && *p != ',')
		return TP_EPARSE;
	*pp = p;
	return TP_OK;
}

/* Specificity of range r for the offered subtype, -1 if it does not match. */
static int match(const struct range *r, const char *sub)
{
	if (strcmp(r->type, "*") == 0)
		return 0;
	if (strcmp(r->type, "application") != 0)
		return -1;
	if (strcmp(r->sub, "*") == 0)
		return 1;
	if (strcmp(r->sub, sub) != 0)
		return -1;
	return r->has_version ? 3 : 2;
}

enum tp_err tp_taxii_accept(const char *accept, unsigned allowed, enum tp_media *out)
{
	static const struct {
		enum tp_media m;
		const char *sub;
	} offer[] = {{TP_MEDIA_TAXII, "taxii+json"}, {TP_MEDIA_STIX, "stix+json"}};
	if (!accept || !*skip_ws(accept)) {
		*out = (allowed & TP_MEDIA_TAXII) ? TP_MEDIA_TAXII : TP_MEDIA_STIX;
		return TP_OK;
	}
	if (strlen(accept) > 4096)
		return TP_EPARSE;
	struct range rs[MAX_RANGES];
	int n = 0;
	const char *p = accept;
	for (;;) {
		p = skip_ws(p);
		if (*p == ',') { /* empty list elements are allowed */
			p++;
			continue;
		}
		if (!*p)
			break;
		if (n == MAX_RANGES)
			return TP_EPARSE;
		if (parse_range(&p, &rs[n]))
			return TP_EPARSE;
		n++;
	}
	enum tp_media best = TP_MEDIA_NONE;
	int best_q = 0;
	for (size_t i = 0; i < sizeof offer / sizeof offer[0]; i++) {
		if (!(allowed & offer[i].m))
			continue;
		int spec = -1, q = 0;
		for (int k = 0; k < n; k++) {
			int s = match(&rs[k], offer[i].sub);
			if (s < 0)
				continue;
			/* a range naming another version is not a match at all */
			if (s >= 2 && !rs[k].version_ok)
				continue;
			if (s > spec) {
				spec = s;
				q = rs[k].q;
			}
		}
		if (spec >= 0 && q > best_q) {
			best_q = q;
			best = offer[i].m;
		}
	}
	if (best == TP_MEDIA_NONE)
		return TP_EUNSUPPORTED;
	*out = best;
	return TP_OK;
}

enum tp_err tp_taxii_content_type(const char *ct, unsigned allowed, enum tp_media *out)
{
	if (!ct)
		return TP_EUNSUPPORTED;
	struct range r;
	const char *p = ct;
	if (parse_range(&p, &r) || *p)
		return TP_EUNSUPPORTED;
	if (strcmp(r.type, "application") != 0 || !r.version_ok)
		return TP_EUNSUPPORTED;
	if ((allowed & TP_MEDIA_TAXII) && strcmp(r.sub, "taxii+json") == 0)
		*out = TP_MEDIA_TAXII;
	else if ((allowed & TP_MEDIA_STIX) && strcmp(r.sub, "stix+json") == 0)
		*out = TP_MEDIA_STIX;
	else
		return TP_EUNSUPPORTED;
	return TP_OK;
}
