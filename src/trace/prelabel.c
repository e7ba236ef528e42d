/* Label categories looked up on a second thread (prelabel.h). */
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "prelabel.h"

size_t tpt_prelabel_after = 4096;

/* Empty polls of the ring before the helper rests. */
#define SPINS 256

/* Looks up the recipients of the sends in one pool's part of its list. */
static void walk(struct tpt_prelabel *p, const struct tpt_prelabel_pool *q)
{
	struct tp_trace_result *r = p->r;
	for (uint64_t k = q->cur; k < q->end && !__atomic_load_n(&p->stop, __ATOMIC_RELAXED); k++) {
		const struct tpg_acct_ent *y = tpg_acct_entry(r->g, k);
		if (y->v & p->run_end_flag)
			break;
		if ((y->v & TPG_ENT_SEND) && y->other != TPG_NONE && !tpt_cat_known(r, y->other))
			tpt_cat_lookup(r, y->other);
	}
}

static void *helper(void *arg)
{
	struct tpt_prelabel *p = arg;
	size_t tail = 0;
	unsigned idle = 0;
	for (;;) {
		size_t head = __atomic_load_n(&p->head, __ATOMIC_ACQUIRE);
		if (tail == head) {
			if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE))
				break;
			if (++idle >= SPINS) {
				/* ahead of the engine: rest rather than spin
				 * on a core others may want */
				struct timespec rest = {0, 50000};
				nanosleep(&rest, NULL);
				idle = 0;
			}
			continue;
		}
		idle = 0;
		walk(p, &p->ring[tail % TPT_PRELABEL_RING]);
		__atomic_store_n(&p->tail, ++tail, __ATOMIC_RELEASE);
	}
	return NULL;
}

struct tpt_prelabel *tpt_prelabel_start(struct tp_trace_result *r, uint64_t run_end_flag)
{
	if (!r->labels || !tp_trace_labels_count(r->labels))
		return NULL;
	if (!r->labcat && !(r->labcat = tpt_big_zalloc(r->g->naddr, 1, &r->labmap)))
		return NULL;
	struct tpt_prelabel *p = calloc(1, sizeof *p);
	pthread_t *t = malloc(sizeof *t);
	if (!p || !t)
		goto fail;
	p->r = r;
	p->run_end_flag = run_end_flag;
	p->thread = t;
	if (pthread_create(t, NULL, helper, p) == 0)
		return p;
fail:
	free(p);
	free(t);
	return NULL;
}

void tpt_prelabel_stop(struct tpt_prelabel *p)
{
	if (!p)
		return;
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	pthread_join(*(pthread_t *)p->thread, NULL);
	free(p->thread);
	free(p);
}
