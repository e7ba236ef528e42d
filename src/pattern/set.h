/*
 * The compiled matcher's private layout, shared by atoms.c (reducing a
 * pattern to index entries) and set.c (building and probing the indexes).
 */
#ifndef TP_PATTERN_SET_INTERNAL_H
#define TP_PATTERN_SET_INTERNAL_H

#include <hs/hs.h>

#include "eval.h"
#include "tripact/pattern_set.h"

struct key {
	char *type;
	size_t typelen;
	char **props; /* NUL-terminated property names */
	size_t nprops;
	uint8_t lens4[33], lens6[129]; /* prefix lengths with CIDR atoms */
	bool has_eq, has_cidr;
	/* regex atoms (builder), then the database */
	char **rx;
	unsigned *rxflags;
	uint32_t *rxind;
	size_t nrx, caprx;
	hs_database_t *db;
};

struct ind {
	uint32_t id;
	uint32_t exact;
	struct tp_pattern *p; /* NULL when exact */
};

struct eq_ent {
	uint64_t h; /* 0 = empty */
	uint32_t ind;
	uint32_t off; /* into strs: u32 len, u32 key, bytes */
};

struct cidr_atom {
	uint32_t key, ind;
	struct cidr c;
};

struct cidr_ent {
	uint64_t h;
	uint32_t atom;
};

struct tp_pattern_set {
	bool compiled;
	bool broken; /* an add failed half way (out of memory): only free() is left */
	struct key *keys;
	size_t nkeys, capkeys;
	struct ind *inds;
	size_t ninds, capinds;
	uint32_t *eqoff; /* builder: one per EQ atom */
	uint32_t *eqind;
	size_t neq, capeq;
	char *strs;
	size_t nstrs, capstrs;
	struct cidr_atom *cat;
	size_t ncat, capcat;
	uint32_t *always;
	size_t nalways, capalways;
	struct eq_ent *eqt;
	size_t eqmask;
	uint64_t *bloom; /* blocked Bloom filter over eqt: most lookups miss */
	size_t bmask;
	struct cidr_ent *ct;
	size_t cmask;
	hs_scratch_t *proto;
	/* keys in (type, path) order and one group per object type, so an SCO
	 * visits only its type's keys and shares the lookups of common prefixes */
	uint32_t *korder;
	struct tgroup {
		const char *type;
		size_t typelen;
		uint32_t from, to; /* korder[from..to) */
	} * types;
	size_t ntypes;
	struct tp_pattern_set_stats st;
};

/* Hyperscan flags for our regexes: prefilter (a superset), UTF-8, once. */
#define RX_FLAGS (HS_FLAG_PREFILTER | HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY)

#define COST_NONE (-1L)

/* Grows *v (elements of elem bytes) so index n fits; -1 on failure. */
int set_grow(void **v, size_t *cap, size_t n, size_t elem);
#define GROW(arr, n, cap) set_grow((void **)&(arr), &(cap), (n), sizeof *(arr))

/* Cost of indexing pattern node n (lower is better), COST_NONE if it cannot be. */
long set_cost(const struct node *n);
/* Adds n's atoms for indicator ind; -1 on allocation failure. */
int set_emit(struct tp_pattern_set *s, const struct node *n, uint32_t ind);
/* 1 if the atoms of root are its whole meaning (no evaluation needed). */
int set_exact(const struct node *root);

#endif
