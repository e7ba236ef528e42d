/*
 * The pattern lexer: a cursor over the text that yields one token at a
 * time, following the STIX 2.1 ANTLR grammar (STIXPattern.g4): keywords are
 * upper case and case-sensitive (true/false lower case), identifiers may
 * hold '-' only as object types, whitespace includes the Unicode spaces
 * the grammar lists, and C-style comments are skipped.
 */
#ifndef TP_PATTERN_LEXER_H
#define TP_PATTERN_LEXER_H

#include <stdbool.h>
#include <stddef.h>

enum tok {
	T_EOF,
	T_ERROR,
	T_LBRACK,
	T_RBRACK,
	T_LPAREN,
	T_RPAREN,
	T_COLON,
	T_DOT,
	T_COMMA,
	T_STAR,
	T_EQ,
	T_NE,
	T_LT,
	T_LE,
	T_GT,
	T_GE,
	T_AND,
	T_OR,
	T_NOT,
	T_FOLLOWEDBY,
	T_LIKE,
	T_MATCHES,
	T_ISSUPERSET,
	T_ISSUBSET,
	T_EXISTS,
	T_LAST,
	T_IN,
	T_START,
	T_STOP,
	T_SECONDS,
	T_WITHIN,
	T_REPEATS,
	T_TIMES,
	T_TRUE,
	T_FALSE,
	T_IDENT,  /* [A-Za-z_][A-Za-z0-9_]* */
	T_IDENTH, /* [A-Za-z_][A-Za-z0-9_-]* with at least one '-' */
	T_STRING,
	T_INT,
	T_FLOAT,
	T_HEX,
	T_BIN,
	T_TIME,
};

struct lexer {
	const char *s;
	size_t len;
	size_t pos; /* next byte to read */
	/* the current token */
	enum tok tok;
	size_t start, end; /* token bytes s[start..end) */
	const char *err;   /* T_ERROR: what is wrong */
	size_t errpos;
};

void lexer_init(struct lexer *lx, const char *s, size_t len);
/* Advances to the next token (lx->tok). */
void lexer_next(struct lexer *lx);
/* A human name for a token kind ("']'", "a string", "AND"). */
const char *lexer_tok_name(enum tok t);
/* 1-based column (in bytes) of byte offset off. */
long lexer_column(const struct lexer *lx, size_t off);
/* Offset of the first invalid UTF-8 byte in s[0..len), or len if valid. */
size_t lexer_utf8_check(const char *s, size_t len);

#endif
