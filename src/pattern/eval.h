/*
 * Evaluator internals shared with the compiled matcher (set.c): the pooled
 * observed-data and the per-thread scratch an evaluation needs.
 */
#ifndef TP_PATTERN_EVAL_H
#define TP_PATTERN_EVAL_H

#include <jansson.h>

#include "ast.h"

/* Work bounds: a search that exceeds them fails with TP_ELIMIT. */
#define TP_EVAL_MAX_WORK	 (4u << 20) /* binding elements built per match */
#define TP_EVAL_PCRE_MATCH_LIMIT 200000u    /* pcre2 backtracking steps per value */
#define TP_EVAL_PCRE_DEPTH_LIMIT 5000u

struct obs {
	const char *id; /* borrowed from the JSON */
	tp_time_us first, last;
	int64_t number; /* number_observed */
	json_t **roots; /* the SCOs the observed-data refers to (borrowed) */
	size_t nroots;
	json_t *dict; /* STIX 2.0 `objects` dictionary, or NULL */
};

struct tp_pattern_data {
	json_t *root; /* one reference held */
	json_t *pool; /* id -> object (references held) */
	struct obs *obs;
	size_t nobs;
	json_t **rootbuf; /* storage for every obs's roots */
};

struct eval_scratch {
	pcre2_match_data *md;
	pcre2_match_context *mc;
	size_t work;   /* reset per match */
	int limit_hit; /* a regex hit its match limit (value treated as no match) */
};

int eval_scratch_init(struct eval_scratch *s);
void eval_scratch_fini(struct eval_scratch *s);

/*
 * 1 if comparison expression c holds for some SCO of observation o, 0 if
 * not. Regexes that hit their limit count as not matching (and set
 * s->limit_hit).
 */
int eval_cmp_obs(const struct node *c, const struct tp_pattern_data *data, const struct obs *o,
		 struct eval_scratch *s);

/*
 * Evaluates the whole pattern over observations which[0..n) of data (all
 * of them when which is NULL). *matched is set; r (may be NULL) receives
 * the ids of the first satisfying combination.
 */
enum tp_err eval_pattern(const struct tp_pattern *p, const struct tp_pattern_data *data,
			 const uint32_t *which, size_t n, struct eval_scratch *s, int *matched,
			 struct tp_pattern_result *r, struct tp_diag *d);

/* A pool lookup that also understands 2.0 `objects` keys (o may be NULL). */
json_t *data_resolve(const struct tp_pattern_data *data, const struct obs *o, const char *ref);

#endif
