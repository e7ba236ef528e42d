/*
 * A strict single-pass scanner for one line of bitcoin-etl `transactions`
 * JSON (private to src/trace; the format is in docs/trace-formats.md).
 * It checks the whole line as JSON the way tp_json_load does (duplicate
 * keys, UTF-8, escapes, integers that fit 64 bits, nesting) and keeps only
 * the fields the UTXO importer reads, without building a tree:
 *
 *	{"hash":"7940...","block_number":50001,"inputs":[],"outputs":[...]}
 *	  -> tx->hash = {TPE_STR, "7940..."}, tx->block_number = {TPE_INT, 50001},
 *	     tx->nin = 0, tx->out[0].value, tx->out[0].addrs, ...
 *
 * Fields not present are TPE_ABSENT; what they mean is the importer's
 * business. Strings are decoded (escapes resolved) and point into the line
 * or into the scanner; they are not NUL-terminated.
 */
#ifndef TP_TRACE_ETL_SCAN_H
#define TP_TRACE_ETL_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"

/* Room for a joined address list ("a+b+...") and its NUL, as tripact
 * has always sized it; a longer list is bad. */
#define TPE_ADDR_CAP 512

enum tpe_kind {
	TPE_ABSENT = 0,
	TPE_NULL,
	TPE_FALSE,
	TPE_TRUE,
	TPE_INT,
	TPE_REAL,
	TPE_STR,
	TPE_ARRAY,
	TPE_OBJECT,
};

struct tpe_val {
	enum tpe_kind kind;
	int64_t i;     /* TPE_INT */
	const char *s; /* TPE_STR: decoded bytes */
	size_t len;
};

/* An "addresses" member. */
struct tpe_addrs {
	enum tpe_kind kind; /* TPE_ARRAY, TPE_NULL, TPE_ABSENT or another kind */
	int bad;	    /* an element that is not a non-empty string, or too long joined */
	const char *s;	    /* the addresses joined with '+'; len 0: none */
	size_t len;
};

/* An element of "inputs" or "outputs" (each reads the members it needs). */
struct tpe_io {
	struct tpe_val spent_hash;  /* inputs: spent_transaction_hash */
	struct tpe_val spent_index; /* inputs: spent_output_index */
	struct tpe_val index;	    /* outputs: its position */
	struct tpe_val value;
	struct tpe_addrs addrs;
};

struct tpe_tx {
	struct tpe_val hash, block_number, block_timestamp, is_coinbase;
	enum tpe_kind inputs_kind, outputs_kind;
	size_t nin, nout;
	struct tpe_io *in; /* nin entries (elements that are not objects: all absent) */
	struct tpe_io *out;
};

struct tpe_scan;

/* A scanner with its reusable buffers; caller owns it (tpe_scan_free). */
enum tp_err tpe_scan_new(struct tpe_scan **out) TP_MUST_CHECK;
void tpe_scan_free(struct tpe_scan *s);

/*
 * Scans line[0..len). On TP_OK *tx (borrowed from s) describes the line
 * until the next call; it may point into line, which must stay as it is.
 * TP_EPARSE: the line is not a well-formed JSON object; msg gets the JSON
 * path, the reason and the column ("outputs[0].value: integer too big
 * (column 171)"). TP_ENOMEM: out of memory.
 */
enum tp_err tpe_scan_line(struct tpe_scan *s, const char *line, size_t len,
			  const struct tpe_tx **tx, char *msg, size_t msgcap) TP_MUST_CHECK;

/*
 * Lines in the shape bitcoin-etl writes are read by a fast path, others
 * (and every bad line) by the general one, with the same result either
 * way. Off, the general path reads every line: for tests and benchmarks.
 * On by default.
 */
void tpe_scan_set_fast(struct tpe_scan *s, int on);
/* How many lines the fast path read since tpe_scan_new. */
uint64_t tpe_scan_fast_lines(const struct tpe_scan *s);

/*
 * Starts loading, for writing, what scanning a line into s writes first
 * (its fields and the first inputs and outputs): a scanner that was not
 * used for a while (one of many lines in flight) is out of the cache.
 */
void tpe_scan_prefetch(const struct tpe_scan *s);

/* Parses a hex tx id (optional 0x) into raw bytes, as tpg_txid_parse; 32 or 0. */
size_t tpe_txid_parse(const char *s, size_t len, uint8_t out[32]);

#endif
