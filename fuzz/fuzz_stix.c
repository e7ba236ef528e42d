/*
 * Fuzzes the JSON-to-STIX path as `tripact validate` runs it: the
 * streaming reader over the input, each object parsed, wrapped
 * (tp_stix_object_new), validated with cross-object checks, its SCO id
 * computed and its canonical JSON produced. The first byte picks
 * validator options, so strict and enforce-refs paths are covered too.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tripact/jcs.h"
#include "tripact/json.h"
#include "tripact/reader.h"
#include "tripact/stix.h"
#include "tripact/validate.h"

static void ignore(void *ctx, const struct tp_stix_problem *p)
{
	(void)ctx;
	(void)p;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	struct tp_stix_validate_opts o = {
		.strict = data[0] & 1,
		.strict_types = (data[0] >> 1) & 1,
		.strict_properties = (data[0] >> 2) & 1,
		.enforce_refs = (data[0] >> 3) & 1,
		.interop = (data[0] >> 4) & 1,
		.disabled = (data[0] >> 5) & 1 ? "1,270" : NULL,
	};
	FILE *f = fmemopen((void *)(data + 1), size - 1 ? size - 1 : 1, "r");
	if (!f)
		return 0;
	struct tp_stix_validator *v = NULL;
	struct tp_reader *r = NULL;
	struct tp_stix_validate_set *set = NULL;
	if (tp_stix_validator_new(&o, &v, NULL) != TP_OK ||
	    tp_reader_new(f, "fuzz", 1 << 16, &r) != TP_OK ||
	    tp_stix_validate_set_new(v, 1000, &set) != TP_OK)
		goto out;
	struct tp_reader_item it;
	while (tp_reader_next(r, &it, NULL) == TP_OK) {
		json_t *j;
		if (tp_json_load(it.text, it.len, &j, NULL) != TP_OK)
			continue;
		struct tp_stix_object *so;
		if (tp_stix_object_new(j, &so, NULL) == TP_OK)
			tp_stix_object_free(so);
		struct tp_stix_counts c = {0};
		if (tp_stix_validate_set_add(set, j, it.line, ignore, NULL, &c) == TP_ENOMEM) {
			json_decref(j);
			break;
		}
		char id[TP_STIX_ID_MAX];
		if (tp_stix_sco_id(j, id, NULL) == TP_OK && id[0] == '\0')
			abort(); /* an id was promised */
		free(tp_jcs_serialize(j));
		json_decref(j);
	}
	struct tp_stix_counts c = {0};
	if (tp_stix_validate_set_finish(set, ignore, NULL, &c) == TP_ENOMEM)
		goto out;
out:
	tp_stix_validate_set_free(set);
	tp_reader_free(r);
	tp_stix_validator_free(v);
	fclose(f);
	return 0;
}
