/*
 * tripact match: STIX indicators against sensor telemetry, sightings out.
 *
 *	tripact match --indicators intel.json --identity "CERT-EU (demo)" \
 *	    --output sightings.json --hits hits.jsonl conn.log.gz dns.log eve.json
 *
 * stderr gets the summary (records per format, indicators loaded and left
 * out with the reason, hits per indicator). Exit status: 0 nothing matched,
 * 1 something matched (like an alert: scripts test for it), 2 error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "tripact/json.h"
#include "tripact/match.h"

static void usage(FILE *f)
{
	fputs("usage: tripact match --indicators BUNDLE [options] FILE...|-\n"
	      "\n"
	      "Matches the indicators of STIX bundles against Zeek logs (TSV or JSON),\n"
	      "Suricata EVE or JSON lines (plain or gzip) and writes one STIX 2.1\n"
	      "sighting per matched indicator, with observed-data and the matched\n"
	      "observables, carrying the indicator's TLP marking.\n"
	      "\n"
	      "options:\n"
	      "  --indicators FILE   STIX bundle of indicators (repeatable)\n"
	      "  --format F          auto (default: from each file's first line), zeek,\n"
	      "                      zeek-json, eve, jsonl\n"
	      "  --map FIELD=KEY     for jsonl: read FIELD (src, dst, src_port, dst_port,\n"
	      "                      proto, query, answer, host, uri, url, method,\n"
	      "                      user_agent, sni, md5, sha1, sha256, filename, size,\n"
	      "                      mime_type, email, cert_subject, cert_issuer,\n"
	      "                      cert_serial, cert_sha1, cert_sha256, domain,\n"
	      "                      http_port, ts)\n"
	      "                      from the member KEY (a.b: nested); repeatable.\n"
	      "                      Without --map each field is read from its own name\n"
	      "  --identity NAME     organisation where it was sighted (default\n"
	      "                      \"tripact match\")\n"
	      "  --max-observed N    observed-data kept per indicator (default 10; later\n"
	      "                      hits are counted)\n"
	      "  --output FILE       sightings bundle (default: stdout)\n"
	      "  --hits FILE         one JSON line per (record, indicator) match\n"
	      "  --validity V        which of an indicator's valid_from/valid_until a\n"
	      "                      record's time must respect: until (default: a record\n"
	      "                      at or after valid_until is no hit), both, none;\n"
	      "                      matches left out are counted in the summary\n"
	      "  --skip-bad          report and skip malformed records instead of stopping\n"
	      "  -q, --quiet         no per-indicator lines in the summary\n"
	      "\n"
	      "exit status: 0 no hits, 1 hits, 2 error (bad input names file:line).\n",
	      f);
}

struct ctx {
	FILE *hits;
	int quiet;
	size_t reported;
};

static void report(void *vctx, const char *file, const struct tp_diag *d)
{
	struct ctx *c = vctx;
	c->reported++;
	if (c->quiet && c->reported > 20)
		return;
	if (file)
		fprintf(stderr, "tripact: %s:%ld: %s (skipped)\n", file, d->line, d->message);
	else
		fprintf(stderr, "tripact: %s: not matched: %s\n", d->object_id, d->message);
}

static void on_hit(void *vctx, const struct tp_match_hit *h)
{
	struct ctx *c = vctx;
	if (!c->hits)
		return;
	char ts[TP_TIME_BUFSZ] = "";
	if (h->ts)
		tp_time_format(h->ts, -1, ts);
	json_t *o = json_pack("{s:s, s:s, s:i, s:s, s:s?}", "indicator", h->indicator_id, "file",
			      h->file, "line", (json_int_t)h->line, "log", h->log, "ts",
			      h->ts ? ts : NULL);
	char *s = o ? tp_json_dump(o) : NULL;
	if (s)
		fprintf(c->hits, "%s\n", s);
	free(s);
	json_decref(o);
}

static int load(struct tp_match *m, const char *path)
{
	json_t *root = NULL;
	struct tp_diag d = {0};
	if (tp_json_load_file(path, &root, &d) != TP_OK)
		return tp_cli_fail("match: %s:%ld:%ld: %s", path, d.line, d.column, d.message);
	enum tp_err e = tp_match_add_indicators(m, root, &d);
	json_decref(root);
	if (e != TP_OK)
		return tp_cli_fail("match: %s: %s", path, d.message);
	return TP_EXIT_OK;
}

static void summary(const struct tp_match *m, const struct ctx *c)
{
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	size_t recs = 0;
	fputs("match: records:", stderr);
	for (int f = 1; f < TP_MATCH_FORMATS; f++)
		if (st.records[f]) {
			fprintf(stderr, " %s %zu", tp_match_format_name(f), st.records[f]);
			recs += st.records[f];
		}
	fprintf(stderr, "%s (%zu lines, %zu bytes); bad records skipped: %zu\n",
		recs ? "" : " none", st.lines, st.bytes, st.bad);
	if (st.truncated)
		fprintf(stderr,
			"match: %zu records had more than 256 values; those past it were not "
			"matched\n",
			st.truncated);
	fprintf(stderr, "match: indicators: %zu matched against", st.indicators);
	if (st.windowed)
		fprintf(stderr, " (%zu over several records)", st.windowed);
	fprintf(stderr, ", %zu not matched (reported)\n", st.unsupported);
	if (st.window_dropped)
		fprintf(stderr,
			"match: %zu records left windows unmatched (full, or too many "
			"combinations): matches with them may be missed\n",
			st.window_dropped);
	fprintf(stderr, "match: hits: %zu by %zu indicators", st.hits, st.sighted);
	if (st.capped)
		fprintf(stderr, " (%zu beyond --max-observed counted only)", st.capped);
	fputc('\n', stderr);
	if (st.outside)
		fprintf(stderr,
			"match: %zu matches left out: the record's time is outside the "
			"indicator's validity (--validity)\n",
			st.outside);
	for (size_t i = 0; !c->quiet && i < st.indicators; i++) {
		const char *id;
		size_t hits, outside;
		tp_match_indicator(m, i, &id, &hits, &outside);
		if (outside)
			fprintf(stderr, "  %8zu  %s (%zu more outside its validity)\n", hits, id,
				outside);
		else if (hits)
			fprintf(stderr, "  %8zu  %s\n", hits, id);
	}
}

static int write_bundle(struct tp_match *m, const char *output)
{
	json_t *b = NULL;
	struct tp_diag d = {0};
	if (tp_match_sightings(m, &b, &d) != TP_OK)
		return tp_cli_fail("match: %s", d.message);
	FILE *f = output ? fopen(output, "w") : stdout;
	if (!f) {
		json_decref(b);
		return tp_cli_fail("match: cannot write %s", output);
	}
	int rc = json_dumpf(b, f, JSON_INDENT(1)) == 0 && fputc('\n', f) != EOF ? 0 : -1;
	if (output && fclose(f) != 0)
		rc = -1;
	json_decref(b);
	return rc ? tp_cli_fail("match: writing %s failed", output ? output : "stdout")
		  : TP_EXIT_OK;
}

static int run(struct tp_match *m, const char **files, size_t nfiles, enum tp_match_format f,
	       const char *output, struct ctx *c)
{
	struct tp_diag d = {0};
	if (tp_match_compile(m, &d) != TP_OK)
		return tp_cli_fail("match: %s", d.message);
	for (size_t i = 0; i < nfiles; i++) {
		tp_diag_clear(&d);
		if (tp_match_read_file(m, files[i], f, &d) != TP_OK) {
			if (d.line)
				return tp_cli_fail("match: %s:%ld: %s", files[i], d.line,
						   d.message);
			return tp_cli_fail("match: %s: %s", files[i], d.message);
		}
	}
	summary(m, c);
	int rc = write_bundle(m, output);
	if (rc)
		return rc;
	struct tp_match_stats st;
	tp_match_stats(m, &st);
	return st.hits ? TP_EXIT_NO : TP_EXIT_OK;
}

int cmd_match(int argc, char **argv)
{
	if (tp_cli_wants_help(argc, argv)) {
		usage(stdout);
		return TP_EXIT_OK;
	}
	const char **inds = calloc((size_t)argc, sizeof *inds);
	const char **maps = calloc((size_t)argc, sizeof *maps);
	const char **files = calloc((size_t)argc, sizeof *files);
	size_t ninds = 0, nmaps = 0, nfiles = 0;
	const char *output = NULL, *hits = NULL;
	struct tp_match_opts o = {0};
	enum tp_match_format fmt = TP_MATCH_AUTO;
	struct ctx c = {0};
	struct tp_match *m = NULL;
	int rc = TP_EXIT_OK, only_files = 0;
	if (!inds || !maps || !files) {
		rc = tp_cli_fail("match: out of memory");
		goto out;
	}
	for (int i = 1; i < argc && rc == TP_EXIT_OK; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!only_files && strcmp(a, "--") == 0) {
			only_files = 1;
		} else if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
			files[nfiles++] = a;
		} else if (strcmp(a, "--skip-bad") == 0) {
			o.skip_bad = 1;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			c.quiet = 1;
		} else if (!v) {
			rc = tp_cli_fail("match: %s needs a value (see 'tripact match --help')", a);
		} else {
			i++;
			if (strcmp(a, "--indicators") == 0)
				inds[ninds++] = v;
			else if (strcmp(a, "--map") == 0)
				maps[nmaps++] = v;
			else if (strcmp(a, "--identity") == 0)
				o.identity = v;
			else if (strcmp(a, "--output") == 0 || strcmp(a, "-o") == 0)
				output = v;
			else if (strcmp(a, "--hits") == 0)
				hits = v;
			else if (strcmp(a, "--max-observed") == 0) {
				char *end;
				long n = strtol(v, &end, 10);
				if (*end || n < 1 || n > 1000000)
					rc = tp_cli_fail("match: --max-observed wants 1..1000000, "
							 "not '%s'",
							 v);
				o.max_observed = (size_t)n;
			} else if (strcmp(a, "--validity") == 0) {
				if (strcmp(v, "until") == 0)
					o.validity = TP_MATCH_VALID_UNTIL;
				else if (strcmp(v, "both") == 0)
					o.validity = TP_MATCH_VALID_BOTH;
				else if (strcmp(v, "none") == 0)
					o.validity = TP_MATCH_VALID_NONE;
				else
					rc = tp_cli_fail("match: --validity wants until, both or "
							 "none, not '%s'",
							 v);
			} else if (strcmp(a, "--format") == 0) {
				if (tp_match_format_parse(v, &fmt) != TP_OK)
					rc = tp_cli_fail("match: unknown format '%s' (auto, zeek, "
							 "zeek-json, eve, jsonl)",
							 v);
			} else {
				rc = tp_cli_fail("match: unknown option %s (see 'tripact match "
						 "--help')",
						 a);
			}
		}
	}
	if (rc == TP_EXIT_OK && !ninds)
		rc = tp_cli_fail("match: --indicators BUNDLE is required");
	if (rc == TP_EXIT_OK && !nfiles)
		rc = tp_cli_fail("match: no telemetry given (FILE... or - for stdin)");
	if (rc == TP_EXIT_OK && nmaps && fmt != TP_MATCH_JSONL && fmt != TP_MATCH_AUTO)
		rc = tp_cli_fail("match: --map applies to --format jsonl only");
	if (rc != TP_EXIT_OK)
		goto out;
	o.map = maps;
	o.nmap = nmaps;
	if (hits && !(c.hits = fopen(hits, "w"))) {
		rc = tp_cli_fail("match: cannot write %s", hits);
		goto out;
	}
	enum tp_err e = tp_match_new(&o, report, on_hit, &c, &m);
	if (e == TP_EINVAL) {
		rc = tp_cli_fail("match: bad --map (FIELD=KEY, FIELD one of those in --help)");
		goto out;
	}
	if (e != TP_OK) {
		rc = tp_cli_fail("match: %s", tp_strerror(e));
		goto out;
	}
	for (size_t i = 0; i < ninds && rc == TP_EXIT_OK; i++)
		rc = load(m, inds[i]);
	if (rc == TP_EXIT_OK)
		rc = run(m, files, nfiles, fmt, output, &c);
out:
	if (c.hits && fclose(c.hits) != 0 && rc != TP_EXIT_ERROR)
		rc = tp_cli_fail("match: writing %s failed", hits);
	tp_match_free(m);
	free(inds);
	free(maps);
	free(files);
	return rc;
}
