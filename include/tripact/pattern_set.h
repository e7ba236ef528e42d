/*
 * The compiled matcher: many indicators compiled once into one immutable
 * structure that answers "which indicators does this observation match?"
 * without evaluating them one by one.
 *
 *	struct tp_pattern_set *set;
 *	tp_pattern_set_new(&set);
 *	tp_pattern_set_add(set, "[ipv4-addr:value = '203.0.113.9']", len, 17, &d);
 *	...                                  // every indicator, with your id
 *	tp_pattern_set_compile(set, &d);     // immutable from here on
 *
 *	struct tp_pattern_scratch *sc;       // one per thread
 *	tp_pattern_scratch_new(set, &sc);
 *	tp_pattern_set_match(set, sc, data, i, on_hit, ctx);   // on_hit(17, ctx)
 *
 * An indicator matches observation i (observed-data number i of data) when
 * tp_pattern_match would report a match on a data set holding only that
 * observed-data (references still resolve through all of data). The
 * answers are identical to the evaluator's; indexes only decide which
 * indicators need to be looked at:
 *  - equality and IN on strings (addresses, domains, URLs, hashes, wallet
 *    addresses, ...): one hash table over (object type, path, value);
 *  - ISSUBSET on IPv4/IPv6 networks: a prefix tree per (object type, path)
 *    and address family;
 *  - MATCHES and LIKE: one Hyperscan database per (object type, path), used
 *    as a prefilter and confirmed with PCRE;
 *  - anything else (or a regex Hyperscan cannot take): the evaluator.
 *
 * A compiled set may be shared by threads; each thread needs its own
 * scratch.
 */
#ifndef TRIPACT_PATTERN_SET_H
#define TRIPACT_PATTERN_SET_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"
#include "tripact/pattern.h"

struct tp_pattern_set;
struct tp_pattern_scratch;

/* *out: caller owns (tp_pattern_set_free). */
enum tp_err tp_pattern_set_new(struct tp_pattern_set **out) TP_MUST_CHECK;

/*
 * Parses pattern[0..len) and adds it under the caller's id. Fails like
 * tp_pattern_parse (the set is unchanged), or TP_EINVAL after compile.
 */
enum tp_err tp_pattern_set_add(struct tp_pattern_set *set, const char *pattern, size_t len,
			       uint32_t id, struct tp_diag *d) TP_MUST_CHECK;

/* Builds the indexes. After this the set is immutable. */
enum tp_err tp_pattern_set_compile(struct tp_pattern_set *set, struct tp_diag *d) TP_MUST_CHECK;

void tp_pattern_set_free(struct tp_pattern_set *set);

/* Per-thread scratch for a compiled set. *out: caller owns. */
enum tp_err tp_pattern_scratch_new(const struct tp_pattern_set *set,
				   struct tp_pattern_scratch **out) TP_MUST_CHECK;
void tp_pattern_scratch_free(struct tp_pattern_scratch *sc);

/* Called once per matching indicator; return nonzero to stop early. */
typedef int (*tp_pattern_hit_fn)(uint32_t id, void *ctx);

/*
 * Reports every indicator matching observation obs of data (in no
 * particular order, each once). Regexes that exceed their match limit
 * count as not matching (see stats.regex_limit_hits on the scratch).
 */
enum tp_err tp_pattern_set_match(const struct tp_pattern_set *set, struct tp_pattern_scratch *sc,
				 const struct tp_pattern_data *data, size_t obs,
				 tp_pattern_hit_fn fn, void *ctx) TP_MUST_CHECK;

struct tp_pattern_set_stats {
	size_t indicators;
	size_t exact;	  /* answered by an index alone */
	size_t verified;  /* found by an index, confirmed by the evaluator */
	size_t unindexed; /* evaluated for every observation */
	size_t eq_atoms;  /* (type, path, value) entries */
	size_t cidr_atoms;
	size_t regex_atoms;    /* in Hyperscan databases */
	size_t regex_fallback; /* regexes Hyperscan rejected (evaluator instead) */
	size_t hs_databases;
	size_t bytes; /* memory held by the compiled set */
};

void tp_pattern_set_stats(const struct tp_pattern_set *set, struct tp_pattern_set_stats *st);

/* Number of regex evaluations that hit their limit with this scratch. */
size_t tp_pattern_scratch_limit_hits(const struct tp_pattern_scratch *sc);

#endif
