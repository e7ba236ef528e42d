/* Decoded blocks and the queue that carries them (raw_batch.h). */
#include <stdlib.h>
#include <string.h>

#include "raw_batch.h"
#include "raw_spend.h"

/* Made even for need 0, so that a batch's arrays are never NULL (the
 * graph side offsets into them: a block of transactions with no input
 * would offset a null pointer). */
static enum tp_err room(void **arr, size_t *cap, size_t need, size_t size)
{
	if (*arr && need <= *cap)
		return TP_OK;
	size_t n = *cap ? *cap : 256;
	while (n < need)
		n *= 2;
	void *q = realloc(*arr, n * size);
	if (!q)
		return TP_ENOMEM;
	*arr = q;
	*cap = n;
	return TP_OK;
}

enum tp_err tpi_batch_reserve(struct tpi_batch *b, size_t nin, size_t nout)
{
	enum tp_err e = room((void **)&b->tx, &b->tx_cap, b->ntx + 1, sizeof *b->tx);
	if (e == TP_OK)
		e = room((void **)&b->in, &b->in_cap, b->nin + nin, sizeof *b->in);
	if (e == TP_OK)
		e = room((void **)&b->out, &b->out_cap, b->nout + nout, sizeof *b->out);
	return e;
}

uint32_t tpi_batch_str(struct tpi_batch *b, const char *s, size_t n)
{
	if (b->nstr + n + 1 >= TPI_NO_STR ||
	    room((void **)&b->str, &b->str_cap, b->nstr + n + 1, 1) != TP_OK)
		return TPI_NO_STR;
	uint32_t at = (uint32_t)b->nstr;
	memcpy(b->str + at, s, n);
	b->str[at + n] = '\0';
	b->nstr += n + 1;
	return at;
}

void tpi_batch_clear(struct tpi_batch *b)
{
	b->ntx = b->nin = b->nout = b->nstr = 0;
}

void tpi_batch_free(struct tpi_batch *b)
{
	free(b->tx);
	free(b->in);
	free(b->out);
	free(b->str);
	memset(b, 0, sizeof *b);
}

/*
 * With p->mu held: faults in one slice of region `only` (NULL: of any
 * region asked for), unlocked meanwhile, and notes it done; 0 if there
 * was none left to claim. A region is forgotten only once all its slices
 * are done, so the one claimed here stays where it is.
 */
static int slice_locked(struct tpi_pipe *p, const struct tpi_ahead *only)
{
	for (unsigned i = 0; i < TPI_PIPE_AHEAD; i++) {
		struct tpi_ahead *a = &p->ahead[i];
		if (!a->at || a->claimed == a->bytes || (only && a != only))
			continue;
		size_t n = a->bytes - a->claimed;
		if (n > TPI_PIPE_SLICE)
			n = TPI_PIPE_SLICE;
		uint8_t *at = a->at + a->claimed;
		a->claimed += n;
		pthread_mutex_unlock(&p->mu);
		tpi_table_touch(at, n);
		pthread_mutex_lock(&p->mu);
		a->done += n;
		pthread_cond_broadcast(&p->cv);
		return 1;
	}
	return 0;
}

static void ask(void *ctx, void *at, size_t bytes)
{
	struct tpi_pipe *p = ctx;
	pthread_mutex_lock(&p->mu);
	/* with every place taken, the region's owner backs it itself */
	for (unsigned i = 0; i < TPI_PIPE_AHEAD; i++)
		if (!p->ahead[i].at) {
			p->ahead[i] = (struct tpi_ahead){.at = at, .bytes = bytes};
			break;
		}
	pthread_mutex_unlock(&p->mu);
}

static int backed(void *ctx, void *at, size_t bytes)
{
	struct tpi_pipe *p = ctx;
	struct tpi_ahead *a = NULL;
	pthread_mutex_lock(&p->mu);
	for (unsigned i = 0; i < TPI_PIPE_AHEAD && !a; i++)
		if (p->ahead[i].at == at && p->ahead[i].bytes == bytes)
			a = &p->ahead[i];
	if (a) {
		while (slice_locked(p, a))
			;
		while (a->done < a->bytes) /* a slice the other side is doing */
			pthread_cond_wait(&p->cv, &p->mu);
		a->at = NULL;
	}
	pthread_mutex_unlock(&p->mu);
	return a != NULL;
}

int tpi_pipe_back_slice(struct tpi_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	int did = slice_locked(p, NULL);
	pthread_mutex_unlock(&p->mu);
	return did;
}

int tpi_pipe_back_ahead(struct tpi_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	int did = p->pushed - p->popped >= (p->depth + 1) / 2 && slice_locked(p, NULL);
	pthread_mutex_unlock(&p->mu);
	return did;
}

enum tp_err tpi_pipe_init(struct tpi_pipe *p, unsigned depth)
{
	memset(p, 0, sizeof *p);
	if (depth < 1 || depth > TPI_PIPE_MAX)
		return TP_EINVAL;
	p->depth = depth;
	p->backer = (struct tpi_backer){.ask = ask, .backed = backed, .ctx = p};
	if (pthread_mutex_init(&p->mu, NULL) != 0)
		return TP_ENOMEM;
	if (pthread_cond_init(&p->cv, NULL) != 0) {
		pthread_mutex_destroy(&p->mu);
		return TP_ENOMEM;
	}
	return TP_OK;
}

void tpi_pipe_destroy(struct tpi_pipe *p)
{
	for (unsigned i = 0; i < p->depth; i++)
		tpi_batch_free(&p->ring[i]);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
}

struct tpi_batch *tpi_pipe_fill(struct tpi_pipe *p)
{
	/* only the producer moves `pushed`, so it may read it unlocked */
	return &p->ring[p->pushed % p->depth];
}

int tpi_pipe_push(struct tpi_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->pushed++;
	pthread_cond_broadcast(&p->cv);
	/* the next batch to fill is free once the consumer is done with it */
	while (p->pushed - p->popped >= p->depth && !p->stopped)
		if (!slice_locked(p, NULL))
			pthread_cond_wait(&p->cv, &p->mu);
	int stopped = p->stopped;
	pthread_mutex_unlock(&p->mu);
	tpi_batch_clear(tpi_pipe_fill(p));
	return stopped ? -1 : 0;
}

static void flag(struct tpi_pipe *p, int *which)
{
	pthread_mutex_lock(&p->mu);
	*which = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void tpi_pipe_close(struct tpi_pipe *p)
{
	flag(p, &p->closed);
}

void tpi_pipe_stop(struct tpi_pipe *p)
{
	flag(p, &p->stopped);
}

struct tpi_batch *tpi_pipe_pop(struct tpi_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->pushed == p->popped && !p->closed)
		if (!slice_locked(p, NULL))
			pthread_cond_wait(&p->cv, &p->mu);
	struct tpi_batch *b = p->pushed > p->popped ? &p->ring[p->popped % p->depth] : NULL;
	pthread_mutex_unlock(&p->mu);
	return b;
}

void tpi_pipe_done(struct tpi_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->popped++;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
}
