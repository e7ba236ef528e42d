/* Growable arrays in huge-page mappings (bigmem.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bigmem.h"

#define HUGE_PAGE ((size_t)2 << 20)
/* What a mapping reserves at least: address space only (MAP_NORESERVE),
 * pages are backed as they are touched; past it the kernel moves the
 * pages to a larger one (mremap), copying nothing. */
#define RESERVE_MIN ((size_t)64 << 20)

int tpt_big_no_map;

void *tpt_big_map(size_t bytes)
{
	if (tpt_big_no_map)
		return NULL;
	uint8_t *m = mmap(NULL, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	size_t head = (HUGE_PAGE - (uintptr_t)m % HUGE_PAGE) % HUGE_PAGE;
	if (head)
		munmap(m, head);
	munmap(m + head + bytes, HUGE_PAGE - head);
#ifdef MADV_HUGEPAGE
	(void)madvise(m + head, bytes, MADV_HUGEPAGE); /* a hint: fine if refused */
#endif
	return m + head;
}

static size_t round_huge(size_t bytes)
{
	return (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

enum tp_err tpt_big_grow(void **p, size_t *cap, size_t *mapped, size_t need, size_t size)
{
	if (need <= *cap)
		return TP_OK;
	if (need > SIZE_MAX / size / 4)
		return TP_ENOMEM;
	size_t n = *cap ? *cap * 2 : 64;
	while (n < need)
		n *= 2;
	size_t bytes = round_huge(n * size * 4 > RESERVE_MIN ? n * size * 4 : RESERVE_MIN);
	void *q = NULL;
	if (*mapped) {
		q = mremap(*p, *mapped, bytes, MREMAP_MAYMOVE);
		if (q == MAP_FAILED)
			return TP_ENOMEM;
	} else if (n * size >= TPT_BIG_MIN && (q = tpt_big_map(bytes))) {
		memcpy(q, *p, *cap * size);
		free(*p);
	} else { /* small, or no address space to spare (ulimit -v): the heap */
		if (!(q = realloc(*p, n * size)))
			return TP_ENOMEM;
		*p = q;
		*cap = n;
		return TP_OK;
	}
	*p = q;
	*cap = bytes / size;
	*mapped = bytes;
	return TP_OK;
}

void *tpt_big_zalloc(size_t n, size_t size, size_t *mapped)
{
	*mapped = 0;
	if (!n)
		n = 1;
	if (n > SIZE_MAX / size)
		return NULL;
	if (n * size < TPT_BIG_MIN)
		return calloc(n, size);
	size_t bytes = round_huge(n * size);
	void *q = tpt_big_map(bytes);
	if (!q) /* no address space to spare: the heap */
		return calloc(n, size);
	*mapped = bytes;
	return q;
}

void tpt_big_free(void *p, size_t mapped)
{
	if (mapped)
		munmap(p, mapped);
	else
		free(p);
}
