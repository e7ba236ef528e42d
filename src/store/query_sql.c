/*
 * The WHERE clause of a TAXII query (see query_sql.h). For "the newest
 * version of each indicator added after T, 100 at a time" it reads
 *
 *	WHERE o.collection=?1 AND o.date_added>?2 AND o.type IN (?7)
 *	  AND tp_may_read(o.tlp, o.origin, o.partner, ?3, ?4, ?5)
 *	  AND (0 OR o.latest OR NOT EXISTS (SELECT 1 FROM objects n WHERE
 *	      n.collection=o.collection AND n.stix_id=o.stix_id AND
 *	      n.version>o.version AND tp_may_read(...)))
 *
 * "Newest" means newest among the versions this viewer may read, so a
 * withheld newer version neither hides nor reveals anything.
 */
#include "query_sql.h"

/* Appends "%c%d" n times, comma-separated, from parameter *param on. */
static enum tp_err params(struct tp_buf *b, char ph, int n, int *param)
{
	enum tp_err e = TP_OK;
	for (int i = 0; i < n && !e; i++)
		e = tp_buf_printf(b, "%s%c%d", i ? "," : "", ph, (*param)++);
	return e;
}

/* Appends " AND col IN (?a,?b,...)" and advances *param. */
static enum tp_err in_list(struct tp_buf *b, char ph, const char *col, int n, int *param)
{
	enum tp_err e = tp_buf_printf(b, " AND %s IN (", col);
	if (!e)
		e = params(b, ph, n, param);
	return e ? e : tp_buf_puts(b, ")");
}

static enum tp_err may_read(struct tp_buf *b, char ph, const char *t)
{
	return tp_buf_printf(b, "tp_may_read(%s.tlp,%s.origin,%s.partner,%c3,%c4,%c5)", t, t, t, ph,
			     ph, ph);
}

/* " OR [o.latest OR] NOT EXISTS (a newer/older version the viewer sees)" */
static enum tp_err version_clause(struct tp_buf *b, char ph, const struct tp_query *q, int last,
				  int sv_first)
{
	enum tp_err e = tp_buf_printf(b,
				      " OR %sNOT EXISTS (SELECT 1 FROM objects n WHERE"
				      " n.collection=o.collection AND n.stix_id=o.stix_id AND"
				      " n.version%co.version AND ",
				      last ? "o.latest OR " : "", last ? '>' : '<');
	if (!e)
		e = may_read(b, ph, "n");
	if (!e && q->n_spec_versions) {
		int p = sv_first;
		e = tp_buf_puts(b, " AND n.spec_version IN (");
		if (!e)
			e = params(b, ph, q->n_spec_versions, &p);
		if (!e)
			e = tp_buf_puts(b, ")");
	}
	return e ? e : tp_buf_puts(b, ")");
}

static enum tp_err where(struct tp_buf *b, char ph, const struct tp_query *q, const char *id)
{
	int param = 7;
	enum tp_err e =
		tp_buf_printf(b, " WHERE o.collection=%c1 AND o.date_added>%c2 AND ", ph, ph);
	if (!e)
		e = may_read(b, ph, "o");
	if (!e && id)
		e = tp_buf_printf(b, " AND o.stix_id=%c%d", ph, param++);
	if (!e && q->n_ids)
		e = in_list(b, ph, "o.stix_id", q->n_ids, &param);
	if (!e && q->n_types)
		e = in_list(b, ph, "o.type", q->n_types, &param);
	int sv_first = param;
	if (!e && q->n_spec_versions)
		e = in_list(b, ph, "o.spec_version", q->n_spec_versions, &param);
	unsigned sel = q->versions;
	if (!sel && !q->n_stamps)
		sel = TP_VERSION_LAST;
	if (e || (sel & TP_VERSION_ALL))
		return e;
	/* "1=0" rather than "0": PostgreSQL wants a boolean */
	e = tp_buf_puts(b, " AND (1=0");
	if (!e && (sel & TP_VERSION_LAST))
		e = version_clause(b, ph, q, 1, sv_first);
	if (!e && (sel & TP_VERSION_FIRST))
		e = version_clause(b, ph, q, 0, sv_first);
	if (!e && q->n_stamps) {
		e = tp_buf_puts(b, " OR o.version IN (");
		if (!e)
			e = params(b, ph, q->n_stamps, &param);
		if (!e)
			e = tp_buf_puts(b, ")");
	}
	return e ? e : tp_buf_puts(b, ")");
}

enum tp_err tp_store_sql_query(struct tp_buf *b, char ph, const char *head,
			       const struct tp_query *q, const char *id, const char *tail)
{
	if (q->n_ids > TP_QUERY_MAX_VALUES || q->n_types > TP_QUERY_MAX_VALUES ||
	    q->n_spec_versions > TP_QUERY_MAX_VALUES || q->n_stamps > TP_QUERY_MAX_VALUES)
		return TP_ELIMIT;
	enum tp_err e = tp_buf_puts(b, head);
	if (!e)
		e = where(b, ph, q, id);
	if (!e)
		e = tp_buf_puts(b, tail);
	return e;
}
