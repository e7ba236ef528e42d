/*
 * The SQL text of a TAXII query, shared by the back ends: the WHERE clause
 * that applies the filters, the version selection and the sharing policy
 * (the SQL function tp_may_read(), which each back end defines) inside the
 * database. Placeholders are written ?N for SQLite and $N for PostgreSQL.
 *
 * Parameters: 1 collection, 2 date_added lower bound, 3..5 the viewer (org,
 * can_read, node_org), 6 limit, then id (when given) and the lists in the
 * order ids, types, spec_versions, stamps.
 */
#ifndef TRIPACT_STORE_QUERY_SQL_H
#define TRIPACT_STORE_QUERY_SQL_H

#include "tripact/buf.h"
#include "tripact/store.h"

/* Appends head, the WHERE clause for q (and object id if not NULL), then
 * tail to b. ph: the placeholder character, '?' or '$'. TP_ELIMIT if a
 * list is longer than TP_QUERY_MAX_VALUES. */
enum tp_err tp_store_sql_query(struct tp_buf *b, char ph, const char *head,
			       const struct tp_query *q, const char *id,
			       const char *tail) TP_MUST_CHECK;

#endif
