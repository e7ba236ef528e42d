/*
 * TAXII 2.1 URL filters (section 3.4) into a struct tp_query:
 *
 *	?added_after=2024-01-01T00:00:00Z&match[type]=indicator,malware
 *	 &match[version]=first,last&limit=50
 *
 * Values are checked here, before any database sees them: ids must be
 * STIX ids, types STIX type names, versions "first", "last", "all" or
 * timestamps, spec versions "2.0"/"2.1". Anything else is a 400 naming the
 * parameter, so a typo such as match[typ] fails loudly instead of quietly
 * returning everything.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taxii_int.h"

void tp_taxii_filter_init(struct tp_taxii_filter *f)
{
	memset(f, 0, sizeof *f);
	f->q.limit = TP_TAXII_PAGE_DEFAULT;
}

void tp_taxii_filter_free(struct tp_taxii_filter *f)
{
	for (int i = 0; i < f->n_strings; i++)
		free(f->strings[i]);
	f->n_strings = 0;
}

void tp_taxii_next_format(tp_time_us cursor, char out[24])
{
	snprintf(out, 24, "%" PRIx64, (uint64_t)cursor);
}

enum tp_err tp_taxii_next_parse(const char *s, tp_time_us *out)
{
	size_t n = strlen(s);
	if (n == 0 || n > 15)
		return TP_EINVAL;
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i], x;
		if (c >= '0' && c <= '9')
			x = c - '0';
		else if (c >= 'a' && c <= 'f')
			x = c - 'a' + 10;
		else
			return TP_EINVAL;
		v = v * 16 + (uint64_t)x;
	}
	*out = (tp_time_us)v;
	return TP_OK;
}

/* STIX type name: 3-250 of [a-z0-9-], no leading/trailing/double hyphen
 * checks beyond what keeps ids well-formed. */
static int is_type(const char *s, size_t n)
{
	if (n < 3 || n > 250)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return 0;
	return 1;
}

/* "<type>--<uuid>" */
int tp_taxii_is_stix_id(const char *s, size_t n)
{
	if (n < 36 + 5)
		return 0;
	size_t t = n - 36 - 2;
	if (s[t] != '-' || s[t + 1] != '-' || !is_type(s, t))
		return 0;
	for (size_t i = 0; i < 36; i++) {
		char c = s[t + 2 + i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return 0;
		} else if (!isxdigit((unsigned char)c)) {
			return 0;
		}
	}
	return 1;
}

static enum tp_err keep(struct tp_taxii_filter *f, const char *s, size_t n, const char **out,
			struct tp_diag *d)
{
	if (f->n_strings == (int)(sizeof f->strings / sizeof f->strings[0]))
		return tp_diag_set(d, TP_EINVAL, "too many filter values");
	char *c = strndup(s, n);
	if (!c)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	f->strings[f->n_strings++] = c;
	*out = c;
	return TP_OK;
}

enum kind { K_ID, K_TYPE, K_VERSION, K_SPEC };

static enum tp_err add_value(struct tp_taxii_filter *f, enum kind k, const char *key, const char *v,
			     size_t n, struct tp_diag *d)
{
	struct tp_query *q = &f->q;
	if (n == 0)
		return tp_diag_set(d, TP_EINVAL, "%s: empty value", key);
	switch (k) {
	case K_ID:
		if (!tp_taxii_is_stix_id(v, n))
			return tp_diag_set(d, TP_EINVAL, "%s: '%.*s' is not a STIX id", key,
					   (int)(n > 80 ? 80 : n), v);
		if (q->n_ids == TP_QUERY_MAX_VALUES)
			break;
		return keep(f, v, n, &q->ids[q->n_ids++], d);
	case K_TYPE:
		if (!is_type(v, n))
			return tp_diag_set(d, TP_EINVAL, "%s: '%.*s' is not a STIX type", key,
					   (int)(n > 80 ? 80 : n), v);
		if (q->n_types == TP_QUERY_MAX_VALUES)
			break;
		return keep(f, v, n, &q->types[q->n_types++], d);
	case K_SPEC:
		if (!((n == 3 && memcmp(v, "2.1", 3) == 0) || (n == 3 && memcmp(v, "2.0", 3) == 0)))
			return tp_diag_set(d, TP_EINVAL,
					   "%s: '%.*s' is not a STIX version (2.0, 2.1)", key,
					   (int)(n > 80 ? 80 : n), v);
		if (q->n_spec_versions == TP_QUERY_MAX_VALUES)
			break;
		return keep(f, v, n, &q->spec_versions[q->n_spec_versions++], d);
	case K_VERSION:
		if (n == 4 && memcmp(v, "last", 4) == 0) {
			q->versions |= TP_VERSION_LAST;
			return TP_OK;
		}
		if (n == 5 && memcmp(v, "first", 5) == 0) {
			q->versions |= TP_VERSION_FIRST;
			return TP_OK;
		}
		if (n == 3 && memcmp(v, "all", 3) == 0) {
			q->versions |= TP_VERSION_ALL;
			return TP_OK;
		}
		if (q->n_stamps == TP_QUERY_MAX_VALUES)
			break;
		if (tp_time_parse(v, n, 0, &q->stamps[q->n_stamps], NULL, NULL) != TP_OK)
			return tp_diag_set(d, TP_EINVAL,
					   "%s: '%.*s' is not last, first, all or a timestamp", key,
					   (int)(n > 80 ? 80 : n), v);
		q->n_stamps++;
		return TP_OK;
	}
	return tp_diag_set(d, TP_EINVAL, "%s: more than %d values", key, TP_QUERY_MAX_VALUES);
}

enum tp_err tp_taxii_filter_add(struct tp_taxii_filter *f, const char *key, const char *value,
				unsigned allowed, struct tp_diag *d)
{
	static const struct {
		const char *name;
		unsigned bit;
		int kind; /* -1: not a list */
	} params[] = {
		{"added_after", TP_F_ADDED_AFTER, -1},
		{"limit", TP_F_LIMIT, -1},
		{"next", TP_F_NEXT, -1},
		{"match[id]", TP_F_ID, K_ID},
		{"match[type]", TP_F_TYPE, K_TYPE},
		{"match[version]", TP_F_VERSION, K_VERSION},
		{"match[spec_version]", TP_F_SPEC_VERSION, K_SPEC},
	};
	if (!key)
		return tp_diag_set(d, TP_EINVAL, "empty query parameter");
	if (!value)
		value = "";
	size_t i, np = sizeof params / sizeof params[0];
	for (i = 0; i < np; i++)
		if (strcmp(key, params[i].name) == 0)
			break;
	if (i == np || !(allowed & params[i].bit))
		return tp_diag_set(d, TP_EINVAL, "unknown or unsupported query parameter '%.*s'",
				   (int)(strlen(key) > 80 ? 80 : strlen(key)), key);
	if (params[i].kind >= 0) {
		const char *p = value;
		for (;;) {
			const char *comma = strchr(p, ',');
			size_t n = comma ? (size_t)(comma - p) : strlen(p);
			enum tp_err e = add_value(f, (enum kind)params[i].kind, key, p, n, d);
			if (e)
				return e;
			if (!comma)
				return TP_OK;
			p = comma + 1;
		}
	}
	if (params[i].bit == TP_F_ADDED_AFTER) {
		if (tp_time_parse(value, strlen(value), TP_TIME_ANY_OFFSET, &f->q.added_after, NULL,
				  NULL) != TP_OK)
			return tp_diag_set(d, TP_EINVAL, "added_after: '%.80s' is not a timestamp",
					   value);
		if (f->q.added_after < 0)
			f->q.added_after = 0;
		return TP_OK;
	}
	if (params[i].bit == TP_F_NEXT) {
		if (tp_taxii_next_parse(value, &f->q.cursor) != TP_OK)
			return tp_diag_set(d, TP_EINVAL, "next: '%.80s' is not a valid token",
					   value);
		return TP_OK;
	}
	/* limit */
	char *end;
	long v = strtol(value, &end, 10);
	if (!*value || *end || !isdigit((unsigned char)value[0]) || v < 1)
		return tp_diag_set(d, TP_EINVAL, "limit: '%.80s' is not a positive integer", value);
	f->q.limit = v > TP_TAXII_PAGE_MAX ? TP_TAXII_PAGE_MAX : (int)v;
	return TP_OK;
}
