/*
 * UTXO import: bitcoin-etl `transactions` JSON lines (docs/trace-formats.md).
 * One object per line:
 *
 *	{"hash":"7940cd...","block_number":50001,"block_timestamp":1270917100,
 *	 "is_coinbase":false,
 *	 "inputs":[{"spent_transaction_hash":"76a8d7...","spent_output_index":0}],
 *	 "outputs":[{"index":0,"addresses":["1Dz..."],"value":5000000000}]}
 *
 * Every input must spend an output already in the graph (earlier line or
 * earlier import) that nothing else spent; values are non-negative
 * integers of satoshi. A row is checked completely before anything is
 * added, so `--skip-bad` drops whole transactions, never halves.
 */
#include <stdlib.h>
#include <string.h>

#include "import.h"
#include "tripact/json.h"
#include "tripact/time.h"

/* Reads a block timestamp: integer seconds or an RFC 3339 string. */
static int json_time(const json_t *v, int64_t *out)
{
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
		return *out >= 0;
	}
	if (json_is_string(v)) {
		tp_time_us t;
		if (tp_time_parse(json_string_value(v), json_string_length(v), TP_TIME_ANY_OFFSET,
				  &t, NULL, NULL) != TP_OK)
			return 0;
		*out = t / 1000000;
		return 1;
	}
	return 0;
}

/* The address string of an output: its one address, "a+b" for several. */
static int output_address(const json_t *addrs, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!addrs || json_is_null(addrs))
		return 1;
	if (!json_is_array(addrs))
		return 0;
	size_t i;
	const json_t *a;
	json_array_foreach(addrs, i, a) {
		if (!json_is_string(a))
			return 0;
		size_t l = json_string_length(a);
		if (n + l + 2 > cap || l == 0)
			return 0;
		if (i)
			buf[n++] = '+';
		memcpy(buf + n, json_string_value(a), l);
		n += l;
		buf[n] = '\0';
	}
	return 1;
}

static int json_u64(const json_t *v, uint64_t *out)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 1;
	}
	if (json_is_string(v)) {
		struct tp_u256 u;
		if (tp_u256_parse(json_string_value(v), json_string_length(v), &u) == TP_OK &&
		    tp_u256_to_u64(&u, out))
			return 1;
	}
	return 0;
}

/* The id under which an output from before the imported blocks is kept. */
static void external_id(const uint8_t *spent, uint64_t idx, uint8_t out[32])
{
	memcpy(out, spent, 32);
	out[0] ^= 0xa5;
	for (int k = 0; k < 8; k++)
		out[24 + k] ^= (uint8_t)(idx >> (8 * k));
}

static enum tp_err one_tx(struct tp_trace_graph *g, struct tpr *r, const json_t *o,
			  uint32_t min_block, uint32_t *prev_block, uint64_t **spend,
			  size_t *spend_cap, struct tp_diag *d)
{
	uint8_t id[32];
	const char *hash = tp_json_str(o, "hash");
	if (!hash || !tpg_txid_parse(hash, strlen(hash), id))
		return tpr_bad(r, d, TP_EPARSE, "\"hash\" must be a 64-digit hex transaction id");
	const json_t *bn = json_object_get(o, "block_number");
	if (!json_is_integer(bn) || json_integer_value(bn) < 0 ||
	    json_integer_value(bn) > UINT32_MAX - 1)
		return tpr_bad(r, d, TP_EPARSE, "transaction %s: \"block_number\" missing or invalid",
			       hash);
	uint32_t block = (uint32_t)json_integer_value(bn);
	if (block < min_block)
		return tpr_bad(r, d, TP_ECONFLICT,
			       "transaction %s: block %u is not newer than the graph (last block "
			       "%u); import newer blocks only",
			       hash, block, min_block - 1);
	if (block < *prev_block)
		return tpr_bad(r, d, TP_EPARSE,
			       "transaction %s: block %u after block %u: transactions must be "
			       "sorted by block",
			       hash, block, *prev_block);
	int64_t time;
	if (!json_time(json_object_get(o, "block_timestamp"), &time))
		return tpr_bad(r, d, TP_EPARSE, "transaction %s: \"block_timestamp\" missing or invalid",
			       hash);
	if (tpg_tx_find(g, id, 32) != TPG_NONE)
		return tpr_bad(r, d, TP_EEXIST, "duplicate transaction %s", hash);
	const json_t *ins = json_object_get(o, "inputs");
	const json_t *outs = json_object_get(o, "outputs");
	int coinbase = json_is_true(json_object_get(o, "is_coinbase"));
	if (!json_is_array(outs) || (!coinbase && !json_is_array(ins)))
		return tpr_bad(r, d, TP_EPARSE, "transaction %s: \"inputs\"/\"outputs\" must be arrays",
			       hash);
	size_t nin = coinbase ? 0 : json_array_size(ins);
	if (nin > *spend_cap) {
		uint64_t *q = realloc(*spend, nin * sizeof **spend);
		if (!q)
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
		*spend = q;
		*spend_cap = nin;
	}
	uint64_t in_total = 0, out_total = 0;
	for (size_t i = 0; i < nin; i++) {
		const json_t *in = json_array_get(ins, i);
		const char *sh = tp_json_str(in, "spent_transaction_hash");
		const json_t *si = json_object_get(in, "spent_output_index");
		uint8_t sid[32];
		if (!sh || !tpg_txid_parse(sh, strlen(sh), sid) || !json_is_integer(si) ||
		    json_integer_value(si) < 0)
			return tpr_bad(r, d, TP_EPARSE,
				       "transaction %s: inputs[%zu] needs spent_transaction_hash and "
				       "spent_output_index",
				       hash, i);
		uint32_t st = tpg_tx_find(g, sid, 32);
		uint64_t idx = (uint64_t)json_integer_value(si);
		uint64_t v;
		const json_t *iv = json_object_get(in, "value");
		if (st == TPG_NONE && r->opts && r->opts->external_inputs) {
			uint8_t xid[32];
			external_id(sid, idx, xid);
			st = tpg_tx_find(g, xid, 32);
			if (st == TPG_NONE) {
				if (!json_u64(iv, &v) || v > 2100000000000000ULL)
					return tpr_bad(r, d, TP_EPARSE,
						       "transaction %s: inputs[%zu] spends an output "
						       "before the imported blocks and has no value",
						       hash, i);
				(*spend)[i] = UINT64_MAX;
				in_total += v;
				continue;
			}
			idx = 0;
		}
		if (st == TPG_NONE || idx >= tpg_tx_nout(g, st))
			return tpr_bad(r, d, TP_ENOTFOUND,
				       "transaction %s: inputs[%zu] spends unknown output %s:%llu "
				       "(import the chain from its start, or earlier blocks first)",
				       hash, i, sh, (unsigned long long)idx);
		uint64_t out = tpg_tx_first_out(g, st) + idx;
		if (tpg_out_spent_by(g, out) != TPG_NONE)
			return tpr_bad(r, d, TP_ECONFLICT,
				       "transaction %s: inputs[%zu] spends %s:%llu, already spent",
				       hash, i, sh, (unsigned long long)idx);
		for (size_t j = 0; j < i; j++)
			if ((*spend)[j] == out)
				return tpr_bad(r, d, TP_ECONFLICT,
					       "transaction %s: inputs[%zu] spends %s:%llu twice", hash,
					       i, sh, (unsigned long long)idx);
		if (iv && !json_is_null(iv) && (!json_u64(iv, &v) || v != tpg_out_value(g, out)))
			return tpr_bad(r, d, TP_EVALIDATE,
				       "transaction %s: inputs[%zu] value disagrees with output "
				       "%s:%llu (%llu)",
				       hash, i, sh, (unsigned long long)idx,
				       (unsigned long long)tpg_out_value(g, out));
		(*spend)[i] = out;
		in_total += tpg_out_value(g, out);
	}
	size_t nout = json_array_size(outs);
	for (size_t i = 0; i < nout; i++) {
		const json_t *out = json_array_get(outs, i);
		const json_t *ix = json_object_get(out, "index");
		uint64_t v;
		char addr[512];
		if (ix && (!json_is_integer(ix) || json_integer_value(ix) != (json_int_t)i))
			return tpr_bad(r, d, TP_EPARSE, "transaction %s: outputs[%zu] has index %s", hash,
				       i, "out of order");
		if (!json_u64(json_object_get(out, "value"), &v) || v > 2100000000000000ULL)
			return tpr_bad(r, d, TP_EPARSE,
				       "transaction %s: outputs[%zu] value must be an integer of "
				       "satoshi between 0 and 21e14",
				       hash, i);
		if (!output_address(json_object_get(out, "addresses"), addr, sizeof addr))
			return tpr_bad(r, d, TP_EPARSE, "transaction %s: outputs[%zu] addresses invalid",
				       hash, i);
		out_total += v;
	}
	if (!coinbase && out_total > in_total)
		return tpr_bad(r, d, TP_EVALIDATE,
			       "transaction %s: outputs (%llu) exceed inputs (%llu)", hash,
			       (unsigned long long)out_total, (unsigned long long)in_total);

	/* checked: now add, outputs from before the imported blocks first */
	uint32_t tx;
	enum tp_err e = TP_OK;
	for (size_t i = 0; e == TP_OK && i < nin; i++) {
		if ((*spend)[i] != UINT64_MAX)
			continue;
		const json_t *in = json_array_get(ins, i);
		const char *sh = tp_json_str(in, "spent_transaction_hash");
		uint8_t sid[32], xid[32];
		uint64_t v;
		char addr[512];
		uint32_t aid = TPG_NONE, xt;
		(void)tpg_txid_parse(sh, strlen(sh), sid);
		external_id(sid, (uint64_t)json_integer_value(json_object_get(in, "spent_output_index")),
			    xid);
		(void)json_u64(json_object_get(in, "value"), &v);
		if (!output_address(json_object_get(in, "addresses"), addr, sizeof addr))
			addr[0] = '\0';
		if (addr[0])
			e = tpg_addr_intern(g, addr, strlen(addr), &aid);
		if (e == TP_OK)
			e = tpg_tx_add(g, xid, 32, time, block, &xt);
		if (e == TP_OK)
			e = tpg_out_add(g, v, aid);
		(*spend)[i] = g->nout - 1;
		if (r->stats)
			r->stats->external++;
	}
	if (e == TP_OK)
		e = tpg_tx_add(g, id, 32, time, block, &tx);
	for (size_t i = 0; e == TP_OK && i < nin; i++) {
		e = tpg_in_add(g, (*spend)[i]);
		if (e == TP_OK)
			tpg_out_set_spent_by(g, (*spend)[i], tx);
	}
	for (size_t i = 0; e == TP_OK && i < nout; i++) {
		const json_t *out = json_array_get(outs, i);
		uint64_t v;
		char addr[512];
		uint32_t aid = TPG_NONE;
		(void)json_u64(json_object_get(out, "value"), &v);
		(void)output_address(json_object_get(out, "addresses"), addr, sizeof addr);
		if (addr[0])
			e = tpg_addr_intern(g, addr, strlen(addr), &aid);
		if (e == TP_OK)
			e = tpg_out_add(g, v, aid);
	}
	if (e != TP_OK)
		return tp_diag_set(d, e, "%s:%ld: cannot add transaction %s: %s", r->path, r->lineno,
				   hash, tp_strerror(e));
	*prev_block = block;
	r->txs++;
	if (r->stats) {
		r->stats->txs++;
		r->stats->inputs += nin;
		r->stats->outputs += nout;
	}
	return TP_OK;
}

enum tp_err tpi_utxo_file(struct tp_trace_graph *g, struct tpr *r, uint32_t min_block,
			  struct tp_diag *d)
{
	uint64_t *spend = NULL;
	size_t spend_cap = 0;
	uint32_t prev_block = 0;
	enum tp_err e = TP_OK;
	int rc;
	while ((rc = tpr_next(r, d)) > 0) {
		if (r->len == 0)
			continue;
		json_t *o = NULL;
		struct tp_diag jd = {0};
		if (tp_json_load(r->line, r->len, &o, &jd) != TP_OK || !json_is_object(o)) {
			json_decref(o);
			e = tpr_bad(r, d, TP_EPARSE, "not a JSON object: %s",
				    jd.message[0] ? jd.message : "expected {...}");
			if (e != TP_OK)
				break;
			continue;
		}
		e = one_tx(g, r, o, min_block, &prev_block, &spend, &spend_cap, d);
		json_decref(o);
		if (e != TP_OK)
			break;
	}
	if (rc < 0)
		e = d ? d->code : TP_EIO;
	free(spend);
	return e;
}
