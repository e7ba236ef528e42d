/*
 * RFC 8785 JSON Canonicalization Scheme: one byte-exact serialisation of a
 * JSON value, used for STIX deterministic SCO ids and for content hashes.
 *
 *	{"b": 2, "a": [1.0, "\u00e9"]}  ->  {"a":[1,"é"],"b":2}
 *
 * Object members are sorted by their names as UTF-16 code units; strings
 * escape only '"', '\\' and control characters (\b \f \n \r \t or \u00xx);
 * numbers use the ECMAScript Number-to-String form (1e+21, 0.1, -0).
 */
#ifndef TRIPACT_JCS_H
#define TRIPACT_JCS_H

#include <jansson.h>

#include "tripact/buf.h"
#include "tripact/error.h"

/*
 * The canonical form of v (NUL-terminated); caller owns (free()).
 * NULL on allocation failure or when v holds a non-finite number.
 */
char *tp_jcs_serialize(const json_t *v);

/* Appends the canonical form of v to b. TP_EINVAL on a non-finite number. */
enum tp_err tp_jcs_append(struct tp_buf *b, const json_t *v) TP_MUST_CHECK;

#endif
