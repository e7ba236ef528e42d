/*
 * The pattern evaluator, with the semantics of STIX 2.1 section 9 (and of
 * the OASIS reference matcher where the text leaves room):
 *
 * - A comparison expression `[...]` holds for an observed-data when one of
 *   its SCOs satisfies it: AND means "the same SCO" (9.5), OR either.
 *   A comparison on another object type is false for that SCO.
 * - A comparison holds when some value its path reaches passes the test:
 *   `[*]` is "any element"; `_ref`/`_refs` steps follow references through
 *   the pool; properties ending in `_hex`/`_bin` are binary. NOT negates
 *   the test per value; a missing property never matches.
 * - Observation expressions produce "bindings": tuples of observations.
 *   An observed-data with number_observed = n stands for n observations.
 *   AND needs distinct observations, FOLLOWEDBY needs the left side's
 *   first_observed no later than the right side's last_observed, WITHIN
 *   needs max(first_observed) - min(last_observed) <= the window,
 *   REPEATS n needs n disjoint bindings, START/STOP needs every
 *   observation's interval to overlap [START, STOP).
 *
 * Example: `[ipv4-addr:value = '10.0.0.1'] REPEATS 2 TIMES` matches one
 * observed-data with number_observed 2 whose object_refs hold that
 * address, and reports that observed-data's id.
 *
 * Every search is bounded (TP_EVAL_MAX_WORK binding elements, pcre2 match
 * and depth limits), so hostile patterns or data end in TP_ELIMIT.
 */
#include <stdlib.h>
#include <string.h>

#include "eval.h"

/* ---- scratch ---- */

int eval_scratch_init(struct eval_scratch *s)
{
	memset(s, 0, sizeof *s);
	s->md = pcre2_match_data_create(1, NULL);
	s->mc = pcre2_match_context_create(NULL);
	if (!s->md || !s->mc) {
		eval_scratch_fini(s);
		return -1;
	}
	pcre2_set_match_limit(s->mc, TP_EVAL_PCRE_MATCH_LIMIT);
	pcre2_set_depth_limit(s->mc, TP_EVAL_PCRE_DEPTH_LIMIT);
	return 0;
}

void eval_scratch_fini(struct eval_scratch *s)
{
	pcre2_match_data_free(s->md);
	pcre2_match_context_free(s->mc);
	s->md = NULL;
	s->mc = NULL;
}

/* ---- values ---- */

struct val {
	const json_t *j;
	bool binary; /* from a _hex/_bin property: bytes in b[0..bn) */
	uint8_t *b;
	size_t bn;
};

static int ends_with(const char *k, size_t n, const char *suf)
{
	size_t m = strlen(suf);
	return n >= m && memcmp(k + n - m, suf, m) == 0;
}

static int hexv(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes a _hex/_bin string into malloc'd bytes; -1 if it does not decode. */
static int decode_binary(const char *key, size_t keylen, const json_t *j, struct val *v)
{
	const char *s = json_string_value(j);
	size_t n = json_string_length(j);
	v->b = malloc(n + 1);
	if (!v->b)
		return -1;
	if (ends_with(key, keylen, "_hex")) {
		if (n % 2)
			return -1;
		for (size_t i = 0; i < n; i += 2) {
			int a = hexv((unsigned char)s[i]), b = hexv((unsigned char)s[i + 1]);
			if (a < 0 || b < 0)
				return -1;
			v->b[i / 2] = (uint8_t)(a << 4 | b);
		}
		v->bn = n / 2;
	} else {
		long r = tp_pattern_b64_decode(s, n, v->b);
		if (r < 0)
			return -1;
		v->bn = (size_t)r;
	}
	v->binary = true;
	return 0;
}

/* A string as bytes when every code point is < 256 (latin-1); -1 if not. */
static long latin1(const char *s, size_t n, uint8_t *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			out[o++] = c;
		} else if ((c == 0xc2 || c == 0xc3) && i + 1 < n) {
			out[o++] = (uint8_t)(((c & 0x1f) << 6) | ((unsigned char)s[++i] & 0x3f));
		} else {
			return -1;
		}
	}
	return (long)o;
}

static int cmp_bytes(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c < 0 ? -1 : 1;
	return an < bn ? -1 : an > bn;
}

/*
 * Orders value v against literal l: sets *c to -1/0/1 and returns 1, or
 * returns 0 when the types cannot be compared (section 9.5: the
 * comparison is then false).
 */
static int order(const struct val *v, const struct lit *l, int *c)
{
	const json_t *j = v->j;
	switch (l->kind) {
	case LIT_STR:
		if (v->binary) {
			uint8_t *tmp = malloc(l->n + 1);
			long tn = tmp ? latin1(l->s, l->n, tmp) : -1;
			if (tn >= 0)
				*c = -cmp_bytes(tmp, (size_t)tn, v->b, v->bn);
			free(tmp);
			return tn >= 0;
		}
		if (!json_is_string(j))
			return 0;
		*c = cmp_bytes((const uint8_t *)json_string_value(j), json_string_length(j),
			       (const uint8_t *)l->s, l->n);
		return 1;
	case LIT_INT:
		if (json_is_integer(j)) {
			json_int_t x = json_integer_value(j);
			*c = x < l->i ? -1 : x > l->i;
			return 1;
		}
		/* compare reals with integers as doubles */
		__attribute__((fallthrough));
	case LIT_FLOAT:
		if (!json_is_number(j) || v->binary)
			return 0;
		{
			double x = json_number_value(j),
			       y = l->kind == LIT_INT ? (double)l->i : l->f;
			*c = x < y ? -1 : x > y;
		}
		return 1;
	case LIT_BOOL:
		if (!json_is_boolean(j))
			return 0;
		*c = json_is_true(j) == (l->i != 0) ? 0 : 1;
		return 1;
	case LIT_BIN:
		if (v->binary) {
			*c = cmp_bytes(v->b, v->bn, (const uint8_t *)l->s, l->n);
			return 1;
		}
		if (json_is_string(j)) {
			size_t n = json_string_length(j);
			uint8_t *tmp = malloc(n + 1);
			long tn = tmp ? latin1(json_string_value(j), n, tmp) : -1;
			if (tn >= 0)
				*c = cmp_bytes(tmp, (size_t)tn, (const uint8_t *)l->s, l->n);
			free(tmp);
			return tn >= 0;
		}
		return 0;
	case LIT_TIME: {
		tp_time_us t;
		if (!json_is_string(j) || v->binary ||
		    tp_time_parse(json_string_value(j), json_string_length(j), 0, &t, NULL, NULL))
			return 0;
		*c = t < l->i ? -1 : t > l->i;
		return 1;
	}
	case LIT_SET:
		return 0;
	}
	return 0;
}

static int regex_match(pcre2_code *re, const void *subj, size_t n, struct eval_scratch *s)
{
	int rc = pcre2_match(re, subj, n, 0, 0, s->md, s->mc);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	    rc == PCRE2_ERROR_HEAPLIMIT)
		s->limit_hit = 1;
	return 0;
}

/* A string value against a UTF-mode regex, both sides in NFC. */
static int match_nfc(pcre2_code *re, const json_t *j, struct eval_scratch *s)
{
	char *nf = NULL;
	size_t nfn = 0;
	if (tp_pattern_nfc(json_string_value(j), json_string_length(j), &nf, &nfn) == 0 && nf) {
		int r = regex_match(re, nf, nfn, s);
		free(nf);
		return r;
	}
	return regex_match(re, json_string_value(j), json_string_length(j), s);
}

/* The test of node n on one value, before NOT. */
static int test_value(const struct node *n, const struct val *v, struct eval_scratch *s)
{
	int c;
	switch (n->op) {
	case OP_EXISTS:
		return 1;
	case OP_EQ:
		return order(v, &n->lit, &c) && c == 0;
	case OP_NE:
		return order(v, &n->lit, &c) && c != 0;
	case OP_LT:
		return order(v, &n->lit, &c) && c < 0;
	case OP_LE:
		return order(v, &n->lit, &c) && c <= 0;
	case OP_GT:
		return order(v, &n->lit, &c) && c > 0;
	case OP_GE:
		return order(v, &n->lit, &c) && c >= 0;
	case OP_IN:
		for (size_t i = 0; i < n->lit.n; i++)
			if (order(v, &n->lit.items[i], &c) && c == 0)
				return 1;
		return 0;
	case OP_LIKE:
		return !v->binary && json_is_string(v->j) && match_nfc(n->re, v->j, s);
	case OP_MATCHES:
		if (v->binary)
			return n->re_bin && regex_match(n->re_bin, v->b, v->bn, s);
		return json_is_string(v->j) && match_nfc(n->re, v->j, s);
	case OP_ISSUBSET:
	case OP_ISSUPERSET: {
		struct cidr x;
		if (v->binary || !json_is_string(v->j) ||
		    tp_pattern_cidr_parse(json_string_value(v->j), json_string_length(v->j), &x))
			return 0;
		return n->op == OP_ISSUBSET ? tp_pattern_cidr_within(&x, &n->cidr)
					    : tp_pattern_cidr_within(&n->cidr, &x);
	}
	}
	return 0;
}

static int leaf(const struct node *n, const json_t *j, const struct step *last,
		struct eval_scratch *s)
{
	struct val v = {.j = j};
	int r;
	if (last && last->kind == STEP_KEY && json_is_string(j) &&
	    (ends_with(last->key, last->keylen, "_hex") ||
	     ends_with(last->key, last->keylen, "_bin"))) {
		if (decode_binary(last->key, last->keylen, j, &v) != 0) {
			free(v.b);
			v.b = NULL;
			v.binary = false; /* not decodable: compare as the plain string */
		}
	}
	r = test_value(n, &v, s);
	free(v.b);
	return n->neg ? !r : r;
}

struct walk {
	const struct node *n;
	const struct tp_pattern_data *data;
	const struct obs *o;
	struct eval_scratch *s;
};

/* A referenced object (by id, or 2.0 dictionary key) or NULL. */
static const json_t *deref(const struct walk *w, const json_t *j)
{
	if (!json_is_string(j))
		return NULL;
	return data_resolve(w->data, w->o, json_string_value(j));
}

/*
 * 1 if some value reached from j by steps[i..] passes the test. refs: the
 * previous key ended in _refs, so list elements are references. Recursion
 * depth is the path length.
 */
static int walk(const struct walk *w, const json_t *j, size_t i, int refs)
{
	const struct path *p = &w->n->path;
	if (i == p->n)
		return leaf(w->n, j, i ? &p->steps[i - 1] : NULL, w->s);
	const struct step *st = &p->steps[i];
	if (st->kind == STEP_KEY) {
		if (!json_is_object(j))
			return 0;
		char key[256];
		if (st->keylen >= sizeof key)
			return 0;
		memcpy(key, st->key, st->keylen);
		key[st->keylen] = 0;
		const json_t *v = json_object_get(j, key);
		if (!v)
			return 0;
		/* A _ref followed by more steps is followed to its object. */
		if (i + 1 < p->n && ends_with(key, st->keylen, "_ref")) {
			v = deref(w, v);
			if (!v)
				return 0;
		}
		return walk(w, v, i + 1, ends_with(key, st->keylen, "_refs"));
	}
	if (!json_is_array(j))
		return 0;
	size_t n = json_array_size(j);
	size_t from = 0, to = n;
	if (st->kind == STEP_INDEX) {
		long k = st->index < 0 ? (long)n + st->index : st->index;
		if (k < 0 || (size_t)k >= n)
			return 0;
		from = (size_t)k;
		to = from + 1;
	}
	for (size_t k = from; k < to; k++) {
		const json_t *e = json_array_get(j, k);
		if (refs && i + 1 < p->n) {
			e = deref(w, e);
			if (!e)
				continue;
		}
		if (walk(w, e, i + 1, 0))
			return 1;
	}
	return 0;
}

static int type_is(const json_t *obj, const struct path *p)
{
	const char *t = json_string_value(json_object_get(obj, "type"));
	return t && strlen(t) == p->typelen && memcmp(t, p->type, p->typelen) == 0;
}

/* Comparison expression c on one root SCO. */
static int cmp_root(const struct node *c, const struct tp_pattern_data *data, const struct obs *o,
		    const json_t *root, struct eval_scratch *s)
{
	switch (c->kind) {
	case N_TEST: {
		if (!type_is(root, &c->path))
			return 0;
		struct walk w = {c, data, o, s};
		return walk(&w, root, 0, 0);
	}
	case N_CMP_AND:
		for (size_t i = 0; i < c->nkids; i++)
			if (!cmp_root(c->kids[i], data, o, root, s))
				return 0;
		return 1;
	case N_CMP_OR:
		for (size_t i = 0; i < c->nkids; i++)
			if (cmp_root(c->kids[i], data, o, root, s))
				return 1;
		return 0;
	default:
		return 0;
	}
}

int eval_cmp_obs(const struct node *c, const struct tp_pattern_data *data, const struct obs *o,
		 struct eval_scratch *s)
{
	for (size_t i = 0; i < o->nroots; i++)
		if (cmp_root(c, data, o, o->roots[i], s))
			return 1;
	return 0;
}

/* ---- bindings ---- */

struct bset {
	uint32_t *v; /* [len, inst...] records */
	size_t nv, capv;
	size_t *off; /* start of each record in v */
	size_t n, capn;
};

struct ectx {
	const struct tp_pattern_data *data;
	struct eval_scratch *s;
	uint32_t *inst_obs; /* instance -> obs index */
	size_t ninst;
	struct tp_diag *d;
	enum tp_err err;
};

static void bset_free(struct bset *b)
{
	free(b->v);
	free(b->off);
	memset(b, 0, sizeof *b);
}

static uint32_t blen(const struct bset *b, size_t i)
{
	return b->v[b->off[i]];
}

static const uint32_t *bel(const struct bset *b, size_t i)
{
	return b->v + b->off[i] + 1;
}

/* Appends the concatenation of a[0..an) and b[0..bn) as one binding. */
static int bset_add(struct ectx *x, struct bset *out, const uint32_t *a, size_t an,
		    const uint32_t *b, size_t bn)
{
	size_t need = 1 + an + bn;
	x->s->work += need;
	if (x->s->work > TP_EVAL_MAX_WORK) {
		x->err = tp_diag_set(x->d, TP_ELIMIT,
				     "evaluation needs more than %u candidate observations "
				     "combined; narrow the pattern or the data",
				     TP_EVAL_MAX_WORK);
		return 0;
	}
	if (out->nv + need > out->capv) {
		size_t cap = out->capv ? out->capv * 2 : 64;
		while (cap < out->nv + need)
			cap *= 2;
		uint32_t *nv = realloc(out->v, cap * sizeof *nv);
		if (!nv)
			goto nomem;
		out->v = nv;
		out->capv = cap;
	}
	if (out->n == out->capn) {
		size_t cap = out->capn ? out->capn * 2 : 16;
		size_t *no = realloc(out->off, cap * sizeof *no);
		if (!no)
			goto nomem;
		out->off = no;
		out->capn = cap;
	}
	out->off[out->n++] = out->nv;
	out->v[out->nv++] = (uint32_t)(an + bn);
	memcpy(out->v + out->nv, a, an * sizeof *a);
	out->nv += an;
	if (bn)
		memcpy(out->v + out->nv, b, bn * sizeof *b);
	out->nv += bn;
	return 1;
nomem:
	x->err = tp_diag_set(x->d, TP_ENOMEM, "out of memory");
	return 0;
}

static int disjoint(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
	for (size_t i = 0; i < an; i++)
		for (size_t j = 0; j < bn; j++)
			if (a[i] == b[j])
				return 0;
	return 1;
}

static const struct obs *inst(const struct ectx *x, uint32_t i)
{
	return &x->data->obs[x->inst_obs[i]];
}

static tp_time_us max_first(const struct ectx *x, const uint32_t *a, size_t n)
{
	tp_time_us m = INT64_MIN;
	for (size_t i = 0; i < n; i++)
		if (inst(x, a[i])->first > m)
			m = inst(x, a[i])->first;
	return m;
}

static tp_time_us min_last(const struct ectx *x, const uint32_t *a, size_t n)
{
	tp_time_us m = INT64_MAX;
	for (size_t i = 0; i < n; i++)
		if (inst(x, a[i])->last < m)
			m = inst(x, a[i])->last;
	return m;
}

static int eval_node(struct ectx *x, const struct node *n, const uint32_t *first_inst,
		     const uint32_t *which, size_t nwhich, struct bset *out);

/* REPEATS k: every k-sized set of pairwise disjoint bindings, iteratively. */
static int repeats(struct ectx *x, const struct bset *in, int64_t k, struct bset *out)
{
	if (k == 1) {
		for (size_t i = 0; i < in->n; i++)
			if (!bset_add(x, out, bel(in, i), blen(in, i), NULL, 0))
				return 0;
		return 1;
	}
	if ((uint64_t)k > in->n)
		return 1;
	size_t *idx = malloc((size_t)k * sizeof *idx);
	uint32_t *tmp = NULL;
	size_t tmpn = 0, tmpcap = 0;
	if (!idx) {
		x->err = tp_diag_set(x->d, TP_ENOMEM, "out of memory");
		return 0;
	}
	size_t depth = 0;
	idx[0] = 0;
	int ok = 1;
	/* Depth-first over increasing index tuples; tmp holds the concatenation. */
	while (ok) {
		/* Prune when too few bindings remain to fill the other slots. */
		if (idx[depth] >= in->n || in->n - idx[depth] < (size_t)k - depth) {
			if (depth == 0)
				break;
			depth--;
			tmpn -= blen(in, idx[depth]);
			idx[depth]++;
			continue;
		}
		const uint32_t *e = bel(in, idx[depth]);
		size_t en = blen(in, idx[depth]);
		/* every step of the search counts, so no input makes it unbounded */
		x->s->work += 1 + (tmpn * en) / 64;
		if (!disjoint(tmp, tmpn, e, en)) {
			idx[depth]++;
			continue;
		}
		x->s->work += en;
		if (x->s->work > TP_EVAL_MAX_WORK) {
			x->err = tp_diag_set(x->d, TP_ELIMIT,
					     "REPEATS needs more than %u combinations; narrow the "
					     "pattern or the data",
					     TP_EVAL_MAX_WORK);
			ok = 0;
			break;
		}
		if (tmpn + en > tmpcap) {
			size_t cap = (tmpn + en) * 2;
			uint32_t *nt = realloc(tmp, cap * sizeof *nt);
			if (!nt) {
				x->err = tp_diag_set(x->d, TP_ENOMEM, "out of memory");
				ok = 0;
				break;
			}
			tmp = nt;
			tmpcap = cap;
		}
		memcpy(tmp + tmpn, e, en * sizeof *e);
		tmpn += en;
		if (depth + 1 == (size_t)k) {
			ok = bset_add(x, out, tmp, tmpn, NULL, 0);
			tmpn -= en;
			idx[depth]++;
		} else {
			idx[depth + 1] = idx[depth] + 1;
			depth++;
		}
	}
	free(idx);
	free(tmp);
	return ok;
}

static int eval_node(struct ectx *x, const struct node *n, const uint32_t *first_inst,
		     const uint32_t *which, size_t nwhich, struct bset *out)
{
	struct bset a = {0}, b = {0};
	int ok = 1;
	switch (n->kind) {
	case N_OBS:
		for (size_t w = 0; ok && w < nwhich; w++) {
			uint32_t oi = which ? which[w] : (uint32_t)w;
			if (!eval_cmp_obs(n->kids[0], x->data, &x->data->obs[oi], x->s))
				continue;
			for (uint32_t c = first_inst[w]; ok && c < first_inst[w + 1]; c++)
				ok = bset_add(x, out, &c, 1, NULL, 0);
		}
		return ok;
	case N_OBS_OR:
		for (size_t i = 0; ok && i < n->nkids; i++)
			ok = eval_node(x, n->kids[i], first_inst, which, nwhich, out);
		return ok;
	case N_OBS_AND:
	case N_FOLLOWEDBY:
		ok = eval_node(x, n->kids[0], first_inst, which, nwhich, &a);
		for (size_t k = 1; ok && k < n->nkids; k++) {
			struct bset r = {0}, c = {0};
			ok = eval_node(x, n->kids[k], first_inst, which, nwhich, &c);
			for (size_t i = 0; ok && i < a.n; i++) {
				tp_time_us lf = n->kind == N_FOLLOWEDBY
							? max_first(x, bel(&a, i), blen(&a, i))
							: 0;
				for (size_t j = 0; ok && j < c.n; j++) {
					if (++x->s->work > TP_EVAL_MAX_WORK) {
						x->err = tp_diag_set(
							x->d, TP_ELIMIT,
							"evaluation needs more than %u candidate "
							"combinations; narrow the pattern or the "
							"data",
							TP_EVAL_MAX_WORK);
						ok = 0;
						break;
					}
					if (!disjoint(bel(&a, i), blen(&a, i), bel(&c, j),
						      blen(&c, j)))
						continue;
					if (n->kind == N_FOLLOWEDBY &&
					    lf > min_last(x, bel(&c, j), blen(&c, j)))
						continue;
					ok = bset_add(x, &r, bel(&a, i), blen(&a, i), bel(&c, j),
						      blen(&c, j));
				}
			}
			bset_free(&a);
			bset_free(&c);
			a = r;
		}
		break;
	case N_WITHIN:
		ok = eval_node(x, n->kids[0], first_inst, which, nwhich, &a);
		for (size_t i = 0; ok && i < a.n; i++) {
			const uint32_t *e = bel(&a, i);
			size_t en = blen(&a, i);
			tp_time_us mf = max_first(x, e, en), ml = min_last(x, e, en);
			if (mf - ml <= n->within_us)
				ok = bset_add(x, out, e, en, NULL, 0);
		}
		bset_free(&a);
		return ok;
	case N_STARTSTOP:
		if (n->start >= n->stop)
			return 1;
		ok = eval_node(x, n->kids[0], first_inst, which, nwhich, &a);
		for (size_t i = 0; ok && i < a.n; i++) {
			const uint32_t *e = bel(&a, i);
			size_t en = blen(&a, i), k;
			for (k = 0; k < en; k++) {
				const struct obs *o = inst(x, e[k]);
				if (!(o->first < n->stop && o->last >= n->start))
					break;
			}
			if (k == en)
				ok = bset_add(x, out, e, en, NULL, 0);
		}
		bset_free(&a);
		return ok;
	case N_REPEATS:
		ok = eval_node(x, n->kids[0], first_inst, which, nwhich, &b);
		ok = ok && repeats(x, &b, n->repeats, out);
		bset_free(&b);
		return ok;
	default:
		x->err = tp_diag_set(x->d, TP_EINVAL, "internal: unexpected node");
		return 0;
	}
	/* AND / FOLLOWEDBY result is in a */
	for (size_t i = 0; ok && i < a.n; i++)
		ok = bset_add(x, out, bel(&a, i), blen(&a, i), NULL, 0);
	bset_free(&a);
	return ok;
}

int64_t tp_pattern_binding_size(const struct node *n)
{
	switch (n->kind) {
	case N_OBS:
		return 1;
	case N_REPEATS: {
		int64_t k = tp_pattern_binding_size(n->kids[0]);
		return k > INT64_MAX / n->repeats ? INT64_MAX : k * n->repeats;
	}
	default: {
		int64_t sum = 0, m = 0;
		for (size_t i = 0; i < n->nkids; i++) {
			int64_t k = tp_pattern_binding_size(n->kids[i]);
			if (n->kind == N_OBS_OR)
				m = k > m ? k : m;
			else
				sum = k > INT64_MAX - sum ? INT64_MAX : sum + k;
		}
		return n->kind == N_OBS_OR ? m : sum;
	}
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

enum tp_err eval_pattern(const struct tp_pattern *p, const struct tp_pattern_data *data,
			 const uint32_t *which, size_t nwhich, struct eval_scratch *s, int *matched,
			 struct tp_pattern_result *r, struct tp_diag *d)
{
	*matched = 0;
	if (!which)
		nwhich = data->nobs;
	/* An observed-data stands for number_observed observations, but one
	 * binding never uses more copies than the pattern has slots. */
	int64_t slots = tp_pattern_binding_size(p->root);
	uint32_t *first_inst = malloc((nwhich + 1) * sizeof *first_inst);
	if (!first_inst)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	uint64_t total = 0;
	for (size_t w = 0; w < nwhich; w++) {
		const struct obs *o = &data->obs[which ? which[w] : w];
		int64_t c = o->number < slots ? o->number : slots;
		first_inst[w] = (uint32_t)total;
		total += (uint64_t)c;
		if (total > TP_EVAL_MAX_WORK) {
			free(first_inst);
			return tp_diag_set(d, TP_ELIMIT,
					   "the data stands for more than %u observations "
					   "(number_observed) for this pattern",
					   TP_EVAL_MAX_WORK);
		}
	}
	first_inst[nwhich] = (uint32_t)total;
	struct ectx x = {.data = data, .s = s, .d = d, .ninst = total};
	x.inst_obs = malloc((total ? total : 1) * sizeof *x.inst_obs);
	if (!x.inst_obs) {
		free(first_inst);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	for (size_t w = 0; w < nwhich; w++)
		for (uint32_t c = first_inst[w]; c < first_inst[w + 1]; c++)
			x.inst_obs[c] = which ? which[w] : (uint32_t)w;
	s->work = 0;
	struct bset out = {0};
	int ok = eval_node(&x, p->root, first_inst, which, nwhich, &out);
	enum tp_err e = ok ? TP_OK : x.err;
	if (ok && out.n > 0) {
		*matched = 1;
		if (r) {
			size_t n = blen(&out, 0);
			uint32_t *o = malloc((n ? n : 1) * sizeof *o);
			r->ids = o ? malloc((n ? n : 1) * sizeof *r->ids) : NULL;
			if (!r->ids) {
				free(o);
				e = tp_diag_set(d, TP_ENOMEM, "out of memory");
			} else {
				for (size_t i = 0; i < n; i++)
					o[i] = x.inst_obs[bel(&out, 0)[i]];
				qsort(o, n, sizeof *o, cmp_u32);
				r->n = 0;
				for (size_t i = 0; i < n; i++)
					if (i == 0 || o[i] != o[i - 1])
						r->ids[r->n++] = data->obs[o[i]].id;
				r->matched = 1;
				free(o);
			}
		}
	}
	bset_free(&out);
	free(x.inst_obs);
	free(first_inst);
	return e;
}

enum tp_err tp_pattern_match(const struct tp_pattern *p, const struct tp_pattern_data *data,
			     struct tp_pattern_result *r, struct tp_diag *d)
{
	if (!p || !data || !r)
		return tp_diag_set(d, TP_EINVAL, "no pattern, data or result given");
	memset(r, 0, sizeof *r);
	struct eval_scratch s;
	if (eval_scratch_init(&s) != 0)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	int matched;
	enum tp_err e = eval_pattern(p, data, NULL, 0, &s, &matched, r, d);
	if (e == TP_OK && s.limit_hit && !matched)
		e = tp_diag_set(d, TP_ELIMIT,
				"a regular expression exceeded its match limit (%u steps); the "
				"result would be unreliable",
				TP_EVAL_PCRE_MATCH_LIMIT);
	eval_scratch_fini(&s);
	if (e != TP_OK)
		tp_pattern_result_clear(r);
	return e;
}

void tp_pattern_result_clear(struct tp_pattern_result *r)
{
	if (!r)
		return;
	free(r->ids);
	memset(r, 0, sizeof *r);
}
