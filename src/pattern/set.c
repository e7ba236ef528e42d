/*
 * The compiled matcher (pattern_set.h): building the indexes from the
 * atoms of every indicator (atoms.c) and probing them per observation.
 *
 * Equality atoms live in an open-addressing hash table keyed by (path key,
 * value) behind a Bloom filter; CIDR atoms in a prefix tree per path key
 * and family (prefix.c); regex atoms of one path key form one Hyperscan
 * database in prefilter mode. Exact indicators keep no
 * parsed pattern, so an indexed indicator costs a table entry and its
 * string (about 100 bytes). Per observation, for each SCO and each path
 * key of its type, the value is read once and probed; candidates are
 * de-duplicated with a generation stamp, and non-exact ones confirmed by
 * the evaluator on that one observation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "set.h"

struct tp_pattern_scratch {
	const struct tp_pattern_set *set;
	uint32_t *stamp;
	uint32_t gen;
	uint32_t *verify;
	size_t nverify;
	hs_scratch_t *hs;
	struct eval_scratch ev;
	size_t limit_hits;
	/* current match */
	tp_pattern_hit_fn fn;
	void *ctx;
	int stop;
	const struct key *cur;
};

static uint64_t hash_bytes(const void *p, size_t n, uint64_t seed)
{
	/* FNV-1a over 8-byte words, then a final mix (splitmix64). */
	const uint8_t *s = p;
	uint64_t h = 1469598103934665603ull ^ seed;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		h = (h ^ w) * 1099511628211ull;
	}
	for (; i < n; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h | (1ull << 63); /* non-zero marks a used slot; low bits index */
}

/* ---- building ---- */

enum tp_err tp_pattern_set_new(struct tp_pattern_set **out)
{
	if (!out)
		return TP_EINVAL;
	struct tp_pattern_set *s = calloc(1, sizeof *s);
	if (!s)
		return TP_ENOMEM;
	*out = s;
	return TP_OK;
}

static int push_always(struct tp_pattern_set *s, uint32_t ind)
{
	if (GROW(s->always, s->nalways, s->capalways))
		return -1;
	s->always[s->nalways++] = ind;
	return 0;
}

enum tp_err tp_pattern_set_add(struct tp_pattern_set *s, const char *pattern, size_t len,
			       uint32_t id, struct tp_diag *d)
{
	if (!s || s->compiled || s->broken)
		return tp_diag_set(d, TP_EINVAL, "the set is already compiled (or broken)");
	if (s->ninds >= UINT32_MAX - 1)
		return tp_diag_set(d, TP_ELIMIT, "too many indicators");
	struct tp_pattern *p = NULL;
	enum tp_err e = tp_pattern_parse(pattern, len, 0, &p, d);
	if (e)
		return e;
	if (GROW(s->inds, s->ninds, s->capinds)) {
		tp_pattern_free(p);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	uint32_t ind = (uint32_t)s->ninds;
	struct ind *in = &s->inds[ind];
	in->id = id;
	in->exact = (uint32_t)set_exact(p->root);
	in->p = p;
	int rc;
	if (set_cost(p->root) == COST_NONE) {
		in->exact = 0;
		rc = push_always(s, ind);
		s->st.unindexed++;
	} else {
		rc = set_emit(s, p->root, ind);
		if (in->exact)
			s->st.exact++;
		else
			s->st.verified++;
	}
	if (rc) {
		/* Atoms of this indicator may be half emitted: refuse further use. */
		s->broken = true;
		tp_pattern_free(p);
		return tp_diag_set(d, TP_ENOMEM, "out of memory (the set can only be freed)");
	}
	if (in->exact) {
		tp_pattern_free(p); /* the atoms say it all */
		in->p = NULL;
	}
	s->ninds++;
	return TP_OK;
}

static uint64_t bloom_bits(uint64_t h)
{
	return 1ull << (h & 63) | 1ull << ((h >> 6) & 63) | 1ull << ((h >> 12) & 63) |
	       1ull << ((h >> 18) & 63);
}

static uint64_t eq_hash(uint32_t key, const char *v, size_t n)
{
	return hash_bytes(v, n, (uint64_t)key * 0x9e3779b97f4a7c15ull);
}

static size_t table_size(size_t n)
{
	size_t sz = 16;
	while (sz < 2 * n)
		sz *= 2;
	return sz;
}

static enum tp_err build_hs(struct tp_pattern_set *s, struct key *k, struct tp_diag *d)
{
	unsigned *ids = malloc(k->nrx * sizeof *ids);
	if (!ids)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	for (size_t i = 0; i < k->nrx; i++)
		ids[i] = (unsigned)i;
	hs_compile_error_t *err = NULL;
	hs_error_t he = hs_compile_multi((const char *const *)k->rx, k->rxflags, ids,
					 (unsigned)k->nrx, HS_MODE_BLOCK, NULL, &k->db, &err);
	free(ids);
	if (err)
		hs_free_compile_error(err);
	if (he != HS_SUCCESS) {
		/* Hyperscan could not take this set: the evaluator covers it. */
		k->db = NULL;
		s->st.regex_fallback += k->nrx;
		for (size_t i = 0; i < k->nrx; i++)
			if (push_always(s, k->rxind[i]))
				return tp_diag_set(d, TP_ENOMEM, "out of memory");
		return TP_OK;
	}
	if (hs_alloc_scratch(k->db, &s->proto) != HS_SUCCESS)
		return tp_diag_set(d, TP_ENOMEM, "cannot allocate Hyperscan scratch");
	size_t dbsz = 0;
	if (hs_database_size(k->db, &dbsz) == HS_SUCCESS)
		s->st.bytes += dbsz;
	s->st.regex_atoms += k->nrx;
	s->st.hs_databases++;
	return TP_OK;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

struct keyref {
	const struct key *k;
	uint32_t i;
};

static int cmp_keys(const void *a, const void *b)
{
	const struct key *x = ((const struct keyref *)a)->k, *y = ((const struct keyref *)b)->k;
	int c = strcmp(x->type, y->type);
	for (size_t i = 0; !c && i < x->nprops && i < y->nprops; i++)
		c = strcmp(x->props[i], y->props[i]);
	return c ? c : (x->nprops > y->nprops) - (x->nprops < y->nprops);
}

static int build_types(struct tp_pattern_set *s)
{
	size_t n = s->nkeys ? s->nkeys : 1;
	struct keyref *refs = malloc(n * sizeof *refs);
	s->korder = malloc(n * sizeof *s->korder);
	s->types = malloc(n * sizeof *s->types);
	if (!refs || !s->korder || !s->types) {
		free(refs);
		return -1;
	}
	for (size_t i = 0; i < s->nkeys; i++)
		refs[i] = (struct keyref){&s->keys[i], (uint32_t)i};
	qsort(refs, s->nkeys, sizeof *refs, cmp_keys);
	for (size_t i = 0; i < s->nkeys; i++)
		s->korder[i] = refs[i].i;
	free(refs);
	for (size_t i = 0; i < s->nkeys; i++) {
		const struct key *k = &s->keys[s->korder[i]];
		struct tgroup *g = s->ntypes ? &s->types[s->ntypes - 1] : NULL;
		if (!g || g->typelen != k->typelen || memcmp(g->type, k->type, k->typelen)) {
			g = &s->types[s->ntypes++];
			g->type = k->type;
			g->typelen = k->typelen;
			g->from = (uint32_t)i;
		}
		g->to = (uint32_t)i + 1;
	}
	return 0;
}

static enum tp_err compile(struct tp_pattern_set *s, struct tp_diag *d)
{
	/* equality table */
	size_t sz = table_size(s->neq);
	s->eqt = calloc(sz, sizeof *s->eqt);
	if (!s->eqt)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	s->eqmask = sz - 1;
	for (size_t i = 0; i < s->neq; i++) {
		uint32_t len, key;
		memcpy(&len, s->strs + s->eqoff[i], 4);
		memcpy(&key, s->strs + s->eqoff[i] + 4, 4);
		uint64_t h = eq_hash(key, s->strs + s->eqoff[i] + 8, len);
		size_t j = h & s->eqmask;
		while (s->eqt[j].h)
			j = (j + 1) & s->eqmask;
		s->eqt[j] = (struct eq_ent){h, s->eqind[i], s->eqoff[i]};
	}
	/* ~12 bits per value, 4 bits set in one 64-bit word: a miss costs one
	 * access to a table that fits in cache instead of one to the big one. */
	size_t words = 64;
	while (words * 64 < s->neq * 12)
		words *= 2;
	s->bloom = calloc(words, sizeof *s->bloom);
	if (!s->bloom)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	s->bmask = words - 1;
	for (size_t j = 0; j <= s->eqmask; j++)
		if (s->eqt[j].h)
			s->bloom[(s->eqt[j].h >> 32) & s->bmask] |= bloom_bits(s->eqt[j].h);
	s->st.eq_atoms = s->neq;
	free(s->eqoff);
	free(s->eqind);
	s->eqoff = s->eqind = NULL;
	/* CIDR prefix trees, one per path key and family */
	s->cat_next = calloc(s->ncat ? s->ncat : 1, sizeof *s->cat_next);
	if (!s->cat_next)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	for (size_t i = 0; i < s->ncat; i++) {
		const struct cidr_atom *a = &s->cat[i];
		struct key *k = &s->keys[a->key];
		if (ptree_add(&s->tree, a->c.v6 ? &k->root6 : &k->root4, a->c.addr,
			      a->c.v6 ? a->c.bits : a->c.bits + 96, (uint32_t)i, s->cat_next))
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	/* Jump tables for big trees; counting nodes per tree is not worth it,
	 * so "big" is judged by the key's share of the atoms. */
	for (size_t i = 0; i < s->nkeys; i++) {
		struct key *k = &s->keys[i];
		size_t n4 = 0, n6 = 0;
		for (size_t c = 0; c < s->ncat && k->has_cidr; c++)
			if (s->cat[c].key == i)
				(*(s->cat[c].c.v6 ? &n6 : &n4))++;
		if (n4 >= 256 &&
		    ptree_jump_build(&s->tree, k->root4, 96, s->cat_next, &k->jump4) != 0)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		if (n6 >= 256 &&
		    ptree_jump_build(&s->tree, k->root6, 0, s->cat_next, &k->jump6) != 0)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		if (k->jump4.node)
			s->st.bytes += (2 * 65536 + 1 + k->jump4.nlist) * sizeof(uint32_t);
		if (k->jump6.node)
			s->st.bytes += (2 * 65536 + 1 + k->jump6.nlist) * sizeof(uint32_t);
	}
	s->st.cidr_atoms = s->ncat;
	/* one Hyperscan database per path key */
	for (size_t i = 0; i < s->nkeys; i++) {
		struct key *k = &s->keys[i];
		if (k->nrx) {
			enum tp_err e = build_hs(s, k, d);
			if (e)
				return e;
		}
	}
	/* evaluate-always list: sorted, without duplicates */
	if (s->nalways)
		qsort(s->always, s->nalways, sizeof *s->always, cmp_u32);
	size_t w = 0;
	for (size_t i = 0; i < s->nalways; i++)
		if (w == 0 || s->always[w - 1] != s->always[i])
			s->always[w++] = s->always[i];
	s->nalways = w;
	/* builder regex sources are no longer needed */
	for (size_t i = 0; i < s->nkeys; i++) {
		struct key *k = &s->keys[i];
		for (size_t j = 0; j < k->nrx; j++)
			free(k->rx[j]);
		free(k->rx);
		free(k->rxflags);
		k->rx = NULL;
		k->rxflags = NULL;
	}
	/* Give back builder slack: the set is immutable from here on. */
	if (s->nstrs && s->nstrs < s->capstrs) {
		char *ns = realloc(s->strs, s->nstrs);
		if (ns) {
			s->strs = ns;
			s->capstrs = s->nstrs;
		}
	}
	if (s->ninds && s->ninds < s->capinds) {
		struct ind *ni = realloc(s->inds, s->ninds * sizeof *ni);
		if (ni) {
			s->inds = ni;
			s->capinds = s->ninds;
		}
	}
	s->st.indicators = s->ninds;
	s->st.bytes += sizeof *s + s->capkeys * sizeof *s->keys + s->capinds * sizeof *s->inds +
		       s->capstrs + (s->eqmask + 1) * sizeof *s->eqt +
		       (s->bmask + 1) * sizeof *s->bloom + s->tree.cap * sizeof *s->tree.v +
		       s->ncat * sizeof *s->cat_next + s->capcat * sizeof *s->cat +
		       s->capalways * sizeof *s->always;
	for (size_t i = 0; i < s->ninds; i++) {
		const struct tp_pattern *p = s->inds[i].p;
		if (!p)
			continue;
		s->st.bytes += p->arena.total + sizeof *p + p->capcodes * sizeof *p->codes;
		for (size_t c = 0; c < p->ncodes; c++) {
			size_t csz = 0;
			if (pcre2_pattern_info(p->codes[c], PCRE2_INFO_SIZE, &csz) == 0)
				s->st.bytes += csz;
		}
	}
	for (size_t i = 0; i < s->nkeys; i++)
		s->st.bytes += s->keys[i].caprx * sizeof(uint32_t);
	if (build_types(s) != 0)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	s->st.bytes += s->nkeys * sizeof *s->korder + s->ntypes * sizeof *s->types;
	s->compiled = true;
	return TP_OK;
}

enum tp_err tp_pattern_set_compile(struct tp_pattern_set *s, struct tp_diag *d)
{
	if (!s || s->compiled || s->broken)
		return tp_diag_set(d, TP_EINVAL, "the set is already compiled (or broken)");
	enum tp_err e = compile(s, d);
	if (e != TP_OK)
		s->broken = true; /* half-built indexes: only free() is left */
	return e;
}

void tp_pattern_set_free(struct tp_pattern_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nkeys; i++) {
		struct key *k = &s->keys[i];
		free(k->type);
		for (size_t j = 0; j < k->nprops; j++)
			free(k->props[j]);
		free(k->props);
		for (size_t j = 0; k->rx && j < k->nrx; j++)
			free(k->rx[j]);
		free(k->rx);
		free(k->rxflags);
		free(k->rxind);
		hs_free_database(k->db);
		ptree_jump_free(&k->jump4);
		ptree_jump_free(&k->jump6);
	}
	free(s->keys);
	for (size_t i = 0; i < s->ninds; i++)
		tp_pattern_free(s->inds[i].p);
	free(s->inds);
	free(s->eqoff);
	free(s->eqind);
	free(s->strs);
	free(s->cat);
	free(s->always);
	free(s->korder);
	free(s->types);
	free(s->eqt);
	free(s->bloom);
	free(s->tree.v);
	free(s->cat_next);
	hs_free_scratch(s->proto);
	free(s);
}

void tp_pattern_set_stats(const struct tp_pattern_set *s, struct tp_pattern_set_stats *st)
{
	if (s && st)
		*st = s->st;
}

/* ---- matching ---- */

enum tp_err tp_pattern_scratch_new(const struct tp_pattern_set *s, struct tp_pattern_scratch **out)
{
	if (!s || !s->compiled || !out)
		return TP_EINVAL;
	struct tp_pattern_scratch *sc = calloc(1, sizeof *sc);
	if (!sc)
		return TP_ENOMEM;
	sc->set = s;
	sc->stamp = calloc(s->ninds ? s->ninds : 1, sizeof *sc->stamp);
	sc->verify = malloc((s->ninds ? s->ninds : 1) * sizeof *sc->verify);
	if (!sc->stamp || !sc->verify || eval_scratch_init(&sc->ev) != 0 ||
	    (s->proto && hs_clone_scratch(s->proto, &sc->hs) != HS_SUCCESS)) {
		tp_pattern_scratch_free(sc);
		return TP_ENOMEM;
	}
	*out = sc;
	return TP_OK;
}

void tp_pattern_scratch_free(struct tp_pattern_scratch *sc)
{
	if (!sc)
		return;
	free(sc->stamp);
	free(sc->verify);
	hs_free_scratch(sc->hs);
	eval_scratch_fini(&sc->ev);
	free(sc);
}

size_t tp_pattern_scratch_limit_hits(const struct tp_pattern_scratch *sc)
{
	return sc ? sc->limit_hits : 0;
}

static void candidate(struct tp_pattern_scratch *sc, uint32_t ind)
{
	if (!sc->fn) {
		sc->stop = 1; /* a probe: one candidate is the answer */
		return;
	}
	if (sc->stop || sc->stamp[ind] == sc->gen)
		return;
	sc->stamp[ind] = sc->gen;
	const struct ind *in = &sc->set->inds[ind];
	if (in->exact)
		sc->stop = sc->fn(in->id, sc->ctx) != 0;
	else
		sc->verify[sc->nverify++] = ind;
}

static void lookup_eq(struct tp_pattern_scratch *sc, uint32_t key, const char *v, size_t n)
{
	const struct tp_pattern_set *s = sc->set;
	uint64_t h = eq_hash(key, v, n);
	uint64_t bits = bloom_bits(h);
	if ((s->bloom[(h >> 32) & s->bmask] & bits) != bits)
		return;
	for (size_t j = h & s->eqmask; s->eqt[j].h; j = (j + 1) & s->eqmask) {
		const struct eq_ent *e = &s->eqt[j];
		if (e->h != h)
			continue;
		uint32_t len, k;
		memcpy(&len, s->strs + e->off, 4);
		memcpy(&k, s->strs + e->off + 4, 4);
		if (k == key && len == n && memcmp(s->strs + e->off + 8, v, n) == 0)
			candidate(sc, e->ind);
	}
}

/* Integer equality atoms (atoms.c): a JSON integer, or a real that equals
 * an indexable integer, probed as the 8 bytes of that integer. */
static void lookup_int(struct tp_pattern_scratch *sc, uint32_t key, const json_t *v)
{
	int64_t x;
	if (json_is_integer(v)) {
		x = (int64_t)json_integer_value(v);
	} else {
		double d = json_real_value(v);
		if (!(d > -(double)EQ_INT_LIMIT && d < (double)EQ_INT_LIMIT) || d != (double)(int64_t)d)
			return;
		x = (int64_t)d;
	}
	lookup_eq(sc, key | EQ_INT_KEY, (const char *)&x, sizeof x);
}

static void cidr_hit(uint32_t atom, void *ctx)
{
	struct tp_pattern_scratch *sc = ctx;
	candidate(sc, sc->set->cat[atom].ind);
}

static void lookup_cidr(struct tp_pattern_scratch *sc, const struct key *k, const char *v, size_t n)
{
	const struct tp_pattern_set *s = sc->set;
	struct cidr x;
	if (tp_pattern_cidr_parse(v, n, &x))
		return;
	uint32_t root = x.v6 ? k->root6 : k->root4;
	if (root)
		ptree_jump_find(&s->tree, x.v6 ? &k->jump6 : &k->jump4, root, x.addr,
				x.v6 ? x.bits : x.bits + 96, s->cat_next, cidr_hit, sc);
}

static int on_hs(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		 void *ctx)
{
	struct tp_pattern_scratch *sc = ctx;
	candidate(sc, sc->cur->rxind[id]);
	return sc->stop;
}

/* Every index of key ki that takes a string: 0, or -1 if Hyperscan failed. */
static int lookup_string(struct tp_pattern_scratch *sc, uint32_t ki, const char *str, size_t n)
{
	const struct key *k = &sc->set->keys[ki];
	if (k->has_eq)
		lookup_eq(sc, ki, str, n);
	if (k->has_cidr && !sc->stop)
		lookup_cidr(sc, k, str, n);
	if (!k->db || sc->stop)
		return 0;
	/* the regexes were compiled from NFC: scan the NFC value */
	char *nf = NULL;
	size_t nfn = 0;
	if (tp_pattern_nfc(str, n, &nf, &nfn) == 0 && nf) {
		str = nf;
		n = nfn;
	}
	sc->cur = k;
	hs_error_t he = hs_scan(k->db, str, (unsigned)n, 0, sc->hs, on_hs, sc);
	free(nf);
	return he != HS_SUCCESS && he != HS_SCAN_TERMINATED ? -1 : 0;
}

enum tp_err tp_pattern_set_match(const struct tp_pattern_set *s, struct tp_pattern_scratch *sc,
				 const struct tp_pattern_data *data, size_t obs,
				 tp_pattern_hit_fn fn, void *ctx)
{
	if (!s || !sc || sc->set != s || !data || obs >= data->nobs || !fn)
		return TP_EINVAL;
	if (++sc->gen == 0) {
		memset(sc->stamp, 0, s->ninds * sizeof *sc->stamp);
		sc->gen = 1;
	}
	sc->fn = fn;
	sc->ctx = ctx;
	sc->stop = 0;
	sc->nverify = 0;
	const struct obs *o = &data->obs[obs];
	for (size_t r = 0; r < o->nroots && !sc->stop; r++) {
		const json_t *root = o->roots[r];
		const json_t *tj = json_object_get(root, "type");
		if (!json_is_string(tj))
			continue;
		const char *type = json_string_value(tj);
		size_t tl = json_string_length(tj);
		const struct tgroup *g = NULL;
		for (size_t t = 0; t < s->ntypes && !g; t++)
			if (s->types[t].typelen == tl && memcmp(s->types[t].type, type, tl) == 0)
				g = &s->types[t];
		if (!g)
			continue;
		/* vals[i]: the value after props[0..i] of the previous key */
		const json_t *vals[16];
		const struct key *prev = NULL;
		size_t have = 0;
		for (uint32_t q = g->from; q < g->to && !sc->stop; q++) {
			uint32_t ki = s->korder[q];
			const struct key *k = &s->keys[ki];
			size_t c = 0;
			while (prev && c < have && c < k->nprops && c < prev->nprops &&
			       strcmp(prev->props[c], k->props[c]) == 0)
				c++;
			const json_t *v = c ? vals[c - 1] : root;
			size_t i = c;
			for (; v && i < k->nprops; i++) {
				v = json_object_get(v, k->props[i]);
				if (i < 16)
					vals[i] = v;
			}
			prev = k;
			have = i < 16 ? i : 16;
			if (k->has_int_eq && json_is_number(v))
				lookup_int(sc, (uint32_t)ki, v);
			if (json_is_string(v) &&
			    lookup_string(sc, ki, json_string_value(v), json_string_length(v)))
				return TP_EINVAL;
		}
	}
	for (size_t i = 0; i < s->nalways && !sc->stop; i++)
		candidate(sc, s->always[i]);
	uint32_t which = (uint32_t)obs;
	for (size_t i = 0; i < sc->nverify && !sc->stop; i++) {
		const struct ind *in = &s->inds[sc->verify[i]];
		int m = 0;
		sc->ev.limit_hit = 0;
		enum tp_err e = eval_pattern(in->p, data, &which, 1, &sc->ev, &m, NULL, NULL);
		if (e == TP_ENOMEM)
			return e;
		if (e != TP_OK || sc->ev.limit_hit)
			sc->limit_hits++;
		if (e == TP_OK && m)
			sc->stop = fn(in->id, ctx) != 0;
	}
	return TP_OK;
}

/* ---- probing values without an observation ---- */

size_t tp_pattern_set_nkeys(const struct tp_pattern_set *s)
{
	return s && s->compiled ? s->nkeys : 0;
}

size_t tp_pattern_set_key_path(const struct tp_pattern_set *s, size_t key, char *out, size_t n)
{
	if (!s || !s->compiled || key >= s->nkeys || !out || !n)
		return 0;
	const struct key *k = &s->keys[key];
	size_t len = (size_t)snprintf(out, n, "%s", k->type);
	for (size_t i = 0; i < k->nprops && len < n; i++)
		len += (size_t)snprintf(out + len, n - len, "%c%s", i ? '.' : ':', k->props[i]);
	return len < n ? len : 0;
}

bool tp_pattern_set_indexed(const struct tp_pattern_set *s)
{
	return s && s->compiled && s->nalways == 0;
}

/* Starts a probe: the first candidate stops it (candidate() without fn). */
static void probe_start(struct tp_pattern_scratch *sc)
{
	sc->fn = NULL;
	sc->stop = 0;
}

int tp_pattern_set_probe(const struct tp_pattern_set *s, struct tp_pattern_scratch *sc, size_t key,
			 const char *v, size_t n)
{
	if (!s || !sc || sc->set != s || key >= s->nkeys)
		return 1;
	probe_start(sc);
	return lookup_string(sc, (uint32_t)key, v, n) != 0 || sc->stop;
}

int tp_pattern_set_probe_int(const struct tp_pattern_set *s, struct tp_pattern_scratch *sc,
			     size_t key, int64_t v)
{
	if (!s || !sc || sc->set != s || key >= s->nkeys)
		return 1;
	probe_start(sc);
	if (s->keys[key].has_int_eq)
		lookup_eq(sc, (uint32_t)key | EQ_INT_KEY, (const char *)&v, sizeof v);
	return sc->stop;
}
