/* JSON helpers: see include/tripact/json.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/buf.h"
#include "tripact/json.h"

static enum tp_err from_jansson(const json_error_t *je, struct tp_diag *d)
{
	enum tp_err code = TP_EPARSE;
	if (json_error_code(je) == json_error_stack_overflow)
		code = TP_ELIMIT;
	else if (json_error_code(je) == json_error_out_of_memory)
		code = TP_ENOMEM;
	if (d) {
		d->line = je->line > 0 ? je->line : 0;
		d->column = je->column > 0 ? je->column : 0;
	}
	return tp_diag_set(d, code, "malformed JSON: %s", je->text);
}

enum tp_err tp_json_load(const char *text, size_t len, json_t **out, struct tp_diag *d)
{
	json_t *v;
	if (tp_json_load_fast(text, len, &v) == TP_OK) {
		*out = v;
		return TP_OK;
	}
	/* Declined: jansson gives the value or the exact diagnosis. */
	json_error_t je;
	v = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return from_jansson(&je, d);
	*out = v;
	return TP_OK;
}

enum tp_err tp_json_load_file(const char *path, json_t **out, struct tp_diag *d)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return tp_diag_set(d, TP_EIO, "cannot open %s: %m", path);
	json_error_t je;
	json_t *v = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
	if (f != stdin)
		fclose(f);
	if (!v)
		return from_jansson(&je, d);
	*out = v;
	return TP_OK;
}

const char *tp_json_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

char *tp_json_dump(const json_t *v)
{
	json_malloc_t jm;
	json_free_t jf;
	json_get_alloc_funcs(&jm, &jf);
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s || jf == free)
		return s;
	/* jansson's memory may be an arena's: hand back malloc's */
	char *c = strdup(s);
	jf(s);
	return c;
}
