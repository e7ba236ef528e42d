/*
 * The parser's private state, shared by parser.c (the grammar) and
 * literal.c (constants and object paths).
 */
#ifndef TP_PATTERN_PARSER_H
#define TP_PATTERN_PARSER_H

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

/* Records the first error (code, column of byte off, message); returns code. */
enum tp_err perr_at(struct parser *ps, enum tp_err code, size_t off, const char *fmt, ...)
	TP_PRINTF(4, 5);
/* "expected WHAT, found ..." at the current token. */
enum tp_err expected(struct parser *ps, const char *what);
/* Zeroed arena memory, or NULL with TP_ENOMEM recorded. */
void *alloc(struct parser *ps, size_t n);

/* The constant at the current token into l; 0 on error. */
int parse_literal(struct parser *ps, struct lit *l);
/* ( literal, ... ) at the current '('; 0 on error. */
int parse_set(struct parser *ps, struct lit *l);
/* type:key.key[n]...; 0 on error. */
int parse_path(struct parser *ps, struct path *pa);
/* A quoted body without its escapes (arena, NUL-terminated). */
char *unescape(struct parser *ps, const char *s, size_t n, size_t *outn);

#endif
