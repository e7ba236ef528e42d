/*
 * Reducing an indicator to index atoms: conditions one of which must hold
 * on some SCO of an observation for the indicator to have a chance.
 *
 *	[ipv4-addr:value = '198.51.100.7' OR ipv4-addr:value ISSUBSET '10.0.0.0/8']
 *	   -> EQ   (ipv4-addr, value, "198.51.100.7")
 *	      CIDR (ipv4-addr, value, 10.0.0.0/8)          exact: no evaluation
 *	[file:name MATCHES '^inv.*\.pdf$' AND file:size > 10]
 *	   -> REGEX (file, name, ^inv.*\.pdf$)             confirmed by the evaluator
 *	[network-traffic:dst_port = 4444]
 *	   -> EQ   (network-traffic, dst_port, int 4444)   exact: no evaluation
 *	[file:size > 10]  -> no atom: evaluated for every observation
 *
 * AND takes the cheapest child's atoms (any child must hold), OR the union
 * of all children's (one must hold): atoms are a necessary condition.
 */
#include <stdlib.h>
#include <string.h>

#include "set.h"
int set_grow(void **v, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 16;
	void *nv = realloc(*v, nc * elem);
	if (!nv)
		return -1;
	*v = nv;
	*cap = nc;
	return 0;
}

static int ends_with(const char *k, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && memcmp(k + n - m, suf, m) == 0;
}

/* A path the index can read directly: only keys, no reference to follow, not binary. */
static int indexable(const struct path *p)
{
	for (size_t i = 0; i < p->n; i++) {
		const struct step *s = &p->steps[i];
		/* (the evaluator reads keys up to 255 bytes) */
		if (s->kind != STEP_KEY || s->keylen > 255 || memchr(s->key, 0, s->keylen))
			return 0;
		if (i + 1 < p->n &&
		    (ends_with(s->key, s->keylen, "_ref") || ends_with(s->key, s->keylen, "_refs")))
			return 0;
	}
	const struct step *l = &p->steps[p->n - 1];
	return !ends_with(l->key, l->keylen, "_hex") && !ends_with(l->key, l->keylen, "_bin");
}

/* The key index for path p, created if needed; -1 on allocation failure. */
static long key_of(struct tp_pattern_set *s, const struct path *p)
{
	for (size_t i = 0; i < s->nkeys; i++) {
		struct key *k = &s->keys[i];
		if (k->typelen != p->typelen || memcmp(k->type, p->type, p->typelen) ||
		    k->nprops != p->n)
			continue;
		size_t j;
		for (j = 0; j < p->n; j++)
			if (strlen(k->props[j]) != p->steps[j].keylen ||
			    memcmp(k->props[j], p->steps[j].key, p->steps[j].keylen))
				break;
		if (j == p->n)
			return (long)i;
	}
	if (s->nkeys >= UINT32_MAX / 2 || GROW(s->keys, s->nkeys, s->capkeys))
		return -1;
	struct key *k = &s->keys[s->nkeys];
	memset(k, 0, sizeof *k);
	k->type = strndup(p->type, p->typelen);
	k->typelen = p->typelen;
	k->props = calloc(p->n, sizeof *k->props);
	if (!k->type || !k->props)
		goto fail;
	k->nprops = p->n;
	for (size_t j = 0; j < p->n; j++)
		if (!(k->props[j] = strndup(p->steps[j].key, p->steps[j].keylen)))
			goto fail;
	return (long)s->nkeys++;
fail:
	for (size_t j = 0; k->props && j < p->n; j++)
		free(k->props[j]);
	free(k->props);
	free(k->type);
	return -1;
}

/* LIKE as a Hyperscan regex: anchored, % = .*, _ = one character. */
static char *like_regex(const char *s, size_t n)
{
	char *o = malloc(4 * n + 8), *q = o;
	if (!o)
		return NULL;
	*q++ = '^';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '%') {
			*q++ = '.', *q++ = '*';
		} else if (c == '_') {
			*q++ = '.';
		} else if (c >= 0x80 || (c >= '0' && c <= '9') ||
			   ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')) {
			*q++ = (char)c;
		} else {
			static const char hx[] = "0123456789abcdef";
			*q++ = '\\', *q++ = 'x', *q++ = hx[c >> 4], *q++ = hx[c & 15];
		}
	}
	*q++ = '$';
	*q = 0;
	return o;
}

static char *regex_source(const struct node *t, unsigned *flags)
{
	*flags = RX_FLAGS;
	if (t->op == OP_LIKE) {
		*flags |= HS_FLAG_DOTALL;
		return like_regex(t->rx, t->rxn);
	}
	return strndup(t->rx, t->rxn);
}

/* ---- atoms ---- */

#define COST_NONE (-1L)

/*
 * An integer literal the equality index can hold. The evaluator also lets
 * a JSON real equal it as a double; below 2^53 that real is integral and
 * converts back to the same integer, which is what the probe looks up.
 */
static int int_indexable(const struct lit *l)
{
	return l->kind == LIT_INT && l->i > -EQ_INT_LIMIT && l->i < EQ_INT_LIMIT;
}

static int eq_indexable(const struct lit *l)
{
	return l->kind == LIT_STR || int_indexable(l);
}

/* Cost of anchoring on test t (COST_NONE: cannot be indexed). */
static long test_cost(const struct node *t)
{
	if (t->neg || !indexable(&t->path))
		return COST_NONE;
	switch (t->op) {
	case OP_EQ:
		return eq_indexable(&t->lit) ? 1 : COST_NONE;
	case OP_IN:
		for (size_t i = 0; i < t->lit.n; i++)
			if (!eq_indexable(&t->lit.items[i]))
				return COST_NONE;
		return t->lit.n ? (long)t->lit.n : COST_NONE;
	case OP_ISSUBSET:
		return 2;
	case OP_LIKE:
	case OP_MATCHES: {
		unsigned fl;
		char *src = regex_source(t, &fl);
		hs_expr_info_t *info = NULL;
		hs_compile_error_t *err = NULL;
		long c = COST_NONE;
		if (src && hs_expression_info(src, fl, &info, &err) == HS_SUCCESS)
			c = 16;
		free(info);
		if (err)
			hs_free_compile_error(err);
		free(src);
		return c;
	}
	default:
		return COST_NONE;
	}
}

static long node_cost(const struct node *n);

/* The kid with the cheapest atoms (for AND-like nodes), or -1. */
static long best_kid(const struct node *n, long *cost)
{
	long best = -1;
	*cost = COST_NONE;
	for (size_t i = 0; i < n->nkids; i++) {
		long c = node_cost(n->kids[i]);
		if (c != COST_NONE && (*cost == COST_NONE || c < *cost)) {
			*cost = c;
			best = (long)i;
		}
	}
	return best;
}

static long node_cost(const struct node *n)
{
	long c, sum = 0;
	switch (n->kind) {
	case N_TEST:
		return test_cost(n);
	case N_CMP_AND:
	case N_OBS_AND:
	case N_FOLLOWEDBY:
		best_kid(n, &c);
		return c;
	case N_CMP_OR:
	case N_OBS_OR:
		for (size_t i = 0; i < n->nkids; i++) {
			if ((c = node_cost(n->kids[i])) == COST_NONE)
				return COST_NONE;
			sum += c;
		}
		return sum;
	default: /* N_OBS and qualifiers */
		return node_cost(n->kids[0]);
	}
}

static int add_eq(struct tp_pattern_set *s, uint32_t key, uint32_t ind, const char *v, size_t n)
{
	if (n > UINT32_MAX - 16 || s->nstrs + n + 8 > UINT32_MAX)
		return -1;
	while (s->nstrs + n + 8 > s->capstrs) {
		size_t cap = s->capstrs ? s->capstrs * 2 : 4096;
		char *ns = realloc(s->strs, cap);
		if (!ns)
			return -1;
		s->strs = ns;
		s->capstrs = cap;
	}
	size_t oldcap = s->capeq;
	if (GROW(s->eqoff, s->neq, s->capeq))
		return -1;
	if (s->capeq != oldcap) { /* eqind shares eqoff's capacity */
		uint32_t *ni = realloc(s->eqind, s->capeq * sizeof *ni);
		if (!ni) {
			s->capeq = oldcap;
			return -1;
		}
		s->eqind = ni;
	}
	uint32_t len = (uint32_t)n;
	memcpy(s->strs + s->nstrs, &len, 4);
	memcpy(s->strs + s->nstrs + 4, &key, 4);
	memcpy(s->strs + s->nstrs + 8, v, n);
	s->eqoff[s->neq] = (uint32_t)s->nstrs;
	s->eqind[s->neq++] = ind;
	s->nstrs += n + 8;
	if (key & EQ_INT_KEY)
		s->keys[key & ~EQ_INT_KEY].has_int_eq = true;
	else
		s->keys[key].has_eq = true;
	return 0;
}

/* An equality atom for literal l (a string, or an integer as 8 bytes under
 * the key's integer twin, so "4444" and 4444 never meet). */
static int add_lit(struct tp_pattern_set *s, uint32_t key, uint32_t ind, const struct lit *l)
{
	if (l->kind == LIT_STR)
		return add_eq(s, key, ind, l->s, l->n);
	int64_t x = l->i;
	return add_eq(s, key | EQ_INT_KEY, ind, (const char *)&x, sizeof x);
}

int set_emit(struct tp_pattern_set *s, const struct node *n, uint32_t ind)
{
	long c;
	switch (n->kind) {
	case N_TEST: {
		long k = key_of(s, &n->path);
		if (k < 0)
			return -1;
		struct key *key = &s->keys[k];
		if (n->op == OP_EQ)
			return add_lit(s, (uint32_t)k, ind, &n->lit);
		if (n->op == OP_IN) {
			for (size_t i = 0; i < n->lit.n; i++)
				if (add_lit(s, (uint32_t)k, ind, &n->lit.items[i]))
					return -1;
			return 0;
		}
		if (n->op == OP_ISSUBSET) {
			if (GROW(s->cat, s->ncat, s->capcat))
				return -1;
			s->cat[s->ncat++] = (struct cidr_atom){(uint32_t)k, ind, n->cidr};
			key->has_cidr = true;
			return 0;
		}
		/* LIKE / MATCHES */
		if (key->nrx == key->caprx) {
			size_t cap = key->caprx ? key->caprx * 2 : 8;
			char **a = realloc(key->rx, cap * sizeof *a);
			if (a)
				key->rx = a;
			unsigned *f = a ? realloc(key->rxflags, cap * sizeof *f) : NULL;
			if (f)
				key->rxflags = f;
			uint32_t *i2 = f ? realloc(key->rxind, cap * sizeof *i2) : NULL;
			if (!i2)
				return -1;
			key->rxind = i2;
			key->caprx = cap;
		}
		char *src = regex_source(n, &key->rxflags[key->nrx]);
		if (!src)
			return -1;
		key->rx[key->nrx] = src;
		key->rxind[key->nrx++] = ind;
		return 0;
	}
	case N_CMP_AND:
	case N_OBS_AND:
	case N_FOLLOWEDBY: {
		long b = best_kid(n, &c);
		return b < 0 ? -1 : set_emit(s, n->kids[b], ind);
	}
	case N_CMP_OR:
	case N_OBS_OR:
		for (size_t i = 0; i < n->nkids; i++)
			if (set_emit(s, n->kids[i], ind))
				return -1;
		return 0;
	default:
		return set_emit(s, n->kids[0], ind);
	}
}

/* Exact: the atoms are the whole meaning (no evaluation needed). */
static int exact_cmp(const struct node *n)
{
	if (n->kind == N_CMP_OR) {
		for (size_t i = 0; i < n->nkids; i++)
			if (!exact_cmp(n->kids[i]))
				return 0;
		return 1;
	}
	return n->kind == N_TEST && (n->op == OP_EQ || n->op == OP_IN || n->op == OP_ISSUBSET) &&
	       test_cost(n) != COST_NONE;
}

int set_exact(const struct node *n)
{
	if (n->kind == N_OBS)
		return exact_cmp(n->kids[0]);
	if (n->kind == N_OBS_OR) {
		for (size_t i = 0; i < n->nkids; i++)
			if (!set_exact(n->kids[i]))
				return 0;
		return 1;
	}
	return 0;
}

long set_cost(const struct node *n)
{
	return node_cost(n);
}
