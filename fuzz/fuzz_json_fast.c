/*
 * Differential fuzzing of the fast JSON parser against jansson: whatever
 * tp_json_load_fast accepts, json_loadb(JSON_REJECT_DUPLICATES) must accept
 * with the same value, and tp_json_load must answer as jansson does. All of
 * it inside a tp_json_arena started over per input, as tripact validate
 * does, so ASan sees any arena memory used after its reset.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/json.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_json_fast: %s\n", what);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_json_arena *arena;
	if (!arena && tp_json_arena_new(&arena) == TP_OK)
		tp_json_arena_enter(arena);
	tp_json_arena_reset(arena);
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
		/* tp_json_dump: malloc'd even inside the arena */
		char *sj = tp_json_dump(j), *sl = tp_json_dump(l);
		check(sj && sl && strcmp(sj, sl) == 0, "tp_json_load value differs");
		if (fast) {
			char *sf = tp_json_dump(f);
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
