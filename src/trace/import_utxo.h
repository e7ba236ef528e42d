/* bitcoin-etl JSON-lines import settings for tests and benchmarks (see import_utxo.c). */
#ifndef TP_TRACE_IMPORT_UTXO_H
#define TP_TRACE_IMPORT_UTXO_H

/*
 * Threads a JSON-lines import may use: 0 (the default) scans lines on a
 * second thread when the machine has a second core, 1 keeps everything
 * on the calling thread. The graph is the same either way. Not
 * thread-safe: set it before importing.
 */
void tpi_utxo_threads(int n);

#endif
