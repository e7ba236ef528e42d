/* Raw block import settings for tests and benchmarks (see import_raw.c). */
#ifndef TP_TRACE_IMPORT_RAW_H
#define TP_TRACE_IMPORT_RAW_H

/*
 * Threads a raw import may use: 0 (the default) decodes on a second
 * thread when the machine has a second core, 1 keeps everything on the
 * calling thread. The graph is the same either way. Not thread-safe: set
 * it before importing.
 */
void tpi_raw_threads(int n);

#endif
