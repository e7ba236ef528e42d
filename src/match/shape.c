/*
 * Which patterns one record can answer. The compiled set decides an
 * indicator per observation; a pattern of one observation expression
 * without qualifiers means exactly that. Anything between [..] blocks (AND,
 * OR, FOLLOWEDBY) or after them (WITHIN, REPEATS, START .. STOP) needs a
 * window of observations and is reported instead of silently never
 * matching:
 *
 *	[ipv4-addr:value = '203.0.113.9']                 one record: matched
 *	[domain-name:value = 'a.example'] AND [url:...]  two: not matched
 *	[file:name = 'x'] REPEATS 5 TIMES                 qualifier: not matched
 *
 * The scan only tracks brackets and quoted strings; the pattern parser has
 * already accepted the text. pattern_needs() reads the object types the
 * same way, so records are only mapped to the SCOs some indicator names.
 */
#include <ctype.h>
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

const char *pattern_unsupported(const char *p)
{
	int depth = 0, blocks = 0;
	for (const char *s = p; *s; s++) {
		if (*s == '\'') {
			if (!*(s = string_end(s)))
				break;
		} else if (*s == '[') {
			if (depth++ == 0 && ++blocks > 1)
				return "several observation expressions (AND/OR/FOLLOWEDBY between "
				       "[..] blocks) need a window of records";
		} else if (*s == ']') {
			depth--;
		} else if (depth == 0 && isalpha((unsigned char)*s)) {
			size_t n = 0;
			while (isalpha((unsigned char)s[n]))
				n++;
			if (!is_word(s, n, "AND") && !is_word(s, n, "OR") &&
			    !is_word(s, n, "FOLLOWEDBY"))
				return "a qualifier (WITHIN, REPEATS, START/STOP) needs a window "
				       "of "
				       "records";
			s += n - 1;
		}
	}
	return NULL;
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
