/*
 * Label categories looked up ahead of an account trace, on a second
 * thread. A busy trace meets a hundred thousand new addresses, and
 * finding each one's label costs misses on its address string and in the
 * label table (about a sixth of such a trace on one thread). Whatever a
 * followed pool sends from the moment it opens carries taint, so every
 * recipient of its later sends will be asked about: the engine names each
 * pool as it opens (address and list position), and the helper walks
 * that part of the list in the graph, which nothing changes, and fills
 * result.h's per-address category cache with the recipients' categories,
 * well before the replay reaches them. The engine reads the cache as
 * before and looks up itself what the helper has not reached yet: the
 * category is the same either way, so the report does not depend on who
 * was first.
 */
#ifndef TP_TRACE_PRELABEL_H
#define TP_TRACE_PRELABEL_H

#include "result.h"

/* Pools the ring holds; a full ring drops what is asked (the engine
 * then looks those up itself). */
#define TPT_PRELABEL_RING 8192

struct tpt_prelabel_pool {
	uint64_t cur, end; /* the part of the list to walk */
};

struct tpt_prelabel {
	struct tpt_prelabel_pool ring[TPT_PRELABEL_RING];
	size_t head;	  /* written by the engine only */
	size_t tail_seen; /* the engine's last look at tail */
	_Alignas(64) size_t tail; /* written by the helper only */
	int stop;
	struct tp_trace_result *r;
	uint64_t run_end_flag; /* an entry flagged so ends a native run */
	void *thread; /* pthread_t, kept out of this header */
};

/* Pools a trace follows before it starts the helper: a small trace is
 * over sooner than a thread starts (tests set it lower). */
extern size_t tpt_prelabel_after;

/* Starts the helper for r (labels set, labcat made here); NULL when there
 * is nothing to look up or no thread to be had. */
struct tpt_prelabel *tpt_prelabel_start(struct tp_trace_result *r, uint64_t run_end_flag);
/* Stops and frees it (NULL is fine). */
void tpt_prelabel_stop(struct tpt_prelabel *p);

/* Asks for the recipients of the sends in list entries cur .. end (p may
 * be NULL). */
static inline void tpt_prelabel_ask(struct tpt_prelabel *p, uint64_t cur, uint64_t end)
{
	if (!p || cur >= end)
		return;
	if (p->head - p->tail_seen >= TPT_PRELABEL_RING) {
		p->tail_seen = __atomic_load_n(&p->tail, __ATOMIC_ACQUIRE);
		if (p->head - p->tail_seen >= TPT_PRELABEL_RING)
			return;
	}
	p->ring[p->head % TPT_PRELABEL_RING] = (struct tpt_prelabel_pool){cur, end};
	__atomic_store_n(&p->head, p->head + 1, __ATOMIC_RELEASE);
}

#endif
