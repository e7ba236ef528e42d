/*
 * Inside the import: the state shared by the readers (list, csv, misp,
 * stix20) and the writer (writer.c) that turns records into STIX objects.
 */
#ifndef TP_CONVERT_INT_H
#define TP_CONVERT_INT_H

#include <jansson.h>
#include <stdint.h>

#include "ioc.h"
#include "tripact/buf.h"
#include "tripact/convert.h"
#include "tripact/time.h"
#include "tripact/uuid.h"

/* Ids written so far: an open-addressed set of 16-byte keys. */
struct idset {
	uint8_t (*keys)[16];
	size_t n, cap;
};

struct tp_convert {
	struct tp_convert_opts o;
	tp_convert_sink_fn sink;
	tp_convert_report_fn report;
	void *ctx;
	struct tp_uuid ns;
	char identity_id[64];
	char time[TP_TIME_BUFSZ];
	size_t written; /* objects written (for the separating commas) */
	int tlp_written[TP_TLP_RED + 1];
	int identity_written;
	struct idset ids;
	struct tp_convert_stats st;
	struct tp_buf obj, value, pat, esc, name; /* scratch */
	enum tp_err fatal;			  /* a sink error, sticky */
};

/* One IOC as a reader found it. Strings are borrowed. */
struct tp_convert_rec {
	const char *file;
	long line;	  /* 0 when the input has no lines */
	const char *path; /* JSON path, or NULL */
	const char *value;
	enum tp_ioc_kind kind;	    /* TP_IOC_UNKNOWN: infer */
	unsigned allowed;	    /* kind UNKNOWN: the kinds the source's type name
				     * allows (bit 1 << kind); 0 = any */
	const char *declared;	    /* that type name, for reports */
	const char *description;    /* may be NULL */
	const char *ref_url;	    /* external reference url, may be NULL */
	const char *ref_id;	    /* external_id, may be NULL */
	enum tp_tlp tlp;	    /* marking from the input itself; NONE: opts */
	int observable;		    /* 1: an SCO, not an indicator */
	const char *const *targets; /* more `indicates` targets */
	size_t ntargets;
	const char *const *labels; /* more labels (MISP tags) */
	size_t nlabels;
};

/*
 * Converts one record: an indicator (or SCO) and its relationships. A value
 * that cannot be converted is reported, counted and skipped: TP_OK. Other
 * errors (memory, the sink) are returned.
 */
enum tp_err tp_convert_rec(struct tp_convert *c, const struct tp_convert_rec *r) TP_MUST_CHECK;

/* Reports a record that is skipped; always returns TP_OK. */
enum tp_err tp_convert_reject(struct tp_convert *c, const char *file, long line, const char *path,
			      const char *fmt, ...) TP_PRINTF(5, 6);

/*
 * Writes obj (takes ownership) unless an object with its id was written
 * already; adds the TLP marking of opts (or `tlp`) when obj has none and is
 * not a marking-definition.
 */
enum tp_err tp_convert_emit(struct tp_convert *c, json_t *obj, enum tp_tlp tlp) TP_MUST_CHECK;

/* As tp_convert_emit, without de-duplication: for objects of a STIX input,
 * where one id may come in several versions. */
enum tp_err tp_convert_emit_version(struct tp_convert *c, json_t *obj) TP_MUST_CHECK;

/* Makes sure the marking-definition of tlp is in the bundle. */
enum tp_err tp_convert_need_tlp(struct tp_convert *c, enum tp_tlp tlp) TP_MUST_CHECK;

/* Writes an `indicates` (or other) relationship, deterministic id. */
enum tp_err tp_convert_relate(struct tp_convert *c, const char *src, const char *type,
			      const char *dst, enum tp_tlp tlp) TP_MUST_CHECK;

/* The deterministic id of an SCO (borrowed), or a UUIDv4 one when it has
 * no ID contributing property; out has TP_STIX_ID_MAX bytes. */
enum tp_err tp_convert_sco_id(const json_t *sco, char *out) TP_MUST_CHECK;

/* A line reader with a size cap: returns 1 with the line (no newline) in
 * b, 0 at end of file, -1 on error or an over-long line (TP_ELIMIT). */
int tp_convert_getline(FILE *in, struct tp_buf *b, enum tp_err *err);

/* The name of the first warninglist (borrowed) holding value of kind, or NULL. */
const char *tp_warninglists_match(const struct tp_warninglists *w, int kind, const char *value);

/* Internal: whether a CSV/MISP type name is a known IOC name. */
int tp_ioc_kind_known(const char *name);

#endif
