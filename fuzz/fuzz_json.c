/* Fuzzes the JSON loader (duplicate keys, depth limit, UTF-8 checks). */
#include <stdint.h>
#include <stdlib.h>

#include "tripact/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *v = NULL;
	struct tp_diag d = {0};
	if (tp_json_load((const char *)data, size, &v, &d) == TP_OK) {
		char *s = tp_json_dump(v);
		free(s);
		json_decref(v);
	}
	return 0;
}
