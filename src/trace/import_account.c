/*
 * Account-chain import: ethereum-etl (and GraphSense) exports of
 * transactions, traces, token_transfers and blocks, as CSV or JSON lines,
 * in any mix. Each file's kind is recognised by its columns; rows are
 * staged, merged and sorted into chain order, then appended to the graph
 * as value movements (struct tpg_xfer):
 *
 *	transactions   a fee movement (receipt_gas_used x effective price,
 *	               from the sender to no one), and the value movement
 *	               when no traces file is given and the receipt succeeded
 *	traces         every successful value-carrying call, create, suicide,
 *	               reward and genesis trace (delegate/static calls and
 *	               failed traces carry no value); when traces are given
 *	               they are the only source of native value, so the
 *	               top-level call is never counted twice
 *	token_transfers one movement of asset "token contract"
 *	blocks         only the block timestamps (GraphSense traces have none)
 *
 * Order inside a transaction: fee, value, traces (file order), token
 * transfers (log_index).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "etl_scan.h"
#include "import.h"
#include "tripact/json.h"
#include "tripact/time.h"

enum ftype { FT_TX = 1, FT_TRACE, FT_TOKEN, FT_BLOCK };

enum field {
	F_HASH,
	F_BLOCK,
	F_TIME,
	F_TXIDX,
	F_FROM,
	F_TO,
	F_VALUE,
	F_GASUSED,
	F_EFFPRICE,
	F_GASPRICE,
	F_STATUS,
	F_TSTATUS,
	F_CALLTYPE,
	F_TRACETYPE,
	F_TRACEID,
	F_ERROR,
	F_TOKEN,
	F_LOGIDX,
	F_CONTRACT,
	F_NONCE,
	F_MINER,
	F_TOPICS,
	NFIELD
};

static const char *const aliases[NFIELD][4] = {
	[F_HASH] = {"hash", "txHash", "transaction_hash", "tx_hash"},
	[F_BLOCK] = {"block_number", "blockId", "number"},
	[F_TIME] = {"block_timestamp", "blockTimestamp", "timestamp"},
	[F_TXIDX] = {"transaction_index", "transactionIndex"},
	[F_FROM] = {"from_address", "fromAddress"},
	[F_TO] = {"to_address", "toAddress"},
	[F_VALUE] = {"value"},
	[F_GASUSED] = {"receipt_gas_used", "receiptGasUsed"},
	[F_EFFPRICE] = {"receipt_effective_gas_price"},
	[F_GASPRICE] = {"gas_price", "gasPrice"},
	[F_STATUS] = {"receipt_status"},
	[F_TSTATUS] = {"status"},
	[F_CALLTYPE] = {"call_type", "callType"},
	[F_TRACETYPE] = {"trace_type"},
	[F_TRACEID] = {"trace_id", "traceId"},
	[F_ERROR] = {"error"},
	[F_TOKEN] = {"token_address"},
	[F_LOGIDX] = {"log_index"},
	[F_CONTRACT] = {"receipt_contract_address"},
	[F_NONCE] = {"nonce"},
	[F_MINER] = {"miner"},
	[F_TOPICS] = {"topics"},
};

struct row {
	uint32_t block, txpos, sub, file;
	uint8_t kind, has_time, has_txid, has_txpos;
	int64_t time;
	uint64_t seq;
	long line;
	uint8_t txid[32];
	uint32_t from, to, asset;
	struct tp_u256 value;
};

struct stage {
	struct row *rows;
	size_t n, cap;
	struct {
		uint32_t block;
		int64_t time;
	} *bt;
	size_t nbt, capbt;
	uint64_t seq;
};

/* One input row, CSV or JSON, read through the same field names. */
struct src {
	json_t *o;
	char **fields;
	int nfields;
	int col[NFIELD];
	char num[32];
};

static const char *get(struct src *s, enum field f)
{
	if (s->o) {
		for (int i = 0; i < 4 && aliases[f][i]; i++) {
			json_t *v = json_object_get(s->o, aliases[f][i]);
			if (!v || json_is_null(v))
				continue;
			if (json_is_string(v))
				return json_string_value(v);
			if (json_is_integer(v)) {
				snprintf(s->num, sizeof s->num, "%lld", (long long)json_integer_value(v));
				return s->num;
			}
			if (json_is_boolean(v))
				return json_is_true(v) ? "1" : "0";
			if (json_is_array(v))
				return "[]";
			return NULL;
		}
		return NULL;
	}
	int c = s->col[f];
	if (c < 0 || c >= s->nfields)
		return NULL;
	return s->fields[c];
}

static int has(struct src *s, enum field f)
{
	const char *v = get(s, f);
	return v && *v;
}

static enum ftype detect(struct src *s)
{
	if (has(s, F_TOPICS))
		return 0;
	if (has(s, F_MINER))
		return FT_BLOCK;
	if (has(s, F_TOKEN))
		return FT_TOKEN;
	if (has(s, F_TRACEID) || has(s, F_TRACETYPE) || has(s, F_CALLTYPE) || has(s, F_TSTATUS))
		return FT_TRACE;
	if (has(s, F_NONCE) || has(s, F_GASPRICE))
		return FT_TX;
	if (has(s, F_MINER) || (has(s, F_TIME) && has(s, F_BLOCK) && !has(s, F_FROM)))
		return FT_BLOCK;
	return 0;
}

static void csv_columns(struct src *s, char **hdr, int n)
{
	for (int f = 0; f < NFIELD; f++) {
		s->col[f] = -1;
		for (int i = 0; i < 4 && aliases[f][i] && s->col[f] < 0; i++)
			for (int c = 0; c < n; c++)
				if (strcmp(hdr[c], aliases[f][i]) == 0) {
					s->col[f] = c;
					break;
				}
	}
}

/* For CSV header detection: a fake row where every known column is "x". */
static enum ftype detect_header(struct src *s)
{
	static char x[] = "x";
	char *fake[TPR_MAX_FIELDS];
	for (int i = 0; i < TPR_MAX_FIELDS; i++)
		fake[i] = x;
	char **saved = s->fields;
	int savedn = s->nfields;
	s->fields = fake;
	s->nfields = TPR_MAX_FIELDS;
	enum ftype t = detect(s);
	s->fields = saved;
	s->nfields = savedn;
	return t;
}

/*
 * tp_u256_parse(v, SIZE_MAX, out), with the common case (decimal, up to
 * 38 digits: wei amounts) read as two 64-bit halves joined by one multiply
 * instead of 256-bit arithmetic for every digit.
 */
static enum tp_err parse_u256(const char *v, struct tp_u256 *out)
{
	size_t n = 0;
	while (n <= 38 && v[n] >= '0' && v[n] <= '9')
		n++;
	if (n == 0 || n > 38 || v[n] != '\0')
		return tp_u256_parse(v, SIZE_MAX, out);
	size_t split = n > 19 ? n - 19 : 0;
	uint64_t hi = 0, lo = 0;
	for (size_t i = 0; i < split; i++)
		hi = hi * 10 + (uint64_t)(v[i] - '0');
	for (size_t i = split; i < n; i++)
		lo = lo * 10 + (uint64_t)(v[i] - '0');
	struct tp_u256 h, scale, l;
	tp_u256_from_u64(out, lo);
	if (!hi)
		return TP_OK;
	l = *out;
	tp_u256_from_u64(&h, hi);
	tp_u256_from_u64(&scale, 10000000000000000000ULL);
	if (tp_u256_mul(out, &h, &scale) != TP_OK) /* below 2^128: cannot fail */
		return TP_EOVERFLOW;
	return tp_u256_add(out, out, &l);
}

static int parse_u32(const char *v, uint32_t *out)
{
	struct tp_u256 u;
	uint64_t x;
	if (!v || parse_u256(v, &u) != TP_OK || !tp_u256_to_u64(&u, &x) ||
	    x >= UINT32_MAX)
		return 0;
	*out = (uint32_t)x;
	return 1;
}

static int parse_time(const char *v, int64_t *out)
{
	if (!v || !*v)
		return 0;
	struct tp_u256 u;
	uint64_t x;
	if (parse_u256(v, &u) == TP_OK && tp_u256_to_u64(&u, &x) && x < (1ULL << 40)) {
		*out = (int64_t)x;
		return 1;
	}
	tp_time_us t;
	if (tp_time_parse(v, strlen(v), TP_TIME_ANY_OFFSET, &t, NULL, NULL) == TP_OK) {
		*out = t / 1000000;
		return 1;
	}
	return 0;
}

/*
 * An exact integer in decimal, or in the scientific notation some
 * exporters write ("199e17", "1.5e18"): the digits are shifted, never
 * rounded, and a value that is not a whole number is an error.
 */
static enum tp_err parse_value(const char *v, struct tp_u256 *out)
{
	const char *e = strpbrk(v, "eE");
	if (!e)
		return parse_u256(v, out);
	char digits[160];
	size_t n = 0, frac = 0;
	int dot = 0;
	for (const char *p = v; p < e; p++) {
		if (*p == '.' && !dot) {
			dot = 1;
			continue;
		}
		if (*p < '0' || *p > '9' || n + 1 >= sizeof digits)
			return TP_EPARSE;
		digits[n++] = *p;
		frac += dot;
	}
	const char *x = e + 1;
	if (*x == '+')
		x++;
	if (!*x || n == 0)
		return TP_EPARSE;
	unsigned long exp = 0;
	for (; *x; x++) {
		if (*x < '0' || *x > '9' || exp > 200)
			return TP_EPARSE;
		exp = exp * 10 + (unsigned long)(*x - '0');
	}
	if (exp < frac) {
		/* only trailing zeros may be dropped */
		for (size_t k = 0; k < frac - exp; k++)
			if (digits[--n] != '0')
				return TP_EPARSE;
	} else {
		for (unsigned long k = 0; k < exp - frac; k++) {
			if (n + 1 >= sizeof digits)
				return TP_EOVERFLOW;
			digits[n++] = '0';
		}
	}
	return tp_u256_parse(digits, n, out);
}

static enum tp_err address(struct tp_trace_graph *g, const char *v, uint32_t *id)
{
	*id = TPG_NONE;
	if (!v || !*v)
		return TP_OK;
	char buf[128];
	size_t n = strlen(v);
	if (n >= sizeof buf)
		return TP_EPARSE;
	for (size_t i = 0; i <= n; i++)
		buf[i] = (char)tolower((unsigned char)v[i]);
	if (buf[0] != '0' || buf[1] != 'x' || n != 42)
		return TP_EPARSE;
	for (size_t i = 2; i < n; i++)
		if (!isxdigit((unsigned char)buf[i]))
			return TP_EPARSE;
	return tpg_addr_intern(g, buf, n, id);
}

static enum tp_err push(struct stage *st, const struct row *r)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 1024;
		struct row *q = realloc(st->rows, cap * sizeof *q);
		if (!q)
			return TP_ENOMEM;
		st->rows = q;
		st->cap = cap;
	}
	st->rows[st->n] = *r;
	st->rows[st->n].seq = st->seq++;
	st->n++;
	return TP_OK;
}

static enum tp_err push_bt(struct stage *st, uint32_t block, int64_t time)
{
	if (st->nbt == st->capbt) {
		size_t cap = st->capbt ? st->capbt * 2 : 256;
		void *q = realloc(st->bt, cap * sizeof *st->bt);
		if (!q)
			return TP_ENOMEM;
		st->bt = q;
		st->capbt = cap;
	}
	st->bt[st->nbt].block = block;
	st->bt[st->nbt].time = time;
	st->nbt++;
	return TP_OK;
}

#define BAD(...) return tpr_bad(r, d, TP_EPARSE, __VA_ARGS__)

static enum tp_err stage_row(struct tp_trace_graph *g, struct stage *st, struct tpr *r,
			     uint32_t file, enum ftype t, struct src *s, int have_traces,
			     struct tp_diag *d)
{
	struct row w = {0};
	w.file = file;
	w.line = r->lineno;
	const char *bn = get(s, F_BLOCK);
	if (!parse_u32(bn, &w.block))
		BAD("\"block_number\" missing or not a block number");
	w.has_time = (uint8_t)parse_time(get(s, F_TIME), &w.time);
	if (has(s, F_TIME) && !w.has_time)
		BAD("\"block_timestamp\" is not a Unix time or RFC 3339 date");
	if (w.has_time && push_bt(st, w.block, w.time) != TP_OK)
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	if (t == FT_BLOCK)
		return TP_OK;
	const char *h = get(s, F_HASH);
	if (h && *h) {
		if (!tpe_txid_parse(h, strlen(h), w.txid))
			BAD("transaction hash \"%s\" is not 32 bytes of hex", h);
		w.has_txid = 1;
	} else if (t != FT_TRACE) {
		BAD("transaction hash missing");
	}
	w.has_txpos = (uint8_t)parse_u32(get(s, F_TXIDX), &w.txpos);
	enum tp_err e;
	if ((e = address(g, get(s, F_FROM), &w.from)) != TP_OK)
		BAD("from address \"%s\" is not a 0x-prefixed 20-byte hex address",
		    get(s, F_FROM) ? get(s, F_FROM) : "");
	const char *to = get(s, F_TO);
	if ((!to || !*to) && t == FT_TX)
		to = get(s, F_CONTRACT);
	if ((e = address(g, to, &w.to)) != TP_OK)
		BAD("to address \"%s\" is not a 0x-prefixed 20-byte hex address", to ? to : "");
	const char *v = get(s, F_VALUE);
	if (!v || !*v)
		v = "0";
	if ((e = parse_value(v, &w.value)) != TP_OK)
		return tpr_bad(r, d, e,
			       e == TP_EOVERFLOW ? "value %s exceeds 2^256 - 1"
						 : "value \"%s\" is not a non-negative integer",
			       v);

	if (t == FT_TOKEN) {
		uint32_t tok;
		if (address(g, get(s, F_TOKEN), &tok) != TP_OK || tok == TPG_NONE)
			BAD("token_address is not a 0x-prefixed 20-byte hex address");
		if (w.from == TPG_NONE && w.to == TPG_NONE)
			BAD("token transfer without from and to addresses");
		w.kind = TPG_TOKEN;
		w.asset = tok + 1;
		if (!parse_u32(get(s, F_LOGIDX), &w.sub))
			BAD("token transfer needs a log_index");
		return push(st, &w) ? tp_diag_set(d, TP_ENOMEM, "out of memory") : TP_OK;
	}
	if (t == FT_TRACE) {
		const char *status = get(s, F_TSTATUS), *err = get(s, F_ERROR);
		const char *ct = get(s, F_CALLTYPE), *tt = get(s, F_TRACETYPE);
		const char *tid = get(s, F_TRACEID);
		if ((status && *status && strcmp(status, "1") != 0) || (err && *err))
			return TP_OK; /* failed: moved nothing */
		if (ct && (strcmp(ct, "delegatecall") == 0 || strcmp(ct, "staticcall") == 0 ||
			   strcmp(ct, "callcode") == 0))
			return TP_OK;
		if (tp_u256_is_zero(&w.value))
			return TP_OK;
		int mint = (tt && (!strcmp(tt, "reward") || !strcmp(tt, "genesis"))) ||
			   (tid && (!strncmp(tid, "reward", 6) || !strncmp(tid, "genesis", 7)));
		if (mint)
			w.from = TPG_NONE;
		else if (w.from == TPG_NONE)
			BAD("value-carrying trace without a from address");
		if (w.to == TPG_NONE)
			BAD("value-carrying trace without a to address");
		if (!w.has_txid) {
			/* rewards and genesis allocations: a pseudo transaction per row */
			memset(w.txid, 0xff, 8);
			memcpy(w.txid + 8, &w.block, 4);
			memcpy(w.txid + 12, &st->seq, 8);
			w.has_txid = 1;
		}
		w.kind = TPG_TRACE;
		w.sub = (uint32_t)st->seq;
		return push(st, &w) ? tp_diag_set(d, TP_ENOMEM, "out of memory") : TP_OK;
	}
	/* a transaction: the fee first, then (without traces) the value */
	if (w.from == TPG_NONE)
		BAD("transaction without a from address");
	const char *status = get(s, F_STATUS);
	int failed = status && *status && strcmp(status, "1") != 0;
	const char *gu = get(s, F_GASUSED);
	const char *gp = has(s, F_EFFPRICE) ? get(s, F_EFFPRICE) : get(s, F_GASPRICE);
	struct row fee = w;
	fee.kind = TPG_FEE;
	fee.to = TPG_NONE;
	if (gu && *gu) {
		struct tp_u256 a, b;
		if (!gp || parse_u256(gu, &a) != TP_OK ||
		    parse_u256(gp, &b) != TP_OK || tp_u256_mul(&fee.value, &a, &b))
			BAD("receipt_gas_used and gas price must be integers (fee below 2^256)");
		if (!tp_u256_is_zero(&fee.value) && push(st, &fee))
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	if (!have_traces && !failed && !tp_u256_is_zero(&w.value)) {
		if (w.to == TPG_NONE)
			BAD("value transfer without a to address");
		w.kind = TPG_VALUE;
		if (push(st, &w))
			return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	/* a marker so that transactions moving nothing still order and dedupe */
	return TP_OK;
}

static enum tp_err read_file(struct tp_trace_graph *g, struct stage *st, struct tpr *r,
			     uint32_t file, int have_traces, enum ftype *kind, struct tp_diag *d)
{
	struct src s = {0};
	char *hdr_copy = NULL;
	char *hdr[TPR_MAX_FIELDS], *fields[TPR_MAX_FIELDS];
	int nhdr = 0, json = -1, rc;
	enum tp_err e = TP_OK;
	*kind = 0;
	while ((rc = tpr_next(r, d)) > 0) {
		if (r->len == 0)
			continue;
		if (json < 0) {
			json = r->line[0] == '{';
			if (!json) {
				hdr_copy = strdup(r->line);
				if (!hdr_copy)
					return tp_diag_set(d, TP_ENOMEM, "out of memory");
				nhdr = tpr_csv_split(hdr_copy, hdr, TPR_MAX_FIELDS);
				if (nhdr < 1) {
					e = tp_diag_set(d, TP_EPARSE, "%s:1: unreadable CSV header",
							r->path);
					break;
				}
				csv_columns(&s, hdr, nhdr);
				*kind = detect_header(&s);
				if (!*kind) {
					e = tp_diag_set(d, TP_EPARSE,
							"%s:1: not an ethereum-etl transactions, "
							"traces, token_transfers or blocks file "
							"(logs are not imported: export token_transfers)",
							r->path);
					break;
				}
				continue;
			}
		}
		if (json) {
			size_t n;
			char *q = tpr_quote_big_ints(r->line, r->len, &n);
			struct tp_diag jd = {0};
			if (!q)
				return tp_diag_set(d, TP_ENOMEM, "out of memory");
			e = tp_json_load(q, n, &s.o, &jd);
			free(q);
			if (e != TP_OK || !json_is_object(s.o)) {
				json_decref(s.o);
				s.o = NULL;
				if ((e = tpr_bad(r, d, TP_EPARSE, "not a JSON object: %s",
						 jd.message)) != TP_OK)
					break;
				continue;
			}
			enum ftype t = detect(&s);
			const char *type = tp_json_str(s.o, "type");
			if (type && !strcmp(type, "log"))
				t = 0;
			if (!t) {
				json_decref(s.o);
				s.o = NULL;
				if ((e = tpr_bad(r, d, TP_EPARSE,
						 "not a transaction, trace, token_transfer or "
						 "block")) != TP_OK)
					break;
				continue;
			}
			if (!*kind)
				*kind = t;
			e = stage_row(g, st, r, file, t, &s, have_traces, d);
			json_decref(s.o);
			s.o = NULL;
		} else {
			int n = tpr_csv_split(r->line, fields, TPR_MAX_FIELDS);
			if (n != nhdr) {
				if ((e = tpr_bad(r, d, TP_EPARSE,
						 "malformed CSV row: %d fields, the header has %d", n,
						 nhdr)) != TP_OK)
					break;
				continue;
			}
			s.fields = fields;
			s.nfields = n;
			e = stage_row(g, st, r, file, *kind, &s, have_traces, d);
		}
		if (e != TP_OK)
			break;
	}
	if (rc < 0)
		e = d ? d->code : TP_EIO;
	free(hdr_copy);
	return e;
}

/* Peeks at a file's first line to know whether traces are among the inputs. */
static int is_traces_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	char buf[4096];
	int yes = 0;
	if (fgets(buf, sizeof buf, f))
		yes = strstr(buf, "trace_id") || strstr(buf, "traceId") || strstr(buf, "trace_type") ||
		      strstr(buf, "callType") || strstr(buf, "call_type");
	fclose(f);
	return yes;
}

static int cmp_txid(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = memcmp(x->txid, y->txid, 32);
	if (c)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_chain(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	if (x->block != y->block)
		return x->block < y->block ? -1 : 1;
	if (x->txpos != y->txpos)
		return x->txpos < y->txpos ? -1 : 1;
	int c = memcmp(x->txid, y->txid, 32);
	if (c)
		return c;
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->sub != y->sub)
		return x->sub < y->sub ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_bt(const void *a, const void *b)
{
	const uint32_t *x = a, *y = b;
	return *x < *y ? -1 : *x > *y;
}

static enum tp_err row_bad(struct tpr *r, const char *const *files, const struct row *w,
			   struct tp_diag *d, enum tp_err code, const char *msg)
{
	r->path = files[w->file];
	r->lineno = w->line;
	return tpr_bad(r, d, code, "%s", msg);
}

/* Fills txpos, block and time across the rows of each transaction. */
static enum tp_err settle_rows(struct stage *st, const size_t *ix, struct tpr *r,
			       const char *const *files, struct tp_diag *d)
{
#define ROW(i) (&st->rows[ix[i]])
	for (size_t i = 0; i < st->n;) {
		size_t j = i;
		int have_pos = 0, have_time = 0, fees = 0, values = 0;
		uint32_t pos = 0;
		int64_t time = 0;
		while (j < st->n && memcmp(ROW(j)->txid, ROW(i)->txid, 32) == 0) {
			struct row *w = ROW(j);
			if (w->has_txpos && !have_pos)
				pos = w->txpos, have_pos = 1;
			if (w->has_time && !have_time)
				time = w->time, have_time = 1;
			if (w->block != ROW(i)->block) {
				enum tp_err e = row_bad(r, files, w, d, TP_ECONFLICT,
							"transaction appears in two different blocks");
				if (e != TP_OK)
					return e;
			}
			fees += w->kind == TPG_FEE;
			values += w->kind == TPG_VALUE;
			if (fees > 1 || values > 1) {
				enum tp_err e = row_bad(r, files, w, d, TP_EEXIST, "duplicate transaction");
				if (e != TP_OK)
					return e;
				w->kind = 0; /* dropped under --skip-bad */
			}
			j++;
		}
		for (size_t k = i; k < j; k++) {
			struct row *w = ROW(k);
			w->txpos = have_pos ? pos : UINT32_MAX;
			if (!w->has_time && have_time)
				w->time = time, w->has_time = 1;
		}
		i = j;
	}
	if (st->nbt)
		qsort(st->bt, st->nbt, sizeof *st->bt, cmp_bt);
	for (size_t i = 0; i < st->n; i++) {
		struct row *w = ROW(i);
		if (w->has_time)
			continue;
		if (w->block == 0) {
			/* the genesis block has timestamp 0 */
			w->time = 0;
			w->has_time = 1;
			continue;
		}
		size_t lo = 0, hi = st->nbt;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (st->bt[mid].block < w->block)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < st->nbt && st->bt[lo].block == w->block) {
			w->time = st->bt[lo].time;
			w->has_time = 1;
			continue;
		}
		char msg[160];
		snprintf(msg, sizeof msg,
			 "no timestamp for block %u (import the blocks or transactions file too)",
			 w->block);
		enum tp_err e = row_bad(r, files, w, d, TP_EPARSE, msg);
		if (e != TP_OK)
			return e;
		w->kind = 0;
	}
	return TP_OK;
#undef ROW
}

/* A row by its transaction id's first 8 bytes (big-endian: memcmp's order). */
struct txkey {
	uint64_t prefix;
	size_t row;
};

static int cmp_txkey(const void *a, const void *b, void *rows)
{
	const struct txkey *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	const struct row *w = rows;
	return cmp_txid(&w[x->row], &w[y->row]);
}

/*
 * Fills txpos, block and time across the rows of each transaction,
 * visiting them by transaction id through an index, so the rows stay in
 * file order (in chain order already, for sort_chain).
 */
static enum tp_err settle(struct stage *st, struct tpr *r, const char *const *files,
			  struct tp_diag *d)
{
	/* sorting 16-byte keys, most told apart without touching the rows */
	struct txkey *k = malloc((st->n ? st->n : 1) * sizeof *k);
	size_t *ix = malloc((st->n ? st->n : 1) * sizeof *ix);
	if (!k || !ix) {
		free(k);
		free(ix);
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < st->n; i++) {
		uint64_t p = 0;
		for (int b = 0; b < 8; b++)
			p = p << 8 | st->rows[i].txid[b];
		k[i] = (struct txkey){p, i};
	}
	qsort_r(k, st->n, sizeof *k, cmp_txkey, st->rows);
	for (size_t i = 0; i < st->n; i++)
		ix[i] = k[i].row;
	free(k);
	enum tp_err e = settle_rows(st, ix, r, files, d);
	free(ix);
	return e;
}

/* Merges the sorted runs rows[b[k]..b[k+1]) pairwise into out; returns the new run count. */
static size_t merge_runs(const struct row *rows, struct row *out, size_t *b, size_t runs)
{
	size_t n = 0, k = 0;
	for (; k + 1 < runs; k += 2) {
		size_t i = b[k], mid = b[k + 1], j = mid, end = b[k + 2];
		b[k / 2] = n;
		while (i < mid && j < end)
			out[n++] = cmp_chain(&rows[j], &rows[i]) < 0 ? rows[j++] : rows[i++];
		while (i < mid)
			out[n++] = rows[i++];
		while (j < end)
			out[n++] = rows[j++];
	}
	if (k < runs) { /* an odd run out */
		b[k / 2] = n;
		for (size_t i = b[k]; i < b[k + 1]; i++)
			out[n++] = rows[i];
		k += 2;
	}
	b[k / 2] = n;
	return k / 2;
}

/*
 * Sorts the rows into chain order. Each file is in chain order already, so
 * the rows are a few sorted runs: merged pass by pass, each row moved once
 * a pass. Many runs (files out of order) go to qsort.
 */
static enum tp_err sort_chain(struct stage *st)
{
	size_t runs = 1;
	for (size_t i = 1; i < st->n; i++)
		runs += cmp_chain(&st->rows[i - 1], &st->rows[i]) > 0;
	if (runs == 1)
		return TP_OK;
	if (runs > 64) {
		qsort(st->rows, st->n, sizeof *st->rows, cmp_chain);
		return TP_OK;
	}
	size_t b[66], k = 0;
	b[k++] = 0;
	for (size_t i = 1; i < st->n; i++)
		if (cmp_chain(&st->rows[i - 1], &st->rows[i]) > 0)
			b[k++] = i;
	b[k] = st->n;
	struct row *tmp = malloc(st->n * sizeof *tmp);
	if (!tmp)
		return TP_ENOMEM;
	struct row *from = st->rows, *to = tmp;
	while (runs > 1) {
		runs = merge_runs(from, to, b, runs);
		struct row *t = from;
		from = to;
		to = t;
	}
	if (from != st->rows)
		memcpy(st->rows, from, st->n * sizeof *st->rows);
	free(tmp);
	return TP_OK;
}

enum tp_err tpi_account_files(struct tp_trace_graph *g, const char *const *files, size_t n,
			      struct tpr *r, uint32_t min_block, struct tp_diag *d)
{
	struct stage st = {0};
	enum tp_err e = TP_OK;
	int have_traces = 0;
	for (size_t i = 0; i < n; i++)
		have_traces |= is_traces_file(files[i]);
	for (size_t i = 0; i < n && e == TP_OK; i++) {
		enum ftype kind;
		if ((e = tpr_open(r, files[i], d)) != TP_OK)
			break;
		e = read_file(g, &st, r, (uint32_t)i, have_traces, &kind, d);
		tpr_close(r);
	}
	if (e == TP_OK)
		e = settle(&st, r, files, d);
	if (e == TP_OK)
		e = sort_chain(&st);
	uint32_t tx = TPG_NONE;
	const struct row *prev = NULL;
	for (size_t i = 0; e == TP_OK && i < st.n; i++) {
		const struct row *w = &st.rows[i];
		if (!w->kind)
			continue;
		if (w->block < min_block) {
			char msg[200];
			snprintf(msg, sizeof msg,
				 "block %u is not newer than the graph (last block %u); import newer "
				 "blocks only",
				 w->block, min_block - 1);
			if ((e = row_bad(r, files, w, d, TP_ECONFLICT, msg)) != TP_OK)
				break;
			continue;
		}
		if (!prev || memcmp(prev->txid, w->txid, 32) != 0) {
			e = tpg_tx_add(g, w->txid, 32, w->time, w->block, &tx);
			if (e == TP_EEXIST) {
				e = row_bad(r, files, w, d, TP_EEXIST,
					    "duplicate transaction (already in the graph)");
				tx = TPG_NONE;
				prev = w;
				if (e != TP_OK)
					break;
				continue;
			}
			if (e != TP_OK)
				break;
			if (r->stats)
				r->stats->txs++;
		}
		prev = w;
		if (tx == TPG_NONE)
			continue;
		if ((e = tpg_xfer_add(g, tx, w->from, w->to, w->asset, &w->value, w->kind)) != TP_OK)
			break;
		if (r->stats)
			r->stats->transfers++;
	}
	if (e == TP_ENOMEM)
		tp_diag_set(d, e, "out of memory");
	free(st.rows);
	free(st.bt);
	return e;
}
