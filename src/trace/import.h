/* Chain importers (private to src/trace); see import.c. */
#ifndef TP_TRACE_IMPORT_H
#define TP_TRACE_IMPORT_H

#include "graph.h"
#include "reader.h"
#include "tripact/btc.h"

/* bitcoin-etl transactions JSON lines, one file, appended to g. */
enum tp_err tpi_utxo_file(struct tp_trace_graph *g, struct tpr *r, uint32_t min_block,
			  struct tp_diag *d) TP_MUST_CHECK;

/* ethereum-etl files (any mix of types), merged in chain order into g. */
enum tp_err tpi_account_files(struct tp_trace_graph *g, const char *const *files, size_t n,
			      struct tpr *r, uint32_t min_block,
			      struct tp_diag *d) TP_MUST_CHECK;

/*
 * Raw Bitcoin blocks: 0 if path is not raw, 1 for getblock hex, 2 for a
 * blocks/data directory or blk*.dat file.
 */
int tpi_raw_kind(const char *path);
enum tp_err tpi_raw_file(struct tp_trace_graph *g, struct tpr *r, const char *path, int kind,
			 enum tp_btc_network net, uint32_t min_block,
			 struct tp_diag *d) TP_MUST_CHECK;

/* Reads a JSON integer or a decimal string as an exact u256. */
int tpi_json_u256(const void *json, struct tp_u256 *out);

#endif
