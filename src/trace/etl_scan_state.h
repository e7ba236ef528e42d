/*
 * The bitcoin-etl line scanner's state, shared by its two readers of a
 * line (private to etl_scan.c and etl_fast.c): the general path, which
 * reads any JSON and explains every fault, and the fast path for lines in
 * the shape bitcoin-etl writes, which gives up on anything else.
 */
#ifndef TP_TRACE_ETL_SCAN_STATE_H
#define TP_TRACE_ETL_SCAN_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "etl_scan.h"

struct span {
	const char *s;
	size_t n;
};

struct tpe_scan {
	const unsigned char *line, *p, *end;
	char *arena; /* decoded strings and joined addresses of this line */
	size_t acap, aused;
	struct tpe_tx tx;
	size_t incap, outcap;
	struct span *keys; /* names outside tpe_key_id's list, of every open object */
	size_t nkeys, kcap;
	int depth;
	int nomem;
	/* where we are, for messages: top-level member, element, its member */
	struct span at_top, at_sub;
	long at_index;
	char *msg;
	size_t msgcap;
	int general_only;    /* tpe_scan_set_fast(s, 0) */
	uint64_t fast_lines; /* lines the fast path read */
};

enum key {
	K_OTHER = 0,
	/* read */
	K_HASH,
	K_BLOCK_NUMBER,
	K_BLOCK_TIMESTAMP,
	K_IS_COINBASE,
	K_INPUTS,
	K_OUTPUTS,
	K_SPENT_HASH,
	K_SPENT_INDEX,
	K_INDEX,
	K_VALUE,
	K_ADDRESSES,
	/* bitcoin-etl's other names: known only for the duplicate check */
	K_SIZE,
	K_VIRTUAL_SIZE,
	K_VERSION,
	K_LOCK_TIME,
	K_BLOCK_HASH,
	K_INPUT_COUNT,
	K_OUTPUT_COUNT,
	K_INPUT_VALUE,
	K_OUTPUT_VALUE,
	K_FEE,
	K_SCRIPT_ASM,
	K_SCRIPT_HEX,
	K_SEQUENCE,
	K_REQUIRED_SIGNATURES,
	K_TYPE,
	K_TXINWITNESS,
};

/* The member name k[0..n) as a key; K_OTHER for names not listed. */
enum key tpe_key_id(const char *k, size_t n);

/* Makes room for i + 1 elements in *arr (*cap of them); 0, or -1 when out of memory. */
int tpe_io_grow(struct tpe_io **arr, size_t *cap, size_t i);

/*
 * Element i of an inputs or outputs list (*arr, *cap entries, grown as
 * needed), cleared, with *n set to i + 1; NULL when out of memory.
 */
static inline struct tpe_io *tpe_io_at(struct tpe_io **arr, size_t *cap, size_t *n, size_t i)
{
	if (i >= *cap && tpe_io_grow(arr, cap, i) < 0)
		return NULL;
	struct tpe_io *io = &(*arr)[i];
	/* member by member: a whole-struct clear compiles to `rep stos`, whose
	 * start-up cost more than the stores (three of them a line) */
	io->spent_hash = io->spent_index = io->index = io->value = (struct tpe_val){0};
	io->addrs = (struct tpe_addrs){0};
	*n = i + 1;
	return io;
}

/*
 * The fast path: reads s->line .. s->end into s->tx (s->arena sized and
 * empty, s->tx cleared) when the line has bitcoin-etl's shape (etl_fast.c);
 * 1 when it did, 0 when the general path must read the line from its start.
 */
int tpe_scan_fast(struct tpe_scan *s);

#endif
