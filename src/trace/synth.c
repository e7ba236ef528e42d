/*
 * Synthetic chains with known answers (`tripact trace synth`).
 *
 * Background traffic is random but shaped like a real chain: addresses
 * are reused with a heavy tail (a few hot wallets receive most
 * payments), values follow a Pareto law, exchanges have many deposit
 * addresses swept into hot wallets, and peel chains, CoinJoin rounds with
 * equal outputs and dust outputs appear. Planted thefts use fresh
 * addresses nothing else touches, and are built so that the taint each
 * model finds at each planted endpoint follows from the model's
 * definition alone (docs/trace-synth.md), for example a CoinJoin of m
 * equal inputs x into m equal outputs y (y a multiple of m): haircut
 * gives the thief's output y/m, FIFO and TIHO give it y and the next
 * output x - y. expected.csv lists those numbers; the tests compare the
 * tracer with them.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reader.h"
#include "tripact/trace.h"

struct rng {
	uint64_t s;
};

static uint64_t next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double unit(struct rng *r)
{
	return ((double)(next(r) >> 11) + 0.5) / 9007199254740992.0;
}

static uint64_t below(struct rng *r, uint64_t n)
{
	return n ? next(r) % n : 0;
}

/* Heavy-tailed choice in [0, n): low ids are chosen far more often. */
static uint64_t skewed(struct rng *r, uint64_t n)
{
	double u = unit(r);
	uint64_t k = (uint64_t)((double)n * u * u * u * u);
	return k < n ? k : n - 1;
}

/* Pareto(alpha 1.2) values from xmin, capped. */
static uint64_t pareto(struct rng *r, uint64_t xmin, uint64_t cap)
{
	double v = (double)xmin / pow(unit(r), 1.0 / 1.2);
	return v > (double)cap ? cap : (uint64_t)v;
}

static uint64_t mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

/* A P2PKH-looking address for (kind, id): "1" and 33 base58 characters. */
static void btc_addr(char kind, uint64_t id, char out[40])
{
	static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	uint64_t h = mix(id * 131 + (uint64_t)kind);
	out[0] = '1';
	for (int i = 1; i < 34; i++) {
		if (i % 10 == 0)
			h = mix(h + (uint64_t)i);
		out[i] = b58[h % 58];
		h /= 58;
	}
	out[34] = '\0';
}

static void eth_addr(char kind, uint64_t id, char out[48])
{
	uint64_t a = mix(id * 131 + (uint64_t)kind), b = mix(a + 1), c = mix(b + 1);
	snprintf(out, 48, "0x%016llx%016llx%08llx", (unsigned long long)a, (unsigned long long)b,
		 (unsigned long long)(c & 0xffffffffULL));
}

/* The id of the n-th transaction: 64 hex digits. */
static void txid(uint64_t n, char out[67], int prefix)
{
	uint64_t a = mix(n + 0x1234), b = mix(a), c = mix(b), d = mix(c);
	snprintf(out, 67, "%s%016llx%016llx%016llx%016llx", prefix ? "0x" : "",
		 (unsigned long long)a, (unsigned long long)b, (unsigned long long)c,
		 (unsigned long long)d);
}

struct utxo {
	uint64_t tx;
	uint32_t vout;
	uint32_t addr_kind;
	uint64_t addr;
	uint64_t value;
};

struct out_spec {
	char addr[40];
	uint64_t value;
};

struct gen {
	struct rng r;
	FILE *tx, *labels, *seeds, *expect, *tok;
	uint64_t ntx, per_block;
	int64_t t0;
	struct utxo *pool;
	size_t npool, cappool;
	int err;
};

static int pool_add(struct gen *g, struct utxo u)
{
	if (g->npool == g->cappool) {
		size_t cap = g->cappool ? g->cappool * 2 : 4096;
		struct utxo *q = realloc(g->pool, cap * sizeof *q);
		if (!q)
			return -1;
		g->pool = q;
		g->cappool = cap;
	}
	g->pool[g->npool++] = u;
	return 0;
}

/* Writes one bitcoin-etl transaction; ins are (tx, vout) pairs. */
static uint64_t emit_btc(struct gen *g, const struct utxo *ins, size_t nin,
			 const struct out_spec *outs, size_t nout)
{
	char id[67];
	uint64_t n = g->ntx++;
	int64_t block = (int64_t)(n / g->per_block) + 1;
	txid(n, id, 0);
	fprintf(g->tx, "{\"hash\":\"%s\",\"block_number\":%lld,\"block_timestamp\":%lld,"
		       "\"is_coinbase\":%s,\"inputs\":[",
		id, (long long)block, (long long)(g->t0 + block * 600), nin ? "false" : "true");
	for (size_t i = 0; i < nin; i++) {
		char sid[67];
		txid(ins[i].tx, sid, 0);
		fprintf(g->tx, "%s{\"index\":%zu,\"spent_transaction_hash\":\"%s\",\"spent_output_index\":%u,\"value\":%llu}",
			i ? "," : "", i, sid, ins[i].vout, (unsigned long long)ins[i].value);
	}
	fputs("],\"outputs\":[", g->tx);
	for (size_t k = 0; k < nout; k++)
		fprintf(g->tx, "%s{\"index\":%zu,\"addresses\":[\"%s\"],\"value\":%llu}", k ? "," : "", k,
			outs[k].addr, (unsigned long long)outs[k].value);
	fputs("]}\n", g->tx);
	return n;
}

static void expect(struct gen *g, const char *asset, const char *model, const char *what,
		   const char *addr, unsigned __int128 v)
{
	struct tp_u256 u = {{(uint64_t)v, (uint64_t)(v >> 64), 0, 0}};
	char s[TP_U256_DECSZ];
	tp_u256_format(&u, s);
	fprintf(g->expect, "%s,%s,%s,%s,%s\n", asset, model, what, addr, s);
}

static const char *const models[] = {"haircut", "fifo", "tiho", "poison"};

/* ---- UTXO -------------------------------------------------------------- */

static int background_btc(struct gen *g, uint64_t naddr)
{
	struct utxo ins[8];
	struct out_spec outs[8];
	uint64_t roll = below(&g->r, 100);
	size_t nin = 0, nout = 0;
	if (g->npool < 64 || roll < 3) {
		/* a coinbase to a miner (a few pools mine most blocks) */
		btc_addr('m', skewed(&g->r, 50), outs[0].addr);
		outs[0].value = 625000000 + below(&g->r, 50000000);
		uint64_t t = emit_btc(g, NULL, 0, outs, 1);
		return pool_add(g, (struct utxo){t, 0, 'm', 0, outs[0].value});
	}
	size_t want = roll < 70 ? 1 : roll < 90 ? 2 : 3 + (size_t)below(&g->r, 3);
	uint64_t total = 0;
	for (; nin < want && g->npool; nin++) {
		size_t k = (size_t)below(&g->r, g->npool);
		ins[nin] = g->pool[k];
		g->pool[k] = g->pool[--g->npool];
		total += ins[nin].value;
	}
	uint64_t fee = 200 + below(&g->r, 5000);
	if (total <= fee + 1092)
		fee = 0;
	uint64_t left = total - fee;
	if (roll < 8 && left > 20000) {
		/* dusting: 546-satoshi outputs to several addresses */
		for (nout = 0; nout < 5; nout++) {
			btc_addr('u', skewed(&g->r, naddr), outs[nout].addr);
			outs[nout].value = 546;
		}
		btc_addr('u', below(&g->r, naddr), outs[nout].addr);
		outs[nout++].value = left - 5 * 546;
	} else if (roll < 25) {
		/* a deposit at an exchange (many deposit addresses), or a sweep
		 * of deposits into a hot wallet */
		if (nin > 1)
			btc_addr('h', below(&g->r, 5), outs[0].addr);
		else
			btc_addr('d', below(&g->r, naddr / 4 + 1), outs[0].addr);
		outs[0].value = left;
		nout = 1;
	} else {
		/* a payment with change: heavy-tailed size, heavy-tailed payee */
		uint64_t pay = pareto(&g->r, 10000, left);
		if (pay >= left || left - pay < 546)
			pay = left;
		btc_addr('u', skewed(&g->r, naddr), outs[0].addr);
		outs[0].value = pay;
		nout = 1;
		if (pay < left) {
			btc_addr('u', below(&g->r, naddr), outs[1].addr);
			outs[1].value = left - pay;
			nout = 2;
		}
	}
	uint64_t t = emit_btc(g, ins, nin, outs, nout);
	for (size_t k = 0; k < nout; k++)
		if (pool_add(g, (struct utxo){t, (uint32_t)k, 'u', 0, outs[k].value}))
			return -1;
	return 0;
}

/* The labels of the background: hot wallets and the deposit addresses. */
static void labels_btc(struct gen *g, uint64_t naddr)
{
	char a[40];
	for (uint64_t i = 0; i < 5; i++) {
		btc_addr('h', i, a);
		fprintf(g->labels, "btc,%s,exchange,Synthetic Exchange %llu hot wallet,synth\n", a,
			(unsigned long long)i);
	}
	for (uint64_t i = 0; i < naddr / 4 + 1; i++) {
		btc_addr('d', i, a);
		fprintf(g->labels, "btc,%s,exchange,Synthetic Exchange deposit,synth\n", a);
	}
}

/*
 * One planted theft: victim coinbase, theft, a peel chain into exchange
 * deposits, a CoinJoin with m-1 clean equal inputs, and the thief's
 * mixed output deposited (fee-free) at one more exchange deposit.
 */
static void theft_btc(struct gen *g, uint32_t i, uint64_t tot[4][3])
{
	char victim[40], thief[40];
	struct out_spec o[8];
	struct utxo in[8];
	uint64_t salt = (uint64_t)i << 20;
	btc_addr('V', salt, victim);
	btc_addr('T', salt, thief);
	uint64_t A = 1000000000ULL + below(&g->r, 9000000000ULL);
	memcpy(o[0].addr, victim, 40);
	o[0].value = A;
	uint64_t cb = emit_btc(g, NULL, 0, o, 1);
	uint64_t f = 1000;
	memcpy(o[0].addr, thief, 40);
	o[0].value = A - f;
	in[0] = (struct utxo){cb, 0, 0, 0, A};
	uint64_t cur = emit_btc(g, in, 1, o, 1), c = A - f;
	fprintf(g->seeds, "%s\n", thief);
	for (int m = 0; m < 4; m++)
		tot[m][0] += c;
	int steps = 3 + (int)below(&g->r, 4);
	for (int s = 0; s < steps; s++) {
		uint64_t p = c / 10 + below(&g->r, c / 10);
		btc_addr('D', salt + (uint64_t)s, o[0].addr);
		o[0].value = p;
		btc_addr('C', salt + (uint64_t)s, o[1].addr);
		o[1].value = c - p - f;
		in[0] = (struct utxo){cur, 1, 0, 0, c};
		if (s == 0)
			in[0].vout = 0;
		fprintf(g->labels, "btc,%s,exchange,Synthetic Exchange deposit,synth\n", o[0].addr);
		cur = emit_btc(g, in, 1, o, 2);
		for (int m = 0; m < 4; m++) {
			expect(g, "btc", models[m], "endpoint", o[0].addr, p);
			tot[m][1] += p;
			tot[m][2] += f;
		}
		c = c - p - f;
	}
	/* CoinJoin: m equal inputs x (the thief's first), m outputs y */
	const uint64_t mm = 5;
	uint64_t x = c, y = (x - x / 100) / mm * mm;
	uint64_t clean[5];
	for (uint64_t k = 1; k < mm; k++) {
		btc_addr('P', salt + k, o[0].addr);
		o[0].value = x;
		clean[k] = emit_btc(g, NULL, 0, o, 1);
	}
	in[0] = (struct utxo){cur, 1, 0, 0, x};
	for (uint64_t k = 1; k < mm; k++)
		in[k] = (struct utxo){clean[k], 0, 0, 0, x};
	for (uint64_t k = 0; k < mm; k++) {
		btc_addr(k ? 'Q' : 'M', salt + k, o[k].addr);
		o[k].value = y;
	}
	uint64_t cj = emit_btc(g, in, mm, o, mm);
	char q1[40], dep[40];
	btc_addr('Q', salt + 1, q1);
	/* haircut: y/m each (exact: y is a multiple of m), fee x - y */
	for (uint64_t k = 1; k < mm; k++) {
		char q[40];
		btc_addr('Q', salt + k, q);
		expect(g, "btc", "haircut", "held", q, y / mm);
		expect(g, "btc", "poison", "held", q, y);
	}
	tot[0][2] += x - y;
	expect(g, "btc", "fifo", "held", q1, x - y);
	expect(g, "btc", "tiho", "held", q1, x - y);
	/* the thief's output, alone and fee-free, to one more deposit */
	btc_addr('E', salt, dep);
	memcpy(o[0].addr, dep, 40);
	o[0].value = y;
	in[0] = (struct utxo){cj, 0, 0, 0, y};
	emit_btc(g, in, 1, o, 1);
	fprintf(g->labels, "btc,%s,exchange,Synthetic Exchange deposit,synth\n", dep);
	uint64_t at_dep[4] = {y / mm, y, y, y};
	for (int m = 0; m < 4; m++) {
		expect(g, "btc", models[m], "endpoint", dep, at_dep[m]);
		tot[m][1] += at_dep[m];
	}
	tot[3][2] += mm * (x - y); /* poison: the whole CoinJoin fee */
}

/* ---- account ------------------------------------------------------------ */

static uint64_t emit_eth(struct gen *g, const char *from, const char *to, uint64_t value,
			 int failed)
{
	char id[67];
	uint64_t n = g->ntx++;
	int64_t block = (int64_t)(n / g->per_block) + 1;
	txid(n, id, 1);
	fprintf(g->tx, "%s,0,%lld,%llu,%s,%s,%llu,21000,1000000000,%lld,21000,%d\n", id,
		(long long)block, (unsigned long long)(n % g->per_block), from, to,
		(unsigned long long)value, (long long)(g->t0 + block * 12), failed ? 0 : 1);
	return n;
}

static void emit_token(struct gen *g, uint64_t tx, const char *token, const char *from,
		       const char *to, uint64_t value, unsigned log)
{
	char id[67];
	txid(tx, id, 1);
	fprintf(g->tok, "%s,%s,%s,%llu,%s,%u,%lld\n", token, from, to, (unsigned long long)value, id,
		log, (long long)(tx / g->per_block) + 1);
}

#define GAS_FEE 21000000000000ULL /* 21000 gas x 1 gwei */

static void background_eth(struct gen *g, uint64_t naddr, const char *token)
{
	char a[48], b[48];
	uint64_t roll = below(&g->r, 100);
	if (roll < 20) {
		/* a deposit at an exchange, or a sweep into its hot wallet */
		eth_addr('d', below(&g->r, naddr / 4 + 1), a);
		if (roll < 5) {
			eth_addr('h', below(&g->r, 5), b);
			emit_eth(g, a, b, pareto(&g->r, 100000000000000000ULL, 1ULL << 62), 0);
		} else {
			eth_addr('u', skewed(&g->r, naddr), b);
			emit_eth(g, b, a, pareto(&g->r, 10000000000000000ULL, 1ULL << 62), 0);
		}
		return;
	}
	eth_addr('u', skewed(&g->r, naddr), a);
	eth_addr('u', skewed(&g->r, naddr), b);
	if (roll < 35) {
		/* a token payment (value 0 transaction to the contract) */
		uint64_t t = emit_eth(g, a, token, 0, 0);
		emit_token(g, t, token, a, b, pareto(&g->r, 1000000, 1ULL << 50), 0);
		return;
	}
	if (roll < 38) {
		/* dust */
		emit_eth(g, a, b, 1 + below(&g->r, 1000), 0);
		return;
	}
	emit_eth(g, a, b, pareto(&g->r, 1000000000000000ULL, 1ULL << 62), roll == 99);
}

static void labels_eth(struct gen *g, uint64_t naddr, const char *bridge)
{
	char a[48];
	for (uint64_t i = 0; i < 5; i++) {
		eth_addr('h', i, a);
		fprintf(g->labels, "eth,%s,exchange,Synthetic Exchange %llu hot wallet,synth\n", a,
			(unsigned long long)i);
	}
	for (uint64_t i = 0; i < naddr / 4 + 1; i++) {
		eth_addr('d', i, a);
		fprintf(g->labels, "eth,%s,exchange,Synthetic Exchange deposit,synth\n", a);
	}
	fprintf(g->labels, "eth,%s,bridge,Synthetic bridge,synth\n", bridge);
}

/*
 * One planted account theft: V -> T, T -> k intermediates -> one deposit
 * each, T -> the bridge, the rest held by T; and the same for a token.
 * Every planted pool is entirely tainted, so all four models agree; fees
 * are 21000 gas x 1 gwei, paid by tainted pools.
 */
static void theft_eth(struct gen *g, uint32_t i, const char *token, const char *bridge,
		      unsigned __int128 tot[2][3])
{
	char v[48], t[48], im[48], dep[48];
	uint64_t salt = (uint64_t)i << 20;
	eth_addr('V', salt, v);
	eth_addr('T', salt, t);
	uint64_t A = 1000000000000000000ULL * (5 + below(&g->r, 10));
	emit_eth(g, v, t, A, 0);
	uint64_t tt = emit_eth(g, v, token, 0, 0);
	uint64_t TA = 1000000000ULL * (1 + below(&g->r, 100));
	emit_token(g, tt, token, v, t, TA, 0);
	fprintf(g->seeds, "%s\n", t);
	tot[0][0] += A;
	tot[1][0] += TA;
	uint64_t left = A;
	int k = 2 + (int)below(&g->r, 3);
	for (int j = 0; j < k; j++) {
		uint64_t a = A / 8 + below(&g->r, A / 16);
		eth_addr('I', salt + (uint64_t)j, im);
		eth_addr('D', salt + (uint64_t)j, dep);
		emit_eth(g, t, im, a, 0);
		emit_eth(g, im, dep, a - GAS_FEE, 0);
		left -= a + GAS_FEE;
		fprintf(g->labels, "eth,%s,exchange,Synthetic Exchange deposit,synth\n", dep);
		for (int m = 0; m < 4; m++)
			expect(g, "eth", models[m], "endpoint", dep, a - GAS_FEE);
		tot[0][1] += a - GAS_FEE;
		tot[0][2] += 2 * GAS_FEE;
	}
	uint64_t b = A / 10;
	emit_eth(g, t, bridge, b, 0);
	left -= b + GAS_FEE;
	tot[0][1] += b;
	tot[0][2] += GAS_FEE;
	/* the token: T -> a deposit, the rest held */
	uint64_t ta = TA / 3;
	eth_addr('D', salt + 100, dep);
	uint64_t tx = emit_eth(g, t, token, 0, 0);
	emit_token(g, tx, token, t, dep, ta, 0);
	fprintf(g->labels, "eth,%s,exchange,Synthetic Exchange deposit,synth\n", dep);
	tot[0][2] += GAS_FEE;
	left -= GAS_FEE;
	tot[1][1] += ta;
	for (int m = 0; m < 4; m++) {
		expect(g, "token", models[m], "endpoint", dep, ta);
		expect(g, "token", models[m], "held", t, TA - ta);
	}
	for (int m = 0; m < 4; m++)
		expect(g, "eth", models[m], "held", t, left);
}

static FILE *open_in(const char *dir, const char *name, struct tp_diag *d)
{
	char p[4200];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	if (!f)
		tp_diag_set(d, TP_EIO, "%s: %s", p, strerror(errno));
	return f;
}

enum tp_err tp_trace_synth(const char *dir, const struct tp_trace_synth_opts *o, uint64_t *txs_out,
			   struct tp_diag *d)
{
	int eth = o->chain && !strcmp(o->chain, "eth");
	if (o->chain && !eth && strcmp(o->chain, "btc"))
		return tp_diag_set(d, TP_EINVAL, "synth makes btc or eth chains, not '%s'", o->chain);
	if (tpr_mkdirs(dir) != 0)
		return tp_diag_set(d, TP_EIO, "%s: %s", dir, strerror(errno));
	struct gen g = {.r = {o->seed ^ 0x5eed}, .per_block = o->per_block ? o->per_block : 2000,
			.t0 = 1600000000};
	uint64_t txs = o->txs ? o->txs : 10000;
	uint32_t thefts = o->thefts ? o->thefts : 3;
	uint64_t naddr = txs / 2 + 100;
	enum tp_err e = TP_OK;
	g.tx = open_in(dir, eth ? "transactions.csv" : "transactions.json", d);
	g.labels = open_in(dir, "labels.csv", d);
	g.seeds = open_in(dir, "seeds.txt", d);
	g.expect = open_in(dir, "expected.csv", d);
	if (eth)
		g.tok = open_in(dir, "token_transfers.csv", d);
	if (!g.tx || !g.labels || !g.seeds || !g.expect || (eth && !g.tok)) {
		e = TP_EIO;
		goto out;
	}
	fputs("chain,address,category,name,source\n", g.labels);
	fputs("asset,model,kind,address,amount\n", g.expect);
	char token[48], bridge[48];
	eth_addr('K', 1, token);
	eth_addr('B', 1, bridge);
	if (eth) {
		fputs("hash,nonce,block_number,transaction_index,from_address,to_address,value,gas,"
		      "gas_price,block_timestamp,receipt_gas_used,receipt_status\n",
		      g.tx);
		fputs("token_address,from_address,to_address,value,transaction_hash,log_index,"
		      "block_number\n",
		      g.tok);
		labels_eth(&g, naddr, bridge);
	} else {
		labels_btc(&g, naddr);
	}
	uint64_t tot_btc[4][3] = {{0}};
	unsigned __int128 tot_eth[2][3] = {{0}};
	uint32_t planted = 0;
	for (uint64_t n = 0; n < txs; n++) {
		while (planted < thefts && n >= txs * (planted + 1) / (thefts + 1)) {
			if (eth)
				theft_eth(&g, planted, token, bridge, tot_eth);
			else
				theft_btc(&g, planted, tot_btc);
			planted++;
		}
		if (eth) {
			background_eth(&g, naddr, token);
		} else if (background_btc(&g, naddr)) {
			e = tp_diag_set(d, TP_ENOMEM, "out of memory");
			goto out;
		}
	}
	while (planted < thefts) {
		if (eth)
			theft_eth(&g, planted, token, bridge, tot_eth);
		else
			theft_btc(&g, planted, tot_btc);
		planted++;
	}
	static const char *const kinds[3] = {"seed", "endpoints", "fees"};
	for (int k = 0; k < 3; k++) {
		if (eth) {
			for (int m = 0; m < 4; m++) {
				expect(&g, "eth", models[m], kinds[k], "totals", tot_eth[0][k]);
				expect(&g, "token", models[m], kinds[k], "totals", tot_eth[1][k]);
			}
		} else {
			for (int m = 0; m < 4; m++)
				expect(&g, "btc", models[m], kinds[k], "totals", tot_btc[m][k]);
		}
	}
	if (eth)
		fprintf(g.seeds, "# token %s, bridge %s\n", token, bridge);
out:;
	int bad = 0;
	FILE *fs[] = {g.tx, g.labels, g.seeds, g.expect, g.tok};
	for (size_t i = 0; i < 5; i++)
		if (fs[i] && (ferror(fs[i]) | fclose(fs[i])))
			bad = 1;
	if (e == TP_OK && bad)
		e = tp_diag_set(d, TP_EIO, "%s: write error", dir);
	free(g.pool);
	if (e == TP_OK && txs_out)
		*txs_out = g.ntx;
	return e;
}
