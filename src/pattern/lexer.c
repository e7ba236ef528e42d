/*
 * Pattern lexer (see lexer.h). Tokens follow the ANTLR lexer rules of the
 * STIX 2.1 pattern grammar; where the grammar is silent on an error, the
 * message says what was seen and what would have been valid:
 *
 *	"[file:size > 007]"  ->  T_LBRACK T_IDENT T_COLON T_IDENT T_GT T_ERROR
 *	                          ("leading zeros are not allowed in a number")
 */
#include <string.h>

#include "lexer.h"

static const struct {
	const char *word;
	enum tok tok;
} keywords[] = {
	{"AND", T_AND},
	{"OR", T_OR},
	{"NOT", T_NOT},
	{"FOLLOWEDBY", T_FOLLOWEDBY},
	{"LIKE", T_LIKE},
	{"MATCHES", T_MATCHES},
	{"ISSUPERSET", T_ISSUPERSET},
	{"ISSUBSET", T_ISSUBSET},
	{"EXISTS", T_EXISTS},
	{"LAST", T_LAST},
	{"IN", T_IN},
	{"START", T_START},
	{"STOP", T_STOP},
	{"SECONDS", T_SECONDS},
	{"WITHIN", T_WITHIN},
	{"REPEATS", T_REPEATS},
	{"TIMES", T_TIMES},
	{"true", T_TRUE},
	{"false", T_FALSE},
};

const char *lexer_tok_name(enum tok t)
{
	switch (t) {
	case T_EOF:
		return "end of pattern";
	case T_ERROR:
		return "invalid input";
	case T_LBRACK:
		return "'['";
	case T_RBRACK:
		return "']'";
	case T_LPAREN:
		return "'('";
	case T_RPAREN:
		return "')'";
	case T_COLON:
		return "':'";
	case T_DOT:
		return "'.'";
	case T_COMMA:
		return "','";
	case T_STAR:
		return "'*'";
	case T_EQ:
		return "'='";
	case T_NE:
		return "'!='";
	case T_LT:
		return "'<'";
	case T_LE:
		return "'<='";
	case T_GT:
		return "'>'";
	case T_GE:
		return "'>='";
	case T_IDENT:
		return "an identifier";
	case T_IDENTH:
		return "a hyphenated identifier";
	case T_STRING:
		return "a string";
	case T_INT:
		return "an integer";
	case T_FLOAT:
		return "a float";
	case T_HEX:
		return "a hex literal";
	case T_BIN:
		return "a binary literal";
	case T_TIME:
		return "a timestamp";
	default:
		for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
			if (keywords[i].tok == t)
				return keywords[i].word;
		return "?";
	}
}

size_t lexer_utf8_check(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned min;
		if (c < 0x80) {
			if (c == 0)
				return i;
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1, min = 0x80, c &= 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2, min = 0x800, c &= 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3, min = 0x10000, c &= 0x07;
		} else {
			return i;
		}
		if (len - i <= n)
			return i;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return i;
			c = (c << 6) | (s[i + k] & 0x3f);
		}
		if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return i;
		i += n + 1;
	}
	return len;
}

long lexer_column(const struct lexer *lx, size_t off)
{
	return (long)off + 1;
}

void lexer_init(struct lexer *lx, const char *s, size_t len)
{
	memset(lx, 0, sizeof *lx);
	lx->s = s;
	lx->len = len;
	lexer_next(lx);
}

/* Length of the Unicode whitespace at p (0 if none), per STIXPattern.g4 WS. */
static size_t space_at(const unsigned char *p, size_t left)
{
	if (left >= 1 && (p[0] == ' ' || (p[0] >= '\t' && p[0] <= '\r')))
		return 1;
	if (left >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;
	if (left >= 3) {
		if (p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
			return 3;
		if (p[0] == 0xe2 && p[1] == 0x80 &&
		    (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf) && p[2] >= 0x80)
			return 3;
		if (p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
			return 3;
		if (p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
			return 3;
	}
	return 0;
}

static int is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_start(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static int is_b64(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '+' ||
	       c == '/';
}

static void fail(struct lexer *lx, size_t at, const char *msg)
{
	lx->tok = T_ERROR;
	lx->err = msg;
	lx->errpos = at;
	lx->end = lx->pos = lx->len; /* stop */
}

/* Skips whitespace and comments; 0 on an unterminated comment. */
static int skip_space(struct lexer *lx)
{
	const unsigned char *s = (const unsigned char *)lx->s;
	for (;;) {
		size_t n = space_at(s + lx->pos, lx->len - lx->pos);
		if (n) {
			lx->pos += n;
			continue;
		}
		if (lx->pos + 1 < lx->len && s[lx->pos] == '/' && s[lx->pos + 1] == '*') {
			const char *e = NULL;
			for (size_t i = lx->pos + 2; i + 1 < lx->len; i++)
				if (s[i] == '*' && s[i + 1] == '/') {
					e = lx->s + i;
					break;
				}
			if (!e) {
				fail(lx, lx->pos, "unterminated /* comment");
				return 0;
			}
			lx->pos = (size_t)(e - lx->s) + 2;
			continue;
		}
		if (lx->pos + 1 < lx->len && s[lx->pos] == '/' && s[lx->pos + 1] == '/') {
			while (lx->pos < lx->len && s[lx->pos] != '\n' && s[lx->pos] != '\r')
				lx->pos++;
			continue;
		}
		return 1;
	}
}

/* A quoted body starting at the quote s[q]; returns end (after the closing quote) or 0. */
static size_t string_end(struct lexer *lx, size_t q)
{
	for (size_t i = q + 1; i < lx->len; i++) {
		char c = lx->s[i];
		if (c == '\\') {
			if (i + 1 < lx->len && (lx->s[i + 1] == '\'' || lx->s[i + 1] == '\\')) {
				i++;
				continue;
			}
			fail(lx, i, "invalid escape in string: only \\' and \\\\ are allowed");
			return 0;
		}
		if (c == '\'')
			return i + 1;
	}
	fail(lx, q, "unterminated string (missing closing ')");
	return 0;
}

static void lex_number(struct lexer *lx)
{
	const char *s = lx->s;
	size_t i = lx->pos;
	if (s[i] == '+' || s[i] == '-')
		i++;
	size_t ds = i;
	while (i < lx->len && is_digit(s[i]))
		i++;
	size_t nd = i - ds;
	if (i < lx->len && s[i] == '.') {
		size_t fs = ++i;
		while (i < lx->len && is_digit(s[i]))
			i++;
		if (i == fs) {
			fail(lx, fs, "a float needs digits after '.'");
			return;
		}
		lx->tok = T_FLOAT;
	} else {
		if (nd == 0) {
			fail(lx, lx->pos, "expected a digit after the sign");
			return;
		}
		if (nd > 1 && s[ds] == '0') {
			fail(lx, ds, "leading zeros are not allowed in a number");
			return;
		}
		lx->tok = T_INT;
	}
	if (i < lx->len && (is_ident_start(s[i]) || is_digit(s[i]))) {
		fail(lx, i, "unexpected character after a number");
		return;
	}
	lx->end = lx->pos = i;
}

/* t'..', h'..', b'..' bodies; the token is s[start..end). */
static void lex_prefixed(struct lexer *lx, char kind)
{
	size_t q = lx->pos + 1;
	size_t e = string_end(lx, q);
	if (!e)
		return;
	const char *b = lx->s + q + 1;
	size_t n = e - q - 2;
	if (kind == 'h') {
		if (n % 2) {
			fail(lx, q, "a hex literal needs an even number of hex digits");
			return;
		}
		for (size_t i = 0; i < n; i++)
			if (!is_hex((unsigned char)b[i])) {
				fail(lx, q + 1 + i, "invalid hex digit in h'...'");
				return;
			}
		lx->tok = T_HEX;
	} else if (kind == 'b') {
		/* STIX 2.1 grammar: groups of four base64 characters, the
		 * last one possibly padded with '=' or '=='; never empty. */
		size_t pad = 0;
		while (pad < 2 && pad < n && b[n - 1 - pad] == '=')
			pad++;
		if (n == 0 || n % 4) {
			fail(lx, q, "a base64 literal needs a non-zero multiple of 4 characters");
			return;
		}
		for (size_t i = 0; i < n - pad; i++)
			if (!is_b64((unsigned char)b[i])) {
				fail(lx, q + 1 + i, "invalid base64 character in b'...'");
				return;
			}
		lx->tok = T_BIN;
	} else {
		lx->tok = T_TIME; /* checked against the grammar by the parser */
	}
	lx->end = lx->pos = e;
}

void lexer_next(struct lexer *lx)
{
	if (lx->tok == T_ERROR && lx->err)
		return;
	if (!skip_space(lx))
		return;
	lx->start = lx->pos;
	if (lx->pos >= lx->len) {
		lx->tok = T_EOF;
		lx->end = lx->pos;
		return;
	}
	const char *s = lx->s;
	char c = s[lx->pos];
	char c1 = lx->pos + 1 < lx->len ? s[lx->pos + 1] : 0;
	enum tok one = T_EOF;
	switch (c) {
	case '[':
		one = T_LBRACK;
		break;
	case ']':
		one = T_RBRACK;
		break;
	case '(':
		one = T_LPAREN;
		break;
	case ')':
		one = T_RPAREN;
		break;
	case ':':
		one = T_COLON;
		break;
	case ',':
		one = T_COMMA;
		break;
	case '*':
		one = T_STAR;
		break;
	case '=':
		lx->tok = T_EQ;
		lx->pos += c1 == '=' ? 2 : 1;
		lx->end = lx->pos;
		return;
	case '!':
		if (c1 != '=') {
			fail(lx, lx->pos, "'!' must be followed by '=' (use != or NOT)");
			return;
		}
		lx->tok = T_NE;
		lx->end = lx->pos += 2;
		return;
	case '<':
		lx->tok = c1 == '=' ? T_LE : c1 == '>' ? T_NE : T_LT;
		lx->pos += (c1 == '=' || c1 == '>') ? 2 : 1;
		lx->end = lx->pos;
		return;
	case '>':
		lx->tok = c1 == '=' ? T_GE : T_GT;
		lx->pos += c1 == '=' ? 2 : 1;
		lx->end = lx->pos;
		return;
	case '\'': {
		size_t e = string_end(lx, lx->pos);
		if (!e)
			return;
		lx->tok = T_STRING;
		lx->end = lx->pos = e;
		return;
	}
	case '.':
		if (is_digit(c1)) {
			lex_number(lx);
			return;
		}
		one = T_DOT;
		break;
	default:
		break;
	}
	if (one != T_EOF) {
		lx->tok = one;
		lx->end = ++lx->pos;
		return;
	}
	if (is_digit(c) || ((c == '+' || c == '-') && (is_digit(c1) || c1 == '.'))) {
		lex_number(lx);
		return;
	}
	if ((c == 't' || c == 'h' || c == 'b') && c1 == '\'') {
		lex_prefixed(lx, c);
		return;
	}
	if (is_ident_start((unsigned char)c)) {
		size_t i = lx->pos + 1;
		int hy = 0;
		while (i < lx->len &&
		       (is_ident_start((unsigned char)s[i]) || is_digit(s[i]) || s[i] == '-')) {
			hy |= s[i] == '-';
			i++;
		}
		lx->end = i;
		lx->tok = hy ? T_IDENTH : T_IDENT;
		for (size_t k = 0; !hy && k < sizeof keywords / sizeof keywords[0]; k++)
			if (strlen(keywords[k].word) == i - lx->pos &&
			    memcmp(keywords[k].word, s + lx->pos, i - lx->pos) == 0)
				lx->tok = keywords[k].tok;
		lx->pos = i;
		return;
	}
	static const char *const msgs[] = {
		"unexpected character (not part of any STIX pattern token)",
		"unexpected non-ASCII character outside a string",
	};
	fail(lx, lx->pos, msgs[(unsigned char)c >= 0x80]);
}
