/*
 * tripact error convention: every fallible function returns enum tp_err
 * (TP_OK == 0) and is marked TP_MUST_CHECK. Details for a human (where and
 * why) go into an optional, caller-owned struct tp_diag. The library never
 * prints, exits or aborts; the CLI maps codes to exit statuses.
 *
 *	struct tp_diag d = {0};
 *	enum tp_err e = tp_json_load(text, len, &root, &d);
 *	if (e != TP_OK)
 *		fprintf(stderr, "%s:%ld:%ld: %s\n", file, d.line, d.column, d.message);
 */
#ifndef TRIPACT_ERROR_H
#define TRIPACT_ERROR_H

#include <stddef.h>

#define TP_MUST_CHECK __attribute__((warn_unused_result))
#define TP_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))

enum tp_err {
	TP_OK = 0,
	TP_ENOMEM,	 /* out of memory */
	TP_EINVAL,	 /* invalid argument (a caller's mistake) */
	TP_EPARSE,	 /* malformed input (JSON, pattern, CSV, ...) */
	TP_EVALIDATE,	 /* well-formed but breaks a rule (STIX validation) */
	TP_ENOTFOUND,	 /* no such object, file, account, ... */
	TP_ELIMIT,	 /* a configured size or depth limit was reached */
	TP_EIO,		 /* read/write/system call failed */
	TP_EDB,		 /* database error */
	TP_EEXIST,	 /* already exists */
	TP_EPERM,	 /* not permitted (authorization) */
	TP_EAUTH,	 /* not authenticated */
	TP_EOVERFLOW,	 /* arithmetic overflow */
	TP_EUNSUPPORTED, /* valid but not supported */
	TP_ETIMEOUT,	 /* timed out */
	TP_ECONFLICT,	 /* conflicting state (version, concurrent change) */
	TP_ERR_COUNT
};

/* A static, human-readable name for an error code ("out of memory"). */
const char *tp_strerror(enum tp_err err);

/*
 * Where and why something failed. All fields are optional; zero means
 * unknown. Strings are copied in (bounded), so a diag outlives its input.
 */
struct tp_diag {
	enum tp_err code;
	long line;	      /* 1-based line in the input, 0 = unknown */
	long column;	      /* 1-based column (bytes), 0 = unknown */
	char object_id[160];  /* STIX id of the object concerned, if any */
	char path[256];	      /* JSON path inside the object ("objects[3].name") */
	char message[512];    /* what is wrong, in one sentence */
};

/*
 * Records code and a printf-style message in d (d may be NULL) and returns
 * code, so callers can write `return tp_diag_set(d, TP_EPARSE, "...");`.
 * Line, column, object_id and path are left as they were.
 */
enum tp_err tp_diag_set(struct tp_diag *d, enum tp_err code, const char *fmt, ...)
	TP_PRINTF(3, 4);

/* Sets the JSON path (printf-style); d may be NULL. */
void tp_diag_path(struct tp_diag *d, const char *fmt, ...) TP_PRINTF(2, 3);

/* Sets the object id; d may be NULL, id may be NULL (clears). */
void tp_diag_object(struct tp_diag *d, const char *id);

/* Clears every field. */
void tp_diag_clear(struct tp_diag *d);

#endif
