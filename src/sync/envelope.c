/*
 * Envelopes for push: objects already serialised (the store's text) are
 * packed greedily into {"objects":[...]} bodies no larger than the peer's
 * max_content_length, so no POST is refused for its size. Three objects of
 * 40, 50 and 30 bytes under a cap of 100: the first envelope takes the
 * first one (14 + 40 = 54; adding the second would make 14 + 40 + 1 + 50 =
 * 105), the second takes the other two (14 + 50 + 1 + 30 = 95).
 */
#include "tripact/sync.h"

size_t tp_sync_envelope_fit(const size_t *lens, size_t n, size_t max)
{
	size_t used = TP_SYNC_ENVELOPE_OVERHEAD, k = 0;
	for (; k < n; k++) {
		size_t add = lens[k] + (k ? 1 : 0); /* the comma before it */
		if (add > max || used > max - add)
			break;
		used += add;
	}
	return k;
}

enum tp_err tp_sync_envelope_write(struct tp_buf *b, const char *const *texts, const size_t *lens,
				   size_t n)
{
	enum tp_err e = tp_buf_puts(b, "{\"objects\":[");
	for (size_t i = 0; i < n && !e; i++) {
		if (i)
			e = tp_buf_putc(b, ',');
		if (!e)
			e = tp_buf_append(b, texts[i], lens[i]);
	}
	return e ? e : tp_buf_puts(b, "]}");
}
