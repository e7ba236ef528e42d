/* Batches of scanned lines and the queue that carries them (etl_batch.h). */
#include <stdlib.h>
#include <string.h>

#include "etl_batch.h"

void tpe_line_prefetch(const struct tpe_line *l)
{
	__builtin_prefetch(l, 1);
	__builtin_prefetch(l->ids, 1);
	__builtin_prefetch(l->ahash, 1);
	tpe_scan_prefetch(l->sc);
}

void tpe_line_free(struct tpe_line *l)
{
	tpe_scan_free(l->sc);
	free(l->ids);
	free(l->ahash);
}

struct tpe_line *tpe_batch_add(struct tpe_batch *b, const char *line, size_t len, long lineno,
			       int *nomem)
{
	*nomem = 0;
	if (b->n == TPE_BATCH_LINES)
		return NULL;
	if (b->text_cap - b->used < len + 1) {
		if (b->n)
			return NULL;
		/* an empty batch: room for this line, however long */
		size_t cap = len + 1 > TPE_BATCH_TEXT ? len + 1 : TPE_BATCH_TEXT;
		char *q = realloc(b->text, cap);
		if (!q) {
			*nomem = 1;
			return NULL;
		}
		b->text = q;
		b->text_cap = cap;
	}
	struct tpe_line *l = &b->line[b->n];
	if (!l->sc && tpe_scan_new(&l->sc) != TP_OK) {
		*nomem = 1;
		return NULL;
	}
	char *at = b->text + b->used;
	memcpy(at, line, len);
	at[len] = '\0';
	b->used += len + 1;
	b->n++;
	l->line = at;
	l->len = len;
	l->lineno = lineno;
	return l;
}

enum tp_err tpe_pipe_init(struct tpe_pipe *p)
{
	memset(p->batch, 0, sizeof p->batch);
	return tpi_pipe_init(&p->q, TPE_PIPE_DEPTH);
}

void tpe_pipe_destroy(struct tpe_pipe *p)
{
	for (int i = 0; i < TPE_PIPE_DEPTH; i++) {
		struct tpe_batch *b = &p->batch[i];
		for (int k = 0; k < TPE_BATCH_LINES; k++)
			tpe_line_free(&b->line[k]);
		free(b->text);
	}
	tpi_pipe_destroy(&p->q);
}

/* Our batch that travels as ring slot rb. */
static struct tpe_batch *batch_of(struct tpe_pipe *p, const struct tpi_batch *rb)
{
	return rb ? &p->batch[rb - p->q.ring] : NULL;
}

struct tpe_batch *tpe_pipe_fill(struct tpe_pipe *p)
{
	return batch_of(p, tpi_pipe_fill(&p->q));
}

int tpe_pipe_push(struct tpe_pipe *p)
{
	if (tpi_pipe_push(&p->q) < 0)
		return -1;
	/* the slot to fill next is free now: the consumer has given it back */
	struct tpe_batch *b = tpe_pipe_fill(p);
	b->n = b->used = 0;
	b->end_rc = 0;
	return 0;
}

struct tpe_batch *tpe_pipe_pop(struct tpe_pipe *p)
{
	return batch_of(p, tpi_pipe_pop(&p->q));
}

struct tpe_batch *tpe_pipe_peek(struct tpe_pipe *p)
{
	pthread_mutex_lock(&p->q.mu);
	int ready = p->q.pushed - p->q.popped >= 2;
	size_t k = (size_t)((p->q.popped + 1) % TPE_PIPE_DEPTH);
	pthread_mutex_unlock(&p->q.mu);
	return ready ? &p->batch[k] : NULL;
}
