/*
 * Checks on a parsed tree: object-path warnings for every comparison (see
 * schema.c) and, for the strict check, hash constants of the wrong length
 * for their algorithm (the OASIS pattern validator's rule):
 *
 *	[file:hashes.MD5 = 'abc']  ->  "'abc' is not a valid MD5 hash (32 hex digits)"
 *
 * Repeated qualifiers and START/STOP order are checked while parsing,
 * where the column is at hand.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

struct checker {
	struct tp_pattern *p;
	unsigned flags;
	struct tp_diag *d;
	enum tp_err err;
};

static enum tp_err fail(struct checker *ck, enum tp_err code, size_t off, const char *fmt, ...)
	TP_PRINTF(4, 5);

static enum tp_err fail(struct checker *ck, enum tp_err code, size_t off, const char *fmt, ...)
{
	ck->err = code;
	if (ck->d) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(ck->d->message, sizeof ck->d->message, fmt, ap);
		va_end(ap);
		ck->d->code = code;
		ck->d->line = 1;
		ck->d->column = (long)off + 1;
	}
	return code;
}

static const struct {
	const char *name; /* upper case, '-' removed */
	const char *label;
	unsigned len;
} hash_lens[] = {
	{"MD5", "MD5", 32},
	{"SHA1", "SHA-1", 40},
	{"SHA224", "SHA-224", 56},
	{"SHA256", "SHA-256", 64},
	{"SHA384", "SHA-384", 96},
	{"SHA512", "SHA-512", 128},
	{"SHA3224", "SHA3-224", 56},
	{"SHA3256", "SHA3-256", 64},
	{"SHA3384", "SHA3-384", 96},
	{"SHA3512", "SHA3-512", 128},
	{"RIPEMD160", "RIPEMD-160", 40},
	{"WHIRLPOOL", "WHIRLPOOL", 128},
};

static int check_hash_value(struct checker *ck, const struct node *n, const struct lit *l,
			    unsigned want, const char *label)
{
	if (l->kind != LIT_STR)
		return 1;
	int ok = l->n == want;
	for (size_t i = 0; ok && i < l->n; i++) {
		char c = l->s[i];
		ok = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
	}
	if (!ok)
		return fail(ck, TP_EVALIDATE, (size_t)n->column - 1,
			    "'%.*s' is not a valid %s hash (%u hex digits)",
			    (int)(l->n > 140 ? 140 : l->n), l->s, label, want),
		       0;
	return 1;
}

static int check_hash(struct checker *ck, const struct node *n)
{
	const struct path *pa = &n->path;
	if (pa->n < 2 || pa->steps[pa->n - 1].kind != STEP_KEY ||
	    pa->steps[pa->n - 2].kind != STEP_KEY || pa->steps[pa->n - 2].keylen != 6 ||
	    memcmp(pa->steps[pa->n - 2].key, "hashes", 6) != 0)
		return 1;
	if (n->op != OP_EQ && n->op != OP_NE && n->op != OP_IN)
		return 1;
	const struct step *k = &pa->steps[pa->n - 1];
	char norm[32];
	size_t j = 0;
	for (size_t i = 0; i < k->keylen && j + 1 < sizeof norm; i++)
		if (k->key[i] != '-')
			norm[j++] = (char)(k->key[i] >= 'a' && k->key[i] <= 'z' ? k->key[i] - 32
										: k->key[i]);
	norm[j] = 0;
	for (size_t h = 0; h < sizeof hash_lens / sizeof hash_lens[0]; h++) {
		if (strcmp(norm, hash_lens[h].name) != 0)
			continue;
		if (n->lit.kind == LIT_SET) {
			for (size_t i = 0; i < n->lit.n; i++)
				if (!check_hash_value(ck, n, &n->lit.items[i], hash_lens[h].len,
						      hash_lens[h].label))
					return 0;
			return 1;
		}
		return check_hash_value(ck, n, &n->lit, hash_lens[h].len, hash_lens[h].label);
	}
	return 1;
}

static int add_warning(struct checker *ck, const char *w)
{
	struct tp_pattern *p = ck->p;
	for (size_t i = 0; i < p->nwarnings; i++)
		if (strcmp(p->warnings[i], w) == 0)
			return 1;
	const char **nw = realloc(p->warnings, (p->nwarnings + 1) * sizeof *nw);
	if (!nw)
		return fail(ck, TP_ENOMEM, 0, "out of memory"), 0;
	p->warnings = nw;
	p->warnings[p->nwarnings++] = w;
	return 1;
}

/* Walks the tree (depth bounded by the parser) for warnings and strict checks. */
static int walk_checks(struct checker *ck, const struct node *n)
{
	if (n->kind == N_TEST) {
		const char *w = tp_pattern_schema_check(&ck->p->arena, &n->path);
		if (w && !add_warning(ck, w))
			return 0;
		if ((ck->flags & TP_PATTERN_STRICT) && !check_hash(ck, n))
			return 0;
		return 1;
	}
	for (size_t i = 0; i < n->nkids; i++)
		if (!walk_checks(ck, n->kids[i]))
			return 0;
	return 1;
}

enum tp_err tp_pattern_check_tree(struct tp_pattern *p, unsigned flags, struct tp_diag *d)
{
	struct checker ck = {p, flags, d, TP_OK};
	walk_checks(&ck, p->root);
	return ck.err;
}
