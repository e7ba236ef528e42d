/*
 * Fuzzes the TAXII filter parser (src/taxii/filter.c): the input is a
 * query string "k=v&k=v" (already URL-decoded, as libmicrohttpd hands it
 * over), each pair added to one filter set.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tripact/taxii.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	struct tp_taxii_filter f;
	struct tp_diag d = {0};
	tp_taxii_filter_init(&f);
	char *save = NULL;
	for (char *pair = strtok_r(s, "&", &save); pair; pair = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(pair, '=');
		if (eq)
			*eq = '\0';
		if (tp_taxii_filter_add(&f, pair, eq ? eq + 1 : NULL, 0x7f, &d) != TP_OK)
			break;
	}
	if (f.q.limit < 1 || f.q.limit > TP_TAXII_PAGE_MAX)
		abort();
	char tok[24];
	tp_taxii_next_format(f.q.cursor, tok);
	tp_time_us back;
	if (f.q.cursor && (tp_taxii_next_parse(tok, &back) != TP_OK || back != f.q.cursor))
		abort();
	tp_taxii_filter_free(&f);
	free(s);
	return 0;
}
