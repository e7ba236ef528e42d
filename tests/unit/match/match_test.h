/* Helpers of the match tests: a matcher over the planted indicators. */
#ifndef TP_MATCH_TEST_H
#define TP_MATCH_TEST_H

#include <string.h>

#include "tp_test.h"
#include "tripact/json.h"
#include "tripact/match.h"

struct seen {
	size_t reports, bad;
	long first_bad_line;
	char last[512];
};

static void seen_report(void *ctx, const char *file, const struct tp_diag *d)
{
	struct seen *s = ctx;
	s->reports++;
	if (file && !s->bad++)
		s->first_bad_line = d->line;
	snprintf(s->last, sizeof s->last, "%s", d->message);
}

/* A compiled matcher over tests/data/match/indicators.json. */
static inline struct tp_match *planted(struct tp_match_opts *o, struct seen *s)
{
	struct tp_match *m = NULL;
	json_t *root = NULL;
	struct tp_diag d = {0};
	if (tp_match_new(o, seen_report, NULL, s, &m) != TP_OK ||
	    tp_json_load_file(tp_test_path("tests/data/match/indicators.json"), &root, &d) !=
		    TP_OK ||
	    tp_match_add_indicators(m, root, &d) != TP_OK || tp_match_compile(m, &d) != TP_OK) {
		fprintf(stderr, "planted: %s\n", d.message);
		json_decref(root);
		tp_match_free(m);
		return NULL;
	}
	json_decref(root);
	return m;
}

/* Hits of the planted indicator number n (1-based, as in its id). */
static inline size_t hits_of(const struct tp_match *m, int n)
{
	char want[64];
	snprintf(want, sizeof want, "indicator--00000000-0000-4000-8000-%012d", n);
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	for (size_t i = 0; i < st.indicators; i++) {
		const char *id;
		size_t h;
		tp_match_indicator(m, i, &id, &h, NULL);
		if (strcmp(id, want) == 0)
			return h;
	}
	return (size_t)-1;
}

#endif
