/*
 * Which patterns one record can answer. The compiled set decides an
 * indicator per observation; a pattern of one observation expression
 * without qualifiers means exactly that. Anything between [..] blocks (AND,
 * OR, FOLLOWEDBY) or after them (WITHIN, REPEATS, START .. STOP) needs a
 * window of observations (window.c), each [..] block matched on its own:
 *
 *	[ipv4-addr:value = '203.0.113.9']                 one record
 *	[domain-name:value = 'a.example'] AND [url:...]  a window, two blocks
 *	[file:name = 'x'] REPEATS 5 TIMES                 a window, one block
 *
 * The scan only tracks brackets and quoted strings; the pattern parser has
 * already accepted the text. pattern_needs() reads the object types the
 * same way, so records are only mapped to the SCOs some indicator names.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "match_int.h"

static int is_word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

/* The closing quote of the string literal opening at s (or the NUL). */
static const char *string_end(const char *s)
{
	for (s++; *s && *s != '\''; s++)
		if (*s == '\\' && s[1])
			s++;
	return s;
}

int pattern_shape(const char *p, const char **why)
{
	int depth = 0, blocks = 0, qualified = 0;
	*why = NULL;
	for (const char *s = p; *s; s++) {
		if (*s == '\'') {
			if (!*(s = string_end(s)))
				break;
		} else if (*s == '[') {
			blocks += depth++ == 0;
		} else if (*s == ']') {
			depth--;
		} else if (depth == 0 && isalpha((unsigned char)*s)) {
			size_t n = 0;
			while (isalpha((unsigned char)s[n]))
				n++;
			if (is_word(s, n, "REPEATS") && strtoul(s + n, NULL, 10) > WINDOW_MAX) {
				*why = "REPEATS needs more records than a window keeps "
				       "(" WINDOW_MAX_TEXT ")";
				return -1;
			}
			qualified |= !is_word(s, n, "AND") && !is_word(s, n, "OR") &&
				     !is_word(s, n, "FOLLOWEDBY");
			s += n - 1;
		}
	}
	return blocks > 1 || qualified;
}

const char *pattern_block(const char *s)
{
	for (; *s; s++) {
		if (*s == '[')
			return s;
		if (*s == '\'' && !*(s = string_end(s)))
			break;
	}
	return NULL;
}

size_t pattern_block_len(const char *b)
{
	int depth = 0;
	const char *s = b;
	for (; *s; s++) {
		if (*s == '\'') {
			if (!*(s = string_end(s)))
				break;
		} else if (*s == '[') {
			depth++;
		} else if (*s == ']' && --depth == 0) {
			return (size_t)(s + 1 - b);
		}
	}
	return (size_t)(s - b);
}

unsigned pattern_needs(const char *p)
{
	static const struct {
		const char *type;
		unsigned kinds;
	} types[] = {
		{"ipv4-addr", S_ADDR},
		{"ipv6-addr", S_ADDR},
		{"network-traffic", S_NT | S_ADDR},
		{"domain-name", S_DOMAIN | S_ADDR}, /* resolves_to_refs */
		{"url", S_URL},
		{"file", S_FILE},
		{"x509-certificate", S_X509},
		{"email-addr", S_EMAIL},
	};
	unsigned need = 0;
	for (const char *s = p; *s; s++) {
		if (*s == '\'') {
			if (!*(s = string_end(s)))
				break;
			continue;
		}
		/* an object path: a type name right before ':' */
		if (*s != ':')
			continue;
		const char *b = s;
		while (b > p && (isalnum((unsigned char)b[-1]) || b[-1] == '-'))
			b--;
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
			if (strlen(types[i].type) == (size_t)(s - b) &&
			    memcmp(types[i].type, b, (size_t)(s - b)) == 0)
				need |= types[i].kinds;
	}
	return need;
}
