/*
 * Object-path check against the STIX 2.1 SCO definitions (STIX 2.1
 * section 6, through the STIX library's tables in stix_schema.h). An
 * object type that is not an SCO, or a property the SCO does not define,
 * is a warning, never an error: producers do use types and properties
 * from drafts and extensions. Custom names (x_..., custom types,
 * extension-definition extensions) are accepted silently.
 *
 *	[file:nmae = 'a']          ->  "file: 'nmae' is not a STIX 2.1 property of file"
 *	[indicator:name = 'a']     ->  "indicator: an SDO, not a cyber-observable type"
 *	[file:hashes.'SHA-256' = ..], [x-wallet:address = ..]   ->  no warning
 */
#include <stdio.h>
#include <string.h>

#include "ast.h"
#include "tripact/stix.h"
#include "tripact/stix_schema.h"

#define MAX_COMPONENTS 32

static const char *warn_type(struct arena *a, const struct path *p, const char *why)
{
	char *w = arena_alloc(a, 256);
	if (w)
		snprintf(w, 256, "%.60s: %s", p->type, why);
	return w;
}

static int is_ref(const char *k)
{
	size_t n = strlen(k);
	return (n >= 4 && strcmp(k + n - 4, "_ref") == 0) ||
	       (n >= 5 && strcmp(k + n - 5, "_refs") == 0);
}

/*
 * 1 if comp[0..n) is a known or custom path of type. A path through a
 * top-level reference (dst_ref.value) continues in the referenced types
 * (the property's targets); deeper references are not followed.
 * Recursion depth is bounded by n.
 */
static int path_ok(const char *type, const char *const *comp, size_t n)
{
	size_t r = 0;
	while (r < n && !is_ref(comp[r]))
		r++;
	if (r == n)
		return tp_stix_schema_path(type, comp, n) != TP_STIX_PROP_UNKNOWN;
	if (tp_stix_schema_path(type, comp, r + 1) == TP_STIX_PROP_UNKNOWN)
		return 0;
	if (r + 1 == n || r > 0)
		return 1;
	const struct tp_stix_prop_def *prop =
		tp_stix_schema_prop(tp_stix_schema_type(type), comp[0]);
	if (!prop || !prop->targets)
		return 1;
	for (size_t i = 0; prop->targets[i]; i++)
		if (path_ok(prop->targets[i], comp + 1, n - 1))
			return 1;
	return 0;
}

const char *tp_pattern_schema_check(struct arena *a, const struct path *p)
{
	enum tp_stix_kind kind = tp_stix_kind_of(p->type);
	if (kind == TP_STIX_UNKNOWN)
		return warn_type(a, p, "not a valid STIX object type name");
	if (kind == TP_STIX_SDO || kind == TP_STIX_SRO || kind == TP_STIX_META ||
	    kind == TP_STIX_BUNDLE) {
		char why[80];
		snprintf(why, sizeof why, "an %s, not a cyber-observable type",
			 kind == TP_STIX_SDO   ? "SDO"
			 : kind == TP_STIX_SRO ? "SRO"
					       : "object");
		return warn_type(a, p, why);
	}
	/* Keys only: list indexes are not part of a schema path. */
	const char *comp[MAX_COMPONENTS];
	size_t n = 0;
	for (size_t i = 0; i < p->n && n < MAX_COMPONENTS; i++)
		if (p->steps[i].kind == STEP_KEY)
			comp[n++] = p->steps[i].key;
	if (kind == TP_STIX_CUSTOM && strncmp(p->type, "x-", 2) != 0)
		return warn_type(a, p,
				 "not a STIX 2.1 cyber-observable type (custom types usually start "
				 "with 'x-')");
	if (kind == TP_STIX_CUSTOM || path_ok(p->type, comp, n))
		return NULL;
	char *w = arena_alloc(a, 320);
	if (!w)
		return NULL;
	int off = snprintf(w, 320, "%.60s: '", p->type);
	for (size_t i = 0; i < n && off < 200; i++)
		off += snprintf(w + off, (size_t)(320 - off), "%s%.60s", i ? "." : "", comp[i]);
	snprintf(w + off, (size_t)(320 - off),
		 "' is not a STIX 2.1 property of %.60s (custom ones start with 'x_')", p->type);
	return w;
}
