/*
 * Validator options: the stix2-validator check names and codes, and the
 * --enable / --disable lists that turn best-practice checks on and off.
 *
 *	--disable 1,hash-algo    every format check (101-150) and 241 off
 *	--enable 103             only the UUID check (no --disable given)
 */
#include <stdlib.h>
#include <string.h>

#include "stix_internal.h"

/* ---- check names and codes (stix2-validator v21 enums.CHECK_CODES) ---- */
static const struct {
	int code;
	const char *name;
} checks[] = {
	{1, "format-checks"},
	{101, "custom-prefix"},
	{102, "custom-prefix-lax"},
	{103, "uuid-check"},
	{111, "open-vocab-format"},
	{121, "kill-chain-names"},
	{141, "observable-object-keys"},
	{142, "observable-dictionary-keys"},
	{143, "malware-analysis-product"},
	{149, "windows-process-priority-format"},
	{150, "hash-length"},
	{2, "approved-values"},
	{201, "marking-definition-type"},
	{202, "relationship-types"},
	{203, "duplicate-ids"},
	{210, "all-vocabs"},
	{211, "attack-motivation"},
	{212, "attack-resource-level"},
	{213, "identity-class"},
	{214, "indicator-types"},
	{215, "industry-sector"},
	{216, "malware-types"},
	{218, "report-types"},
	{219, "threat-actor-types"},
	{220, "threat-actor-role"},
	{221, "threat-actor-sophistication"},
	{222, "tool-types"},
	{223, "region"},
	{225, "grouping-context"},
	{226, "implementation-languages"},
	{227, "infrastructure-types"},
	{228, "malware-capabilities"},
	{230, "processor-architecture"},
	{231, "malware-result"},
	{241, "hash-algo"},
	{243, "windows-pebinary-type"},
	{244, "account-type"},
	{245, "indicator-pattern-types"},
	{270, "all-external-sources"},
	{271, "mime-type"},
	{272, "protocols"},
	{273, "ipfix"},
	{274, "http-request-headers"},
	{275, "socket-options"},
	{276, "pdf-doc-info"},
	{277, "countries"},
	{301, "network-traffic-ports"},
	{302, "extref-hashes"},
	{303, "indicator-properties"},
	{304, "deprecated-properties"},
};
#define NCHECKS (sizeof checks / sizeof checks[0])

int tp_stix_check_code(const char *name)
{
	for (size_t i = 0; name && i < NCHECKS; i++)
		if (strcmp(checks[i].name, name) == 0)
			return checks[i].code;
	return -1;
}

const char *tp_stix_check_name(int code)
{
	for (size_t i = 0; i < NCHECKS; i++)
		if (checks[i].code == code)
			return checks[i].name;
	return NULL;
}

/* The codes a code stands for: a group (1, 2, 210, 270) covers its range. */
static void set_code(unsigned char *on, int code, unsigned char val)
{
	int lo = code, hi = code;
	if (code == 1)
		lo = 100, hi = 199;
	else if (code == 2)
		lo = 200, hi = 299;
	else if (code == 210)
		lo = 210, hi = 239;
	else if (code == 270)
		lo = 270, hi = 279;
	for (int k = lo; k <= hi; k++)
		if (tp_stix_check_name(k))
			on[k] = val;
}

static enum tp_err apply_list(unsigned char *on, const char *list, unsigned char val,
			      struct tp_diag *d)
{
	while (list && *list) {
		size_t n = strcspn(list, ",");
		char item[64];
		if (n > 0) {
			while (n > 0 && list[n - 1] == ' ')
				n--;
			const char *s = list;
			while (*s == ' ' && n > 0)
				s++, n--;
			if (n >= sizeof item)
				return tp_diag_set(d, TP_EINVAL, "unknown check '%.40s...'", s);
			memcpy(item, s, n);
			item[n] = '\0';
			char *end;
			long code = strtol(item, &end, 10);
			if (*end != '\0' || end == item)
				code = tp_stix_check_code(item);
			if (code < 0 || code >= TP_CHECK_CODE_MAX || !tp_stix_check_name((int)code))
				return tp_diag_set(d, TP_EINVAL,
						   "unknown check '%s' (see docs/validate.md)",
						   item);
			set_code(on, (int)code, val);
		}
		list += strcspn(list, ",");
		if (*list == ',')
			list++;
	}
	return TP_OK;
}

enum tp_err tp_stix_validator_new(const struct tp_stix_validate_opts *opts,
				  struct tp_stix_validator **out, struct tp_diag *d)
{
	struct tp_stix_validator *v = calloc(1, sizeof *v);
	if (!v)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	if (opts)
		v->o = *opts;
	int only_enabled = v->o.enabled && *v->o.enabled && !(v->o.disabled && *v->o.disabled);
	if (!only_enabled)
		for (size_t i = 0; i < NCHECKS; i++)
			v->on[checks[i].code] = 1;
	enum tp_err e = apply_list(v->on, v->o.disabled, 0, d);
	if (e == TP_OK)
		e = apply_list(v->on, v->o.enabled, 1, d);
	if (e != TP_OK) {
		free(v);
		return e;
	}
	v->o.enabled = v->o.disabled = NULL; /* borrowed: not kept */
	*out = v;
	return TP_OK;
}

void tp_stix_validator_free(struct tp_stix_validator *v)
{
	free(v);
}
