/*
 * Whether two scans of one bitcoin-etl line read the same (etl_scan.h):
 * the fast path against the general one, in test_etl_fast.c and in
 * fuzz/fuzz_etl_scan.c.
 */
#ifndef TP_TEST_ETL_COMPARE_H
#define TP_TEST_ETL_COMPARE_H

#include <string.h>

#include "trace/etl_scan.h"

/* The same bytes, and a pointer into the line at the same place or none. */
static inline int etl_same_bytes(const char *a, const char *b, size_t n, const char *line,
				 size_t len)
{
	int a_in = a >= line && a < line + len, b_in = b >= line && b < line + len;
	if (a_in != b_in || (a_in && a != b))
		return 0;
	return n == 0 || memcmp(a, b, n) == 0;
}

static inline int etl_same_val(const struct tpe_val *a, const struct tpe_val *b, const char *line,
			       size_t len)
{
	if (a->kind != b->kind)
		return 0;
	if (a->kind == TPE_INT)
		return a->i == b->i;
	if (a->kind == TPE_STR)
		return a->len == b->len && etl_same_bytes(a->s, b->s, a->len, line, len);
	return 1;
}

static inline int etl_same_io(const struct tpe_io *a, const struct tpe_io *b, const char *line,
			      size_t len)
{
	const struct tpe_addrs *x = &a->addrs, *y = &b->addrs;
	return etl_same_val(&a->spent_hash, &b->spent_hash, line, len) &&
	       etl_same_val(&a->spent_index, &b->spent_index, line, len) &&
	       etl_same_val(&a->index, &b->index, line, len) &&
	       etl_same_val(&a->value, &b->value, line, len) && x->kind == y->kind &&
	       x->bad == y->bad && x->len == y->len &&
	       (x->len == 0 || memcmp(x->s, y->s, x->len) == 0);
}

static inline int etl_same_tx(const struct tpe_tx *a, const struct tpe_tx *b, const char *line,
			      size_t len)
{
	if (!etl_same_val(&a->hash, &b->hash, line, len) ||
	    !etl_same_val(&a->block_number, &b->block_number, line, len) ||
	    !etl_same_val(&a->block_timestamp, &b->block_timestamp, line, len) ||
	    !etl_same_val(&a->is_coinbase, &b->is_coinbase, line, len) ||
	    a->inputs_kind != b->inputs_kind || a->outputs_kind != b->outputs_kind ||
	    a->nin != b->nin || a->nout != b->nout)
		return 0;
	for (size_t i = 0; i < a->nin; i++)
		if (!etl_same_io(&a->in[i], &b->in[i], line, len))
			return 0;
	for (size_t i = 0; i < a->nout; i++)
		if (!etl_same_io(&a->out[i], &b->out[i], line, len))
			return 0;
	return 1;
}

#endif
