/*
 * A path-compressed binary prefix tree (PATRICIA) over 128-bit addresses,
 * for ISSUBSET: "which indexed networks contain this address or network?".
 * IPv4 networks live in their own tree as IPv4-mapped prefixes (bit 96 on).
 *
 *	add 10.0.0.0/8, 10.0.0.0/28, 192.168.0.0/16
 *
 *	        (96 bits, no atom)
 *	        /               \
 *	   10.0.0.0/8       192.168.0.0/16
 *	       |
 *	   10.0.0.0/28
 *
 *	find 10.0.0.7/32 -> 10.0.0.0/8, 10.0.0.0/28 (every node on the way
 *	whose prefix covers the address and is no longer than it)
 *
 * Nodes are at most twice the networks, in one array; walks are loops.
 * A big tree also gets a jump table on the first 16 bits of the family
 * (65,536 entries): the atoms of shorter prefixes on that path, and the
 * node to go on from, so a lookup touches one or two nodes instead of
 * walking a dozen levels that are cache misses.
 */
#include <stdlib.h>
#include <string.h>

#include "set.h"

static int bit_at(const uint8_t *a, int i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1;
}

/* Number of leading bits a and b share, at most limit. */
static int common_bits(const uint8_t *a, const uint8_t *b, int limit)
{
	int i = 0;
	while (i + 8 <= limit && a[i / 8] == b[i / 8])
		i += 8;
	while (i < limit && bit_at(a, i) == bit_at(b, i))
		i++;
	return i;
}

static uint32_t new_node(struct ptree *t, const uint8_t *addr, int bits)
{
	if (t->n == 0)
		t->n = 1; /* index 0 means "none" */
	if (t->n >= t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct pnode *nv = realloc(t->v, cap * sizeof *nv);
		if (!nv)
			return 0;
		t->v = nv;
		t->cap = cap;
	}
	struct pnode *p = &t->v[t->n];
	memset(p, 0, sizeof *p);
	memcpy(p->addr, addr, 16);
	/* keep only the prefix bits, so nodes compare by prefix alone */
	for (int i = bits; i < 128; i++)
		p->addr[i / 8] &= (uint8_t) ~(0x80u >> (i % 8));
	p->bits = (uint8_t)bits;
	return (uint32_t)t->n++;
}

static void attach(struct ptree *t, uint32_t node, uint32_t atom, uint32_t *atom_next)
{
	atom_next[atom] = t->v[node].atoms;
	t->v[node].atoms = atom + 1;
}

/* Points the parent's link (the root when parent is 0) at x. */
static void relink(struct ptree *t, uint32_t *root, uint32_t parent, int side, uint32_t x)
{
	if (parent)
		t->v[parent].child[side] = x;
	else
		*root = x;
}

int ptree_add(struct ptree *t, uint32_t *root, const uint8_t addr[16], int bits, uint32_t atom,
	      uint32_t *atom_next)
{
	/* Links are kept as (parent, side), never as pointers: new_node may
	 * move the array. */
	uint32_t parent = 0, idx = *root;
	int side = 0;
	for (;;) {
		if (!idx) {
			uint32_t n = new_node(t, addr, bits);
			if (!n)
				return -1;
			attach(t, n, atom, atom_next);
			relink(t, root, parent, side, n);
			return 0;
		}
		int nb = t->v[idx].bits;
		int common = common_bits(t->v[idx].addr, addr, nb < bits ? nb : bits);
		if (common < nb) {
			/* Split: a node for the shared part goes between parent and idx. */
			uint32_t mid = new_node(t, addr, common);
			if (!mid)
				return -1;
			t->v[mid].child[bit_at(t->v[idx].addr, common)] = idx;
			if (common == bits) {
				attach(t, mid, atom, atom_next);
			} else {
				uint32_t leaf = new_node(t, addr, bits);
				if (!leaf)
					return -1;
				attach(t, leaf, atom, atom_next);
				t->v[mid].child[bit_at(addr, common)] = leaf;
			}
			relink(t, root, parent, side, mid);
			return 0;
		}
		if (nb == bits) {
			attach(t, idx, atom, atom_next);
			return 0;
		}
		parent = idx;
		side = bit_at(addr, nb);
		idx = t->v[idx].child[side];
	}
}

void ptree_find(const struct ptree *t, uint32_t root, const uint8_t addr[16], int bits,
		const uint32_t *atom_next, void (*fn)(uint32_t atom, void *ctx), void *ctx)
{
	for (uint32_t idx = root; idx;) {
		const struct pnode *n = &t->v[idx];
		if (n->bits > bits || common_bits(n->addr, addr, n->bits) < n->bits)
			return;
		for (uint32_t a = n->atoms; a; a = atom_next[a - 1])
			fn(a - 1, ctx);
		if (n->bits == 128)
			return;
		idx = n->child[bit_at(addr, n->bits)];
	}
}

int ptree_jump_build(const struct ptree *t, uint32_t root, int base, const uint32_t *atom_next,
		     struct pjump *j)
{
	memset(j, 0, sizeof *j);
	j->base = base;
	j->node = calloc(65536, sizeof *j->node);
	j->off = calloc(65537, sizeof *j->off);
	size_t cap = 1024, n = 0;
	j->list = malloc(cap * sizeof *j->list);
	if (!j->node || !j->off || !j->list)
		goto fail;
	for (uint32_t v = 0; v < 65536; v++) {
		uint8_t a[16] = {0};
		a[base / 8] = (uint8_t)(v >> 8);
		a[base / 8 + 1] = (uint8_t)v;
		j->off[v] = (uint32_t)n;
		for (uint32_t idx = root; idx;) {
			const struct pnode *p = &t->v[idx];
			if (p->bits >= base + 16) {
				j->node[v] = idx; /* the walk goes on from here */
				break;
			}
			if (common_bits(p->addr, a, p->bits) < p->bits)
				break;
			for (uint32_t at = p->atoms; at; at = atom_next[at - 1]) {
				if (n == cap) {
					uint32_t *nl = realloc(j->list, 2 * cap * sizeof *nl);
					if (!nl)
						goto fail;
					j->list = nl;
					cap *= 2;
				}
				j->list[n++] = at - 1;
			}
			idx = p->child[bit_at(a, p->bits)];
		}
	}
	j->off[65536] = (uint32_t)n;
	j->nlist = n;
	return 0;
fail:
	ptree_jump_free(j);
	return -1;
}

void ptree_jump_free(struct pjump *j)
{
	free(j->node);
	free(j->off);
	free(j->list);
	memset(j, 0, sizeof *j);
}

void ptree_jump_find(const struct ptree *t, const struct pjump *j, uint32_t root,
		     const uint8_t addr[16], int bits, const uint32_t *atom_next,
		     void (*fn)(uint32_t atom, void *ctx), void *ctx)
{
	if (!j->node || bits < j->base + 16) {
		ptree_find(t, root, addr, bits, atom_next, fn, ctx);
		return;
	}
	uint32_t v = (uint32_t)addr[j->base / 8] << 8 | addr[j->base / 8 + 1];
	for (uint32_t i = j->off[v]; i < j->off[v + 1]; i++)
		fn(j->list[i], ctx);
	if (j->node[v])
		ptree_find(t, j->node[v], addr, bits, atom_next, fn, ctx);
}
