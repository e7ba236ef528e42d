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
 * already accepted the text.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "match_int.h"

static int is_word(const char *s, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(s, w, n) == 0;
}

const char *pattern_unsupported(const char *p)
{
	int depth = 0, blocks = 0;
	for (const char *s = p; *s; s++) {
		if (*s == '\'') {
			for (s++; *s && *s != '\''; s++)
				if (*s == '\\' && s[1])
					s++;
			if (!*s)
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
