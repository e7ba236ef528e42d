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

#include <stdbool.h>
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

/*
 * Probing values without an observation: a prefilter for callers that can
 * say, for each path key the set indexes, which values an observation of
 * theirs would have there. When the set is indexed (no indicator is
 * evaluated on every observation) and no value probes a candidate, no
 * indicator can match the observation and building it can be skipped:
 *
 *	key k = "network-traffic:dst_port" (tp_pattern_set_key_path)
 *	tp_pattern_set_probe_int(set, sc, k, 4444)   // 1: build it and match
 *
 * A candidate is only a chance (a non-exact indicator may still not
 * match); tp_pattern_set_match on the observation gives the answer.
 */

/* The number of path keys; 0 before compile. */
size_t tp_pattern_set_nkeys(const struct tp_pattern_set *set);
/* Key number key as "type:prop.prop" ("file:hashes.SHA-256") into out;
 * its length, 0 if key is out of range or out is too small. */
size_t tp_pattern_set_key_path(const struct tp_pattern_set *set, size_t key, char *out, size_t n);
/* true when every indicator is reached through its keys' indexes (none is
 * evaluated on every observation): only then can probes rule one out. */
bool tp_pattern_set_indexed(const struct tp_pattern_set *set);
/* 1 if the string v[0..n) at key gives some indicator a chance, 0 if not
 * (1 too for bad arguments or a failed scan: the safe answer). */
int tp_pattern_set_probe(const struct tp_pattern_set *set, struct tp_pattern_scratch *sc,
			 size_t key, const char *v, size_t n);
/* The same for an integer value (a JSON integer at that key). */
int tp_pattern_set_probe_int(const struct tp_pattern_set *set, struct tp_pattern_scratch *sc,
			     size_t key, int64_t v);

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
