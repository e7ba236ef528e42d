/*
 * Import and export of the IOC formats partners already hold: MISP event
 * JSON, vendor CSV tables (value,type[,notes]), plain IOC lists and STIX 2.0
 * bundles come in as one STIX 2.1 bundle; STIX goes out as MISP, CSV,
 * Suricata dataset files and a Zeek Intel file.
 *
 * Import streams: each object is serialised as soon as it is made and handed
 * to the caller's sink, so memory grows with the number of distinct ids
 * (20 bytes each, for de-duplication), never with the input.
 *
 *	struct tp_convert_opts o = {.identity = "US CISA (demo)",
 *				    .tlp = TP_TLP_AMBER, .source = "maltrail"};
 *	struct tp_convert *c;
 *	if (tp_convert_new(&o, write_to_file, f, &c) != TP_OK) ...
 *	tp_convert_list(c, "apt_lazarus.txt", in, &d);  // "hxxp://evil[.]com"
 *	tp_convert_finish(c, &d);                        // closes the bundle
 *	tp_convert_free(c);
 *
 * gives, besides the identity and the TLP marking-definition,
 *
 *	{"type":"indicator","spec_version":"2.1","id":"indicator--<uuid>",
 *	 "pattern":"[url:value = 'http://evil.com']", ...}
 *
 * Indicator ids are name-based UUIDs in v4 form (tp_uuid_named_v4) in
 * TP_CONVERT_NAMESPACE over
 * "<identity id>|<pattern>", so the same IOC from the same producer always
 * gets the same id and re-importing never duplicates.
 */
#ifndef TRIPACT_CONVERT_H
#define TRIPACT_CONVERT_H

#include <stdio.h>

#include "tripact/error.h"
#include "tripact/time.h"

/* The namespace of tripact's deterministic indicator and identity ids. */
#define TP_CONVERT_NAMESPACE "6c1d9b5e-3a5f-5d7c-9a0e-747269706163"

enum tp_tlp {
	TP_TLP_NONE = 0,
	TP_TLP_CLEAR,
	TP_TLP_GREEN,
	TP_TLP_AMBER,
	TP_TLP_AMBER_STRICT,
	TP_TLP_RED,
};

/* "clear", "green", "amber", "amber+strict", "red" (also "white"); case-insensitive. */
enum tp_err tp_convert_tlp_parse(const char *s, enum tp_tlp *out) TP_MUST_CHECK;
/* The marking-definition id of a TLP 2.0 level (borrowed, static); NULL for NONE. */
const char *tp_convert_tlp_id(enum tp_tlp tlp);

/*
 * MISP warninglists (known false positives: RFC 1918, CDNs, top sites,
 * empty-file hashes, ...). A value on a list is imported as an observable,
 * not an indicator, and reported (see docs/import-export.md).
 */
struct tp_warninglists;
enum tp_err tp_warninglists_new(struct tp_warninglists **out) TP_MUST_CHECK;
/* Adds one list file, or every *.json (and <dir>/list.json) of a directory.
 * Lists whose "category" is "known" are informational and not loaded. */
enum tp_err tp_warninglists_add(struct tp_warninglists *w, const char *path,
				struct tp_diag *d) TP_MUST_CHECK;
/* The number of lists loaded. */
size_t tp_warninglists_count(const struct tp_warninglists *w);
void tp_warninglists_free(struct tp_warninglists *w);

struct tp_convert_opts {
	/* Name of the producing organisation; an identity object with a
	 * deterministic id is emitted for it. NULL: "tripact import". */
	const char *identity;
	/* Marking applied to every object produced; NONE: no marking
	 * (a MISP tlp: tag may still add one to the objects of its event). */
	enum tp_tlp tlp;
	/* Ids (borrowed) of the SDOs every indicator `indicates`
	 * (intrusion-set, campaign, malware, ...). */
	const char *const *attribute_to;
	size_t n_attribute_to;
	/* source_name of each indicator's external reference; NULL: the input
	 * file's base name. */
	const char *source;
	/* created/modified/valid_from; 0: the current time. */
	tp_time_us time;
	/* Bundle id (e.g. "bundle--..."); NULL: named from the other options. */
	const char *bundle_id;
	/* Optional STIX 2.x bundle (borrowed, jansson json_t *) used to map
	 * MISP galaxy clusters to ATT&CK objects by ATT&CK id or name. */
	const void *attack;
	/* 1: copy each `indicates` target found in `attack` (with its
	 * identity and markings) into the bundle, so it stands alone. MITRE's
	 * objects carry reference URLs without hashes, which `validate
	 * --strict` reports (extref-hashes). */
	int include_targets;
	/* Optional (borrowed): values on these lists become observables. */
	const struct tp_warninglists *warninglists;
};

/* Counts for the caller's summary. */
struct tp_convert_stats {
	size_t rows;	    /* input records seen (lines, attributes, objects) */
	size_t indicators;  /* indicator objects written */
	size_t observables; /* SCOs written */
	size_t relationships;
	size_t other;	   /* identities, markings, upgraded SDOs, ... */
	size_t duplicates; /* records that gave an id already written */
	size_t rejected;   /* records reported through the report callback */
	size_t warned;	   /* values on a warninglist: observables, reported */
};

/*
 * Receives each serialised object (compact JSON, no trailing newline) or a
 * piece of the bundle framing; returns TP_OK or an error that stops the
 * import.
 */
typedef enum tp_err (*tp_convert_sink_fn)(void *ctx, const char *s, size_t len);

/*
 * Told about every input record that could not be converted (d->code
 * TP_EPARSE), or that was converted as an observable because it is on a
 * warninglist (d->code TP_EVALIDATE): d->line (and d->path for JSON
 * inputs) locate it in `file`; d->message says why. Reports are not
 * errors: the import goes on.
 */
typedef void (*tp_convert_report_fn)(void *ctx, const char *file, const struct tp_diag *d);

struct tp_convert;

/* opts and everything it points to are borrowed until tp_convert_free. */
enum tp_err tp_convert_new(const struct tp_convert_opts *opts, tp_convert_sink_fn sink,
			   tp_convert_report_fn report, void *ctx,
			   struct tp_convert **out) TP_MUST_CHECK;
void tp_convert_free(struct tp_convert *c);

/*
 * Changes, for the inputs read from now on, the `indicates` targets and the
 * source_name of opts (both borrowed; ids must be STIX ids: TP_EINVAL
 * otherwise, nothing changed). source may be NULL (the file name).
 */
enum tp_err tp_convert_set_targets(struct tp_convert *c, const char *const *ids, size_t n,
				   const char *source) TP_MUST_CHECK;

/*
 * Readers. `file` names the input in reports and references (borrowed).
 * Streams read line by line (list, csv); JSON readers load the document.
 * An error return (I/O, out of memory, malformed JSON document) stops the
 * import; d says where. Bad records are reported and skipped instead.
 */
enum tp_err tp_convert_list(struct tp_convert *c, const char *file, FILE *in,
			    struct tp_diag *d) TP_MUST_CHECK;
enum tp_err tp_convert_csv(struct tp_convert *c, const char *file, FILE *in,
			   struct tp_diag *d) TP_MUST_CHECK;
/* IOC tables and network/hash listings of AsciiDoc reports (ESET's
 * README.adoc files). */
enum tp_err tp_convert_adoc(struct tp_convert *c, const char *file, FILE *in,
			    struct tp_diag *d) TP_MUST_CHECK;
enum tp_err tp_convert_misp(struct tp_convert *c, const char *file, const char *text, size_t len,
			    struct tp_diag *d) TP_MUST_CHECK;
enum tp_err tp_convert_stix20(struct tp_convert *c, const char *file, const char *text, size_t len,
			      struct tp_diag *d) TP_MUST_CHECK;

/* Writes what is pending and closes the bundle. stats may be NULL. */
enum tp_err tp_convert_finish(struct tp_convert *c, struct tp_convert_stats *stats,
			      struct tp_diag *d) TP_MUST_CHECK;

/*
 * Export. `bundle` is a STIX 2.1 bundle (borrowed json_t *). Each writer
 * goes through the indicators whose pattern is a single comparison (or an
 * OR of them) on an exact value the target format knows; every other
 * indicator is reported (d->object_id set) and left out.
 */
enum tp_export_format {
	TP_EXPORT_MISP,
	TP_EXPORT_CSV,
	TP_EXPORT_SURICATA, /* datasets, hash lists and rules, in a directory */
	TP_EXPORT_ZEEK,	    /* one Zeek Intel framework file */
};

enum tp_err tp_export_format_parse(const char *s, enum tp_export_format *out) TP_MUST_CHECK;

struct tp_export_stats {
	size_t indicators; /* indicators seen */
	size_t written;	   /* values written */
	size_t skipped;	   /* indicators reported and left out */
};

/*
 * Writes bundle in `fmt`. For SURICATA, `out` is NULL and `dir` names the
 * directory that receives <prefix>-<type>.lst files and a rules file; for
 * the others `out` is the stream and dir is ignored.
 */
enum tp_err tp_export_write(const void *bundle, enum tp_export_format fmt, FILE *out,
			    const char *dir, tp_convert_report_fn report, void *ctx,
			    struct tp_export_stats *stats, struct tp_diag *d) TP_MUST_CHECK;

#endif
