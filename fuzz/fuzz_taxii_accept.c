/* Fuzzes the TAXII Accept and Content-Type parsers (src/taxii/media.c). */
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
	enum tp_media m;
	for (unsigned allowed = 1; allowed <= 3; allowed++) {
		if (tp_taxii_accept(s, allowed, &m) == TP_OK && !(m & allowed))
			abort(); /* picked a type that was not offered */
		if (tp_taxii_content_type(s, allowed, &m) == TP_OK && !(m & allowed))
			abort();
	}
	free(s);
	return 0;
}
