/*
 * Address keys of a raw import: every distinct tp_btc_txout_key() seen,
 * numbered 0, 1, 2... in order of first appearance. The decoding side
 * numbers the keys (and makes the address string only for a new one);
 * the graph side then maps a number to the graph's address id with one
 * array read. A slot is half a cache line and holds keys up to 27 bytes
 * (every hash-based address) itself, so a lookup usually touches one
 * line; longer keys (P2WSH, P2TR) live in keys[].
 */
#ifndef TP_TRACE_RAW_KEYS_H
#define TP_TRACE_RAW_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "tripact/error.h"

struct tpi_backer; /* raw_spend.h */

#define TPI_KEY_INLINE 27

struct tpi_kslot {
	uint32_t id; /* number + 1; 0: empty */
	uint8_t len;
	uint8_t key[TPI_KEY_INLINE]; /* the key, or its offset in keys[] when longer */
};

struct tpi_keys {
	struct tpi_kslot *slot;
	uint64_t cap, n; /* cap a power of two, n <= 3 cap / 4 */
	int reserved;	 /* slot is a tpi_table_reserve mapping, doubled in place */
	const struct tpi_backer *backer; /* NULL: growths back their own pages */
	uint64_t asked;			 /* the cap whose doubling was asked to be backed */
	uint8_t *keys;
	uint64_t len, kcap;
};

uint64_t tpi_key_hash(const uint8_t *key, size_t n);
enum tp_err tpi_keys_init(struct tpi_keys *k) TP_MUST_CHECK;
void tpi_keys_free(struct tpi_keys *k);

static inline void tpi_keys_prefetch(const struct tpi_keys *k, uint64_t hash)
{
	__builtin_prefetch(&k->slot[hash & (k->cap - 1)]);
}

/* The number of key[0..n) (hash: tpi_key_hash), adding it when new (*added). */
enum tp_err tpi_keys_id(struct tpi_keys *k, const uint8_t *key, size_t n, uint64_t hash,
			uint32_t *id, int *added) TP_MUST_CHECK;

#endif
