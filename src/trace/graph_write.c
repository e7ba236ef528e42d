/*
 * Direct writes (O_DIRECT) of a new graph file's sections (tpg_save).
 * Written through the page cache, a section fills fresh pages as big as
 * itself, which the kernel copies it into (5.7 CPU s of the save of a
 * 20,000,000-transaction graph, on a machine where memory touched for the
 * first time is dear); written direct, it is copied a piece at a time
 * into one reused aligned buffer that the disk reads from, and leaves
 * nothing in the page cache.
 *
 * Only whole blocks go direct. Example, blocks of 4096 bytes: a section
 * of 10,000 bytes at offset 4160 is written as its first 4032 bytes
 * through the page cache (up to the block boundary 8192), the block
 * 8192..12288 direct, and its last 1872 bytes through the page cache
 * again: a partial block may share its block with the section before or
 * after, which the other writing thread may be writing at the same time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "graph_file.h"

/* Alignment of a direct write's offset, length and memory: a page, a
 * multiple of any disk's logical block. */
#define DIO_ALIGN 4096u
/* Bytes copied into the aligned buffer and written at a time: small
 * enough to stay in the cache between the copy and the disk's read. */
#define DIO_CHUNK (1u << 20)

int tpg_direct_refuse;
uint64_t tpg_direct_written;

int tpg_direct_open(const char *path)
{
	if (tpg_direct_refuse == 1)
		return -1;
	return open(path, O_WRONLY | O_DIRECT | O_CLOEXEC);
}

void tpg_direct_done(struct tpg_direct *d)
{
	free(d->buf);
	d->buf = NULL;
}

/*
 * One direct write of n bytes (a multiple of DIO_ALIGN) from d->buf at
 * offset at; the bytes written, or -1 with errno (EINVAL: refused).
 */
static ssize_t write_block(struct tpg_direct *d, size_t from, size_t n, uint64_t at)
{
	if (tpg_direct_refuse == 2) {
		errno = EINVAL;
		return -1;
	}
	ssize_t w;
	while ((w = pwrite(d->fd, d->buf + from, n, (off_t)at)) < 0 && errno == EINTR)
		;
	return w;
}

/*
 * Writes p[0..n) (n a multiple of DIO_ALIGN) at offset at, a multiple of
 * it, through d->buf; what a refused direct write leaves goes through the
 * page cache (fd), and so does everything after. 0 or an errno.
 */
static int write_whole_blocks(int fd, struct tpg_direct *d, const char *p, uint64_t n, uint64_t at)
{
	while (n) {
		size_t k = n < DIO_CHUNK ? (size_t)n : DIO_CHUNK, done = 0;
		if (d->fd >= 0)
			memcpy(d->buf, p, k);
		while (done < k && d->fd >= 0) {
			ssize_t w = write_block(d, done, k - done, at + done);
			if (w < 0 && errno != EINVAL)
				return errno;
			if (w <= 0) {
				/* the file system takes O_DIRECT at open but not
				 * these writes: the page cache, as before */
				d->fd = -1;
				break;
			}
			done += (size_t)w;
			d->bytes += (uint64_t)w;
		}
		if (done < k) {
			int e = tpg_pwrite_all(fd, p + done, k - done, at + done);
			if (e)
				return e;
		}
		p += k, at += k, n -= k;
	}
	return 0;
}

int tpg_write_direct(int fd, struct tpg_direct *d, const void *p, uint64_t n, uint64_t at)
{
	uint64_t first = (at + DIO_ALIGN - 1) & ~(uint64_t)(DIO_ALIGN - 1);
	uint64_t last = (at + n) & ~(uint64_t)(DIO_ALIGN - 1);
	if (d->fd >= 0 && !d->buf && first < last &&
	    posix_memalign((void **)&d->buf, DIO_ALIGN, DIO_CHUNK) != 0)
		d->buf = NULL, d->fd = -1; /* no buffer: the page cache */
	if (d->fd < 0 || first >= last)
		return tpg_pwrite_all(fd, p, n, at);
	const char *c = p;
	int e = tpg_pwrite_all(fd, c, first - at, at);
	if (!e)
		e = write_whole_blocks(fd, d, c + (first - at), last - first, first);
	if (!e)
		e = tpg_pwrite_all(fd, c + (last - at), at + n - last, last);
	return e;
}
