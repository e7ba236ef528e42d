/*
 * A decoded block on its way from the decoder to the graph: per
 * transaction only what the graph builder needs (display-order ids,
 * outpoints and output keys), with the hashes it will probe already
 * computed, so the builder can start every cache miss of a transaction
 * several transactions ahead. Filled by the decoding side, read by the
 * graph side; a batch holds one block (or the start of one that failed).
 */
#ifndef TP_TRACE_RAW_BATCH_H
#define TP_TRACE_RAW_BATCH_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "raw_spend.h"
#include "tripact/btc.h"

struct tpi_rtx {
	uint8_t id[32]; /* display order */
	int64_t time;
	uint32_t block;
	uint32_t nin, nout; /* this transaction's entries in in[] and out[] */
	int coinbase;
	/* set when the decoding side found the transaction bad and the import
	 * skips bad ones: the graph side counts it, in order, and adds nothing */
	enum tp_err bad_code;
	const char *bad;
	int fatal; /* bad_code is an error even when skipping bad ones */
	uint64_t shash; /* tpi_spend_hash(id) */
};

struct tpi_rin {
	uint8_t txid[32]; /* spent transaction, display order */
	uint32_t vout;
	uint64_t hash; /* tpi_spend_hash(txid) */
};

#define TPI_NO_STR UINT32_MAX

struct tpi_rout {
	uint64_t value;
	uint64_t khash;	 /* tpi_key_hash(key, klen) */
	uint64_t ahash;	 /* new key: tpg_addr_hash of its string */
	uint32_t key_id; /* its number in the import's tpi_keys */
	uint32_t str;	 /* new key: its address string in str[], else TPI_NO_STR */
	uint8_t klen;
	uint8_t slen; /* new key: the length of its string (TP_BTC_ADDR_MAX at most) */
	uint8_t key[TP_BTC_KEY_MAX]; /* tp_btc_txout_key */
};

struct tpi_batch {
	struct tpi_rtx *tx;
	struct tpi_rin *in;
	struct tpi_rout *out;
	char *str; /* NUL-terminated address strings of new keys */
	size_t ntx, nin, nout, nstr;
	size_t tx_cap, in_cap, out_cap, str_cap;
};

/* Room for one more transaction with nin inputs and nout outputs. */
enum tp_err tpi_batch_reserve(struct tpi_batch *b, size_t nin, size_t nout) TP_MUST_CHECK;
/* Copies s[0..n) and a NUL into b->str; its offset, or TPI_NO_STR if out of memory. */
uint32_t tpi_batch_str(struct tpi_batch *b, const char *s, size_t n);
void tpi_batch_clear(struct tpi_batch *b);
void tpi_batch_free(struct tpi_batch *b);

/*
 * A bounded queue of batches from one decoding thread to the graph
 * thread. Batches are reused in a ring of `depth` slots: the producer
 * fills tpi_pipe_fill(), hands it over with tpi_pipe_push() (waiting
 * while the ring is full); the consumer takes tpi_pipe_pop() and gives it
 * back with tpi_pipe_done(). Either side may stop the other; the order of
 * batches is the order of the chain.
 */
#define TPI_PIPE_MAX 32
/*
 * Raw blocks: up to 32 blocks in flight. Each side now and then takes
 * a long step (a table growing, a large block) while the other could go
 * on; with 4 blocks the other side soon waited, both threads stood idle
 * about a fifth of the time, and the import ran 0.4-0.6 s longer than its
 * busier thread (2M transactions). Bigger batches of the JSON-lines pipe
 * lost more to the cache than they gained: it keeps 4 (etl_batch.h).
 */
#define TPI_RAW_DEPTH 32

/* Regions the pipe backs ahead at once: the spend index's and the key table's. */
#define TPI_PIPE_AHEAD 4
/* A slice: one huge page. */
#define TPI_PIPE_SLICE ((size_t)2 << 20)

struct tpi_ahead {
	uint8_t *at; /* NULL: no region */
	size_t bytes, claimed, done;
};

struct tpi_pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tpi_batch ring[TPI_PIPE_MAX];
	unsigned depth; /* slots of ring in use, 1 to TPI_PIPE_MAX */
	uint64_t pushed, popped;
	int closed;  /* the producer has pushed its last batch */
	int stopped; /* the consumer wants no more */
	/*
	 * Table pages to fault in ahead of a doubling (struct tpi_backer), a
	 * slice at a time: by the consumer while it waits for a batch, by the
	 * producer while it waits for room and while the consumer has work
	 * ahead (tpi_pipe_back_ahead). Made in one go on the producer, a 1 GB
	 * half stopped the batches for 2 s, and the graph thread then stood
	 * idle (20,000,000 transactions).
	 */
	struct tpi_ahead ahead[TPI_PIPE_AHEAD];
	struct tpi_backer backer; /* asks the pipe */
};

enum tp_err tpi_pipe_init(struct tpi_pipe *p, unsigned depth) TP_MUST_CHECK;
void tpi_pipe_destroy(struct tpi_pipe *p);
/* The batch the producer fills next (empty after a push). */
struct tpi_batch *tpi_pipe_fill(struct tpi_pipe *p);
/* Producer: hands over the filled batch; 0, or -1 once the consumer stopped. */
int tpi_pipe_push(struct tpi_pipe *p);
/* Producer: no more batches. */
void tpi_pipe_close(struct tpi_pipe *p);
/* Consumer: the next batch in order, or NULL when closed and drained. */
struct tpi_batch *tpi_pipe_pop(struct tpi_pipe *p);
void tpi_pipe_done(struct tpi_pipe *p);
/* Consumer: stop the producer (its next push returns -1). */
void tpi_pipe_stop(struct tpi_pipe *p);
/* Either side: faults in one slice of a region asked for; 0 if none is left. */
int tpi_pipe_back_slice(struct tpi_pipe *p);
/*
 * Producer, once a batch: a slice, but only while the consumer has half
 * the ring or more to work on, so that it does not wait for the batches
 * meanwhile. A slice is a huge page, some 5 ms of clearing where
 * fresh pages are dear, against about 1.5 ms to decode a block of 2,000
 * transactions: a slice every batch made the decoding thread clear pages
 * most of its time until the region was done, and the graph thread, its
 * batches spent, then waited (20,000,000 transactions).
 */
int tpi_pipe_back_ahead(struct tpi_pipe *p);

#endif
