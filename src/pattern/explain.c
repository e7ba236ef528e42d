/*
 * Printing a parsed pattern, for analysts (`tripact pattern explain`) and
 * for the data-driven tests (one-line s-expressions):
 *
 *	([file:name = 'a'] AND [url:value LIKE '%x%']) WITHIN 60 SECONDS
 *
 * tree:
 *	WITHIN 60 SECONDS
 *	  AND (observations)
 *	    OBSERVATION
 *	      file:name = 'a'  [string]
 *	    OBSERVATION
 *	      url:value LIKE '%x%'  [string]
 * compact:
 *	(WITHIN 60 (AND [(= file:name 'a')] [(LIKE url:value '%x%')]))
 */
#include <inttypes.h>
#include <string.h>

#include "ast.h"

static const char *op_name(enum cmp_op op)
{
	static const char *const names[] = {
		[OP_EQ] = "=",
		[OP_NE] = "!=",
		[OP_LT] = "<",
		[OP_LE] = "<=",
		[OP_GT] = ">",
		[OP_GE] = ">=",
		[OP_IN] = "IN",
		[OP_LIKE] = "LIKE",
		[OP_MATCHES] = "MATCHES",
		[OP_ISSUBSET] = "ISSUBSET",
		[OP_ISSUPERSET] = "ISSUPERSET",
		[OP_EXISTS] = "EXISTS",
	};
	return names[op];
}

static const char *lit_kind_name(enum lit_kind k, bool hex)
{
	switch (k) {
	case LIT_INT:
		return "integer";
	case LIT_FLOAT:
		return "float";
	case LIT_STR:
		return "string";
	case LIT_BOOL:
		return "boolean";
	case LIT_BIN:
		return hex ? "binary (hex)" : "binary (base64)";
	case LIT_TIME:
		return "timestamp";
	case LIT_SET:
		return "set";
	}
	return "?";
}

static int is_plain_key(const struct step *s)
{
	if (s->keylen == 0)
		return 0;
	for (size_t i = 0; i < s->keylen; i++) {
		char c = s->key[i];
		int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
			 (i > 0 && c >= '0' && c <= '9');
		if (!ok)
			return 0;
	}
	return 1;
}

static enum tp_err put_quoted(struct tp_buf *b, const char *s, size_t n)
{
	enum tp_err e = tp_buf_putc(b, '\'');
	for (size_t i = 0; e == TP_OK && i < n; i++) {
		if (s[i] == '\'' || s[i] == '\\')
			e = tp_buf_putc(b, '\\');
		if (e == TP_OK)
			e = tp_buf_putc(b, s[i]);
	}
	return e ? e : tp_buf_putc(b, '\'');
}

static enum tp_err put_path(struct tp_buf *b, const struct path *p)
{
	enum tp_err e = tp_buf_append(b, p->type, p->typelen);
	if (!e)
		e = tp_buf_putc(b, ':');
	for (size_t i = 0; !e && i < p->n; i++) {
		const struct step *s = &p->steps[i];
		if (s->kind == STEP_STAR) {
			e = tp_buf_puts(b, "[*]");
		} else if (s->kind == STEP_INDEX) {
			e = tp_buf_printf(b, "[%ld]", s->index);
		} else {
			if (i > 0)
				e = tp_buf_putc(b, '.');
			if (!e)
				e = is_plain_key(s) ? tp_buf_append(b, s->key, s->keylen)
						    : put_quoted(b, s->key, s->keylen);
		}
	}
	return e;
}

static enum tp_err put_lit(struct tp_buf *b, const struct lit *l)
{
	if (l->kind == LIT_STR)
		return put_quoted(b, l->s, l->n);
	if (l->kind != LIT_SET)
		return tp_buf_append(b, l->src, l->srclen);
	enum tp_err e = tp_buf_putc(b, '(');
	for (size_t i = 0; !e && i < l->n; i++) {
		if (i)
			e = tp_buf_puts(b, ", ");
		if (!e)
			e = put_lit(b, &l->items[i]);
	}
	return e ? e : tp_buf_putc(b, ')');
}

static enum tp_err put_seconds(struct tp_buf *b, int64_t us)
{
	if (us % 1000000 == 0)
		return tp_buf_printf(b, "%" PRId64, us / 1000000);
	char tmp[64];
	snprintf(tmp, sizeof tmp, "%" PRId64 ".%06" PRId64, us / 1000000, us % 1000000);
	size_t n = strlen(tmp);
	while (tmp[n - 1] == '0')
		tmp[--n] = 0;
	return tp_buf_puts(b, tmp);
}

static enum tp_err put_time(struct tp_buf *b, tp_time_us t)
{
	char tmp[TP_TIME_BUFSZ];
	tp_time_format(t, -1, tmp);
	return tp_buf_printf(b, "t'%s'", tmp);
}

static enum tp_err compact(struct tp_buf *b, const struct node *n)
{
	enum tp_err e = TP_OK;
	switch (n->kind) {
	case N_TEST:
		e = tp_buf_printf(b, "(%s%s ", n->neg ? "NOT " : "", op_name(n->op));
		if (!e)
			e = put_path(b, &n->path);
		if (!e && n->op != OP_EXISTS) {
			e = tp_buf_putc(b, ' ');
			if (!e)
				e = put_lit(b, &n->lit);
		}
		return e ? e : tp_buf_putc(b, ')');
	case N_OBS:
		e = tp_buf_putc(b, '[');
		if (!e)
			e = compact(b, n->kids[0]);
		return e ? e : tp_buf_putc(b, ']');
	case N_WITHIN:
		e = tp_buf_puts(b, "(WITHIN ");
		if (!e)
			e = put_seconds(b, n->within_us);
		break;
	case N_REPEATS:
		e = tp_buf_printf(b, "(REPEATS %" PRId64, n->repeats);
		break;
	case N_STARTSTOP:
		e = tp_buf_puts(b, "(START ");
		if (!e)
			e = put_time(b, n->start);
		if (!e)
			e = tp_buf_puts(b, " STOP ");
		if (!e)
			e = put_time(b, n->stop);
		break;
	case N_CMP_AND:
	case N_OBS_AND:
		e = tp_buf_puts(b, "(AND");
		break;
	case N_CMP_OR:
	case N_OBS_OR:
		e = tp_buf_puts(b, "(OR");
		break;
	case N_FOLLOWEDBY:
		e = tp_buf_puts(b, "(FOLLOWEDBY");
		break;
	}
	for (size_t i = 0; !e && i < n->nkids; i++) {
		e = tp_buf_putc(b, ' ');
		if (!e)
			e = compact(b, n->kids[i]);
	}
	return e ? e : tp_buf_putc(b, ')');
}

static enum tp_err tree(struct tp_buf *b, const struct node *n, int indent)
{
	enum tp_err e = tp_buf_printf(b, "%*s", indent * 2, "");
	if (e)
		return e;
	switch (n->kind) {
	case N_TEST:
		e = put_path(b, &n->path);
		if (!e)
			e = tp_buf_printf(b, " %s%s", n->neg ? "NOT " : "", op_name(n->op));
		if (!e && n->op != OP_EXISTS) {
			e = tp_buf_putc(b, ' ');
			if (!e)
				e = put_lit(b, &n->lit);
			if (!e)
				e = tp_buf_printf(b, "  [%s]",
						  lit_kind_name(n->lit.kind, n->lit.hex));
		}
		return e ? e : tp_buf_putc(b, '\n');
	case N_OBS:
		e = tp_buf_puts(b, "OBSERVATION (one observed-data)");
		break;
	case N_CMP_AND:
		e = tp_buf_puts(b, "AND (same object)");
		break;
	case N_CMP_OR:
		e = tp_buf_puts(b, "OR");
		break;
	case N_OBS_AND:
		e = tp_buf_puts(b, "AND (distinct observations)");
		break;
	case N_OBS_OR:
		e = tp_buf_puts(b, "OR (observations)");
		break;
	case N_FOLLOWEDBY:
		e = tp_buf_puts(b, "FOLLOWEDBY (in this order)");
		break;
	case N_WITHIN:
		e = tp_buf_puts(b, "WITHIN ");
		if (!e)
			e = put_seconds(b, n->within_us);
		if (!e)
			e = tp_buf_puts(b, " SECONDS");
		break;
	case N_REPEATS:
		e = tp_buf_printf(b, "REPEATS %" PRId64 " TIMES", n->repeats);
		break;
	case N_STARTSTOP:
		e = tp_buf_puts(b, "START ");
		if (!e)
			e = put_time(b, n->start);
		if (!e)
			e = tp_buf_puts(b, " STOP ");
		if (!e)
			e = put_time(b, n->stop);
		break;
	}
	if (!e)
		e = tp_buf_putc(b, '\n');
	for (size_t i = 0; !e && i < n->nkids; i++)
		e = tree(b, n->kids[i], indent + 1);
	return e;
}

enum tp_err tp_pattern_explain(const struct tp_pattern *p, enum tp_pattern_explain_style style,
			       struct tp_buf *out)
{
	if (!p || !out)
		return TP_EINVAL;
	return style == TP_PATTERN_EXPLAIN_COMPACT ? compact(out, p->root) : tree(out, p->root, 0);
}
