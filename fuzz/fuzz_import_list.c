/* Fuzzes the list importer: see fuzz_import.h. */
#include "fuzz_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_import(data, size, tp_convert_list, "fuzz.txt");
}
