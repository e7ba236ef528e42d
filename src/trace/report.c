/*
 * Trace reports: a terminal summary, JSON (the stable interface in
 * docs/trace-report.md), CSV, Graphviz DOT and a STIX 2.1 bundle.
 * Amounts are base units as decimal strings everywhere; the text form
 * adds the coin amount for native BTC/ETH (8 / 18 decimals).
 */
#include <string.h>

#include "result.h"
#include "tripact/json.h"
#include "tripact/uuid.h"

/* The tripact identity and the wallet extension: fixed ids, so every
 * report names them the same way. */
#define IDENTITY_ID "identity--5d3b7f0e-8f4a-4c55-9a52-1f1e2b9c7a10"
#define WALLET_EXT_ID "extension-definition--8c2e6b8e-4f1d-4a8e-b8e5-3a6f4e2d9c01"

enum tp_report_format tp_report_format_parse(const char *s)
{
	static const char *const n[] = {NULL, "text", "json", "csv", "dot", "stix"};
	for (int i = 1; i <= TP_REPORT_STIX; i++)
		if (!strcmp(s, n[i]))
			return (enum tp_report_format)i;
	return 0;
}

static void fmt_time(int64_t s, char *out)
{
	tp_time_format(s * 1000000, 0, out);
}

/* amount / seed as "0.123456" (floored, six places). */
static void share(const struct tp_trace_result *r, const struct tp_u256 *a, char *out)
{
	struct tp_u256 million, q;
	tp_u256_from_u64(&million, 1000000);
	uint64_t v = 0;
	if (tp_u256_is_zero(&r->totals.seed) ||
	    tp_u256_muldiv(a, &million, &r->totals.seed, &q, NULL) || !tp_u256_to_u64(&q, &v))
		v = 0;
	snprintf(out, 32, "%llu.%06llu", (unsigned long long)(v / 1000000),
		 (unsigned long long)(v % 1000000));
}

/* Base units with the decimal point put in (decimals 0: as is). */
static void coins(const struct tp_u256 *a, int decimals, char *out)
{
	char s[TP_U256_DECSZ];
	tp_u256_format(a, s);
	size_t n = strlen(s);
	if (!decimals) {
		strcpy(out, s);
		return;
	}
	char pad[TP_U256_DECSZ + 24];
	size_t want = (size_t)decimals + 1;
	size_t z = n < want ? want - n : 0;
	memset(pad, '0', z);
	memcpy(pad + z, s, n + 1);
	n += z;
	memcpy(out, pad, n - (size_t)decimals);
	out[n - (size_t)decimals] = '.';
	memcpy(out + n - (size_t)decimals + 1, pad + n - (size_t)decimals, (size_t)decimals + 1);
}

static int native_decimals(const struct tp_trace_result *r)
{
	if (strcmp(r->asset, r->g->chain) != 0)
		return 0;
	return r->g->kind == TP_TRACE_UTXO ? 8 : 18;
}

static json_t *str_u256(const struct tp_u256 *a)
{
	char s[TP_U256_DECSZ];
	tp_u256_format(a, s);
	return json_string(s);
}

static json_t *endpoint_json(const struct tp_trace_result *r, size_t i)
{
	struct tp_trace_endpoint e;
	char t1[TP_TIME_BUFSZ], t2[TP_TIME_BUFSZ], sh[32];
	tp_trace_result_endpoint(r, i, &e);
	fmt_time(e.first_seen, t1);
	fmt_time(e.last_seen, t2);
	share(r, &e.amount, sh);
	json_t *path = json_array();
	for (size_t j = 0; j < e.path_len; j++)
		json_array_append_new(path, json_string(tp_trace_result_path(r, i, j)));
	json_t *o = json_object();
	json_object_set_new(o, "address", json_string(e.address));
	json_object_set_new(o, "label", json_string(e.label));
	json_object_set_new(o, "category", json_string(tp_label_cat_name(e.category)));
	json_object_set_new(o, "asset", json_string(e.asset));
	json_object_set_new(o, "amount", str_u256(&e.amount));
	json_object_set_new(o, "share", json_string(sh));
	json_object_set_new(o, "hops", json_integer(e.hops));
	json_object_set_new(o, "first_seen", json_string(t1));
	json_object_set_new(o, "last_seen", json_string(t2));
	json_object_set_new(o, "stop", json_string(e.stop));
	json_object_set_new(o, "path", path);
	return o;
}

static json_t *report_json(const struct tp_trace_result *r)
{
	const struct tp_trace_totals *t = &r->totals;
	json_t *o = json_object(), *opts = json_object(), *tot = json_object();
	json_t *bycat = json_object(), *stops = json_array(), *seeds = json_array();
	json_t *ends = json_array();
	char ts[TP_TIME_BUFSZ];
	json_object_set_new(o, "chain", json_string(r->g->chain));
	json_object_set_new(o, "asset", json_string(r->asset));
	json_object_set_new(o, "model", json_string(tp_trace_model_name(r->opts.model)));
	json_object_set_new(opts, "max_hops", json_integer(r->opts.max_hops));
	json_object_set_new(opts, "min_value", str_u256(&r->opts.min_value));
	if (r->opts.since)
		fmt_time(r->opts.since, ts);
	json_object_set_new(opts, "since", r->opts.since ? json_string(ts) : json_null());
	if (r->opts.until)
		fmt_time(r->opts.until, ts);
	json_object_set_new(opts, "until", r->opts.until ? json_string(ts) : json_null());
	for (int c = 1; c < TP_CAT_COUNT; c++)
		if (tpt_stops_at(r, (enum tp_label_cat)c))
			json_array_append_new(stops, json_string(tp_label_cat_name((enum tp_label_cat)c)));
	json_object_set_new(opts, "stop_at", stops);
	json_object_set_new(o, "options", opts);
	for (size_t i = 0; i < r->nseed; i++)
		json_array_append_new(seeds, json_string(tpg_addr(r->g, r->seed_addrs[i])));
	json_object_set_new(o, "seeds", seeds);
	json_object_set_new(tot, "seed", str_u256(&t->seed));
	json_object_set_new(tot, "endpoints", str_u256(&t->endpoints));
	json_object_set_new(tot, "held", str_u256(&t->held));
	json_object_set_new(tot, "fees", str_u256(&t->fees));
	json_object_set_new(tot, "conserved", json_boolean(tp_trace_result_conserved(r)));
	for (int c = 0; c < TP_CAT_COUNT; c++)
		json_object_set_new(bycat, tp_label_cat_name((enum tp_label_cat)c),
				    str_u256(&t->by_cat[c]));
	json_object_set_new(tot, "by_category", bycat);
	json_object_set_new(tot, "transactions_visited", json_integer((json_int_t)t->txs_visited));
	json_object_set_new(o, "totals", tot);
	for (size_t i = 0; i < r->nend; i++)
		json_array_append_new(ends, endpoint_json(r, i));
	json_object_set_new(o, "endpoints", ends);
	return o;
}

static int write_text(const struct tp_trace_result *r, FILE *f)
{
	const struct tp_trace_totals *t = &r->totals;
	int dec = native_decimals(r);
	char a[TP_U256_DECSZ + 24], b[TP_U256_DECSZ + 24];
	fprintf(f, "tripact trace: model %s, chain %s, asset %s, %zu seed address%s\n",
		tp_trace_model_name(r->opts.model), r->g->chain, r->asset, r->nseed,
		r->nseed == 1 ? "" : "es");
	const struct {
		const char *name;
		const struct tp_u256 *v;
	} rows[] = {{"stolen (seed)", &t->seed},
		    {"at endpoints", &t->endpoints},
		    {"still held", &t->held},
		    {"fees", &t->fees}};
	for (size_t i = 0; i < 4; i++) {
		tp_u256_format(rows[i].v, a);
		coins(rows[i].v, dec, b);
		if (dec)
			fprintf(f, "  %-14s %28s  (%s %s)\n", rows[i].name, a, b, r->asset);
		else
			fprintf(f, "  %-14s %28s\n", rows[i].name, a);
	}
	for (int c = 1; c < TP_CAT_COUNT; c++) {
		if (tp_u256_is_zero(&t->by_cat[c]))
			continue;
		tp_u256_format(&t->by_cat[c], a);
		fprintf(f, "    %-12s %28s\n", tp_label_cat_name((enum tp_label_cat)c), a);
	}
	if (r->conserving)
		fprintf(f, "  conservation   %s\n",
			tp_trace_result_conserved(r) ? "exact (endpoints + held + fees == seed)"
						     : "BROKEN: please report this trace");
	else
		fprintf(f, "  conservation   not applicable (poison taints whole outputs)\n");
	fprintf(f, "  visited        %llu transactions\n\n", (unsigned long long)t->txs_visited);
	if (!r->nend) {
		fprintf(f, "no tainted endpoints\n");
		return ferror(f);
	}
	fprintf(f, "%28s %9s %4s %-10s %-9s %s\n", "amount", "share", "hops", "category", "stop",
		"address (label)");
	for (size_t i = 0; i < r->nend; i++) {
		struct tp_trace_endpoint e;
		char sh[32];
		tp_trace_result_endpoint(r, i, &e);
		tp_u256_format(&e.amount, a);
		share(r, &e.amount, sh);
		fprintf(f, "%28s %9s %4u %-10s %-9s %s%s%s%s\n", a, sh, e.hops,
			tp_label_cat_name(e.category), e.stop, e.address, *e.label ? " (" : "",
			e.label, *e.label ? ")" : "");
		if (e.category != TP_CAT_NONE && e.path_len) {
			fprintf(f, "%28s via", "");
			for (size_t j = 0; j < e.path_len; j++)
				fprintf(f, " %s", tp_trace_result_path(r, i, j));
			fputc('\n', f);
		}
	}
	return ferror(f);
}

static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s == '\n' ? ' ' : *s, f);
	}
	fputc('"', f);
}

static int write_csv(const struct tp_trace_result *r, FILE *f)
{
	fputs("address,label,category,stop,asset,amount,share,hops,first_seen,last_seen,path\n", f);
	for (size_t i = 0; i < r->nend; i++) {
		struct tp_trace_endpoint e;
		char a[TP_U256_DECSZ], sh[32], t1[TP_TIME_BUFSZ], t2[TP_TIME_BUFSZ];
		tp_trace_result_endpoint(r, i, &e);
		tp_u256_format(&e.amount, a);
		share(r, &e.amount, sh);
		fmt_time(e.first_seen, t1);
		fmt_time(e.last_seen, t2);
		csv_str(f, e.address);
		fputc(',', f);
		csv_str(f, e.label);
		fprintf(f, ",%s,%s,%s,%s,%s,%u,%s,%s,", tp_label_cat_name(e.category), e.stop, e.asset,
			a, sh, e.hops, t1, t2);
		for (size_t j = 0; j < e.path_len; j++)
			fprintf(f, "%s%s", j ? " " : "", tp_trace_result_path(r, i, j));
		fputc('\n', f);
	}
	return ferror(f);
}

static const char *cat_colour(enum tp_label_cat c)
{
	switch (c) {
	case TP_CAT_EXCHANGE:
		return "#2b8cbe";
	case TP_CAT_MIXER:
		return "#88419d";
	case TP_CAT_BRIDGE:
		return "#41ab5d";
	case TP_CAT_SERVICE:
		return "#74a9cf";
	case TP_CAT_SANCTIONED:
	case TP_CAT_THEFT:
		return "#cb181d";
	default:
		return "#bdbdbd";
	}
}

static int write_dot(const struct tp_trace_result *r, const struct tp_trace_labels *none, FILE *f)
{
	(void)none;
	struct tp_u256 max = {{0}};
	for (size_t i = 0; i < r->nedge; i++)
		if (tp_u256_cmp(&r->edges[i].amount, &max) > 0)
			max = r->edges[i].amount;
	fprintf(f, "digraph trace {\n  rankdir=LR;\n  node [shape=box, style=filled, "
		   "fontname=\"monospace\", fontsize=9];\n");
	fprintf(f, "  label=\"tripact trace: %s, %s\";\n", tp_trace_model_name(r->opts.model),
		r->asset);
	for (size_t i = 0; i < r->nseed; i++)
		fprintf(f, "  \"%s\" [fillcolor=\"#fc9272\", xlabel=\"seed\"];\n",
			tpg_addr(r->g, r->seed_addrs[i]));
	for (size_t i = 0; i < r->nend; i++) {
		const struct tpt_end *e = &r->ends[i];
		if (e->addr == TPG_NONE)
			continue;
		char a[TP_U256_DECSZ];
		tp_u256_format(&e->amount, a);
		fprintf(f, "  \"%s\" [fillcolor=\"%s\", xlabel=\"%s%s%s %s\"];\n",
			tpg_addr(r->g, e->addr), cat_colour(e->cat), e->label,
			*e->label ? ": " : "", tp_label_cat_name(e->cat), a);
	}
	struct tp_u256 seven;
	tp_u256_from_u64(&seven, 7);
	for (size_t i = 0; i < r->nedge; i++) {
		const struct tpt_edge *x = &r->edges[i];
		struct tp_u256 w;
		uint64_t pw = 0;
		if (!tp_u256_is_zero(&max) && tp_u256_muldiv(&x->amount, &seven, &max, &w, NULL) == TP_OK)
			(void)tp_u256_to_u64(&w, &pw);
		char a[TP_U256_DECSZ];
		tp_u256_format(&x->amount, a);
		fprintf(f, "  \"%s\" -> \"%s\" [penwidth=%llu, label=\"%s\"];\n",
			x->from == TPG_NONE ? "(mint)" : tpg_addr(r->g, x->from),
			x->to == TPG_NONE ? "(fee)" : tpg_addr(r->g, x->to), (unsigned long long)pw + 1,
			a);
	}
	fputs("}\n", f);
	return ferror(f);
}

/* ---- STIX ------------------------------------------------------------- */

static void wallet_id(const char *addr, char *out)
{
	struct tp_uuid ns, u;
	if (tp_uuid_parse(TP_UUID_STIX_NAMESPACE, TP_UUID_STRLEN, &ns) != TP_OK)
		memset(&ns, 0, sizeof ns); /* cannot happen: a constant */
	json_t *c = json_pack("{s:s}", "value", addr);
	char *s = tp_json_dump(c);
	json_decref(c);
	tp_uuid_v5(&ns, s ? s : addr, strlen(s ? s : addr), &u);
	free(s);
	char us[TP_UUID_STRLEN + 1];
	tp_uuid_format(&u, us);
	snprintf(out, 80, "cryptocurrency-wallet--%s", us);
}

static json_t *wallet(const struct tp_trace_result *r, const char *addr)
{
	char id[80];
	wallet_id(addr, id);
	json_t *ext = json_pack("{s:{s:s}}", WALLET_EXT_ID, "extension_type", "new-sco");
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "type", "cryptocurrency-wallet", "spec_version",
			 "2.1", "id", id, "value", addr, "chain", r->g->chain, "extensions", ext);
}

static enum tp_err new_id(const char *type, char *out)
{
	struct tp_uuid u;
	enum tp_err e = tp_uuid_v4(&u);
	char us[TP_UUID_STRLEN + 1];
	tp_uuid_format(&u, us);
	snprintf(out, 120, "%s--%s", type, us);
	return e;
}

static enum tp_err report_stix(const struct tp_trace_result *r, const struct tp_report_opts *o,
			       json_t **out)
{
	char now[TP_TIME_BUFSZ], id[120], bid[120];
	int64_t created = o && o->created ? o->created : tp_time_now() / 1000000;
	tp_time_format(created * 1000000, 3, now);
	json_t *objs = json_array();
	enum tp_err e = new_id("bundle", bid);
	json_array_append_new(
		objs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type", "identity", "spec_version",
				"2.1", "id", IDENTITY_ID, "created", "2026-01-01T00:00:00.000Z",
				"modified", "2026-01-01T00:00:00.000Z", "name", "tripact",
				"identity_class", "system"));
	json_array_append_new(
		objs,
		json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[s]}", "type",
			  "extension-definition", "spec_version", "2.1", "id", WALLET_EXT_ID,
			  "created_by_ref", IDENTITY_ID, "created", "2026-01-01T00:00:00.000Z",
			  "modified", "2026-01-01T00:00:00.000Z", "name", "cryptocurrency-wallet",
			  "description",
			  "A cryptocurrency address (`value`) on a chain (`chain`: btc, eth, ...). "
			  "The type name and `value` property match OpenCTI's Cryptocurrency-Wallet "
			  "observable; MISP's btc/xmr attributes map to `value`.",
			  "schema",
			  "A new SCO of type cryptocurrency-wallet with properties value (string, "
			  "required: the address as the chain writes it; the id contributing "
			  "property) and chain (string: btc, eth, ...). Defined in tripact's "
			  "docs/trace-report.md.",
			  "version", "1.0.0", "extension_types", "new-sco"));
	const char *is_id = o ? o->intrusion_set_id : NULL;
	if (is_id && o->intrusion_set_name)
		json_array_append_new(objs,
				      json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "type", "intrusion-set",
						"spec_version", "2.1", "id", is_id, "created", now,
						"modified", now, "name", o->intrusion_set_name));
	json_t *seen = json_object();
	for (size_t i = 0; i < r->nseed; i++) {
		const char *a = tpg_addr(r->g, r->seed_addrs[i]);
		if (!json_object_get(seen, a)) {
			json_object_set_new(seen, a, json_true());
			json_array_append_new(objs, wallet(r, a));
		}
	}
	for (size_t i = 0; i < r->nend && e == TP_OK; i++) {
		struct tp_trace_endpoint ep;
		tp_trace_result_endpoint(r, i, &ep);
		if (r->ends[i].addr == TPG_NONE)
			continue;
		if (!json_object_get(seen, ep.address)) {
			json_object_set_new(seen, ep.address, json_true());
			json_array_append_new(objs, wallet(r, ep.address));
		}
		if (o && tp_u256_cmp(&ep.amount, &o->indicator_min) < 0)
			continue;
		if (tp_u256_is_zero(&ep.amount))
			continue;
		char amt[TP_U256_DECSZ], pattern[600], desc[900];
		tp_u256_format(&ep.amount, amt);
		snprintf(pattern, sizeof pattern, "[cryptocurrency-wallet:value = '%s']", ep.address);
		snprintf(desc, sizeof desc,
			 "%s base units of %s traced from the seed addresses (%s model, %u hops; "
			 "stop: %s%s%s).",
			 amt, r->asset, tp_trace_model_name(r->opts.model), ep.hops, ep.stop,
			 *ep.label ? "; label: " : "", ep.label);
		if ((e = new_id("indicator", id)) != TP_OK)
			break;
		int service = ep.category == TP_CAT_EXCHANGE || ep.category == TP_CAT_SERVICE ||
			      ep.category == TP_CAT_BRIDGE;
		json_array_append_new(
			objs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:[s]}", "type",
					"indicator", "spec_version", "2.1", "id", id, "created_by_ref",
					IDENTITY_ID, "created", now, "modified", now, "name",
					"Address receiving traced stolen funds", "description", desc,
					"pattern", pattern, "pattern_type", "stix", "valid_from", now,
					"indicator_types", service ? "attribution" : "malicious-activity"));
		if (is_id) {
			char rid[120];
			if ((e = new_id("relationship", rid)) != TP_OK)
				break;
			json_array_append_new(
				objs, json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "type",
						"relationship", "spec_version", "2.1", "id", rid,
						"created_by_ref", IDENTITY_ID, "created", now, "modified",
						now, "relationship_type", "indicates", "source_ref", id,
						"target_ref", is_id));
		}
	}
	json_decref(seen);
	*out = json_pack("{s:s,s:s,s:o}", "type", "bundle", "id", bid, "objects", objs);
	return e;
}

enum tp_err tp_trace_report_write(const struct tp_trace_result *r, enum tp_report_format format,
				  const struct tp_report_opts *opts, FILE *f, struct tp_diag *d)
{
	int bad = 0;
	json_t *j = NULL;
	enum tp_err e = TP_OK;
	switch (format) {
	case TP_REPORT_TEXT:
		bad = write_text(r, f);
		break;
	case TP_REPORT_CSV:
		bad = write_csv(r, f);
		break;
	case TP_REPORT_DOT:
		if (r->opts.no_flow)
			return tp_diag_set(d, TP_EINVAL,
					   "a DOT report draws the flow graph, which this trace "
					   "skipped (no_flow): run it again without");
		bad = write_dot(r, NULL, f);
		break;
	case TP_REPORT_JSON:
		j = report_json(r);
		break;
	case TP_REPORT_STIX:
		if (opts && opts->intrusion_set_id && strncmp(opts->intrusion_set_id, "intrusion-set--", 15))
			return tp_diag_set(d, TP_EINVAL, "'%s' is not an intrusion-set id",
					   opts->intrusion_set_id);
		e = report_stix(r, opts, &j);
		break;
	default:
		return tp_diag_set(d, TP_EINVAL, "unknown report format");
	}
	if (j) {
		bad = json_dumpf(j, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0 || fputc('\n', f) == EOF;
		json_decref(j);
	} else if (format == TP_REPORT_JSON || format == TP_REPORT_STIX) {
		return tp_diag_set(d, TP_ENOMEM, "out of memory");
	}
	if (e != TP_OK)
		return tp_diag_set(d, e, "cannot make ids: %s", tp_strerror(e));
	if (bad)
		return tp_diag_set(d, TP_EIO, "write error");
	return TP_OK;
}
