/*
 * Flow edges for the DOT picture: one per (from, to) pair, in the order
 * each pair first carried taint. A busy trace adds a hundred thousand
 * of them, nearly all new, and a hash map keyed by the pair misses the
 * cache on every one; so tpt_edge_add only appends to a log, and
 * tpt_edges_merge folds the log into one edge per pair afterwards: a
 * stable radix sort of the pairs (bytes that are the same in every pair
 * are skipped), amounts summed into each pair's first entry, then the
 * first entries kept in log order.
 *
 * e.g. log (A,B,1) (C,D,2) (A,B,3) -> sorted (A,B)@0 (A,B)@2 (C,D)@1
 * -> (A,B,4) (C,D,2).
 */
#include <stdlib.h>
#include <string.h>

#include "result.h"

static uint64_t pair(const struct tpt_edge *e)
{
	return (uint64_t)e->from << 32 | e->to;
}

enum tp_err tpt_edges_merge(struct tp_trace_result *r)
{
	size_t n = r->nedge;
	if (n < 2 || n == r->edge_unique) {
		r->edge_unique = n;
		return TP_OK;
	}
	size_t amap, bmap;
	struct tpt_rec *a = tpt_big_zalloc(n, sizeof *a, &amap), *b = tpt_big_zalloc(n, sizeof *b, &bmap);
	enum tp_err e = TP_OK;
	if (!a || !b) {
		e = TP_ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		a[i] = (struct tpt_rec){pair(&r->edges[i]), i};
	struct tpt_rec *s = tpt_radix_sort(a, b, n);
	/* the scratch half now only marks entries folded into another */
	uint8_t *gone = (uint8_t *)(s == a ? b : a);
	memset(gone, 0, n);
	for (size_t i = 0, j; i < n; i = j) {
		struct tp_u256 *sum = &r->edges[s[i].at].amount;
		for (j = i + 1; j < n && s[j].key == s[i].key; j++) {
			if (tp_u256_add(sum, sum, &r->edges[s[j].at].amount)) {
				e = TP_EOVERFLOW;
				goto out;
			}
			gone[s[j].at] = 1;
		}
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!gone[i])
			r->edges[k++] = r->edges[i];
	r->nedge = r->edge_unique = k;
out:
	tpt_big_free(a, amap);
	tpt_big_free(b, bmap);
	return e;
}

enum tp_err tpt_edge_add(struct tp_trace_result *r, uint32_t from, uint32_t to,
			 const struct tp_u256 *amount)
{
	if (tp_u256_is_zero(amount))
		return TP_OK;
	enum tp_err e;
	/* at each power of two, fold first when the log is mostly repeats of
	 * known pairs (its room may be reserved far beyond: see bigmem.h) */
	if (r->nedge >= 4096 && !(r->nedge & (r->nedge - 1)) && r->nedge >= 2 * r->edge_unique &&
	    (e = tpt_edges_merge(r)) != TP_OK)
		return e;
	if (r->nedge == r->capedge &&
	    (e = tpt_big_grow((void **)&r->edges, &r->capedge, &r->edgemap, r->nedge + 1,
			      sizeof *r->edges)) != TP_OK)
		return e;
	r->edges[r->nedge++] = (struct tpt_edge){from, to, *amount};
	return TP_OK;
}
