/* A stable radix sort of (key, index) records (result.h). */
#include "result.h"

struct tpt_rec *tpt_radix_sort(struct tpt_rec *a, struct tpt_rec *b, size_t n)
{
	uint64_t diff = 0;
	for (size_t i = 1; i < n; i++)
		diff |= a[i].key ^ a[0].key;
	/* a byte that is the same in every key takes no pass */
	for (unsigned shift = 0; shift < 64; shift += 8) {
		if (!(diff >> shift & 0xff))
			continue;
		size_t pos[256] = {0};
		for (size_t i = 0; i < n; i++)
			pos[a[i].key >> shift & 0xff]++;
		for (size_t d = 0, sum = 0; d < 256; d++) {
			size_t c = pos[d];
			pos[d] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++)
			b[pos[a[i].key >> shift & 0xff]++] = a[i];
		struct tpt_rec *t = a;
		a = b;
		b = t;
	}
	return a;
}
