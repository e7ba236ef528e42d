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
	uint32_t root4, root6; /* prefix trees of the CIDR atoms (0: none) */
	struct pjump {
		uint32_t *node; /* [65536] where the walk goes on (0: nowhere) */
		uint32_t *off;	/* [65537] list[off[v]..off[v+1]): atoms above */
		uint32_t *list;
		size_t nlist;
		int base; /* first bit of the 16 (96 for IPv4, 0 for IPv6) */
	} jump4, jump6;	  /* jump tables of big trees (node NULL: none) */
	bool has_eq, has_int_eq, has_cidr;
	/* regex atoms (builder), then the database */
	char **rx;
	unsigned *rxflags;
	uint32_t *rxind;
	size_t nrx, caprx;
	hs_database_t *db;
};

/* Equality atoms on integers use the key index with this bit set (key
 * indexes stay below 2^31); only literals of magnitude below 2^53 are
 * indexed, so a JSON real equal to one converts back to it exactly. */
#define EQ_INT_KEY 0x80000000u
#define EQ_INT_LIMIT ((int64_t)1 << 53)

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

/* A path-compressed prefix tree over 128-bit addresses (prefix.c). */
struct pnode {
	uint8_t addr[16]; /* prefix bits, the rest zero */
	uint32_t child[2];
	uint32_t atoms; /* first CIDR atom + 1 ending here, 0 if none */
	uint8_t bits;	/* prefix length, absolute (IPv4 as 96 + n) */
};

struct ptree {
	struct pnode *v; /* v[0] unused: index 0 is "none" */
	size_t n, cap;
};

/* Adds atom under prefix addr/bits to the tree at *root; -1 on allocation failure. */
int ptree_add(struct ptree *t, uint32_t *root, const uint8_t addr[16], int bits, uint32_t atom,
	      uint32_t *atom_next);
/* A jump table for the tree at root (see prefix.c); -1 on allocation failure. */
int ptree_jump_build(const struct ptree *t, uint32_t root, int base, const uint32_t *atom_next,
		     struct pjump *j);
void ptree_jump_free(struct pjump *j);
/* ptree_find through the jump table when it has one. */
void ptree_jump_find(const struct ptree *t, const struct pjump *j, uint32_t root,
		     const uint8_t addr[16], int bits, const uint32_t *atom_next,
		     void (*fn)(uint32_t atom, void *ctx), void *ctx);
/* Calls fn for every atom whose prefix contains addr/bits. */
void ptree_find(const struct ptree *t, uint32_t root, const uint8_t addr[16], int bits,
		const uint32_t *atom_next, void (*fn)(uint32_t atom, void *ctx), void *ctx);

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
	struct ptree tree;  /* every key's prefix trees share one node array */
	uint32_t *cat_next; /* per CIDR atom: the next atom on the same node + 1 */
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
