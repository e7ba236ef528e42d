/*
 * Differential fuzzing of the fast JSON parser against jansson: whatever
 * tp_json_load_fast accepts, json_loadb(JSON_REJECT_DUPLICATES) must accept
 * with the same value, and tp_json_load must answer as jansson does.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/json.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17))

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json_fast: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	json_t *f = NULL, *l = NULL;
	json_error_t je;
	struct tp_diag d = {0};
	int fast = tp_json_load_fast(s, size, &f) == TP_OK;
	json_t *j = json_loadb(s, size, JSON_REJECT_DUPLICATES, &je);
	int loaded = tp_json_load(s, size, &l, &d) == TP_OK;
	check(!fast || j, "fast parser accepts what jansson rejects");
	check(loaded == (j != NULL), "tp_json_load and jansson disagree");
	if (j) {
		char *sj = json_dumps(j, DUMP_FLAGS), *sl = json_dumps(l, DUMP_FLAGS);
		check(sj && sl && strcmp(sj, sl) == 0, "tp_json_load value differs");
		if (fast) {
			char *sf = json_dumps(f, DUMP_FLAGS);
			check(sf && strcmp(sf, sj) == 0, "fast parser value differs");
			free(sf);
		}
		free(sj);
		free(sl);
	} else {
		char want[300];
		snprintf(want, sizeof want, "malformed JSON: %s", je.text);
		check(strcmp(d.message, want) == 0, "diagnosis differs from jansson's");
	}
	json_decref(f);
	json_decref(j);
	json_decref(l);
	return 0;
}
