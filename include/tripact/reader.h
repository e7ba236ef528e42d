/*
 * A streaming reader for STIX input: finds each top-level STIX object in a
 * bundle's `objects` array, a JSON array of objects, a single object, or
 * JSON lines (one value after another), and hands over its bytes, with the
 * line and column where it starts, without ever holding more than one
 * object (plus a read buffer) in memory. Parsing each object is the
 * caller's job (tp_json_load), so a million-object bundle costs the memory
 * of its largest object.
 *
 *	struct tp_reader *r;
 *	tp_reader_new(stdin, "bundle.json", 0, &r);
 *	struct tp_reader_item it;
 *	while ((e = tp_reader_next(r, &it, &d)) == TP_OK) {
 *		if (it.where == TP_READER_BUNDLE) ...   // the bundle envelope, at its end
 *		else parse(it.text, it.len) ...         // one object, from line it.line
 *	}
 *	// e == TP_ENOTFOUND at the end; TP_EPARSE/TP_ELIMIT/TP_EIO with d.line/d.column
 *	tp_reader_free(r);
 *
 * The scanner only balances brackets outside strings; the JSON inside an
 * object is checked by the parser the caller runs on it.
 */
#ifndef TRIPACT_READER_H
#define TRIPACT_READER_H

#include <stdio.h>

#include "tripact/error.h"

/* Default cap on one object's size, in bytes. */
#define TP_READER_MAX_OBJECT (16u << 20)
/* Nesting deeper than this inside one object is a TP_ELIMIT. */
#define TP_READER_MAX_DEPTH 200

enum tp_reader_where {
	TP_READER_TOP,	   /* a top-level value (single object or JSON lines) */
	TP_READER_ARRAY,   /* an element of a top-level array */
	TP_READER_OBJECTS, /* an element of a bundle's objects array */
	TP_READER_BUNDLE,  /* a bundle's other members, as one JSON object, after its end */
};

struct tp_reader_item {
	const char *text; /* borrowed until the next call; not NUL-terminated */
	size_t len;
	long line, column; /* where the item starts (1-based) */
	enum tp_reader_where where;
	size_t index; /* position in its array (objects[index]), 0 at top level */
};

struct tp_reader;

/* f: borrowed (the caller closes it). name is used in messages only.
 * max_object 0 means TP_READER_MAX_OBJECT. *out: caller owns. */
enum tp_err tp_reader_new(FILE *f, const char *name, size_t max_object,
			  struct tp_reader **out) TP_MUST_CHECK;
void tp_reader_free(struct tp_reader *r);

/* The next item; TP_ENOTFOUND at the end of input. After any other error
 * the reader is finished (further calls return the same error). */
enum tp_err tp_reader_next(struct tp_reader *r, struct tp_reader_item *it,
			   struct tp_diag *d) TP_MUST_CHECK;

/* While inside a bundle: the members read so far other than `objects`, as
 * a JSON object text (borrowed until the next call). NULL otherwise. */
const char *tp_reader_envelope(struct tp_reader *r, size_t *len);

/* The line where the current bundle starts (0 outside a bundle). */
long tp_reader_bundle_line(const struct tp_reader *r);

/* Bytes consumed so far. */
unsigned long long tp_reader_offset(const struct tp_reader *r);

#endif
