/*
 * Fuzzes the envelope scanner (src/taxii/envelope.c): for any text jansson
 * accepts as an object with an "objects" list, each text the scanner cuts
 * out must parse to exactly the element jansson saw, and the scanner must
 * stay inside its buffers (ASan). A refusal (TP_EINVAL) is allowed: the
 * node then serialises the objects itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/json.h"
#include "tripact/taxii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *env = NULL;
	if (tp_json_load((const char *)data, size, &env, NULL) != TP_OK)
		return 0;
	json_t *objs = json_object_get(env, "objects");
	if (!json_is_array(objs)) {
		json_decref(env);
		return 0;
	}
	size_t n = json_array_size(objs);
	/* exact sizes, so ASan sees any write past them */
	char *out = malloc(size ? size : 1);
	struct tp_taxii_span *sp = malloc((n ? n : 1) * sizeof *sp);
	if (out && sp && tp_taxii_object_texts((const char *)data, size, n, out, sp) == TP_OK) {
		for (size_t i = 0; i < n; i++) {
			if (sp[i].off + sp[i].len > size)
				abort();
			json_t *v = json_loadb(out + sp[i].off, sp[i].len, JSON_DECODE_ANY, NULL);
			if (!v || !json_equal(v, json_array_get(objs, i)))
				abort();
			json_decref(v);
		}
	}
	free(out);
	free(sp);
	json_decref(env);
	return 0;
}
