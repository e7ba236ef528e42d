/*
 * Raw import with the decoder on a thread of its own and the spend index:
 * the graph file must be byte for byte the one a single-threaded import
 * writes, and so must every error and every skip, for a generated chain
 * that spends coins at random (several inputs, outputs to a small set of
 * addresses of three script kinds, so addresses repeat). Also: an import
 * resumed in two parts equals one import, and the spend index keeps every
 * entry findable when deletions shift colliding slots.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tp_test.h"
#include "trace/btc_codec.h"
#include "trace/graph.h"
#include "trace/import_raw.h"
#include "trace/raw_batch.h"
#include "trace/raw_keys.h"
#include "trace/raw_spend.h"
#include "tripact/trace.h"
#include "graph_compare.h"

static char scratch[] = "/tmp/tp_trace_pipe_XXXXXX";

struct buf {
	uint8_t *p;
	size_t n, cap;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put32(struct buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	put(b, x, 4);
}

static void put64(struct buf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static void put8(struct buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* An output script paying address a of 40 (P2PKH, P2WPKH or P2TR by a % 3). */
static void pay(struct buf *b, unsigned a)
{
	uint8_t s[34], h[32];
	for (int i = 0; i < 32; i++)
		h[i] = (uint8_t)(a * 29 + (unsigned)i * 7 + 3);
	size_t n;
	if (a % 3 == 0)
		memcpy(s, "\x76\xa9\x14", 3), memcpy(s + 3, h, 20), memcpy(s + 23, "\x88\xac", 2),
			n = 25;
	else if (a % 3 == 1)
		memcpy(s, "\x00\x14", 2), memcpy(s + 2, h, 20), n = 22;
	else
		memcpy(s, "\x51\x20", 2), memcpy(s + 2, h, 32), n = 34;
	put8(b, (uint8_t)n);
	put(b, s, n);
}

struct coin {
	uint8_t txid[32];
	uint32_t vout;
	uint64_t value;
};

/* DUP repeats the first coinbase, DUP_PAY the last payment (whose inputs are
 * spent by then: the duplicate is what gets reported); EXCEED_NEW is
 * EXCEED paying three addresses not seen before, which later
 * transactions pay too; SPENT_LIVE is SPENT of an output whose
 * transaction has another output not spent yet */
enum bad { NONE, SPENT, UNKNOWN, TWICE, EXCEED, DUP, DUP_PAY, EXCEED_NEW, SPENT_LIVE };


struct chain {
	unsigned more; /* addresses paid at random past the first 40: 3 after EXCEED_NEW */
	struct coin pool[4096], spent[4096];
	size_t npool, nspent;
	struct buf first_cb; /* the first coinbase, for DUP */
	struct buf last_pay; /* for DUP_PAY */
};

/* The latest spent coin of a transaction with a coin still in the pool. */
static int spent_live(const struct chain *c, struct coin *u)
{
	for (size_t i = c->nspent; i-- > 0;)
		for (size_t j = 0; j < c->npool; j++)
			if (!memcmp(c->spent[i].txid, c->pool[j].txid, 32)) {
				*u = c->spent[i];
				return 1;
			}
	return 0;
}

/* Appends one transaction to blk; bad makes it wrong in that way. */
static void tx(struct chain *c, struct buf *blk, uint32_t height, int k, enum bad bad)
{
	if (bad == DUP || bad == DUP_PAY) {
		const struct buf *again = bad == DUP ? &c->first_cb : &c->last_pay;
		put(blk, again->p, again->n);
		return;
	}
	struct buf t = {0};
	put32(&t, 1);
	int cb = k == 0 || c->npool < 4;
	size_t nin = cb ? 1 : 1 + (size_t)(rnd() % 3);
	if (bad == TWICE)
		nin = 2;
	uint64_t total = 0;
	put8(&t, (uint8_t)nin);
	struct coin first = {{0}, 0, 0};
	for (size_t i = 0; i < nin; i++) {
		if (cb) {
			uint8_t z[32] = {0};
			put(&t, z, 32);
			put32(&t, 0xffffffff);
			uint8_t sig[5] = {4, (uint8_t)height, (uint8_t)(height >> 8), (uint8_t)k,
					  0x51};
			put(&t, sig, 5);
		} else {
			struct coin u;
			if (bad == SPENT && i == 0 && c->nspent) {
				u = c->spent[rnd() % c->nspent];
			} else if (bad == SPENT_LIVE && i == 0) {
				assert_true(spent_live(c, &u));
			} else if (bad == UNKNOWN && i == 0) {
				memset(&u, 0, sizeof u);
				u.txid[0] = 0x42, u.txid[31] = (uint8_t)height;
			} else if (bad == TWICE && i == 1) {
				u = first;
			} else {
				size_t j = (size_t)(rnd() % c->npool);
				u = c->pool[j];
				c->pool[j] = c->pool[--c->npool];
				if (c->nspent < 4096)
					c->spent[c->nspent++] = u;
			}
			if (i == 0)
				first = u;
			put(&t, u.txid, 32);
			put32(&t, u.vout);
			total += u.value;
			put8(&t, 0);
		}
		put32(&t, 0xffffffff);
	}
	size_t nout = cb ? 3 : 1 + (size_t)(rnd() % 3);
	if (bad == EXCEED_NEW)
		nout = 3;
	uint64_t v[3];
	for (size_t o = 0; o < nout; o++)
		v[o] = cb ? 5000000000ULL : total / nout;
	if (bad == EXCEED)
		v[0] += 1;
	if (bad == EXCEED_NEW)
		v[0] = total + 1;
	put8(&t, (uint8_t)nout);
	for (size_t o = 0; o < nout; o++) {
		put64(&t, v[o]);
		pay(&t, bad == EXCEED_NEW ? 40 + (unsigned)o : (unsigned)(rnd() % (40 + c->more)));
	}
	if (bad == EXCEED_NEW)
		c->more = 3;
	put32(&t, 0);
	if (height == 0 && k == 0)
		put(&c->first_cb, t.p, t.n);
	if (!cb)
		c->last_pay.n = 0, put(&c->last_pay, t.p, t.n);
	struct coin n;
	tp_btc_sha256d(t.p, t.n, n.txid);
	/* the outputs of a transaction that will be skipped are never spent */
	for (size_t o = 0; o < nout && c->npool < 4096 && bad != EXCEED_NEW; o++) {
		n.vout = (uint32_t)o;
		n.value = v[o];
		c->pool[c->npool++] = n;
	}
	put(blk, t.p, t.n);
	free(t.p);
}

/* Writes blocks [from, to) of the chain as getblock hex lines (50 tx a block);
 * transaction 7 of block bad_block is bad. */
static void blocks(struct chain *c, FILE *f, uint32_t from, uint32_t to, enum bad bad,
		   uint32_t bad_block)
{
	for (uint32_t h = from; h < to; h++) {
		struct buf b = {0};
		put32(&b, 1);
		uint8_t z[32] = {0};
		put(&b, z, 32);
		put(&b, z, 32);
		put32(&b, 1600000000 + h * 600);
		put32(&b, 0x1d00ffff);
		put32(&b, h);
		put8(&b, 50);
		for (int k = 0; k < 50; k++)
			tx(c, &b, h, k, h == bad_block && k == 7 ? bad : NONE);
		for (size_t i = 0; i < b.n; i++)
			fprintf(f, "%02x", b.p[i]);
		fputc('\n', f);
		free(b.p);
	}
}

static const char *chain_file(const char *name, uint32_t nblocks, enum bad bad, uint32_t at)
{
	static char path[4200];
	static struct chain c;
	memset(&c, 0, sizeof c);
	rng = 0x2545f4914f6cdd1dULL;
	snprintf(path, sizeof path, "%s/%s", scratch, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	blocks(&c, f, 0, nblocks, bad, at);
	assert_int_equal(fclose(f), 0);
	free(c.first_cb.p);
	free(c.last_pay.p);
	return path;
}

struct run {
	enum tp_err e;
	struct tp_diag d;
	struct tp_trace_import_stats st;
	char dir[4200];
};

static void import(struct run *r, const char *name, const char *path, int threads, int skip)
{
	struct tp_trace_import_opts o = {.skip_bad = skip};
	memset(r, 0, sizeof *r);
	snprintf(r->dir, sizeof r->dir, "%s/%s", scratch, name);
	tpi_raw_threads(threads);
	r->e = tp_trace_import(r->dir, "btc", &path, 1, &o, &r->st, &r->d);
	tpi_raw_threads(0);
}

static void same_file(const char *a, const char *b)
{
	char pa[4300], pb[4300];
	snprintf(pa, sizeof pa, "%s/graph.tpg", a);
	snprintf(pb, sizeof pb, "%s/graph.tpg", b);
	size_t na, nb;
	char *x = tp_test_slurp(pa, &na), *y = tp_test_slurp(pb, &nb);
	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(na, nb);
	assert_memory_equal(x, y, na);
	free(x);
	free(y);
}

/* One thread and two give the same graph file, and it holds every transaction. */
static void test_threads_same_graph(void **state)
{
	(void)state;
	const char *p = chain_file("good.hex", 40, NONE, 0);
	struct run one, two;
	import(&one, "good1", p, 1, 0);
	import(&two, "good2", p, 2, 0);
	assert_int_equal(one.e, TP_OK);
	assert_int_equal(two.e, TP_OK);
	assert_int_equal(one.st.txs, 40 * 50);
	assert_int_equal(two.st.txs, 40 * 50);
	assert_int_equal(one.st.inputs, two.st.inputs);
	/* bytes: the blocks', two hex digits a byte and a newline a block */
	struct stat sb;
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(one.st.bytes, ((uint64_t)sb.st_size - 40) / 2);
	assert_int_equal(two.st.bytes, one.st.bytes);
	same_file(one.dir, two.dir);
	struct tp_trace_graph *g;
	struct tp_diag d = {0};
	assert_int_equal(tp_trace_graph_open(one.dir, &g, &d), TP_OK);
	assert_int_equal(g->ntx, 40 * 50);
	assert_int_equal(g->naddr, 40);
	/* every input spends an output marked as spent by its transaction */
	for (uint32_t t = 0; t < g->ntx; t++)
		for (uint64_t i = tpg_tx_first_in(g, t); i < tpg_tx_first_in(g, t + 1); i++)
			assert_int_equal(tpg_out_spent_by(g, tpg_in_out(g, i)), t);
	tp_trace_graph_free(g);
}

/* A bad transaction in block 30: the same error, word for word, both ways. */
static void bad_chain(enum bad bad, enum tp_err want, const char *what)
{
	char name[32];
	snprintf(name, sizeof name, "bad%d.hex", (int)bad);
	const char *p = chain_file(name, 40, bad, 30);
	struct run one, two;
	import(&one, "bad1", p, 1, 0);
	import(&two, "bad2", p, 2, 0);
	assert_int_equal(one.e, want);
	assert_int_equal(two.e, want);
	assert_string_equal(one.d.message, two.d.message);
	assert_non_null(strstr(one.d.message, what));
	assert_non_null(strstr(one.d.message, "block 30, transaction "));
	assert_non_null(strstr(one.d.message, p)); /* the file is named */
	/* skipped instead: same graph, same count, same first reason */
	import(&one, "skip1", p, 1, 1);
	import(&two, "skip2", p, 2, 1);
	assert_int_equal(one.e, TP_OK);
	assert_int_equal(two.e, TP_OK);
	assert_true(one.st.skipped >= 1);
	assert_int_equal(one.st.skipped, two.st.skipped);
	assert_int_equal(one.st.txs, two.st.txs);
	assert_string_equal(one.st.first_skip, two.st.first_skip);
	assert_non_null(strstr(one.st.first_skip, what));
	same_file(one.dir, two.dir);
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s/bad1' '%s/bad2' '%s/skip1' '%s/skip2'", scratch,
		 scratch, scratch, scratch);
	assert_int_equal(system(cmd), 0);
}

static void test_spent_twice(void **state)
{
	(void)state;
	bad_chain(SPENT, TP_ECONFLICT, "an input spends an output already spent");
}

/* The index keeps the transaction, but knows that output was spent. */
static void test_spent_twice_sibling_unspent(void **state)
{
	(void)state;
	bad_chain(SPENT_LIVE, TP_ECONFLICT, "an input spends an output already spent");
}

static void test_unknown_output(void **state)
{
	(void)state;
	bad_chain(UNKNOWN, TP_ENOTFOUND, "an input spends an output not in the graph");
}

static void test_two_inputs_one_output(void **state)
{
	(void)state;
	bad_chain(TWICE, TP_ECONFLICT, "two inputs spend the same output");
}

static void test_outputs_exceed_inputs(void **state)
{
	(void)state;
	bad_chain(EXCEED, TP_EVALIDATE, "outputs exceed inputs");
}

struct addr_check {
	const struct tp_trace_graph *g;
	size_t outputs;
};

/* Every output of a transaction in the graph has the address its script pays. */
static enum tp_err same_addresses(void *ctx, const struct tp_btc_header *h,
				  const struct tp_btc_tx *tx)
{
	struct addr_check *c = ctx;
	uint8_t id[32];
	(void)h;
	for (int i = 0; i < 32; i++)
		id[i] = tx->txid[31 - i];
	uint32_t t = tpg_tx_find(c->g, id, 32);
	if (t == TPG_NONE)
		return TP_OK; /* skipped */
	assert_int_equal(tpg_tx_nout(c->g, t), tx->n_out);
	for (size_t k = 0; k < tx->n_out; k++)
		assert_string_equal(tpg_addr(c->g, tpg_out_addr(c->g, tpg_tx_first_out(c->g, t) + k)),
				    tx->out[k].address);
	c->outputs += tx->n_out;
	return TP_OK;
}

/*
 * A skipped transaction is the first to pay three addresses, which later
 * ones pay: into a graph with no address before (where key numbers may
 * stand for address ids until then), every output still gets the address
 * its script pays, checked against the decoder's own address strings.
 */
static void test_new_addresses_of_a_skipped_transaction(void **state)
{
	(void)state;
	const char *p = chain_file("newaddr.hex", 40, EXCEED_NEW, 20);
	for (int threads = 1; threads <= 2; threads++) {
		struct run r;
		import(&r, "newaddr", p, threads, 1);
		assert_int_equal(r.e, TP_OK);
		assert_int_equal(r.st.skipped, 1);
		struct tp_trace_graph *g;
		struct tp_diag d = {0};
		assert_int_equal(tp_trace_graph_open(r.dir, &g, &d), TP_OK);
		assert_int_equal(g->naddr, 43);
		struct tp_btc_decoder *dec;
		assert_int_equal(tp_btc_decoder_new(TP_BTC_MAINNET, 0, &dec), TP_OK);
		struct addr_check c = {g, 0};
		if (tp_btc_hex_decode_file(dec, p, -1, same_addresses, &c, &d) != TP_OK)
			fail_msg("%s", d.message);
		assert_int_equal(c.outputs, g->nout);
		tp_btc_decoder_free(dec);
		tp_trace_graph_free(g);
		char cmd[4300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", r.dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void test_duplicate_transaction(void **state)
{
	(void)state;
	bad_chain(DUP, TP_EEXIST, "duplicate transaction");
	bad_chain(DUP_PAY, TP_EEXIST, "duplicate transaction");
}

/* Blocks 0..19 then 20..39 (spending coins of the first import) equal 0..39 at once. */
static void test_resume_equals_one_import(void **state)
{
	(void)state;
	struct chain *c = calloc(1, sizeof *c);
	assert_non_null(c);
	char a[4200], b[4200];
	snprintf(a, sizeof a, "%s/first.hex", scratch);
	snprintf(b, sizeof b, "%s/second.hex", scratch);
	rng = 0x2545f4914f6cdd1dULL;
	FILE *f = fopen(a, "w");
	assert_non_null(f);
	blocks(c, f, 0, 20, NONE, 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(f = fopen(b, "w"));
	blocks(c, f, 20, 40, NONE, 0);
	assert_int_equal(fclose(f), 0);
	free(c->first_cb.p);
	free(c->last_pay.p);
	free(c);
	const char *whole = chain_file("whole.hex", 40, NONE, 0);
	for (int threads = 1; threads <= 2; threads++) {
		struct run all, part;
		import(&all, "whole", whole, threads, 0);
		assert_int_equal(all.e, TP_OK);
		import(&part, "parts", a, threads, 0);
		assert_int_equal(part.e, TP_OK);
		import(&part, "parts", b, threads, 0);
		assert_int_equal(part.e, TP_OK);
		assert_int_equal(part.st.txs, 20 * 50);
		tp_test_same_graph(all.dir, part.dir);
		char cmd[4300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s/whole' '%s/parts'", scratch, scratch);
		assert_int_equal(system(cmd), 0);
	}
}

/* three homes, interleaved, one at the end of the table (runs wrap around) */
static uint64_t home(int i, uint64_t cap)
{
	return i % 3 == 2 ? cap - 1 : (uint64_t)(2 * (i % 3) + 1);
}

/* Deleting from a run of colliding slots keeps the rest of the run findable. */
static void test_spend_index_collisions(void **state)
{
	(void)state;
	struct tpi_spend s = {0};
	uint8_t id[200][32];
	const uint64_t cap = 1 << 16; /* the first table size */
	for (int i = 0; i < 200; i++) {
		memset(id[i], i, 32);
		uint64_t h = home(i, cap);
		assert_int_equal(tpi_spend_add(&s, h, id[i], (uint64_t)i * 10, 1, (uint64_t)i, 0),
				 TP_OK);
	}
	for (int i = 0; i < 200; i += 2) {
		uint64_t h = home(i, cap);
		tpi_spend_take(&s, h, id[i], 0);
	}
	assert_int_equal(s.n, 100);
	for (int i = 0; i < 200; i++) {
		uint64_t h = home(i, cap);
		const struct tpi_spend_slot *u = tpi_spend_find(&s, h, id[i]);
		if (i % 2) {
			assert_non_null(u);
			assert_int_equal(tpi_spend_first(u), (uint64_t)i * 10);
			assert_int_equal(u->value[0], (uint64_t)i);
		} else {
			assert_null(u);
		}
	}
	/* growing keeps them too */
	for (uint32_t i = 0; i < 60000; i++) {
		uint8_t x[32] = {0};
		memcpy(x, &i, sizeof i);
		x[31] = 0xee;
		assert_int_equal(tpi_spend_add(&s, tpi_spend_hash(x), x, 2000 + i, 1, i, 0), TP_OK);
	}
	assert_true(s.cap > cap);
	for (int i = 1; i < 200; i += 2) {
		uint64_t h = home(i, cap);
		assert_non_null(tpi_spend_find(&s, h, id[i]));
	}
	/* a slot whose hash agrees is no hit unless the txid does */
	uint8_t other[32];
	memcpy(other, id[1], 32);
	other[16] ^= 1;
	assert_null(tpi_spend_find(&s, home(1, cap), other));
	tpi_spend_take(&s, home(1, cap), other, 0);
	assert_int_equal(s.n, 60100);
	tpi_spend_free(&s);
}

/*
 * The ring holds `depth` batches in flight, in order: the producer fills
 * slot 0, 1, ..., depth - 1, then slot 0 again once it was given back;
 * a depth of 0 or past TPI_PIPE_MAX is refused.
 */
static void test_pipe_depth(void **state)
{
	(void)state;
	struct tpi_pipe p;
	assert_int_equal(tpi_pipe_init(&p, 0), TP_EINVAL);
	assert_int_equal(tpi_pipe_init(&p, TPI_PIPE_MAX + 1), TP_EINVAL);
	assert_int_equal(tpi_pipe_init(&p, 3), TP_OK);
	for (unsigned k = 0; k < 3; k++) {
		assert_ptr_equal(tpi_pipe_fill(&p), &p.ring[k]);
		if (k < 2) /* the third push would wait for a free slot */
			assert_int_equal(tpi_pipe_push(&p), 0);
	}
	assert_ptr_equal(tpi_pipe_pop(&p), &p.ring[0]);
	tpi_pipe_done(&p);
	assert_int_equal(tpi_pipe_push(&p), 0); /* ring[2]; slot 0 is free again */
	assert_ptr_equal(tpi_pipe_fill(&p), &p.ring[0]);
	for (unsigned k = 1; k < 3; k++) {
		assert_ptr_equal(tpi_pipe_pop(&p), &p.ring[k]);
		tpi_pipe_done(&p);
	}
	tpi_pipe_close(&p);
	assert_null(tpi_pipe_pop(&p));
	tpi_pipe_destroy(&p);
}

/* The region of the pipe asked for at `at`, or NULL. */
static const struct tpi_ahead *asked(const struct tpi_pipe *p, const void *at)
{
	for (unsigned i = 0; i < TPI_PIPE_AHEAD; i++)
		if (p->ahead[i].at && p->ahead[i].at == at)
			return &p->ahead[i];
	return NULL;
}

static int regions(const struct tpi_pipe *p)
{
	int n = 0;
	for (unsigned i = 0; i < TPI_PIPE_AHEAD; i++)
		n += p->ahead[i].at != NULL;
	return n;
}

static void spend_add(struct tpi_spend *s, uint32_t i)
{
	uint8_t x[32] = {0};
	memcpy(x, &i, sizeof i);
	assert_int_equal(tpi_spend_add(s, tpi_spend_hash(x), x, i, 1, i, 0), TP_OK);
}

static uint32_t key_add(struct tpi_keys *k, uint32_t i)
{
	uint8_t x[20];
	memset(x, 0x3c, sizeof x);
	memcpy(x, &i, sizeof i);
	uint32_t id = UINT32_MAX;
	int added = 0;
	assert_int_equal(tpi_keys_id(k, x, sizeof x, tpi_key_hash(x, sizeof x), &id, &added), TP_OK);
	return id;
}

/*
 * The spend index asks for its next upper half three eighths full, the
 * key table five eighths: once per size, the region right after the
 * table. Sliced by the pipe, or finished by the growth itself, the region
 * is then forgotten, and every entry survives the doubling into it.
 */
static void test_tables_backed_ahead(void **state)
{
	(void)state;
	struct tpi_pipe p;
	assert_int_equal(tpi_pipe_init(&p, TPI_RAW_DEPTH), TP_OK);
	struct tpi_spend s = {.backer = &p.backer};
	uint32_t i = 0;
	spend_add(&s, i++);
	assert_true(tpi_spend_grows_in_place(&s));
	uint64_t cap = s.cap;
	while (s.n * 8 < cap * 3 - 8)
		spend_add(&s, i++);
	assert_int_equal(regions(&p), 0); /* not yet */
	while (!regions(&p))
		spend_add(&s, i++);
	assert_int_equal(s.n * 8, cap * 3);
	const struct tpi_ahead *a = asked(&p, s.slot + cap);
	assert_non_null(a);
	assert_int_equal(a->bytes, cap * sizeof *s.slot);
	size_t slices = 0;
	while (tpi_pipe_back_slice(&p))
		slices++;
	assert_int_equal(slices, (a->bytes + TPI_PIPE_SLICE - 1) / TPI_PIPE_SLICE);
	assert_int_equal(a->done, a->bytes);
	spend_add(&s, i++);
	assert_int_equal(regions(&p), 1); /* asked once a size */
	while (s.cap == cap)
		spend_add(&s, i++);
	assert_int_equal(regions(&p), 0);
	for (uint32_t k = 0; k < i; k++) {
		uint8_t x[32] = {0};
		memcpy(x, &k, sizeof k);
		const struct tpi_spend_slot *u = tpi_spend_find(&s, tpi_spend_hash(x), x);
		assert_non_null(u);
		assert_int_equal(tpi_spend_first(u), k);
	}
	tpi_spend_free(&s);

	/* the key table: not sliced at all, the growth backs it all */
	struct tpi_keys k;
	assert_int_equal(tpi_keys_init(&k), TP_OK);
	k.backer = &p.backer;
	cap = k.cap;
	i = 0;
	for (; !regions(&p); i++)
		assert_int_equal(key_add(&k, i), i);
	assert_int_equal(k.n * 8, cap * 5);
	a = asked(&p, k.slot + cap);
	assert_non_null(a);
	assert_int_equal(a->bytes, cap * sizeof *k.slot);
	assert_int_equal(a->claimed, 0);
	for (; k.cap == cap; i++)
		assert_int_equal(key_add(&k, i), i);
	assert_int_equal(regions(&p), 0);
	for (uint32_t j = 0; j < i; j++)
		assert_int_equal(key_add(&k, j), j);
	assert_int_equal(k.n, i);
	tpi_keys_free(&k);
	tpi_pipe_destroy(&p);
}

static void *pop_one(void *arg)
{
	struct tpi_pipe *p = arg;
	struct tpi_batch *b = tpi_pipe_pop(p);
	if (b)
		tpi_pipe_done(p);
	return b;
}

/* A consumer waiting for a batch backs the regions asked for meanwhile. */
static void test_waiting_consumer_backs(void **state)
{
	(void)state;
	struct tpi_pipe p;
	assert_int_equal(tpi_pipe_init(&p, TPI_RAW_DEPTH), TP_OK);
	uint8_t *base = tpi_table_reserve();
	assert_non_null(base);
	size_t bytes = 3 * TPI_PIPE_SLICE + 4096;
	p.backer.ask(p.backer.ctx, base, bytes);
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, pop_one, &p), 0);
	size_t done = 0;
	for (int tries = 0; tries < 10000 && done < bytes; tries++) {
		pthread_mutex_lock(&p.mu);
		done = asked(&p, base)->done;
		pthread_mutex_unlock(&p.mu);
		if (done < bytes)
			usleep(1000);
	}
	assert_int_equal(done, bytes); /* with no batch pushed yet */
	assert_int_equal(tpi_pipe_push(&p), 0);
	void *got = NULL;
	assert_int_equal(pthread_join(th, &got), 0);
	assert_ptr_equal(got, &p.ring[0]);
	assert_true(p.backer.backed(p.backer.ctx, base, bytes));
	assert_false(p.backer.backed(p.backer.ctx, base, bytes)); /* forgotten */
	assert_int_equal(base[bytes - 1], 0);
	tpi_table_unreserve(base);
	tpi_pipe_destroy(&p);
}

/*
 * Tables come zeroed and aligned at every size, a large one on its own
 * mapping: usable to its last byte, and a table after a freed one is
 * zeroed again, whatever was written into the first.
 */
static void test_table_alloc(void **state)
{
	(void)state;
	const size_t sizes[] = {64, 1 << 16, (size_t)2 << 20, ((size_t)5 << 20) + 96};
	for (size_t n = 0; n < sizeof sizes / sizeof *sizes; n++) {
		for (int round = 0; round < 2; round++) {
			uint8_t *t = tpi_table_alloc(sizes[n]);
			assert_non_null(t);
			assert_int_equal((uintptr_t)t % 64, 0);
			if (sizes[n] >= (size_t)2 << 20)
				assert_int_equal((uintptr_t)t % ((size_t)2 << 20), 0);
			for (size_t i = 0; i < sizes[n]; i += 61)
				assert_int_equal(t[i], 0);
			assert_int_equal(t[sizes[n] - 1], 0);
			memset(t, 0xa5, sizes[n]);
			tpi_table_free(t, sizes[n]);
		}
	}
	tpi_table_free(NULL, 1 << 16);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(scratch) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threads_same_graph),
		cmocka_unit_test(test_spent_twice),
		cmocka_unit_test(test_spent_twice_sibling_unspent),
		cmocka_unit_test(test_unknown_output),
		cmocka_unit_test(test_two_inputs_one_output),
		cmocka_unit_test(test_outputs_exceed_inputs),
		cmocka_unit_test(test_duplicate_transaction),
		cmocka_unit_test(test_new_addresses_of_a_skipped_transaction),
		cmocka_unit_test(test_resume_equals_one_import),
		cmocka_unit_test(test_spend_index_collisions),
		cmocka_unit_test(test_tables_backed_ahead),
		cmocka_unit_test(test_waiting_consumer_backs),
		cmocka_unit_test(test_pipe_depth),
		cmocka_unit_test(test_table_alloc),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
