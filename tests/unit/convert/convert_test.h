/*
 * Helpers for the convert tests: run an import into memory and look at the
 * bundle and the reports. Include after tp_test.h.
 */
#ifndef CONVERT_TEST_H
#define CONVERT_TEST_H

#include <jansson.h>
#include <string.h>

#include "tp_test.h"
#include "tripact/buf.h"
#include "tripact/convert.h"
#include "tripact/json.h"
#include "tripact/pattern.h"
#include "tripact/validate.h"

#define MAX_REPORTS 256

struct run {
	struct tp_buf out;
	struct tp_convert_stats st;
	json_t *bundle;
	int nrep;
	long rep_line[MAX_REPORTS];
	char rep_path[MAX_REPORTS][260];
	char rep_msg[MAX_REPORTS][520];
};

static inline enum tp_err run_sink(void *ctx, const char *s, size_t n)
{
	struct run *r = ctx;
	return tp_buf_append(&r->out, s, n);
}

static inline void run_report(void *ctx, const char *file, const struct tp_diag *d)
{
	struct run *r = ctx;
	if (r->nrep < MAX_REPORTS) {
		r->rep_line[r->nrep] = d->line;
		snprintf(r->rep_path[r->nrep], 260, "%s", d->path);
		snprintf(r->rep_msg[r->nrep], 520, "%s", d->message);
	}
	r->nrep++;
}

struct vproblems {
	int n;
	char first[700];
};

static inline void vreport(void *ctx, const struct tp_stix_problem *p)
{
	struct vproblems *v = ctx;
	if (p->severity == TP_STIX_ERROR && v->n++ == 0)
		snprintf(v->first, sizeof v->first, "%s: %s: %s [%s]", p->object_id, p->path,
			 p->message, p->check);
}

/*
 * Every bundle an import makes must be valid STIX 2.1 under `validate
 * --strict`, every best-practice check included (the deterministic ids
 * are in v4 form). STIX 2.0 upgrades keep the producer's content, so they
 * get the MUST checks only.
 */
static inline void validate_bundle(const json_t *bundle, int strict)
{
	struct tp_stix_validate_opts vo = {
		.strict = strict,
		.pattern_check = tp_pattern_validate, /* every pattern, strictly */
	};
	struct tp_stix_validator *v;
	struct tp_diag d = {0};
	assert_int_equal(tp_stix_validator_new(&vo, &v, &d), TP_OK);
	struct tp_stix_validate_set *set;
	assert_int_equal(tp_stix_validate_set_new(v, 0, &set), TP_OK);
	struct vproblems p = {0};
	struct tp_stix_counts counts = {0};
	size_t i;
	const json_t *o;
	json_array_foreach(json_object_get(bundle, "objects"), i, o)
	{
		enum tp_err e = tp_stix_validate_set_add(set, o, 0, vreport, &p, &counts);
		assert_true(e == TP_OK || e == TP_EVALIDATE);
	}
	enum tp_err e = tp_stix_validate_set_finish(set, vreport, &p, &counts);
	assert_true(e == TP_OK || e == TP_EVALIDATE);
	tp_stix_validate_set_free(set);
	tp_stix_validator_free(v);
	if (p.n)
		fail_msg("%d validation errors; first: %s", p.n, p.first);
}

enum fmt { LIST, CSV, MISP, STIX20, ADOC };

/* Imports the files (paths below the source tree) with opts; asserts success. */
static inline void run_import(struct run *r, const struct tp_convert_opts *o, enum fmt f,
			      const char *const *files, size_t nfiles)
{
	memset(r, 0, sizeof *r);
	tp_buf_init(&r->out, 0);
	struct tp_convert *c;
	assert_int_equal(tp_convert_new(o, run_sink, run_report, r, &c), TP_OK);
	for (size_t i = 0; i < nfiles; i++) {
		const char *path = files[i][0] == '/' ? files[i] : tp_test_path(files[i]);
		struct tp_diag d = {0};
		enum tp_err e;
		if (f == LIST || f == CSV || f == ADOC) {
			FILE *in = fopen(path, "rb");
			assert_non_null(in);
			e = f == LIST  ? tp_convert_list(c, files[i], in, &d)
			    : f == CSV ? tp_convert_csv(c, files[i], in, &d)
				       : tp_convert_adoc(c, files[i], in, &d);
			fclose(in);
		} else {
			size_t len = 0;
			char *text = tp_test_slurp(path, &len);
			assert_non_null(text);
			e = f == MISP ? tp_convert_misp(c, files[i], text, len, &d)
				      : tp_convert_stix20(c, files[i], text, len, &d);
			free(text);
		}
		if (e != TP_OK)
			fail_msg("%s: %s", files[i], d.message);
	}
	struct tp_diag d = {0};
	assert_int_equal(tp_convert_finish(c, &r->st, &d), TP_OK);
	tp_convert_free(c);
	struct tp_diag jd = {0};
	if (tp_json_load(r->out.data, r->out.len, &r->bundle, &jd) != TP_OK)
		fail_msg("bundle is not JSON: %ld:%ld %s", jd.line, jd.column, jd.message);
	validate_bundle(r->bundle, f != STIX20);
}

static inline void run_free(struct run *r)
{
	json_decref(r->bundle);
	tp_buf_free(&r->out);
}

static inline size_t count_type(const json_t *bundle, const char *type)
{
	size_t i, n = 0;
	const json_t *o;
	json_array_foreach(json_object_get(bundle, "objects"), i, o)
	{
		n += strcmp(tp_json_str(o, "type"), type) == 0;
	}
	return n;
}

/* The object of `type` whose `key` is `value` (borrowed), or NULL. */
static inline const json_t *find(const json_t *bundle, const char *type, const char *key,
				 const char *value)
{
	size_t i;
	const json_t *o;
	json_array_foreach(json_object_get(bundle, "objects"), i, o)
	{
		const char *v = tp_json_str(o, key);
		if (strcmp(tp_json_str(o, "type"), type) == 0 && v && strcmp(v, value) == 0)
			return o;
	}
	return NULL;
}

#endif
