/*
 * The body shared by the importer fuzz targets: any input must give either
 * an error or a bundle that is valid JSON (every value escaped, the framing
 * closed). fuzz_import() feeds a stream importer (list, csv, adoc),
 * fuzz_import_text() a whole-document one (misp, stix20).
 */
#ifndef TP_FUZZ_IMPORT_H
#define TP_FUZZ_IMPORT_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tripact/buf.h"
#include "tripact/convert.h"
#include "tripact/json.h"

typedef enum tp_err (*fuzz_importer)(struct tp_convert *c, const char *file, FILE *in,
				     struct tp_diag *d);

typedef enum tp_err (*fuzz_text_importer)(struct tp_convert *c, const char *file, const char *text,
					  size_t len, struct tp_diag *d);

static inline enum tp_err fuzz_import_sink(void *ctx, const char *s, size_t n)
{
	return tp_buf_append(ctx, s, n);
}

/* Runs one importer: either `stream` on a FILE or `text` on the buffer. */
static inline int fuzz_import_run(const uint8_t *data, size_t size, fuzz_importer stream,
				  fuzz_text_importer text, const char *file)
{
	struct tp_buf out;
	tp_buf_init(&out, 0);
	struct tp_convert_opts o = {.identity = "fuzz", .tlp = TP_TLP_GREEN, .time = 1};
	struct tp_convert *c;
	if (tp_convert_new(&o, fuzz_import_sink, NULL, &out, &c) != TP_OK)
		abort();
	struct tp_diag d = {0};
	enum tp_err e;
	if (stream) {
		/* fmemopen refuses a zero-length buffer: open one byte and consume it. */
		FILE *in = fmemopen((void *)data, size ? size : 1, "r");
		if (!in)
			abort();
		if (size == 0)
			fgetc(in);
		e = stream(c, file, in, &d);
		fclose(in);
	} else {
		e = text(c, file, (const char *)data, size, &d);
	}
	if (e == TP_OK && tp_convert_finish(c, NULL, &d) == TP_OK) {
		json_t *v;
		if (tp_json_load(out.data, out.len, &v, &d) != TP_OK)
			abort(); /* the importer wrote broken JSON */
		json_decref(v);
	}
	tp_convert_free(c);
	tp_buf_free(&out);
	return 0;
}

static inline int fuzz_import(const uint8_t *data, size_t size, fuzz_importer import,
			      const char *file)
{
	return fuzz_import_run(data, size, import, NULL, file);
}

static inline int fuzz_import_text(const uint8_t *data, size_t size, fuzz_text_importer import,
				   const char *file)
{
	return fuzz_import_run(data, size, NULL, import, file);
}

#endif
