/*
 * STIX Patterning (STIX 2.1 section 9): parse, check, explain and evaluate
 * indicator patterns against observed-data.
 *
 *	struct tp_pattern *p;
 *	struct tp_diag d = {0};
 *	if (tp_pattern_parse(text, len, 0, &p, &d) != TP_OK)
 *		fprintf(stderr, "column %ld: %s\n", d.column, d.message);
 *
 *	struct tp_pattern_data *data;      // observed-data pooled from bundles
 *	tp_pattern_data_new(json_root, &data, &d);
 *	struct tp_pattern_result r = {0};
 *	tp_pattern_match(p, data, &r, &d); // r.matched, r.ids[0..r.n)
 *	tp_pattern_result_clear(&r);
 *
 * A parsed pattern is immutable and may be shared by threads (evaluation
 * keeps its state on the caller's stack and in the result).
 *
 * The compiled matcher for many indicators at once is in pattern_set.h.
 */
#ifndef TRIPACT_PATTERN_H
#define TRIPACT_PATTERN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "tripact/buf.h"
#include "tripact/error.h"

/* Deepest nesting of parentheses, brackets and qualifiers accepted. */
#define TP_PATTERN_MAX_DEPTH 256
/* Most steps in one object path (file:a.b[0].c has 4). */
#define TP_PATTERN_MAX_PATH 256
/* Longest pattern accepted, in bytes. */
#define TP_PATTERN_MAX_LEN (1u << 20)

struct tp_pattern;
struct tp_pattern_data;

enum tp_pattern_flags {
	/*
	 * The strict check used by `tripact pattern check` and the STIX
	 * validator: also rejects a qualifier repeated on one observation
	 * expression, hash constants of the wrong length for their algorithm
	 * and START not before STOP. Without it such patterns parse and simply
	 * do not match.
	 */
	TP_PATTERN_STRICT = 1 << 0,
};

/*
 * Parses text[0..len) (UTF-8, at most TP_PATTERN_MAX_LEN bytes). On
 * failure returns TP_EPARSE (syntax), TP_EVALIDATE (well-formed but
 * invalid, e.g. WITHIN 0 SECONDS, a regex PCRE rejects) or TP_ELIMIT
 * (too long, too deep); d gets the 1-based column and what was expected.
 * *out: caller owns (tp_pattern_free).
 */
enum tp_err tp_pattern_parse(const char *text, size_t len, unsigned flags, struct tp_pattern **out,
			     struct tp_diag *d) TP_MUST_CHECK;

void tp_pattern_free(struct tp_pattern *p);

/*
 * The validator hook: parses with TP_PATTERN_STRICT and frees. TP_OK if
 * the pattern is valid; otherwise the reason and column are in d.
 */
enum tp_err tp_pattern_validate(const char *pattern, size_t len, struct tp_diag *d) TP_MUST_CHECK;

/*
 * Warnings found while parsing (object types or properties that are not
 * in the STIX 2.1 SCO definitions and not custom). Borrowed; valid while
 * p lives. i < tp_pattern_warning_count(p).
 */
size_t tp_pattern_warning_count(const struct tp_pattern *p);
const char *tp_pattern_warning(const struct tp_pattern *p, size_t i);

enum tp_pattern_explain_style {
	TP_PATTERN_EXPLAIN_TREE,    /* indented, one node a line */
	TP_PATTERN_EXPLAIN_COMPACT, /* one line, s-expression */
};

/* Appends a description of the parsed tree to out. */
enum tp_err tp_pattern_explain(const struct tp_pattern *p, enum tp_pattern_explain_style style,
			       struct tp_buf *out) TP_MUST_CHECK;

/*
 * Observed-data to evaluate against. root is a STIX bundle, a JSON array
 * of bundles, or a JSON array of bare objects (or one bare object); all
 * objects are pooled, so object_refs and *_ref properties resolve across
 * bundles. The deprecated STIX 2.0 `objects` dictionary is honoured too.
 * root: borrowed (the data holds its own reference until freed, so the
 * caller may release root at any time). Fails with the
 * object id and JSON path in d when an observed-data is malformed
 * (missing first_observed, number_observed < 1, ...). *out: caller owns.
 */
enum tp_err tp_pattern_data_new(json_t *root, struct tp_pattern_data **out,
				struct tp_diag *d) TP_MUST_CHECK;

void tp_pattern_data_free(struct tp_pattern_data *data);

/* Number of observed-data objects in data. */
size_t tp_pattern_data_count(const struct tp_pattern_data *data);

struct tp_pattern_result {
	int matched;	  /* 1 if the pattern matched */
	size_t n;	  /* observed-data ids that satisfied it, in input order */
	const char **ids; /* borrowed from the data; the array is caller owned */
};

/*
 * Evaluates p against every observed-data in data and fills r with the
 * first combination found that satisfies it. TP_ELIMIT if the search
 * exceeds its work bound (catastrophic regexes and combinatorial
 * qualifiers are bounded, never unbounded). Clear r with
 * tp_pattern_result_clear.
 */
enum tp_err tp_pattern_match(const struct tp_pattern *p, const struct tp_pattern_data *data,
			     struct tp_pattern_result *r, struct tp_diag *d) TP_MUST_CHECK;

void tp_pattern_result_clear(struct tp_pattern_result *r);

#endif
