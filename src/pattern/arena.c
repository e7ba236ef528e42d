/*
 * The arena every parsed pattern lives in: one chunk list, freed at once.
 * Chunks start small (512 bytes) and double up to 8 KiB, because a compiled
 * set keeps thousands of small patterns alive.
 *
 *	struct arena a = {0};
 *	struct node *n = arena_alloc(&a, sizeof *n);   // zeroed
 *	arena_free(&a);                                // everything at once
 */
#include <stdlib.h>
#include <string.h>

#include "ast.h"

void *arena_alloc(struct arena *a, size_t n)
{
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	if (!a->head || a->head->cap - a->head->used < n) {
		/* Small first chunks: a compiled set keeps thousands of patterns. */
		size_t chunk = a->head ? (a->head->cap < 4096 ? a->head->cap * 2 : 8192) : 512;
		size_t cap = n > chunk ? n : chunk;
		struct arena_chunk *c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
		a->total += cap;
	}
	void *r = (char *)a->head->data + a->head->used;
	a->head->used += n;
	memset(r, 0, n);
	return r;
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *n = c->next;
		free(c);
		c = n;
	}
	a->head = NULL;
}
