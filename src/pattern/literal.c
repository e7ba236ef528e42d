/*
 * Constants and object paths of the pattern grammar (STIXPattern.g4):
 *
 *	'it\'s'                  -> LIT_STR "it's"
 *	h'ffd8'                  -> LIT_BIN {0xff, 0xd8}
 *	b'AQID'                  -> LIT_BIN {1, 2, 3}
 *	t'2016-02-29T12:00:00Z'  -> LIT_TIME (microseconds)
 *	file:extensions.'archive-ext'.contains_refs[*].name
 *	                         -> type "file", steps extensions, archive-ext, contains_refs, [*],
 *name
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parser.h"

char *unescape(struct parser *ps, const char *s, size_t n, size_t *outn)
{
	char *o = alloc(ps, n + 1);
	if (!o)
		return NULL;
	size_t j = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		o[j++] = s[i];
	}
	o[j] = 0;
	*outn = j;
	return o;
}

static int hexval(int c)
{
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Checks the literal t'...' against the grammar's TimestampLiteral. */
static int time_shape_ok(const char *b, size_t n)
{
	const char *shape = "dddd-dd-ddTdd:dd:dd";
	if (n < 20)
		return 0;
	for (size_t i = 0; i < 19; i++) {
		if (shape[i] == 'd' ? (b[i] < '0' || b[i] > '9') : b[i] != shape[i])
			return 0;
	}
	size_t i = 19;
	if (b[i] == '.') {
		size_t s = ++i;
		while (i < n && b[i] >= '0' && b[i] <= '9')
			i++;
		if (i == s)
			return 0;
	}
	return i == n - 1 && b[i] == 'Z';
}

int parse_literal(struct parser *ps, struct lit *l)
{
	struct lexer *lx = &ps->lx;
	const char *t = lx->s + lx->start;
	size_t n = lx->end - lx->start;
	l->src = t;
	l->srclen = n;
	switch (lx->tok) {
	case T_STRING:
		l->kind = LIT_STR;
		l->s = unescape(ps, t + 1, n - 2, &l->n);
		break;
	case T_TRUE:
	case T_FALSE:
		l->kind = LIT_BOOL;
		l->i = lx->tok == T_TRUE;
		break;
	case T_INT: {
		char buf[40];
		if (n >= sizeof buf)
			return perr_at(ps, TP_EPARSE, lx->start, "integer out of range"), 0;
		memcpy(buf, t, n);
		buf[n] = 0;
		errno = 0;
		long long v = strtoll(buf, NULL, 10);
		if (errno)
			return perr_at(ps, TP_EPARSE, lx->start, "integer out of range"), 0;
		l->kind = LIT_INT;
		l->i = v;
		l->f = (double)v;
		break;
	}
	case T_FLOAT: {
		char buf[64];
		if (n >= sizeof buf)
			return perr_at(ps, TP_EPARSE, lx->start, "float literal too long"), 0;
		memcpy(buf, t, n);
		buf[n] = 0;
		l->kind = LIT_FLOAT;
		l->f = strtod(buf, NULL);
		if (!isfinite(l->f))
			return perr_at(ps, TP_EPARSE, lx->start, "float out of range"), 0;
		break;
	}
	case T_HEX: {
		l->kind = LIT_BIN;
		l->hex = true;
		size_t hn = (n - 3) / 2;
		uint8_t *o = alloc(ps, hn + 1);
		if (!o)
			return 0;
		for (size_t i = 0; i < hn; i++)
			o[i] = (uint8_t)(hexval(t[2 + 2 * i]) << 4 | hexval(t[3 + 2 * i]));
		l->s = (const char *)o;
		l->n = hn;
		break;
	}
	case T_BIN: {
		l->kind = LIT_BIN;
		uint8_t *o = alloc(ps, n);
		if (!o)
			return 0;
		long bn = tp_pattern_b64_decode(t + 2, n - 3, o);
		if (bn < 0)
			return perr_at(ps, TP_EPARSE, lx->start, "invalid base64 in b'...'"), 0;
		l->s = (const char *)o;
		l->n = (size_t)bn;
		break;
	}
	case T_TIME: {
		l->kind = LIT_TIME;
		if (!time_shape_ok(t + 2, n - 3) ||
		    tp_time_parse(t + 2, n - 3, 0, &l->i, NULL, NULL) != TP_OK)
			return perr_at(ps, TP_EPARSE, lx->start,
				       "invalid timestamp: expected t'YYYY-MM-DDTHH:MM:SS[.s+]Z'"),
			       0;
		break;
	}
	default:
		expected(ps, "a constant (string, number, boolean, t'..', h'..' or b'..')");
		return 0;
	}
	lexer_next(lx);
	return !ps->err;
}

/* ---- object paths ---- */

static int parse_key(struct parser *ps, struct step *st, int first)
{
	struct lexer *lx = &ps->lx;
	const char *t = lx->s + lx->start;
	size_t n = lx->end - lx->start;
	st->kind = STEP_KEY;
	if (lx->tok == T_IDENT) {
		char *k = alloc(ps, n + 1);
		if (!k)
			return 0;
		memcpy(k, t, n);
		st->key = k;
		st->keylen = n;
	} else if (lx->tok == T_STRING) {
		st->quoted = true;
		st->key = unescape(ps, t + 1, n - 2, &st->keylen);
		if (!st->key)
			return 0;
	} else if (lx->tok == T_IDENTH) {
		return perr_at(ps, TP_EPARSE, lx->start,
			       "property name '%.*s' contains '-': quote it ('%.*s')", (int)n, t,
			       (int)n, t),
		       0;
	} else {
		expected(ps, first ? "a property name after ':'" : "a property name after '.'");
		return 0;
	}
	lexer_next(lx);
	return 1;
}

int parse_path(struct parser *ps, struct path *pa)
{
	struct lexer *lx = &ps->lx;
	if (lx->tok != T_IDENT && lx->tok != T_IDENTH)
		return expected(ps, "an object path (type:property)"), 0;
	size_t tn = lx->end - lx->start;
	char *type = alloc(ps, tn + 1);
	if (!type)
		return 0;
	memcpy(type, lx->s + lx->start, tn);
	pa->type = type;
	pa->typelen = tn;
	lexer_next(lx);
	if (lx->tok != T_COLON)
		return expected(ps, "':' after the object type"), 0;
	lexer_next(lx);
	struct step inl[8]; /* most paths are short: no heap until they are not */
	size_t cap = 8, n = 0;
	struct step *steps = inl;
	memset(&steps[0], 0, sizeof steps[0]);
	if (!parse_key(ps, &steps[n++], 1))
		goto fail;
	while (lx->tok == T_DOT || lx->tok == T_LBRACK) {
		/* The evaluator walks a path recursively: keep it bounded. */
		if (n >= TP_PATTERN_MAX_PATH) {
			perr_at(ps, TP_ELIMIT, lx->start, "object path longer than %d steps",
				TP_PATTERN_MAX_PATH);
			goto fail;
		}
		if (n == cap) {
			struct step *ns = malloc(2 * cap * sizeof *ns);
			if (!ns) {
				perr_at(ps, TP_ENOMEM, lx->start, "out of memory");
				goto fail;
			}
			memcpy(ns, steps, n * sizeof *ns);
			if (steps != inl)
				free(steps);
			steps = ns;
			cap *= 2;
		}
		struct step *st = &steps[n++];
		memset(st, 0, sizeof *st);
		if (lx->tok == T_DOT) {
			lexer_next(lx);
			if (!parse_key(ps, st, 0))
				goto fail;
			continue;
		}
		lexer_next(lx);
		if (lx->tok == T_STAR) {
			st->kind = STEP_STAR;
		} else if (lx->tok == T_INT) {
			st->kind = STEP_INDEX;
			errno = 0;
			st->index = strtol(lx->s + lx->start, NULL, 10);
			if (errno) {
				perr_at(ps, TP_EPARSE, lx->start, "list index out of range");
				goto fail;
			}
		} else {
			expected(ps, "a list index or '*' inside '[ ]'");
			goto fail;
		}
		lexer_next(lx);
		if (lx->tok != T_RBRACK) {
			expected(ps, "']' after the list index");
			goto fail;
		}
		lexer_next(lx);
	}
	pa->steps = alloc(ps, n * sizeof *pa->steps);
	if (!pa->steps)
		goto fail;
	memcpy(pa->steps, steps, n * sizeof *steps);
	pa->n = n;
	if (steps != inl)
		free(steps);
	return 1;
fail:
	if (steps != inl)
		free(steps);
	return 0;
}

/* ---- comparison expressions ---- */

int parse_set(struct parser *ps, struct lit *l)
{
	struct lexer *lx = &ps->lx;
	l->kind = LIT_SET;
	l->src = lx->s + lx->start;
	size_t from = lx->start;
	lexer_next(lx); /* '(' */
	size_t cap = 4, n = 0;
	struct lit *items = calloc(cap, sizeof *items);
	if (!items)
		return perr_at(ps, TP_ENOMEM, lx->start, "out of memory"), 0;
	while (lx->tok != T_RPAREN) {
		if (n) {
			if (lx->tok != T_COMMA) {
				expected(ps, "',' or ')' in the set");
				goto fail;
			}
			lexer_next(lx);
		}
		if (n == cap) {
			cap *= 2;
			struct lit *ni = realloc(items, cap * sizeof *ni);
			if (!ni) {
				perr_at(ps, TP_ENOMEM, lx->start, "out of memory");
				goto fail;
			}
			items = ni;
		}
		memset(&items[n], 0, sizeof items[n]);
		if (!parse_literal(ps, &items[n++]))
			goto fail;
	}
	l->srclen = lx->end - from;
	lexer_next(lx);
	l->items = alloc(ps, (n ? n : 1) * sizeof *items);
	if (!l->items)
		goto fail;
	memcpy(l->items, items, n * sizeof *items);
	l->n = n;
	free(items);
	return 1;
fail:
	free(items);
	return 0;
}
