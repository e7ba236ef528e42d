/*
 * Deterministic ids of what `tripact match` produces, made the way the
 * importer makes them (tp_uuid_named_v4 in TP_CONVERT_NAMESPACE), so the
 * identity of "CERT-EU" is the same object whether it came from
 * `tripact import --identity` or from `tripact match --identity`.
 * (This file alone includes convert.h: its TLP enum is not tlp.h's.)
 */
#include <stdio.h>
#include <string.h>

#include "match_int.h"
#include "tripact/convert.h"
#include "tripact/uuid.h"

void named_id(const char *type, const char *name, size_t len, char out[96])
{
	struct tp_uuid ns, u;
	char s[TP_UUID_STRLEN + 1];
	if (tp_uuid_parse(TP_CONVERT_NAMESPACE, TP_UUID_STRLEN, &ns) != TP_OK)
		memset(&ns, 0, sizeof ns); /* a constant: cannot fail */
	tp_uuid_named_v4(&ns, name, len, &u);
	tp_uuid_format(&u, s);
	snprintf(out, 96, "%s--%s", type, s);
}

void identity_id(const char *name, char out[96])
{
	char buf[600];
	int n = snprintf(buf, sizeof buf, "identity|%s", name);
	named_id("identity", buf,
		 n < 0			   ? 0
		 : (size_t)n >= sizeof buf ? sizeof buf - 1
					   : (size_t)n,
		 out);
}
