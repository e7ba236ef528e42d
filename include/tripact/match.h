/*
 * Detect: STIX indicators matched against sensor telemetry (Zeek TSV and
 * JSON logs, Suricata EVE, generic JSON lines, plain or gzip), with the
 * matches reported back as STIX 2.1 sightings.
 *
 *	struct tp_match_opts o = {.identity = "CERT-EU (demo)"};
 *	struct tp_match *m;
 *	tp_match_new(&o, report, on_hit, ctx, &m);
 *	tp_match_add_indicators(m, bundle, &d);   // indicators + marking definitions
 *	tp_match_compile(m, &d);
 *	tp_match_read_file(m, "conn.log.gz", TP_MATCH_AUTO, &d);
 *	tp_match_sightings(m, &out, &d);          // a bundle: identity, sightings,
 *	                                          // observed-data, SCOs, markings
 *
 * A Zeek conn.log row "... 10.0.1.6 54243 203.0.113.9 443 tcp ..." becomes an
 * observation of two ipv4-addr and a network-traffic (src_ref, dst_ref,
 * ports, protocols); the indicator "[ipv4-addr:value = '203.0.113.9']"
 * matches it and gets one sighting with count, first_seen and last_seen
 * over every matching record. docs/match.md has the whole mapping table.
 *
 * Indicators whose pattern needs several observations (two [..] blocks
 * joined by AND, OR or FOLLOWEDBY) or a qualifier (WITHIN, REPEATS,
 * START/STOP) are matched over a window of the records that match one of
 * their blocks (at most 1,024 an indicator, across inputs), evaluated at
 * the end of each input: each match is one hit of the sighting, with all
 * its records.
 * A record whose time is at or after an indicator's valid_until is not a
 * hit of it (opts.validity); such matches are counted apart.
 */
#ifndef TRIPACT_MATCH_H
#define TRIPACT_MATCH_H

#include <jansson.h>
#include <stddef.h>

#include "tripact/error.h"
#include "tripact/time.h"

enum tp_match_format {
	TP_MATCH_AUTO = 0,  /* decided from the first line of each input */
	TP_MATCH_ZEEK,	    /* Zeek TSV log (#separator, #fields, ... headers) */
	TP_MATCH_ZEEK_JSON, /* Zeek JSON log, one object a line */
	TP_MATCH_EVE,	    /* Suricata EVE JSON */
	TP_MATCH_JSONL,	    /* other JSON lines, read through opts.map */
	TP_MATCH_FORMATS
};

/* "auto", "zeek", "zeek-json", "eve", "jsonl" (static). */
const char *tp_match_format_name(enum tp_match_format f);
/* Parses one of those names; TP_EINVAL otherwise. */
enum tp_err tp_match_format_parse(const char *s, enum tp_match_format *out) TP_MUST_CHECK;

struct tp_match_opts {
	/* The organisation where the indicators were sighted: an identity
	 * with the same deterministic id `tripact import` gives that name.
	 * NULL: "tripact match". */
	const char *identity;
	/* observed-data kept per indicator (later hits only count); 0: 10. */
	size_t max_observed;
	/* For TP_MATCH_JSONL: "field=key" pairs, field one of the names in
	 * docs/match.md (src, dst, query, url, sha256, ...), key a member of
	 * the JSON object (a.b for nested). Borrowed. */
	const char *const *map;
	size_t nmap;
	/* Bad records are reported and skipped instead of stopping. */
	int skip_bad;
	/* created/modified of what is produced; 0: the current time. */
	tp_time_us time;
	/* Which of an indicator's valid_from/valid_until a record's time is
	 * held to (records without a time always count). */
	enum tp_match_validity {
		/* a record at or after valid_until is not a hit: an expired
		 * indicator stops firing, old logs still match new intelligence */
		TP_MATCH_VALID_UNTIL = 0,
		/* also not before valid_from */
		TP_MATCH_VALID_BOTH,
		/* neither */
		TP_MATCH_VALID_NONE,
	} validity;
};

/*
 * Told about every indicator that is not matched (d->object_id, d->code
 * TP_EUNSUPPORTED or TP_EPARSE, d->message why) and, with skip_bad, every
 * bad record (file, d->line, d->message). file is NULL for indicators.
 */
typedef void (*tp_match_report_fn)(void *ctx, const char *file, const struct tp_diag *d);

struct tp_match_hit {
	const char *indicator_id; /* borrowed */
	const char *file;
	long line;
	const char *log; /* "conn", "dns", "http", EVE event_type, ... */
	tp_time_us ts;	 /* 0 when the record has no time */
};
/* Called for every (record, indicator) match, in input order. */
typedef void (*tp_match_hit_fn)(void *ctx, const struct tp_match_hit *h);

struct tp_match;

/* opts and what it points to are borrowed until tp_match_free. report and
 * hit may be NULL. *out: caller owns. */
enum tp_err tp_match_new(const struct tp_match_opts *opts, tp_match_report_fn report,
			 tp_match_hit_fn hit, void *ctx, struct tp_match **out) TP_MUST_CHECK;
void tp_match_free(struct tp_match *m);

/*
 * Adds the indicators of root (a bundle, an array of bundles or of
 * objects; borrowed) and remembers its marking definitions for the
 * output. Indicators that cannot be matched are reported, not errors.
 * TP_EPARSE if root holds no objects at all.
 */
enum tp_err tp_match_add_indicators(struct tp_match *m, json_t *root,
				    struct tp_diag *d) TP_MUST_CHECK;

/* Builds the matcher; no indicators may be added afterwards. */
enum tp_err tp_match_compile(struct tp_match *m, struct tp_diag *d) TP_MUST_CHECK;

/*
 * Reads one input (path "-" is stdin; gzip is recognised by its magic
 * bytes) and matches every record. A bad record stops with TP_EPARSE and
 * d->line set, unless opts.skip_bad. name is used in reports.
 */
enum tp_err tp_match_read_file(struct tp_match *m, const char *path, enum tp_match_format f,
			       struct tp_diag *d) TP_MUST_CHECK;
/* The same over text[0..len) (uncompressed). */
enum tp_err tp_match_read_mem(struct tp_match *m, const char *name, const char *text, size_t len,
			      enum tp_match_format f, struct tp_diag *d) TP_MUST_CHECK;

/*
 * The sightings bundle for everything matched so far (caller owns).
 * Each sighting and its observed-data carry the indicator's markings.
 */
enum tp_err tp_match_sightings(struct tp_match *m, json_t **out, struct tp_diag *d) TP_MUST_CHECK;

struct tp_match_stats {
	size_t records[TP_MATCH_FORMATS]; /* records read, per format */
	size_t bad;			  /* bad records skipped */
	size_t lines;			  /* input lines, headers included */
	size_t bytes;			  /* uncompressed input bytes */
	size_t indicators;		  /* indicators matched against */
	size_t unsupported;		  /* indicators reported and left out */
	size_t hits;			  /* (record, indicator) matches */
	size_t sighted;			  /* indicators with at least one hit */
	size_t capped;			  /* hits beyond max_observed (counted only) */
	size_t truncated;      /* records with more than 256 values: the rest not matched */
	size_t outside;	       /* matches left out: record time outside the validity */
	size_t windowed;       /* indicators matched over windows of records */
	size_t window_dropped; /* records pushed out of a full window, unmatched */
};
void tp_match_stats(const struct tp_match *m, struct tp_match_stats *st);

/* Per indicator, in load order: id (borrowed), hits and matches left out
 * for the indicator's validity (each may be NULL). i < stats.indicators. */
void tp_match_indicator(const struct tp_match *m, size_t i, const char **id, size_t *hits,
			size_t *outside);

#endif
