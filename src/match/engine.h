/* The matcher's state, shared by match.c (reading and matching) and
 * sighting.c (the output bundle). */
#ifndef TP_MATCH_ENGINE_H
#define TP_MATCH_ENGINE_H

#include "match_int.h"
#include "tripact/json.h"
#include "tripact/pattern_set.h"

#define BATCH 32 /* records matched together: their JSON fits one arena chunk */

struct ind {
	char *id;
	json_t *obj; /* the indicator (reference held) */
	size_t hits;
	size_t outside;			    /* matches outside valid_from/valid_until */
	tp_time_us valid_from, valid_until; /* INT64_MIN/MAX when not given */
	tp_time_us first, last;		    /* over hits with a time */
	json_t *observed;		    /* observed-data kept (max_observed) */
};

struct tp_match {
	struct tp_match_opts o;
	tp_match_report_fn report;
	tp_match_hit_fn hit;
	void *ctx;
	char identity[96];
	struct json_map *map;
	size_t nmap;
	struct tp_pattern_set *set;
	struct tp_pattern_scratch *sc;
	struct ind *inds;
	size_t ninds, capinds;
	json_t *markings;	     /* marking-definition id -> object, from the inputs */
	json_t *scos;		     /* SCOs of the kept observed-data, by id */
	json_t *epoch;		     /* the time every observation is matched at */
	struct tp_json_arena *arena; /* the batch's JSON; never what is kept */
	unsigned need;		     /* SCO kinds the indicators name (enum sco_kind) */
	struct tp_match_stats st;
	/* the batch being read */
	struct record *recs; /* [BATCH] */
	size_t nrecs;
	const char *file;
	uint32_t *found; /* indicators matching the current record */
	size_t nfound;
};

/* Records a hit of indicator i by record r (file, line): counts, the
 * hit callback and, under the cap, an observed-data. */
enum tp_err sighting_add(struct tp_match *m, size_t i, const struct record *r,
			 struct tp_diag *d) TP_MUST_CHECK;

#endif
