/*
 * The layout of DIR/graph.tpg, shared by graph_file.c (writing a whole
 * file, opening and checking it) and graph_append.c (appending in place).
 * Private to src/trace; docs/internals/trace-graph.md describes it.
 *
 * Three header slots open the file: A and B hold graph states (opening
 * takes the valid one with the higher sequence number), P an append's
 * "pending" record. The sections follow from FIRST_SECTION, each with
 * room to grow (its capacity) and a second place (alt) it can be
 * rewritten into without touching the state that still uses the first.
 */
#ifndef TP_TRACE_GRAPH_FILE_H
#define TP_TRACE_GRAPH_FILE_H

#include "graph.h"

#define MAGIC	      "TPGRAPH2"
#define OLD_MAGIC     "TPGRAPH1" /* row layout, 136 bytes per transaction */
#define VERSION	      5 /* 3: one header, no capacities; 4: u32 account list entries */
#define FLAG_WIDE     1u
#define SLOT_BYTES    1024u /* header slots A, B and P, in this order */
#define SLOT_PENDING  2
#define FIRST_SECTION 4096u

enum {
	/* core graph */
	S_TX_OUT,
	S_TX_IN,
	S_TX_BLK,
	S_BLK,
	S_OUT_VALUE,
	S_OUT_ADDR,
	S_OUT_SPENT,
	S_IN,
	S_XFER,
	S_BIG,
	S_ACCT_OFF,
	S_ACCT_X,
	/* dictionaries */
	S_TXID,
	S_TX_HASH,
	S_ADDR_STR,
	S_ADDR_OFF,
	S_ADDR_HASH,
	NSECT
};
#define NCORE S_TXID

enum { STATE_GRAPH = 1, STATE_PENDING = 2 };

struct header {
	char magic[8];
	uint32_t version, kind;
	char chain[16];
	uint32_t naddr, ntx, nbig, addr_hcap, tx_hcap, last_block, have_last_block, flags;
	uint32_t nblk, state; /* STATE_GRAPH, or STATE_PENDING in slot P */
	uint64_t addr_len, nout, nin, nxfer, nacct;
	uint64_t seq; /* one more per append */
	/* where each section is, its bytes, the bytes it may grow to in
	 * place, and its second place (alt_cap 0: none yet) */
	uint64_t off[NSECT], len[NSECT], cap[NSECT], alt_off[NSECT], alt_cap[NSECT];
	uint64_t check; /* header_check() of the bytes before it */
};
_Static_assert(sizeof(struct header) <= SLOT_BYTES, "a header fits its slot");

/* One column as stored: where the graph keeps it, entries, entry size,
 * and (while mutable) the capacity its group of columns shares. */
struct sect {
	void **p;
	uint64_t n;
	size_t size;
	uint64_t *cap;
};

void tpg_sections(struct tp_trace_graph *g, struct sect s[NSECT]);
/* The header of g's counts (sections' places left to the caller). */
void tpg_header_fill(const struct tp_trace_graph *g, struct header *h);
uint64_t tpg_header_check(const struct header *h);
/* The bytes a section of len bytes is given: an eighth more, so appends
 * fit in place for a while (the spare part is a hole of the file). */
static inline uint64_t tpg_sect_cap(uint64_t len)
{
	return (len + len / 8 + 64 + 63) & ~(uint64_t)63;
}
/* Builds the per-address lists: counts and allocates them (the layout
 * of the file is then known), then fills them. */
enum tp_err tpg_count_lists(struct tp_trace_graph *g, struct tp_diag *d) TP_MUST_CHECK;
void tpg_fill_lists(struct tp_trace_graph *g);
/* Removes the temporary files of whole saves that died before their
 * rename (graph.tpg.tmp.PID of a process no longer running). */
void tpg_remove_stale_tmp(const char *dir);
/* 0 or an errno. */
int tpg_pwrite_all(int fd, const void *p, uint64_t n, uint64_t at);

/*
 * Direct writes of a new file (graph_write.c): one writing thread's
 * descriptor of the file opened O_DIRECT (-1: none, or refused) and its
 * aligned buffer, made at the first write and reused.
 */
struct tpg_direct {
	int fd;
	char *buf;
	uint64_t bytes; /* written direct */
};
/* The file at path opened for direct writes, or -1 where the file system
 * refuses O_DIRECT. */
int tpg_direct_open(const char *path);
/*
 * Writes p[0..n) at offset at: its whole blocks direct through d, the
 * partial blocks at its ends (and all of it where d->fd is -1, or once a
 * direct write is refused, which sets it to -1) through fd, the same file
 * opened without O_DIRECT. 0 or an errno.
 */
int tpg_write_direct(int fd, struct tpg_direct *d, const void *p, uint64_t n, uint64_t at);
/* Frees d's buffer (the descriptor is the caller's). */
void tpg_direct_done(struct tpg_direct *d);
/* Tests: 1 acts as if O_DIRECT were refused at open, 2 at the first write. */
extern int tpg_direct_refuse;
/* The bytes the last tpg_save wrote direct. */
extern uint64_t tpg_direct_written;

#endif
