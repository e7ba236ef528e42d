/*
 * Following stolen cryptocurrency through a chain.
 *
 * A chain export (bitcoin-etl JSON lines, ethereum-etl CSV or JSON lines)
 * is imported once into a compact graph directory; a trace then seeds
 * taint at the theft's addresses and follows it under one of four models
 * (docs/taint-models.md) until it reaches labelled exchanges and services,
 * the hop limit, or falls below a minimum value:
 *
 *	struct tp_trace_graph *g;
 *	const char *files[] = {"transactions.json"};
 *	tp_trace_import("g", "btc", files, 1, NULL, NULL, &d);
 *	tp_trace_graph_open("g", &g, &d);
 *	struct tp_trace_seed s = {.kind = TP_SEED_ADDRESS, .address = "1Thief..."};
 *	struct tp_trace_opts o = {.model = TP_MODEL_HAIRCUT, .max_hops = 10};
 *	struct tp_trace_result *r;
 *	tp_trace_run(g, labels, &s, 1, &o, &r, &d);
 *	tp_trace_report_write(r, TP_REPORT_JSON, NULL, stdout, &d);
 *
 * For haircut, FIFO and TIHO the result conserves value exactly:
 * endpoints + held + fees == seed, in base units.
 */
#ifndef TRIPACT_TRACE_H
#define TRIPACT_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "tripact/error.h"
#include "tripact/time.h"
#include "tripact/trace_u256.h"

enum tp_trace_kind { TP_TRACE_UTXO = 1, TP_TRACE_ACCOUNT = 2 };

struct tp_trace_graph;

/* ---- import ---------------------------------------------------------- */

struct tp_trace_import_opts {
	int skip_bad; /* count and skip bad rows instead of failing */
	/* UTXO: an input spending an output from before the imported blocks
	 * becomes an "external" output (value and address from the input
	 * row) instead of an error */
	int external_inputs;
	/* raw getblock hex: if have_first_height, the height of the first
	 * block (0 for a genesis block; the blocks must then be consecutive);
	 * otherwise heights are unknown and numbered after the graph's last */
	int64_t first_height;
	int have_first_height;
	/* called now and then while importing (may be NULL) */
	void (*progress)(void *ctx, uint64_t bytes_done, uint64_t bytes_total, uint64_t txs);
	void *progress_ctx;
};

struct tp_trace_import_stats {
	/* bytes: of the lines read (JSON, CSV), of the blocks decoded (raw) */
	uint64_t bytes, rows, txs, inputs, outputs, transfers;
	uint64_t skipped;	   /* rows skipped under skip_bad */
	uint64_t external;	   /* outputs from before the imported blocks */
	char first_skip[600];	   /* "file:line: reason" of the first one */
};

/*
 * Imports files (borrowed) for chain "btc" (UTXO: bitcoin-etl transactions
 * JSON lines) or "eth" (account: ethereum-etl transactions, traces,
 * token_transfers and blocks, CSV or JSON lines, recognised by their
 * columns) into DIR, creating it or appending to the graph already there.
 * Appended blocks must be newer than the last block in the graph.
 * Errors name file and line in d. opts and stats may be NULL.
 */
enum tp_err tp_trace_import(const char *dir, const char *chain, const char *const *files,
			    size_t nfiles, const struct tp_trace_import_opts *opts,
			    struct tp_trace_import_stats *stats, struct tp_diag *d) TP_MUST_CHECK;

/* Maps DIR/graph.tpg read-only; *out: caller owns (tp_trace_graph_free). */
enum tp_err tp_trace_graph_open(const char *dir, struct tp_trace_graph **out,
				struct tp_diag *d) TP_MUST_CHECK;
void tp_trace_graph_free(struct tp_trace_graph *g);

struct tp_trace_graph_info {
	const char *chain; /* borrowed */
	int kind;
	uint64_t addresses, txs, inputs, outputs, transfers;
	uint32_t last_block;
	uint64_t file_bytes;
};
void tp_trace_graph_info(const struct tp_trace_graph *g, struct tp_trace_graph_info *out);
/* The address with dictionary id i (0 .. addresses - 1), NULL past the end (borrowed). */
const char *tp_trace_graph_address(const struct tp_trace_graph *g, uint64_t i);

/* ---- labels ---------------------------------------------------------- */

enum tp_label_cat {
	TP_CAT_NONE = 0,
	TP_CAT_EXCHANGE,
	TP_CAT_MIXER,
	TP_CAT_BRIDGE,
	TP_CAT_SERVICE,
	TP_CAT_SANCTIONED,
	TP_CAT_THEFT,
	TP_CAT_OTHER,
	TP_CAT_COUNT
};
/* "exchange", "mixer", ...; "held" for TP_CAT_NONE. */
const char *tp_label_cat_name(enum tp_label_cat c);
/* TP_CAT_NONE if s names no category. */
enum tp_label_cat tp_label_cat_parse(const char *s);

struct tp_trace_labels;

enum tp_err tp_trace_labels_new(struct tp_trace_labels **out) TP_MUST_CHECK;
void tp_trace_labels_free(struct tp_trace_labels *l);
/*
 * Adds the labels in path: a GraphSense TagPack (.yaml/.yml), a CSV file
 * with header chain,address,category,name,source, or an OFAC list
 * (sanctioned_addresses_<TICKER>.txt, one address a line). *added (may be
 * NULL) gets the number of labels read. An address labelled twice keeps
 * the category that stops a trace first (exchange, mixer, bridge,
 * service, sanctioned, theft, other).
 */
enum tp_err tp_trace_labels_load(struct tp_trace_labels *l, const char *path, size_t *added,
				 struct tp_diag *d) TP_MUST_CHECK;
/*
 * Adds the label set that ships with tripact: every GraphSense TagPack in
 * DATA/crypto/graphsense_tagpacks and every OFAC list in
 * DATA/crypto/ofac_sdn_0xB10C, where DATA is $TRIPACT_DATA_DIR or the
 * data directory of the source tree tripact was built from.
 */
enum tp_err tp_trace_labels_load_defaults(struct tp_trace_labels *l, size_t *added,
					  struct tp_diag *d) TP_MUST_CHECK;
/* Writes every label as CSV (header included), ordered by chain, then address. */
enum tp_err tp_trace_labels_write_csv(const struct tp_trace_labels *l, FILE *f) TP_MUST_CHECK;
size_t tp_trace_labels_count(const struct tp_trace_labels *l);
/*
 * The label of address on chain ("btc", "eth"); NULL if none. *name gets
 * the label text (borrowed).
 */
enum tp_label_cat tp_trace_labels_get(const struct tp_trace_labels *l, const char *chain,
				      const char *address, const char **name);

/* ---- tracing --------------------------------------------------------- */

enum tp_trace_model { TP_MODEL_POISON = 1, TP_MODEL_HAIRCUT, TP_MODEL_FIFO, TP_MODEL_TIHO };
const char *tp_trace_model_name(enum tp_trace_model m);
/* 0 if s names no model. */
enum tp_trace_model tp_trace_model_parse(const char *s);

enum tp_seed_kind {
	TP_SEED_ADDRESS = 1, /* every output / transfer it receives */
	TP_SEED_OUTPUT,	     /* UTXO: one output (txid, index) */
	TP_SEED_AMOUNT,	     /* `amount` held by address at time `at` */
};

struct tp_trace_seed {
	enum tp_seed_kind kind;
	const char *address; /* borrowed */
	const char *txid;    /* borrowed, TP_SEED_OUTPUT */
	uint32_t index;	     /* TP_SEED_OUTPUT */
	struct tp_u256 amount; /* TP_SEED_AMOUNT */
	int64_t at;	       /* TP_SEED_AMOUNT: seconds since the epoch */
};

/*
 * Parses one seed: "ADDR", "TXID:N" (UTXO output) or "ADDR:AMOUNT@TIME"
 * (AMOUNT in base units, TIME RFC 3339). s must outlive the seed.
 */
enum tp_err tp_trace_seed_parse(char *s, struct tp_trace_seed *out,
				struct tp_diag *d) TP_MUST_CHECK;

struct tp_trace_opts {
	enum tp_trace_model model;
	uint32_t max_hops;	  /* 0: no limit */
	struct tp_u256 min_value; /* taint below this is not followed */
	int64_t since, until;	  /* seconds; 0: open */
	unsigned stop_mask;	  /* 1 << tp_label_cat; 0: exchange|service */
	const char *asset;	  /* account chains: token contract; NULL native */
	int no_flow;		  /* skip the flow graph's edges (the DOT report
				   * draws them; a busy trace makes millions) */
};

struct tp_trace_result;

/*
 * Runs a trace. g, labels (may be NULL), seeds and opts are borrowed;
 * *out: caller owns (tp_trace_result_free).
 */
enum tp_err tp_trace_run(const struct tp_trace_graph *g, const struct tp_trace_labels *labels,
			 const struct tp_trace_seed *seeds, size_t nseeds,
			 const struct tp_trace_opts *opts, struct tp_trace_result **out,
			 struct tp_diag *d) TP_MUST_CHECK;
void tp_trace_result_free(struct tp_trace_result *r);

struct tp_trace_totals {
	struct tp_u256 seed, endpoints, held, fees;
	struct tp_u256 by_cat[TP_CAT_COUNT]; /* TP_CAT_NONE: held */
	uint64_t txs_visited;
};
void tp_trace_result_totals(const struct tp_trace_result *r, struct tp_trace_totals *out);
/* 1 if the model conserves value and endpoints + held + fees == seed. */
int tp_trace_result_conserved(const struct tp_trace_result *r);
size_t tp_trace_result_count(const struct tp_trace_result *r);
/* The i-th endpoint (sorted by amount, largest first): fields borrowed. */
struct tp_trace_endpoint {
	const char *address, *label, *asset;
	enum tp_label_cat category;
	const char *stop; /* "label", "unspent", "max_hops", "min_value" */
	struct tp_u256 amount;
	uint32_t hops;
	int64_t first_seen, last_seen;
	size_t path_len;
};
void tp_trace_result_endpoint(const struct tp_trace_result *r, size_t i,
			      struct tp_trace_endpoint *out);
/* The j-th transaction id of endpoint i's example path (seed first). */
const char *tp_trace_result_path(const struct tp_trace_result *r, size_t i, size_t j);

/* ---- synthetic chains ----------------------------------------------- */

struct tp_trace_synth_opts {
	const char *chain;  /* "btc" (UTXO) or "eth" (account) */
	uint64_t txs;	    /* background transactions (default 10000) */
	uint32_t thefts;    /* planted thefts (default 3) */
	uint64_t seed;	    /* PRNG seed: same seed, same files */
	uint32_t per_block; /* transactions per block (default 2000) */
};

/*
 * Writes a synthetic chain into DIR in the import formats (btc:
 * transactions.json; eth: transactions.csv, token_transfers.csv) with
 * realistic background traffic (heavy-tailed address reuse and values,
 * exchange hot wallets with many deposit addresses, peel chains, CoinJoin
 * rounds, dusting) and planted thefts, plus labels.csv, seeds.txt (one
 * seed a line; eth also seeds_token.txt) and expected.csv: the taint each
 * model must find at each planted endpoint and in the totals
 * (docs/trace-synth.md). *txs_out (may be NULL) gets the transactions
 * written.
 */
enum tp_err tp_trace_synth(const char *dir, const struct tp_trace_synth_opts *o,
			   uint64_t *txs_out, struct tp_diag *d) TP_MUST_CHECK;

/* ---- reports --------------------------------------------------------- */

enum tp_report_format {
	TP_REPORT_TEXT = 1,
	TP_REPORT_JSON,
	TP_REPORT_CSV,
	TP_REPORT_DOT,
	TP_REPORT_STIX
};
enum tp_report_format tp_report_format_parse(const char *s);

struct tp_report_opts {
	/* STIX: indicators for addresses with at least this much taint */
	struct tp_u256 indicator_min;
	const char *intrusion_set_id;	/* "intrusion-set--..." or NULL */
	const char *intrusion_set_name; /* e.g. "Lazarus Group" */
	int64_t created;		/* seconds; 0: now */
};

/* Writes r to f in format; opts may be NULL. */
enum tp_err tp_trace_report_write(const struct tp_trace_result *r, enum tp_report_format format,
				  const struct tp_report_opts *opts, FILE *f,
				  struct tp_diag *d) TP_MUST_CHECK;

#endif
