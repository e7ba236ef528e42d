/* Address keys of a raw import (raw_keys.h): open addressing, linear probing. */
#include <stdlib.h>
#include <string.h>

#include "raw_keys.h"
#include "raw_spend.h"

uint64_t tpi_key_hash(const uint8_t *k, size_t n)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL * (n + 1);
	if (n >= 18) {
		uint64_t a, b;
		memcpy(&a, k + 2, 8);
		memcpy(&b, k + n - 8, 8);
		h ^= a + (uint64_t)k[0] * 0x100000001b3ULL + ((uint64_t)k[1] << 40);
		h *= 0xff51afd7ed558ccdULL;
		h ^= b + (h >> 32);
	} else {
		for (size_t i = 0; i < n; i++)
			h = (h ^ k[i]) * 0x100000001b3ULL;
	}
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

static const uint8_t *slot_key(const struct tpi_keys *k, const struct tpi_kslot *s)
{
	if (s->len <= TPI_KEY_INLINE)
		return s->key;
	uint64_t off;
	memcpy(&off, s->key, sizeof off);
	return k->keys + off;
}

static int slot_used(const void *slot)
{
	return ((const struct tpi_kslot *)slot)->id != 0;
}

static uint64_t slot_hash(const void *slot, const void *ctx)
{
	const struct tpi_kslot *s = slot;
	return tpi_key_hash(slot_key(ctx, s), s->len);
}

static const struct tpi_table_kind key_slots = {slot_used, slot_hash};

/* Frees the table, reserved mapping or not. */
static void release(struct tpi_keys *k)
{
	if (k->reserved)
		tpi_table_unreserve(k->slot);
	else
		tpi_table_free(k->slot, k->cap * sizeof *k->slot);
}

/* Doubles the table: in place (raw_spend.h) unless no mapping could be
 * reserved, then into a new one. */
static enum tp_err grow(struct tpi_keys *k)
{
	uint64_t cap = k->cap ? k->cap * 2 : 1 << 16;
	if (!k->slot && (k->slot = tpi_table_reserve()))
		k->reserved = 1;
	if (k->reserved && cap * sizeof *k->slot <= TPI_TABLE_RESERVE) {
		size_t half = k->cap * sizeof *k->slot;
		tpi_table_back((uint8_t *)k->slot + half, cap * sizeof *k->slot - half, k->backer);
		if (k->cap)
			tpi_table_rehash(k->slot, sizeof *k->slot, k->cap, &key_slots, k);
		k->cap = cap;
		return TP_OK;
	}
	struct tpi_kslot *s = tpi_table_alloc(cap * sizeof *s);
	if (!s)
		return TP_ENOMEM;
	for (uint64_t i = 0; i < k->cap; i++) {
		struct tpi_kslot *o = &k->slot[i];
		if (!o->id)
			continue;
		uint64_t j = tpi_key_hash(slot_key(k, o), o->len) & (cap - 1);
		while (s[j].id)
			j = (j + 1) & (cap - 1);
		s[j] = *o;
	}
	release(k);
	k->reserved = 0;
	k->slot = s;
	k->cap = cap;
	return TP_OK;
}

enum tp_err tpi_keys_init(struct tpi_keys *k)
{
	memset(k, 0, sizeof *k);
	return grow(k);
}

void tpi_keys_free(struct tpi_keys *k)
{
	release(k);
	free(k->keys);
	memset(k, 0, sizeof *k);
}

/* Whether a's n bytes are b's: eight at a time (the last eight overlapping
 * the ones before), where a call to memcmp cost 3% of the import. */
static int same_key(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (n < 8)
		return memcmp(a, b, n) == 0;
	uint64_t x, y, diff = 0;
	for (size_t i = 0; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		diff |= x ^ y;
	}
	memcpy(&x, a + n - 8, 8);
	memcpy(&y, b + n - 8, 8);
	return (diff | (x ^ y)) == 0;
}

enum tp_err tpi_keys_id(struct tpi_keys *k, const uint8_t *key, size_t n, uint64_t hash,
			uint32_t *id, int *added)
{
	uint64_t mask = k->cap - 1, i = hash & mask;
	for (; k->slot[i].id; i = (i + 1) & mask) {
		const struct tpi_kslot *s = &k->slot[i];
		if (s->len == n && same_key(slot_key(k, s), key, n)) {
			*id = s->id - 1;
			*added = 0;
			return TP_OK;
		}
	}
	if (k->n >= UINT32_MAX - 1)
		return TP_ELIMIT;
	struct tpi_kslot *s = &k->slot[i];
	if (n > TPI_KEY_INLINE) {
		if (k->len + n > k->kcap) {
			uint64_t c = k->kcap ? k->kcap * 2 : 1 << 20;
			uint8_t *q = realloc(k->keys, c);
			if (!q)
				return TP_ENOMEM;
			k->keys = q;
			k->kcap = c;
		}
		memcpy(k->keys + k->len, key, n);
		memcpy(s->key, &k->len, sizeof k->len);
		k->len += n;
	} else {
		memcpy(s->key, key, n);
	}
	s->len = (uint8_t)n;
	*id = (uint32_t)k->n;
	s->id = *id + 1;
	*added = 1;
	/* three quarters full: at one half, the table of 9,800,000 keys (20,000,000
	 * transactions) was 1 GB of fresh pages instead of 512 MB, and this
	 * machine pays 1-2 CPU s a fresh GB; a slot is half a line, so a
	 * longer probe mostly stays in the line */
	if (++k->n * 4 > k->cap * 3)
		return grow(k);
	/* five eighths: time to ask for the next growth's pages */
	if (k->n * 8 >= k->cap * 5 && k->reserved &&
	    k->cap * 2 * sizeof *k->slot <= TPI_TABLE_RESERVE)
		tpi_table_ask(k->backer, &k->asked, k->cap, k->slot + k->cap,
			      k->cap * sizeof *k->slot);
	return TP_OK;
}
