/*
 * Arrays a trace grows as it goes (pools, endpoints, paths, flow edges)
 * and the tables it indexes by address. Small ones live on the heap;
 * past TPT_BIG_MIN bytes an array moves, once, into an anonymous mapping
 * reserved beyond its need (4 times, 64 MB at least; address space only)
 * and backed by transparent huge pages where the system gives them:
 * growing then copies nothing, a 2 MB page is one fault and one TLB entry
 * instead of 512 (a busy trace touches tens of MB of fresh memory, spread
 * over 4 kB pages that cost it about a fifth of its time), and a small
 * trace never pays for a huge page. Where no mapping can be had (ulimit
 * -v), arrays stay on the heap.
 */
#ifndef TP_TRACE_BIGMEM_H
#define TP_TRACE_BIGMEM_H

#include <stddef.h>

#include "tripact/error.h"

#define TPT_BIG_MIN ((size_t)1 << 20)

/* Tests set it to act as if no mapping could be had. */
extern int tpt_big_no_map;

/*
 * Makes room for `need` elements of `size` bytes in *p (capacity *cap
 * elements; *mapped is 0 for a heap array, else the bytes mapped).
 * Elements already there are kept; new room is not cleared, except in
 * a fresh mapping, which reads as zeros.
 */
enum tp_err tpt_big_grow(void **p, size_t *cap, size_t *mapped, size_t need,
			 size_t size) TP_MUST_CHECK;
/* A zeroed array of n elements of `size` bytes; *mapped as above. */
void *tpt_big_zalloc(size_t n, size_t size, size_t *mapped);
void tpt_big_free(void *p, size_t mapped);
/* A fresh zeroed mapping of bytes (a multiple of 2 MB), 2 MB aligned so
 * each huge page backs a whole one, in transparent huge pages where the
 * system gives them; address space only until touched (MAP_NORESERVE).
 * NULL if refused; munmap(p, bytes) frees it. */
void *tpt_big_map(size_t bytes);

#endif
