/*
 * Timestamps as signed microseconds since 1970-01-01T00:00:00Z (UTC), the
 * unit every part of tripact stores and compares. STIX timestamps are
 * RFC 3339 in UTC with an upper-case `T` and `Z`:
 *
 *	"2016-05-12T08:17:27.000Z"  ->  1463041047000000
 *
 * Fractions finer than a microsecond are accepted and truncated.
 */
#ifndef TRIPACT_TIME_H
#define TRIPACT_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"

typedef int64_t tp_time_us;

enum tp_time_flags {
	/* Accept any RFC 3339 offset (+09:00, lower-case t/z) and convert to
	 * UTC; without it only the STIX form (...Z) is accepted. */
	TP_TIME_ANY_OFFSET = 1 << 0,
};

/*
 * Parses s[0..len) as an RFC 3339 date-time. *out is set on success; on
 * failure returns TP_EPARSE with the reason in d (may be NULL). `digits`
 * (may be NULL) receives the number of fraction digits written (0..9+).
 */
enum tp_err tp_time_parse(const char *s, size_t len, unsigned flags,
			  tp_time_us *out, int *digits, struct tp_diag *d) TP_MUST_CHECK;

/*
 * Formats t as "YYYY-MM-DDTHH:MM:SS[.fff]Z" into out (at least
 * TP_TIME_BUFSZ bytes). digits: 0..6 fraction digits exactly, or -1 for
 * milliseconds, widened to microseconds only when needed.
 */
#define TP_TIME_BUFSZ 40
void tp_time_format(tp_time_us t, int digits, char *out);

/* The current time (CLOCK_REALTIME), in microseconds. */
tp_time_us tp_time_now(void);

#endif
