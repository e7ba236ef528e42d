/* Fuzzes the MISP event importer: see fuzz_import.h. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import_text(data, size, tp_convert_misp, "fuzz.json");
}
