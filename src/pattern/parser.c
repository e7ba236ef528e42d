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
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parser.h"

/* ---- errors ---- */

enum tp_err perr_at(struct parser *ps, enum tp_err code, size_t off, const char *fmt, ...)
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
enum tp_err expected(struct parser *ps, const char *what)
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
		static const char *const kw[] = {"and",	     "or",	   "not",  "followedby",
						 "like",     "matches",	   "in",   "within",
						 "repeats",  "start",	   "stop", "exists",
						 "issubset", "issuperset", NULL};
		for (size_t i = 0; kw[i]; i++)
			if (strlen(kw[i]) == lx->end - lx->start &&
			    strncasecmp(kw[i], lx->s + lx->start, lx->end - lx->start) == 0)
				hint = " (keywords are upper case)";
	}
	return perr_at(ps, TP_EPARSE, lx->start, "expected %s, found %s %s%.*s%s%s", what, name, q,
		       n, lx->s + lx->start, q, hint);
}

void *alloc(struct parser *ps, size_t n)
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
	struct node **v; /* inl until more than 4 kids */
	size_t n, cap;
	struct node *inl[4];
};

#define KIDS_INIT(k) ((k).v = (k).inl, (k).n = 0, (k).cap = 4)

static int kids_push(struct parser *ps, struct kids *k, struct node *n)
{
	if (k->n == k->cap) {
		size_t cap = k->cap * 2;
		struct node **nv = malloc(cap * sizeof *nv);
		if (!nv) {
			perr_at(ps, TP_ENOMEM, ps->lx.start, "out of memory");
			return 0;
		}
		memcpy(nv, k->v, k->n * sizeof *nv);
		if (k->v != k->inl)
			free(k->v);
		k->v = nv;
		k->cap = cap;
	}
	k->v[k->n++] = n;
	return 1;
}

/* Turns the collected kids into node kind (or the single kid itself). */
static struct node *kids_finish(struct parser *ps, struct kids *k, enum node_kind kind, size_t off)
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
	if (k->v != k->inl)
		free(k->v);
	return r;
}

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
		else if ((s[i] >= '0' && s[i] <= '9') ||
			 ((s[i] | 0x20) >= 'a' && (s[i] | 0x20) <= 'z') ||
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
		c = pcre2_compile((PCRE2_SPTR)b.data, b.len, PCRE2_UTF | PCRE2_DOLLAR_ENDONLY, &ec,
				  &eo, NULL);
	tp_buf_free(&b);
	return c;
}

static int compile_regex(struct parser *ps, struct node *n, size_t off)
{
	int ec;
	PCRE2_SIZE eo;
	n->re = pcre2_compile((PCRE2_SPTR)n->rx, n->rxn, PCRE2_UTF, &ec, &eo, NULL);
	if (!n->re) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(ec, msg, sizeof msg);
		return perr_at(ps, TP_EVALIDATE, off,
			       "invalid regular expression at offset %zu: %s", (size_t)eo,
			       (char *)msg),
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
	case T_EQ:
		return OP_EQ;
	case T_NE:
		return OP_NE;
	case T_LT:
		return OP_LT;
	case T_LE:
		return OP_LE;
	case T_GT:
		return OP_GT;
	case T_GE:
		return OP_GE;
	case T_IN:
		return OP_IN;
	case T_LIKE:
		return OP_LIKE;
	case T_MATCHES:
		return OP_MATCHES;
	case T_ISSUBSET:
		return OP_ISSUBSET;
	case T_ISSUPERSET:
		return OP_ISSUPERSET;
	default:
		*ok = 0;
		return OP_EQ;
	}
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
	if (n->op == OP_LIKE || n->op == OP_MATCHES) {
		/* Strings match in NFC on both sides (the OASIS matcher's rule). */
		char *nf = NULL;
		size_t nfn = 0;
		n->rx = n->lit.s;
		n->rxn = n->lit.n;
		if (tp_pattern_nfc(n->lit.s, n->lit.n, &nf, &nfn) == 0 && nf) {
			char *c = alloc(ps, nfn + 1);
			if (c) {
				memcpy(c, nf, nfn);
				n->rx = c;
				n->rxn = nfn;
			}
			free(nf);
			if (!c)
				return NULL;
		}
	}
	if (n->op == OP_MATCHES && !compile_regex(ps, n, litat))
		return NULL;
	if (n->op == OP_LIKE) {
		n->re = compile_like(n->rx, n->rxn);
		if (!n->re)
			return perr_at(ps, TP_EVALIDATE, litat,
				       "cannot translate the LIKE pattern"),
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
	return n;
}

static struct node *cmp_and(struct parser *ps)
{
	struct kids k;
	KIDS_INIT(k);
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
	struct kids k;
	KIDS_INIT(k);
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
		return expected(ps, allow_float ? "a positive number of seconds"
						: "a positive integer"),
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
	struct node *n = new_node(ps,
				  q == T_WITHIN	   ? N_WITHIN
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
			return perr_at(ps, TP_EVALIDATE, sat, "STOP must be later than START"),
			       NULL;
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
	struct kids k;
	KIDS_INIT(k);
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

/* ---- entry points ---- */

enum tp_err tp_pattern_parse(const char *text, size_t len, unsigned flags, struct tp_pattern **out,
			     struct tp_diag *d)
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
			expected(&ps,
				 ps.depth == 0 && ps.lx.tok == T_RBRACK
					 ? "AND, OR, FOLLOWEDBY or a qualifier (unbalanced ']')"
					 : "AND, OR, FOLLOWEDBY, a qualifier or the end");
		if (p->root && !ps.err)
			ps.err = tp_pattern_check_tree(p, flags, d);
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
