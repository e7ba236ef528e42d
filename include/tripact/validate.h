/*
 * The STIX 2.1 validator: every MUST of the specification (errors) and the
 * SHOULD checks of the OASIS stix2-validator (warnings, with its check
 * names and numeric codes, so `--disable 101,hash-algo` means the same in
 * both tools). Configured once, then used on many objects from many
 * threads:
 *
 *	struct tp_stix_validate_opts o = {.strict_properties = 1};
 *	struct tp_stix_validator *v;
 *	if (tp_stix_validator_new(&o, &v, &d) != TP_OK) ...   // bad --disable name
 *	struct tp_stix_counts c = {0};
 *	tp_stix_validate_object(v, obj, print_problem, NULL, &c);
 *	// print_problem gets {TP_STIX_ERROR, "required-property", 0,
 *	//   "indicator--8e2e...", "", "required property 'valid_from' is missing"}
 *	// or, for a bad value, {TP_STIX_WARNING, "indicator-types", 214,
 *	//   "indicator--8e2e...", "indicator_types[0]", "value 'C2' is not in ..."}
 *	tp_stix_validator_free(v);
 *
 * Checks that span objects (duplicate ids, references that must resolve)
 * need the objects of one file or bundle together: they live in a
 * tp_stix_validate_set, one per input, not shared between threads.
 */
#ifndef TRIPACT_VALIDATE_H
#define TRIPACT_VALIDATE_H

#include <jansson.h>
#include <stddef.h>

#include "tripact/error.h"

enum tp_stix_severity {
	TP_STIX_ERROR,
	TP_STIX_WARNING,
};

/* One problem. Every string is borrowed for the duration of the callback. */
struct tp_stix_problem {
	enum tp_stix_severity severity;
	const char *check;     /* check name ("required-property", "hash-algo") */
	int code;	       /* stix2-validator code (101..304), 0 for a MUST */
	const char *object_id; /* "" when the object has no usable id */
	const char *path;      /* JSON path inside the object ("" = the object) */
	const char *message;
	long line; /* input line, when known to the library (set checks); else 0 */
};

typedef void (*tp_stix_report_fn)(void *ctx, const struct tp_stix_problem *p);

/* Checks a STIX pattern; returns TP_OK or TP_EPARSE with d->message and
 * d->column set. Set by the caller that links the pattern module. */
typedef enum tp_err (*tp_stix_pattern_check_fn)(const char *pattern, size_t len, struct tp_diag *d);

struct tp_stix_validate_opts {
	int strict;	       /* SHOULD warnings become errors */
	int strict_types;      /* custom object types are errors */
	int strict_properties; /* custom properties are errors */
	int enforce_refs;      /* references must resolve within the set */
	int interop;	       /* extra interoperability checks (see docs) */
	/* Comma-separated check names or codes, as stix2-validator's
	 * --enable / --disable (borrowed, read at creation only). */
	const char *enabled;
	const char *disabled;
	/* NULL: patterns are not parsed (only their presence and type). */
	tp_stix_pattern_check_fn pattern_check;
};

struct tp_stix_counts {
	size_t objects;
	size_t errors;
	size_t warnings;
};

struct tp_stix_validator;

/* opts may be NULL (defaults). An unknown check name or code in
 * enabled/disabled is TP_EINVAL with the name in d. *out: caller owns. */
enum tp_err tp_stix_validator_new(const struct tp_stix_validate_opts *opts,
				  struct tp_stix_validator **out, struct tp_diag *d) TP_MUST_CHECK;
void tp_stix_validator_free(struct tp_stix_validator *v);

/*
 * Validates one object (or a bundle and every object in it) and reports
 * each problem through report (may be NULL). counts (may be NULL) is
 * added to: objects validated, errors, warnings. Returns TP_OK when no
 * error was found, TP_EVALIDATE otherwise, TP_ENOMEM on allocation
 * failure. obj: borrowed. Safe to call concurrently on one validator.
 */
enum tp_err tp_stix_validate_object(const struct tp_stix_validator *v, const json_t *obj,
				    tp_stix_report_fn report, void *ctx,
				    struct tp_stix_counts *counts) TP_MUST_CHECK;

/* The stix2-validator code of a check name, or -1. */
int tp_stix_check_code(const char *name);
/* The check name of a code, or NULL. */
const char *tp_stix_check_name(int code);

/*
 * Cross-object checks for one input: duplicate-ids (203: the same id and
 * modified twice) and, with enforce_refs, references to ids that never
 * appear. Objects are kept as 8-byte hashes (two with enforce_refs) in
 * a table sized for max_objects (0 = 1,500,000: 16 MiB); beyond that the
 * set stops tracking and reports that once, so memory stays bounded.
 */
struct tp_stix_validate_set;
enum tp_err tp_stix_validate_set_new(const struct tp_stix_validator *v, size_t max_objects,
				     struct tp_stix_validate_set **out) TP_MUST_CHECK;
void tp_stix_validate_set_free(struct tp_stix_validate_set *s);

/* As tp_stix_validate_object, and records obj in the set; line (0 if
 * unknown) is where obj starts, given back in later reports about it. */
enum tp_err tp_stix_validate_set_add(struct tp_stix_validate_set *s, const json_t *obj, long line,
				     tp_stix_report_fn report, void *ctx,
				     struct tp_stix_counts *counts) TP_MUST_CHECK;

/* Reports what only the whole input shows (unresolved references). Call
 * once at the end. Returns TP_EVALIDATE if it reported an error. */
enum tp_err tp_stix_validate_set_finish(struct tp_stix_validate_set *s, tp_stix_report_fn report,
					void *ctx, struct tp_stix_counts *counts) TP_MUST_CHECK;

#endif
