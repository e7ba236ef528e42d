/*
 * tp_trace_run: checks the options, hands the seeds to the engine for the
 * graph's kind (taint_utxo.c, taint_account.c) and totals the result.
 * Seeds on the command line read as
 *
 *	1Thief...                       every output / transfer it receives
 *	<txid>:1                        one UTXO output
 *	0xthief...:5000000@2022-03-23T00:00:00Z   5000000 base units held then
 */
#include <stdlib.h>
#include <string.h>

#include "result.h"

static const char *const model_names[] = {NULL, "poison", "haircut", "fifo", "tiho"};

const char *tp_trace_model_name(enum tp_trace_model m)
{
	return m >= TP_MODEL_POISON && m <= TP_MODEL_TIHO ? model_names[m] : "?";
}

enum tp_trace_model tp_trace_model_parse(const char *s)
{
	for (int m = TP_MODEL_POISON; m <= TP_MODEL_TIHO; m++)
		if (!strcmp(s, model_names[m]))
			return (enum tp_trace_model)m;
	return 0;
}

enum tp_err tp_trace_seed_parse(char *s, struct tp_trace_seed *out, struct tp_diag *d)
{
	memset(out, 0, sizeof *out);
	if (!*s)
		return tp_diag_set(d, TP_EPARSE, "empty seed");
	char *colon = strchr(s, ':');
	if (!colon) {
		out->kind = TP_SEED_ADDRESS;
		out->address = s;
		return TP_OK;
	}
	char *at = strchr(colon, '@');
	*colon = '\0';
	if (!at) {
		char *end;
		unsigned long n = strtoul(colon + 1, &end, 10);
		if (*end || end == colon + 1 || n > UINT32_MAX)
			return tp_diag_set(d, TP_EPARSE,
					   "seed '%s:%s': expected TXID:OUTPUT or ADDR:AMOUNT@TIME", s,
					   colon + 1);
		out->kind = TP_SEED_OUTPUT;
		out->txid = s;
		out->index = (uint32_t)n;
		return TP_OK;
	}
	*at = '\0';
	enum tp_err e = tp_u256_parse(colon + 1, SIZE_MAX, &out->amount);
	if (e != TP_OK || tp_u256_is_zero(&out->amount))
		return tp_diag_set(d, TP_EPARSE,
				   "seed '%s': amount '%s' must be a positive integer in base units", s,
				   colon + 1);
	tp_time_us t;
	if (tp_time_parse(at + 1, strlen(at + 1), TP_TIME_ANY_OFFSET, &t, NULL, NULL) != TP_OK)
		return tp_diag_set(d, TP_EPARSE, "seed '%s': time '%s' is not an RFC 3339 date-time",
				   s, at + 1);
	out->kind = TP_SEED_AMOUNT;
	out->address = s;
	out->at = t / 1000000;
	return TP_OK;
}

enum tp_err tp_trace_run(const struct tp_trace_graph *g, const struct tp_trace_labels *labels,
			 const struct tp_trace_seed *seeds, size_t nseeds,
			 const struct tp_trace_opts *opts, struct tp_trace_result **out,
			 struct tp_diag *d)
{
	if (!opts || opts->model < TP_MODEL_POISON || opts->model > TP_MODEL_TIHO)
		return tp_diag_set(d, TP_EINVAL, "unknown taint model");
	if (nseeds == 0)
		return tp_diag_set(d, TP_EINVAL, "no seeds");
	if (opts->asset && g->kind == TP_TRACE_UTXO)
		return tp_diag_set(d, TP_EINVAL, "--asset applies to account chains only");
	for (size_t i = 0; i < nseeds; i++)
		if (seeds[i].kind != TP_SEED_OUTPUT && !seeds[i].address)
			return tp_diag_set(d, TP_EINVAL, "seed %zu has no address", i + 1);
	struct tp_trace_result *r;
	enum tp_err e = tpt_result_new(g, opts, &r);
	if (e)
		return tp_diag_set(d, e, "out of memory");
	r->opts.asset = opts->asset;
	r->labels = labels;
	if (g->kind == TP_TRACE_UTXO)
		e = tpt_run_utxo(g, labels, seeds, nseeds, r, d);
	else
		e = tpt_run_account(g, labels, seeds, nseeds, r, d);
	r->opts.asset = NULL;
	if (e == TP_OK && (e = tpt_finish(r)) != TP_OK)
		tp_diag_set(d, e, e == TP_ENOMEM ? "out of memory" : "totals overflow 256 bits");
	if (e != TP_OK) {
		tp_trace_result_free(r);
		return e;
	}
	*out = r;
	return TP_OK;
}
