/* Fuzzes the STIX 2.0 importer: see fuzz_import.h. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import_text(data, size, tp_convert_stix20, "fuzz.json");
}
