/*
 * Where each object of a TAXII envelope or STIX bundle is in the text the
 * client sent, so the node can store that text (less the whitespace
 * between tokens) instead of writing the parsed object out again:
 *
 *	{ "more": false,
 *	  "objects": [ {"type": "indicator", ...} , {"type": "malware", ...} ] }
 *	-> out = {"type":"indicator",...}{"type":"malware",...}
 *	   spans = {0, 27}, {27, 25}
 *
 * It is a scanner, not a parser: it runs only on text jansson has already
 * accepted (valid JSON, no duplicate keys) and relies on that to find value
 * boundaries. Anything it does not expect (a key spelt with escapes, a
 * count that differs from jansson's) is TP_EINVAL, and the caller falls
 * back to serialising. It never reads outside text[0..len) nor writes more
 * than len bytes to out (fuzz_taxii_envelope checks both, and that every
 * span parses to the object jansson saw).
 */
#include <string.h>

#include "tripact/taxii.h"

static int is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies (when out) or skips one value starting at t[*pos]; stops at the
 * ',', '}' or ']' that follows it at its own level. */
static int value(const char *t, size_t len, size_t *pos, char *out, size_t *opos)
{
	char scratch[1];
	size_t i = *pos, o = out ? *opos : 0;
	char *w = out ? out : scratch; /* skipping: every byte lands on w[0] */
	size_t step = out ? 1 : 0;
	int depth = 0;
	while (i < len) {
		char c = t[i];
		if (is_ws(c)) {
			i++;
			continue;
		}
		if (depth == 0 && (c == ',' || c == '}' || c == ']')) {
			*pos = i;
			if (out)
				*opos = o;
			return 0;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		w[o] = c;
		o += step;
		i++;
		if (c != '"')
			continue;
		/* a string: copied as is up to its closing quote */
		while (i < len && t[i] != '"') {
			if (t[i] == '\\') {
				w[o] = t[i++];
				o += step;
				if (i == len)
					return -1;
			}
			w[o] = t[i++];
			o += step;
		}
		if (i == len)
			return -1;
		w[o] = '"';
		o += step;
		i++;
	}
	return -1;
}

static void skip_ws(const char *t, size_t len, size_t *i)
{
	while (*i < len && is_ws(t[*i]))
		(*i)++;
}

enum tp_err tp_taxii_object_texts(const char *t, size_t len, size_t n, char *out,
				  struct tp_taxii_span *sp)
{
	size_t i = 0, o = 0, k = 0;
	int found = 0;
	skip_ws(t, len, &i);
	if (i == len || t[i++] != '{')
		return TP_EINVAL;
	for (;;) {
		skip_ws(t, len, &i);
		if (i < len && t[i] == '}')
			break;
		if (i == len || t[i++] != '"')
			return TP_EINVAL;
		size_t key = i;
		while (i < len && t[i] != '"' && t[i] != '\\')
			i++;
		if (i == len || t[i] != '"')
			return TP_EINVAL;
		int is_objects = i - key == 7 && memcmp(t + key, "objects", 7) == 0;
		i++;
		skip_ws(t, len, &i);
		if (i == len || t[i++] != ':')
			return TP_EINVAL;
		skip_ws(t, len, &i);
		if (!is_objects) {
			if (value(t, len, &i, NULL, NULL))
				return TP_EINVAL;
		} else {
			if (found || i == len || t[i++] != '[')
				return TP_EINVAL;
			found = 1;
			skip_ws(t, len, &i);
			while (i < len && t[i] != ']') {
				if (k == n)
					return TP_EINVAL;
				sp[k].off = o;
				if (value(t, len, &i, out, &o))
					return TP_EINVAL;
				sp[k].len = o - sp[k].off;
				/* text jansson accepted never stops elsewhere; other
				 * text must not make this loop stand still */
				if (!sp[k].len || (t[i] != ',' && t[i] != ']'))
					return TP_EINVAL;
				k++;
				if (t[i] == ',')
					i++;
			}
			if (i == len)
				return TP_EINVAL;
			i++;
		}
		skip_ws(t, len, &i);
		if (i < len && t[i] == ',')
			i++;
	}
	return found && k == n ? TP_OK : TP_EINVAL;
}
