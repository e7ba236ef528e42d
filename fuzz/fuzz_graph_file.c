/*
 * Fuzzes opening a damaged graph file. The input is a chain to import and
 * the damage to do to the graph file it gives:
 *
 *	byte 0      bit 0: 0 bitcoin-etl JSON lines, 1 ethereum-etl CSV;
 *	            bits 1-2: recompute the checksum of header slot A / B
 *	            after the damage (so the opening checks past it are
 *	            reached); bit 3: import only the text's first half, and
 *	            append the second half to the damaged file
 *	bytes 1-2   L, little-endian: the import text's length
 *	L bytes     the import text
 *	the rest    patches of 5 bytes: a little-endian u32 offset (taken
 *	            modulo the file's size) and a byte XORed in there
 *
 * A damaged file must be refused or read safely: opened, traced from its
 * first addresses under every model and reported, never a wild read, a
 * crash or a hang. Conservation is not required of a damaged file.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/graph.h"
#include "trace/graph_file.h"
#include "tripact/trace.h"

static char dir[64], text_path[2][96], graph_path[96];

static void trace_all(const struct tp_trace_graph *g)
{
	struct tp_diag d = {0};
	for (uint32_t a = 0; a < 2; a++) {
		const char *first = tp_trace_graph_address(g, a);
		if (!first)
			break;
		char addr[256];
		snprintf(addr, sizeof addr, "%s", first);
		struct tp_trace_seed s = {.kind = TP_SEED_ADDRESS, .address = addr};
		for (int m = TP_MODEL_POISON; m <= TP_MODEL_TIHO; m++) {
			struct tp_trace_opts o = {.model = m, .max_hops = 6};
			struct tp_trace_result *r;
			if (tp_trace_run(g, NULL, &s, 1, &o, &r, &d) != TP_OK)
				continue;
			FILE *f = fopen("/dev/null", "w");
			if (f) {
				if (tp_trace_report_write(r, TP_REPORT_JSON, NULL, f, &d) != TP_OK)
					d.message[0] = 0; /* a damaged graph may not report */
				fclose(f);
			}
			tp_trace_result_free(r);
		}
	}
}

static void cleanup(void)
{
	unlink(graph_path);
	char p[128];
	snprintf(p, sizeof p, "%s/graph.lock", dir);
	unlink(p);
	unlink(text_path[0]);
	unlink(text_path[1]);
	rmdir(dir);
}

/* XORs each patch into the file and reseals the header slots asked for. */
static int damage(uint8_t flags, const uint8_t *p, size_t n)
{
	int fd = open(graph_path, O_RDWR);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)FIRST_SECTION) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (; n >= 5; p += 5, n -= 5) {
		uint32_t off = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			       (uint32_t)p[3] << 24;
		off_t at = (off_t)(off % (uint64_t)st.st_size);
		uint8_t b;
		if (pread(fd, &b, 1, at) != 1)
			break;
		b ^= p[4];
		if (pwrite(fd, &b, 1, at) != 1)
			break;
	}
	for (int slot = 0; slot < 2; slot++) {
		if (!(flags & (2u << slot)))
			continue;
		uint8_t h[SLOT_BYTES];
		if (pread(fd, h, sizeof h, (off_t)slot * SLOT_BYTES) != (ssize_t)sizeof h)
			continue;
		tpg_header_reseal(h);
		if (pwrite(fd, h, sizeof h, (off_t)slot * SLOT_BYTES) != (ssize_t)sizeof h)
			break;
	}
	close(fd);
	return 0;
}

static int write_text(const char *path, const char *text, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(text, 1, n, f);
	return fclose(f) || w != n ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 3 || size > 65536)
		return 0;
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz_graph_file_%ld", (long)getpid());
		snprintf(text_path[0], sizeof text_path[0], "%s.json", dir);
		snprintf(text_path[1], sizeof text_path[1], "%s.csv", dir);
		snprintf(graph_path, sizeof graph_path, "%s/graph.tpg", dir);
		atexit(cleanup);
	}
	uint8_t flags = data[0];
	size_t len = (size_t)data[1] | (size_t)data[2] << 8;
	if (len > size - 3)
		return 0;
	const char *text = (const char *)data + 3;
	/* with bit 3, the first import stops after the line holding the middle */
	size_t first = len;
	if (flags & 8) {
		const char *nl = memchr(text + len / 2, '\n', len - len / 2);
		first = nl ? (size_t)(nl - text) + 1 : len;
	}
	const char *path = text_path[flags & 1];
	const char *chain = flags & 1 ? "eth" : "btc";
	const char *files[] = {path};
	struct tp_diag d = {0};
	unlink(graph_path);
	if (write_text(path, text, first) || tp_trace_import(dir, chain, files, 1, NULL, NULL, &d))
		return 0;
	if (damage(flags, data + 3 + len, size - 3 - len))
		return 0;
	struct tp_trace_graph *g;
	if (tp_trace_graph_open(dir, &g, &d) == TP_OK) {
		trace_all(g);
		tp_trace_graph_free(g);
	}
	/* an append opens the damaged file for writing: refused or done */
	if (flags & 8 && first < len && !write_text(path, text + first, len - first) &&
	    tp_trace_import(dir, chain, files, 1, NULL, NULL, &d) == TP_OK &&
	    tp_trace_graph_open(dir, &g, &d) == TP_OK) {
		trace_all(g);
		tp_trace_graph_free(g);
	}
	return 0;
}
