/* The matcher's state, shared by match.c (reading and matching) and
 * sighting.c (the output bundle). */
#ifndef TP_MATCH_ENGINE_H
#define TP_MATCH_ENGINE_H

#include "match_int.h"
#include "tripact/json.h"
#include "tripact/pattern_set.h"

#define BATCH 32 /* records matched together: their JSON fits one arena chunk */
/* Set ids of the [..] blocks of windowed patterns: LEAF_BIT | block number. */
#define LEAF_BIT 0x80000000u

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
	struct probes *probes;	     /* NULL: every record is built (probe.c) */
	int no_probes;		     /* tests: build every record, never probe */
	struct tp_match_stats st;
	/* the batch being read */
	struct record *recs; /* [BATCH] */
	size_t nrecs;
	const char *file;
	uint32_t *found; /* indicators matching the current record */
	size_t nfound;
	/* indicators matched over windows of records (window.c) */
	struct window *wins;
	size_t nwins, capwins;
	uint32_t *leaf_win; /* block number -> window */
	size_t nleaves, capleaves;
	uint64_t rec_seq;	/* the record being matched, counted from 1 */
	struct record *scratch; /* a kept record made whole again */
};

/* Records a hit of indicator i by record r of the current input: both of
 * the two below. */
enum tp_err sighting_add(struct tp_match *m, size_t i, const struct record *r,
			 struct tp_diag *d) TP_MUST_CHECK;
/* One more match of indicator i (its sighting's count). */
void sighting_count(struct tp_match *m, size_t i);
/* Record r of file took part in it: times, the hit callback and, under
 * the cap, an observed-data. */
enum tp_err sighting_record(struct tp_match *m, size_t i, const struct record *r, const char *file,
			    struct tp_diag *d) TP_MUST_CHECK;

/* ---- probes (probe.c) ---- */

/* After compile: the probes for m's set, or none (m->probes NULL) when
 * the set has an indicator or a key they cannot answer for. */
enum tp_err probes_new(struct tp_match *m) TP_MUST_CHECK;
void probes_free(struct probes *p);
/* 0 if no indicator can match record r (its observation need not be
 * built), 1 if one may. */
int probe_record(struct tp_match *m, const struct record *r);

/* ---- windows (window.c) ---- */

/* Indicator ind's pattern (parsed, shape 1) into windows: its blocks go
 * into the set. Parse errors as tp_pattern_set_add gives them. */
enum tp_err window_add(struct tp_match *m, size_t ind, const char *pattern,
		       struct tp_diag *d) TP_MUST_CHECK;
/* Block `leaf` (a set id with LEAF_BIT) matched record r (m->rec_seq). */
enum tp_err window_hit(struct tp_match *m, uint32_t leaf, const struct record *r,
		       struct tp_diag *d) TP_MUST_CHECK;
/* Evaluates every window with records added since its last evaluation. */
enum tp_err windows_evaluate(struct tp_match *m, struct tp_diag *d) TP_MUST_CHECK;
/* The indicator a window belongs to. */
size_t window_indicator(const struct tp_match *m, uint32_t leaf);
void windows_free(struct tp_match *m);

#endif
