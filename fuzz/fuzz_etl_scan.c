/*
 * Differential fuzzing of the bitcoin-etl line scanner against jansson:
 * the scanner must accept exactly the lines json_loadb
 * (JSON_REJECT_DUPLICATES) reads as an object, read the same values from
 * them, and say where a refused line went wrong. (One known difference:
 * a NUL byte jansson lets through, below.) The scanner's fast path for
 * lines in bitcoin-etl's own shape must read each line as its general
 * path does (same result, same message). One input is one line; the
 * bytes are copied so that ASan sees any read past its end.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "../tests/unit/trace/etl_compare.h"
#include "trace/etl_scan.h"

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_etl_scan: %s\n", what);
		abort();
	}
}

/* The scanner's v holds what jansson read as j (NULL: absent). */
static int same(const struct tpe_val *v, const json_t *j)
{
	switch (v->kind) {
	case TPE_ABSENT:
		return j == NULL;
	case TPE_NULL:
		return json_is_null(j);
	case TPE_TRUE:
		return json_is_true(j);
	case TPE_FALSE:
		return json_is_false(j);
	case TPE_INT:
		return json_is_integer(j) && json_integer_value(j) == v->i;
	case TPE_REAL:
		return json_is_real(j);
	case TPE_STR:
		return json_is_string(j) && json_string_length(j) == v->len &&
		       memcmp(json_string_value(j), v->s, v->len) == 0;
	case TPE_ARRAY:
		return json_is_array(j);
	case TPE_OBJECT:
		return json_is_object(j);
	}
	return 0;
}

static void same_list(const struct tpe_io *io, size_t n, const json_t *arr)
{
	check(n == json_array_size(arr), "element count differs");
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		if (!json_is_object(o))
			o = NULL;
		check(same(&io[i].spent_hash, json_object_get(o, "spent_transaction_hash")) &&
			      same(&io[i].spent_index, json_object_get(o, "spent_output_index")) &&
			      same(&io[i].index, json_object_get(o, "index")) &&
			      same(&io[i].value, json_object_get(o, "value")),
		      "an input or output field differs");
		const json_t *a = json_object_get(o, "addresses");
		check(io[i].addrs.kind != TPE_ARRAY || json_is_array(a), "addresses differ");
		if (!io[i].addrs.bad && json_array_size(a) == 1)
			check(same(&(struct tpe_val){TPE_STR, 0, io[i].addrs.s, io[i].addrs.len},
				   json_array_get(a, 0)),
			      "address differs");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpe_scan *sc, *general;
	if (size > 65536 || (!sc && tpe_scan_new(&sc) != TP_OK))
		return 0;
	if (!general) {
		if (tpe_scan_new(&general) != TP_OK)
			return 0;
		tpe_scan_set_fast(general, 0);
	}
	char *line = malloc(size ? size : 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	const struct tpe_tx *t;
	char msg[300] = "";
	enum tp_err e = tpe_scan_line(sc, line, size, &t, msg, sizeof msg);
	const struct tpe_tx *tg;
	char gmsg[300] = "";
	enum tp_err ge = tpe_scan_line(general, line, size, &tg, gmsg, sizeof gmsg);
	check(e == ge && strcmp(msg, gmsg) == 0 && (e != TP_OK || etl_same_tx(t, tg, line, size)),
	      "the fast path and the general one disagree");
	json_error_t je;
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	check(e == TP_OK || e == TP_EPARSE, "unexpected error code");
	/* jansson skips a NUL byte right after a number or literal ({"a":1\0});
	 * the scanner refuses it, as RFC 8259 does */
	check((e == TP_OK) == json_is_object(j) || (e != TP_OK && memchr(data, 0, size)),
	      "scanner and jansson disagree");
	if (e == TP_OK) {
		check(same(&t->hash, json_object_get(j, "hash")) &&
			      same(&t->block_number, json_object_get(j, "block_number")) &&
			      same(&t->block_timestamp, json_object_get(j, "block_timestamp")) &&
			      same(&t->is_coinbase, json_object_get(j, "is_coinbase")),
		      "a transaction field differs");
		if (t->inputs_kind == TPE_ARRAY)
			same_list(t->in, t->nin, json_object_get(j, "inputs"));
		if (t->outputs_kind == TPE_ARRAY)
			same_list(t->out, t->nout, json_object_get(j, "outputs"));
		uint8_t id[32];
		(void)tpe_txid_parse(t->hash.s, t->hash.kind == TPE_STR ? t->hash.len : 0, id);
	} else {
		check(strstr(msg, "(column ") != NULL, "message without a column");
	}
	json_decref(j);
	free(line);
	return 0;
}
