/*
 * Recursive-descent parser for STIX 2.1 patterns (section 9 and the ANTLR
 * grammar STIXPattern.g4), one function per grammar level:
 *
 *	pattern  := obs_fby EOF
 *	obs_fby  := obs_or  (FOLLOWEDBY obs_or)*     lowest precedence
 *	obs_or   := obs_and (OR obs_and)*
 *	obs_and  := obs_q   (AND obs_q)*
 *	obs_q    := obs_prim qualifier*                WITHIN / REPEATS / START..STOP
 *	obs_prim := '[' cmp_or ']' | '(' obs_fby ')'
 *	cmp_or   := cmp_and (OR cmp_and)*
 *	cmp_and  := test (AND test)*
 *	test     := '(' cmp_or ')' | EXISTS path | path NOT? op literal
 *
 * "[file:size > 10 AND file:name = 'a'] REPEATS 2 TIMES" parses to
 * N_REPEATS(2) -> N_OBS -> N_CMP_AND(test, test). Everything is allocated
 * from the pattern's arena; nesting is bounded by TP_PATTERN_MAX_DEPTH so
 * 10,000 '(' are an error, not a stack overflow.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ast.h"
#include "lexer.h"

struct parser {
	struct lexer lx;
	struct tp_pattern *p;
	struct tp_diag *d;
	unsigned flags;
	int depth;
	enum tp_err err;
};

/* ---- arena ---- */

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!a->head || a->head->cap - a->head->used < n) {
		/* Small first chunks: a compiled set keeps thousands of patterns. */
		size_t chunk = a->head ? (a->head->cap < 4096 ? a->head->cap * 2 : 8192) : 512;
		size_t cap = n > chunk ? n : chunk;
		struct arena_chunk *c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
		a->total += cap;
	}
	void *r = (char *)a->head->data + a->head->used;
	a->head->used += n;
	memset(r, 0, n);
	return r;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
}

/* ---- errors ---- */

static enum tp_err perr_at(struct parser *ps, enum tp_err code, size_t off, const char *fmt, ...)
	TP_PRINTF(4, 5);

static enum tp_err perr_at(struct parser *ps, enum tp_err code, size_t off, const char *fmt, ...)
{
	if (ps->err)
		return ps->err;
	ps->err = code;
	if (ps->d) {
		char msg[400];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof msg, fmt, ap);
		va_end(ap);
		ps->d->line = 1;
		ps->d->column = lexer_column(&ps->lx, off);
		tp_diag_set(ps->d, code, "%s", msg);
	}
	return code;
}

/* "expected X, found Y" at the current token. */
static enum tp_err expected(struct parser *ps, const char *what)
{
	struct lexer *lx = &ps->lx;
	if (lx->tok == T_ERROR)
		return perr_at(ps, TP_EPARSE, lx->errpos, "%s", lx->err);
	if (lx->tok == T_EOF)
		return perr_at(ps, TP_EPARSE, lx->start, "expected %s, found end of pattern", what);
	int n = (int)(lx->end - lx->start);
	if (n > 40)
		n = 40;
	const char *name = lexer_tok_name(lx->tok);
	if (name[0] == '\'')
		return perr_at(ps, TP_EPARSE, lx->start, "expected %s, found %s", what, name);
	if (lx->tok < T_IDENT)
		return perr_at(ps, TP_EPARSE, lx->start, "expected %s, found keyword %s", what,
			       name);
	const char *q = lx->tok >= T_STRING && lx->tok != T_INT && lx->tok != T_FLOAT ? "" : "'";
	const char *hint = "";
	if (lx->tok == T_IDENT) {
		static const char *const kw[] = {"and", "or", "not", "followedby", "like", "matches",
						 "in", "within", "repeats", "start", "stop",
						 "exists", "issubset", "issuperset", NULL};
		for (size_t i = 0; kw[i]; i++)
			if (strlen(kw[i]) == lx->end - lx->start &&
			    strncasecmp(kw[i], lx->s + lx->start, lx->end - lx->start) == 0)
				hint = " (keywords are upper case)";
	}
	return perr_at(ps, TP_EPARSE, lx->start, "expected %s, found %s %s%.*s%s%s", what, name, q,
		       n, lx->s + lx->start, q, hint);
}

static void *alloc(struct parser *ps, size_t n)
{
	void *r = arena_alloc(&ps->p->arena, n);
	if (!r)
		perr_at(ps, TP_ENOMEM, ps->lx.start, "out of memory");
	return r;
}

static struct node *new_node(struct parser *ps, enum node_kind k, size_t off)
{
	struct node *n = alloc(ps, sizeof *n);
	if (n) {
		n->kind = k;
		n->column = lexer_column(&ps->lx, off);
	}
	return n;
}

static int enter(struct parser *ps)
{
	if (++ps->depth > TP_PATTERN_MAX_DEPTH) {
		perr_at(ps, TP_ELIMIT, ps->lx.start,
			"nesting deeper than %d levels (parentheses, brackets and qualifiers)",
			TP_PATTERN_MAX_DEPTH);
		return 0;
	}
	return 1;
}

static int keep_code(struct parser *ps, pcre2_code *c)
{
	struct tp_pattern *p = ps->p;
	if (p->ncodes == p->capcodes) {
		size_t cap = p->capcodes ? p->capcodes * 2 : 4;
		pcre2_code **nc = realloc(p->codes, cap * sizeof *nc);
		if (!nc) {
			pcre2_code_free(c);
			perr_at(ps, TP_ENOMEM, ps->lx.start, "out of memory");
			return 0;
		}
		p->codes = nc;
		p->capcodes = cap;
	}
	p->codes[p->ncodes++] = c;
	return 1;
}

/* ---- n-ary node building: collects kids in a growable temp array ---- */

struct kids {
	struct node **v;
	size_t n, cap;
};

static int kids_push(struct parser *ps, struct kids *k, struct node *n)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4;
		struct node **nv = realloc(k->v, cap * sizeof *nv);
		if (!nv) {
			perr_at(ps, TP_ENOMEM, ps->lx.start, "out of memory");
			return 0;
		}
		k->v = nv;
		k->cap = cap;
	}
	k->v[k->n++] = n;
	return 1;
}

/* Turns the collected kids into node kind (or the single kid itself). */
static struct node *kids_finish(struct parser *ps, struct kids *k, enum node_kind kind,
				size_t off)
{
	struct node *r = NULL;
	if (!ps->err && k->n == 1) {
		r = k->v[0];
	} else if (!ps->err && k->n > 1) {
		r = new_node(ps, kind, off);
		struct node **arr = r ? alloc(ps, k->n * sizeof *arr) : NULL;
		if (arr) {
			memcpy(arr, k->v, k->n * sizeof *arr);
			r->kids = arr;
			r->nkids = k->n;
		} else {
			r = NULL;
		}
	}
	free(k->v);
	return r;
}

/* ---- literals ---- */

static char *unescape(struct parser *ps, const char *s, size_t n, size_t *outn)
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

long tp_pattern_b64_decode(const char *s, size_t n, uint8_t *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (n % 4)
		return -1;
	size_t o = 0;
	uint32_t acc = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=') {
			if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
				return -1;
			break;
		}
		const char *q = memchr(tbl, s[i], 64);
		if (!q || !s[i])
			return -1;
		acc = (acc << 6) | (uint32_t)(q - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (long)o;
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

static int parse_literal(struct parser *ps, struct lit *l)
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

static int parse_path(struct parser *ps, struct path *pa)
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
	size_t cap = 4, n = 0;
	struct step *steps = malloc(cap * sizeof *steps);
	if (!steps)
		return perr_at(ps, TP_ENOMEM, lx->start, "out of memory"), 0;
	memset(&steps[0], 0, sizeof steps[0]);
	if (!parse_key(ps, &steps[n++], 1))
		goto fail;
	while (lx->tok == T_DOT || lx->tok == T_LBRACK) {
		if (n == cap) {
			cap *= 2;
			struct step *ns = realloc(steps, cap * sizeof *ns);
			if (!ns) {
				perr_at(ps, TP_ENOMEM, lx->start, "out of memory");
				goto fail;
			}
			steps = ns;
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
	free(steps);
	return 1;
fail:
	free(steps);
	return 0;
}

/* ---- comparison expressions ---- */

static struct node *cmp_or(struct parser *ps);

/* LIKE -> anchored regex: % is .*, _ is one code point, the rest literal. */
static pcre2_code *compile_like(const char *s, size_t n)
{
	struct tp_buf b;
	tp_buf_init(&b, 8 * n + 16);
	int ok = tp_buf_puts(&b, "^(?s:") == TP_OK;
	for (size_t i = 0; ok && i < n; i++) {
		if (s[i] == '%')
			ok = tp_buf_puts(&b, ".*") == TP_OK;
		else if (s[i] == '_')
			ok = tp_buf_putc(&b, '.') == TP_OK;
		else if ((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
			 (unsigned char)s[i] >= 0x80)
			ok = tp_buf_putc(&b, s[i]) == TP_OK;
		else
			ok = tp_buf_printf(&b, "\\x{%x}", (unsigned char)s[i]) == TP_OK;
	}
	ok = ok && tp_buf_puts(&b, ")$") == TP_OK;
	pcre2_code *c = NULL;
	int ec;
	PCRE2_SIZE eo;
	if (ok)
		c = pcre2_compile((PCRE2_SPTR)b.data, b.len, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &ec, &eo,
				  NULL);
	tp_buf_free(&b);
	return c;
}

static int compile_regex(struct parser *ps, struct node *n, size_t off)
{
	int ec;
	PCRE2_SIZE eo;
	n->re = pcre2_compile((PCRE2_SPTR)n->lit.s, n->lit.n, PCRE2_UTF, &ec, &eo, NULL);
	if (!n->re) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(ec, msg, sizeof msg);
		return perr_at(ps, TP_EVALIDATE, off, "invalid regular expression at offset %zu: %s",
			       (size_t)eo, (char *)msg),
		       0;
	}
	if (!keep_code(ps, n->re))
		return 0;
	/* Binary properties are matched byte by byte (section 9.3, MATCHES). */
	n->re_bin = pcre2_compile((PCRE2_SPTR)n->lit.s, n->lit.n, 0, &ec, &eo, NULL);
	if (n->re_bin && !keep_code(ps, n->re_bin))
		return 0;
	return 1;
}

static enum cmp_op tok_op(enum tok t, int *ok)
{
	*ok = 1;
	switch (t) {
	case T_EQ: return OP_EQ;
	case T_NE: return OP_NE;
	case T_LT: return OP_LT;
	case T_LE: return OP_LE;
	case T_GT: return OP_GT;
	case T_GE: return OP_GE;
	case T_IN: return OP_IN;
	case T_LIKE: return OP_LIKE;
	case T_MATCHES: return OP_MATCHES;
	case T_ISSUBSET: return OP_ISSUBSET;
	case T_ISSUPERSET: return OP_ISSUPERSET;
	default: *ok = 0; return OP_EQ;
	}
}

static int parse_set(struct parser *ps, struct lit *l)
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

static struct node *test(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	size_t at = lx->start;
	if (lx->tok == T_LPAREN) {
		if (!enter(ps))
			return NULL;
		lexer_next(lx);
		struct node *n = cmp_or(ps);
		if (!n)
			return NULL;
		if (lx->tok != T_RPAREN)
			return expected(ps, "')' closing the comparison"), NULL;
		lexer_next(lx);
		ps->depth--;
		return n;
	}
	struct node *n = new_node(ps, N_TEST, at);
	if (!n)
		return NULL;
	if (lx->tok == T_EXISTS) {
		lexer_next(lx);
		n->op = OP_EXISTS;
		if (!parse_path(ps, &n->path))
			return NULL;
		return n;
	}
	if (lx->tok == T_NOT && ps->lx.tok == T_NOT) {
		/* NOT belongs after the path; say so rather than "expected path". */
		return perr_at(ps, TP_EPARSE, lx->start,
			       "NOT goes between the object path and the operator "
			       "(file:name NOT = 'x'); NOT EXISTS is not STIX"),
		       NULL;
	}
	if (!parse_path(ps, &n->path))
		return NULL;
	if (lx->tok == T_NOT) {
		n->neg = true;
		lexer_next(lx);
	}
	int ok;
	n->op = tok_op(lx->tok, &ok);
	if (!ok)
		return expected(ps, "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, "
				    "MATCHES, ISSUBSET, ISSUPERSET)"),
		       NULL;
	size_t opat = lx->start;
	lexer_next(lx);
	size_t litat = lx->start;
	switch (n->op) {
	case OP_IN:
		if (lx->tok != T_LPAREN)
			return expected(ps, "'(' starting the set after IN"), NULL;
		if (!parse_set(ps, &n->lit))
			return NULL;
		break;
	case OP_LIKE:
	case OP_MATCHES:
	case OP_ISSUBSET:
	case OP_ISSUPERSET:
		if (lx->tok != T_STRING)
			return expected(ps, "a string after the operator"), NULL;
		if (!parse_literal(ps, &n->lit))
			return NULL;
		break;
	default:
		if (!parse_literal(ps, &n->lit))
			return NULL;
		if (n->op != OP_EQ && n->op != OP_NE && n->lit.kind == LIT_BOOL)
			return perr_at(ps, TP_EPARSE, litat,
				       "booleans can only be compared with = or !="),
			       NULL;
	}
	if (n->op == OP_MATCHES && !compile_regex(ps, n, litat))
		return NULL;
	if (n->op == OP_LIKE) {
		n->re = compile_like(n->lit.s, n->lit.n);
		if (!n->re)
			return perr_at(ps, TP_EVALIDATE, litat, "cannot translate the LIKE pattern"),
			       NULL;
		if (!keep_code(ps, n->re))
			return NULL;
	}
	if ((n->op == OP_ISSUBSET || n->op == OP_ISSUPERSET) &&
	    tp_pattern_cidr_parse(n->lit.s, n->lit.n, &n->cidr) != 0)
		return perr_at(ps, TP_EVALIDATE, litat,
			       "%s needs an IPv4 or IPv6 address or CIDR, not '%.*s'",
			       n->op == OP_ISSUBSET ? "ISSUBSET" : "ISSUPERSET", (int)n->lit.n,
			       n->lit.s),
		       NULL;
	(void)opat;
	return n;
}

static struct node *cmp_and(struct parser *ps)
{
	struct kids k = {0};
	size_t at = ps->lx.start;
	for (;;) {
		struct node *n = test(ps);
		if (!n || !kids_push(ps, &k, n))
			break;
		if (ps->lx.tok != T_AND)
			break;
		lexer_next(&ps->lx);
	}
	return kids_finish(ps, &k, N_CMP_AND, at);
}

static struct node *cmp_or(struct parser *ps)
{
	struct kids k = {0};
	size_t at = ps->lx.start;
	for (;;) {
		struct node *n = cmp_and(ps);
		if (!n || !kids_push(ps, &k, n))
			break;
		if (ps->lx.tok != T_OR)
			break;
		lexer_next(&ps->lx);
	}
	return kids_finish(ps, &k, N_CMP_OR, at);
}

/* ---- observation expressions ---- */

static struct node *obs_fby(struct parser *ps);

static struct node *obs_prim(struct parser *ps)
{
	struct lexer *lx = &ps->lx;
	size_t at = lx->start;
	if (lx->tok == T_LBRACK) {
		if (!enter(ps))
			return NULL;
		lexer_next(lx);
		struct node *o = new_node(ps, N_OBS, at);
		if (!o)
			return NULL;
		struct node *c = cmp_or(ps);
		if (!c)
			return NULL;
		if (lx->tok != T_RBRACK)
			return expected(ps, "']' closing the observation expression (or AND/OR)"),
			       NULL;
		lexer_next(lx);
		o->kids = alloc(ps, sizeof *o->kids);
		if (!o->kids)
			return NULL;
		o->kids[0] = c;
		o->nkids = 1;
		ps->depth--;
		return o;
	}
	if (lx->tok == T_LPAREN) {
		if (!enter(ps))
			return NULL;
		lexer_next(lx);
		struct node *n = obs_fby(ps);
		if (!n)
			return NULL;
		if (lx->tok != T_RPAREN)
			return expected(ps, "')' closing the observation expressions"), NULL;
		lexer_next(lx);
		ps->depth--;
		return n;
	}
	expected(ps, "'[' or '(' starting an observation expression");
	return NULL;
}

static int pos_number(struct parser *ps, int allow_float, double *v)
{
	struct lexer *lx = &ps->lx;
	if (lx->tok != T_INT && !(allow_float && lx->tok == T_FLOAT))
		return expected(ps, allow_float ? "a positive number of seconds" : "a positive integer"),
		       0;
	if (lx->s[lx->start] == '-')
		return perr_at(ps, TP_EVALIDATE, lx->start, "the number must be positive"), 0;
	*v = strtod(lx->s + lx->start, NULL);
	return 1;
}

static struct node *qualify(struct parser *ps, struct node *inner, unsigned *seen)
{
	struct lexer *lx = &ps->lx;
	size_t at = lx->start;
	enum tok q = lx->tok;
	unsigned bit = q == T_WITHIN ? 1 : q == T_REPEATS ? 2 : 4;
	if ((ps->flags & TP_PATTERN_STRICT) && (*seen & bit))
		return perr_at(ps, TP_EVALIDATE, at, "%s is repeated on one observation expression",
			       lexer_tok_name(q)),
		       NULL;
	*seen |= bit;
	if (!enter(ps))
		return NULL;
	struct node *n = new_node(ps, q == T_WITHIN	 ? N_WITHIN
				      : q == T_REPEATS ? N_REPEATS
						       : N_STARTSTOP,
				  at);
	if (!n)
		return NULL;
	n->kids = alloc(ps, sizeof *n->kids);
	if (!n->kids)
		return NULL;
	n->kids[0] = inner;
	n->nkids = 1;
	lexer_next(lx);
	double v;
	size_t vat = lx->start;
	if (q == T_WITHIN) {
		if (!pos_number(ps, 1, &v))
			return NULL;
		if (!(v > 0) || v > 1e12)
			return perr_at(ps, TP_EVALIDATE, vat,
				       "WITHIN needs a positive number of seconds (at most 1e12)"),
			       NULL;
		n->within_us = (int64_t)llround(v * 1e6);
		if (n->within_us < 1)
			n->within_us = 1;
		lexer_next(lx);
		if (lx->tok != T_SECONDS)
			return expected(ps, "SECONDS after the WITHIN value"), NULL;
	} else if (q == T_REPEATS) {
		if (!pos_number(ps, 0, &v))
			return NULL;
		if (v < 1 || v > 1e9)
			return perr_at(ps, TP_EVALIDATE, vat,
				       "REPEATS needs a count between 1 and 1000000000"),
			       NULL;
		n->repeats = (int64_t)v;
		lexer_next(lx);
		if (lx->tok != T_TIMES)
			return expected(ps, "TIMES after the REPEATS count"), NULL;
	} else {
		struct lit a = {0}, b = {0};
		if (lx->tok != T_TIME)
			return expected(ps, "a timestamp t'...' after START"), NULL;
		if (!parse_literal(ps, &a))
			return NULL;
		if (lx->tok != T_STOP)
			return expected(ps, "STOP after the START timestamp"), NULL;
		lexer_next(lx);
		size_t sat = lx->start;
		if (lx->tok != T_TIME)
			return expected(ps, "a timestamp t'...' after STOP"), NULL;
		if (!parse_literal(ps, &b))
			return NULL;
		n->start = a.i;
		n->stop = b.i;
		if ((ps->flags & TP_PATTERN_STRICT) && n->start >= n->stop)
			return perr_at(ps, TP_EVALIDATE, sat, "STOP must be later than START"), NULL;
		return n; /* parse_literal advanced */
	}
	lexer_next(lx);
	return n;
}

static struct node *obs_q(struct parser *ps)
{
	int depth = ps->depth;
	struct node *n = obs_prim(ps);
	unsigned seen = 0;
	while (n && (ps->lx.tok == T_WITHIN || ps->lx.tok == T_REPEATS || ps->lx.tok == T_START))
		n = qualify(ps, n, &seen);
	ps->depth = depth;
	return n;
}

static struct node *obs_chain(struct parser *ps, struct node *(*sub)(struct parser *), enum tok op,
			      enum node_kind kind)
{
	struct kids k = {0};
	size_t at = ps->lx.start;
	for (;;) {
		struct node *n = sub(ps);
		if (!n || !kids_push(ps, &k, n))
			break;
		if (ps->lx.tok != op)
			break;
		lexer_next(&ps->lx);
	}
	return kids_finish(ps, &k, kind, at);
}

static struct node *obs_and(struct parser *ps)
{
	return obs_chain(ps, obs_q, T_AND, N_OBS_AND);
}

static struct node *obs_or(struct parser *ps)
{
	return obs_chain(ps, obs_and, T_OR, N_OBS_OR);
}

static struct node *obs_fby(struct parser *ps)
{
	return obs_chain(ps, obs_or, T_FOLLOWEDBY, N_FOLLOWEDBY);
}

/* ---- strict checks on a finished tree ---- */

static const struct {
	const char *name; /* upper case, '-' removed */
	const char *label;
	unsigned len;
} hash_lens[] = {
	{"MD5", "MD5", 32},	     {"SHA1", "SHA-1", 40},	  {"SHA224", "SHA-224", 56},
	{"SHA256", "SHA-256", 64},   {"SHA384", "SHA-384", 96},	  {"SHA512", "SHA-512", 128},
	{"SHA3224", "SHA3-224", 56}, {"SHA3256", "SHA3-256", 64}, {"SHA3384", "SHA3-384", 96},
	{"SHA3512", "SHA3-512", 128}, {"RIPEMD160", "RIPEMD-160", 40}, {"WHIRLPOOL", "WHIRLPOOL", 128},
};

static int check_hash_value(struct parser *ps, const struct node *n, const struct lit *l,
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
		return perr_at(ps, TP_EVALIDATE, (size_t)n->column - 1,
			       "'%.*s' is not a valid %s hash (%u hex digits)",
			       (int)(l->n > 140 ? 140 : l->n), l->s, label, want),
		       0;
	return 1;
}

static int check_hash(struct parser *ps, const struct node *n)
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
				if (!check_hash_value(ps, n, &n->lit.items[i], hash_lens[h].len,
						      hash_lens[h].label))
					return 0;
			return 1;
		}
		return check_hash_value(ps, n, &n->lit, hash_lens[h].len, hash_lens[h].label);
	}
	return 1;
}

static int add_warning(struct parser *ps, const char *w)
{
	struct tp_pattern *p = ps->p;
	for (size_t i = 0; i < p->nwarnings; i++)
		if (strcmp(p->warnings[i], w) == 0)
			return 1;
	const char **nw = realloc(p->warnings, (p->nwarnings + 1) * sizeof *nw);
	if (!nw)
		return perr_at(ps, TP_ENOMEM, 0, "out of memory"), 0;
	p->warnings = nw;
	p->warnings[p->nwarnings++] = w;
	return 1;
}

/* Walks the tree (depth bounded by the parser) for warnings and strict checks. */
static int walk_checks(struct parser *ps, const struct node *n)
{
	if (n->kind == N_TEST) {
		const char *w = tp_pattern_schema_check(&ps->p->arena, &n->path);
		if (w && !add_warning(ps, w))
			return 0;
		if ((ps->flags & TP_PATTERN_STRICT) && !check_hash(ps, n))
			return 0;
		return 1;
	}
	for (size_t i = 0; i < n->nkids; i++)
		if (!walk_checks(ps, n->kids[i]))
			return 0;
	return 1;
}

/* ---- entry points ---- */

enum tp_err tp_pattern_parse(const char *text, size_t len, unsigned flags,
			     struct tp_pattern **out, struct tp_diag *d)
{
	if (!text || !out)
		return tp_diag_set(d, TP_EINVAL, "no pattern given");
	if (len > TP_PATTERN_MAX_LEN)
		return tp_diag_set(d, TP_ELIMIT, "pattern is %zu bytes; the limit is %u", len,
				   TP_PATTERN_MAX_LEN);
	size_t bad = lexer_utf8_check(text, len);
	if (bad < len) {
		if (d) {
			d->line = 1;
			d->column = (long)bad + 1;
		}
		return tp_diag_set(d, TP_EPARSE, "%s",
				   text[bad] ? "invalid UTF-8" : "NUL byte in pattern");
	}
	struct tp_pattern *p = calloc(1, sizeof *p);
	if (!p)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	struct parser ps = {.p = p, .d = d, .flags = flags};
	p->text = arena_alloc(&p->arena, len + 1);
	if (!p->text) {
		tp_pattern_free(p);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	memcpy(p->text, text, len);
	p->len = len;
	lexer_init(&ps.lx, p->text, len);
	if (ps.lx.tok == T_EOF) {
		perr_at(&ps, TP_EPARSE, 0, "empty pattern: expected '[' or '('");
	} else {
		p->root = obs_fby(&ps);
		if (p->root && ps.lx.tok != T_EOF)
			expected(&ps, ps.depth == 0 && ps.lx.tok == T_RBRACK
					      ? "AND, OR, FOLLOWEDBY or a qualifier (unbalanced ']')"
					      : "AND, OR, FOLLOWEDBY, a qualifier or the end");
		if (p->root && !ps.err)
			walk_checks(&ps, p->root);
	}
	if (ps.err) {
		tp_pattern_free(p);
		return ps.err;
	}
	*out = p;
	return TP_OK;
}

void tp_pattern_free(struct tp_pattern *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ncodes; i++)
		pcre2_code_free(p->codes[i]);
	free(p->codes);
	free(p->warnings);
	arena_free(&p->arena);
	free(p);
}

enum tp_err tp_pattern_validate(const char *pattern, size_t len, struct tp_diag *d)
{
	struct tp_pattern *p = NULL;
	enum tp_err e = tp_pattern_parse(pattern, len, TP_PATTERN_STRICT, &p, d);
	tp_pattern_free(p);
	return e;
}

size_t tp_pattern_warning_count(const struct tp_pattern *p)
{
	return p ? p->nwarnings : 0;
}

const char *tp_pattern_warning(const struct tp_pattern *p, size_t i)
{
	return p && i < p->nwarnings ? p->warnings[i] : NULL;
}

/* ---- CIDR ---- */

int tp_pattern_cidr_parse(const char *s, size_t n, struct cidr *out)
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *slash = strchr(buf, '/');
	long bits = -1;
	if (slash) {
		*slash = 0;
		char *e;
		if (!slash[1] || slash[1] == '+' || slash[1] == '-')
			return -1;
		errno = 0;
		bits = strtol(slash + 1, &e, 10);
		if (*e || errno)
			return -1;
	}
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, buf, out->addr + 12) == 1) {
		out->v6 = false;
		if (bits < 0)
			bits = 32;
		if (bits > 32)
			return -1;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->v6 = true;
		if (bits < 0)
			bits = 128;
		if (bits > 128)
			return -1;
	} else {
		return -1;
	}
	out->bits = (int)bits;
	/* Zero the host bits so containment is a prefix comparison. */
	int total = out->v6 ? (int)bits : (int)bits + 96;
	for (int i = total; i < 128; i++)
		out->addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	return 0;
}

int tp_pattern_cidr_within(const struct cidr *a, const struct cidr *b)
{
	if (a->v6 != b->v6 || a->bits < b->bits)
		return 0;
	int off = a->v6 ? 0 : 96;
	int bits = b->bits + off;
	for (int i = off; i < bits; i++) {
		int ba = a->addr[i / 8] & (0x80 >> (i % 8));
		int bb = b->addr[i / 8] & (0x80 >> (i % 8));
		if (!ba != !bb)
			return 0;
	}
	return 1;
}
