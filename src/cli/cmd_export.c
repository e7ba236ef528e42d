/*
 * tripact export: STIX 2.1 indicators out to MISP, CSV, Suricata datasets
 * and the Zeek Intel framework.
 *
 *	tripact export --to zeek-intel -o dprk.intel data/demo/dprk-iocs-clear.json
 *	tripact export --to suricata -d rules/ data/demo/dprk-iocs-clear.json
 *
 * Indicators that the target cannot express exactly are listed on stderr
 * with their ids; the exit status is then 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tripact/convert.h"
#include "tripact/json.h"

static void usage(FILE *f)
{
	fputs("usage: tripact export --to FORMAT [-o FILE | -d DIR] BUNDLE\n"
	      "\n"
	      "Writes the exact-value indicators of a STIX 2.1 bundle (- for stdin).\n"
	      "\n"
	      "formats:\n"
	      "  misp        a MISP event (core format JSON): an attribute per indicator,\n"
	      "              a coin-address object per ETH address\n"
	      "  csv         value,type,notes,id,tlp (readable by 'tripact import --from csv')\n"
	      "  suricata    Suricata 7 datasets, hash lists, tripact.rules (with a rule\n"
	      "              per URL), into -d DIR\n"
	      "  zeek-intel  a Zeek Intel framework file\n"
	      "\n"
	      "options:\n"
	      "  -o, --output FILE   output file (default stdout; not for suricata)\n"
	      "  -d, --dir DIR       output directory (suricata)\n"
	      "  -q, --quiet         do not list the indicators left out\n"
	      "\n"
	      "Exit status: 0 every indicator written, 1 some left out (each reported),\n"
	      "2 usage or I/O error.\n",
	      f);
}

static void report(void *p, const char *file, const struct tp_diag *d)
{
	int *quiet = p;
	if (!*quiet)
		fprintf(stderr, "tripact export: %s: %s\n", d->object_id, d->message);
}

int cmd_export(int argc, char **argv)
{
	if (tp_cli_wants_help(argc, argv)) {
		usage(stdout);
		return TP_EXIT_OK;
	}
	const char *to = NULL, *output = NULL, *dir = NULL, *input = NULL;
	int quiet = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			quiet = 1;
			continue;
		}
		if (a[0] != '-' || strcmp(a, "-") == 0) {
			if (input)
				return tp_cli_fail("export: one BUNDLE at a time");
			input = a;
			continue;
		}
		if (!v)
			return tp_cli_fail("export: %s needs a value (see 'tripact export --help')",
					   a);
		i++;
		if (strcmp(a, "--to") == 0)
			to = v;
		else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)
			output = v;
		else if (strcmp(a, "-d") == 0 || strcmp(a, "--dir") == 0)
			dir = v;
		else
			return tp_cli_fail(
				"export: unknown option '%s' (see 'tripact export --help')", a);
	}
	enum tp_export_format fmt;
	if (!to)
		return tp_cli_fail(
			"export: --to FORMAT is required (misp, csv, suricata, zeek-intel)");
	if (tp_export_format_parse(to, &fmt) != TP_OK)
		return tp_cli_fail("export: unknown format '%s' (misp, csv, suricata, zeek-intel)",
				   to);
	if (!input)
		return tp_cli_fail("export: no BUNDLE file (use - for stdin)");
	if (fmt == TP_EXPORT_SURICATA && !dir)
		return tp_cli_fail("export: suricata writes several files: give -d DIR");
	if (fmt != TP_EXPORT_SURICATA && dir)
		return tp_cli_fail("export: -d is for suricata; use -o FILE");

	json_t *bundle;
	struct tp_diag d;
	tp_diag_clear(&d);
	if (tp_json_load_file(input, &bundle, &d) != TP_OK)
		return tp_cli_fail("export: %s:%ld:%ld: %s", input, d.line, d.column, d.message);
	FILE *out = NULL;
	if (fmt != TP_EXPORT_SURICATA) {
		out = output && strcmp(output, "-") != 0 ? fopen(output, "w") : stdout;
		if (!out) {
			json_decref(bundle);
			return tp_cli_fail("export: cannot write %s: %s", output, strerror(errno));
		}
	}
	struct tp_export_stats st;
	enum tp_err e = tp_export_write(bundle, fmt, out, dir, report, &quiet, &st, &d);
	json_decref(bundle);
	int closed = 0;
	if (out && out != stdout)
		closed = fclose(out);
	else if (out)
		closed = fflush(out);
	if (e != TP_OK)
		return tp_cli_fail("export: %s", d.message[0] ? d.message : tp_strerror(e));
	if (closed != 0)
		return tp_cli_fail("export: cannot write %s: %s", output ? output : "stdout",
				   strerror(errno));
	fprintf(stderr, "tripact export: %zu indicators: %zu written, %zu left out\n",
		st.indicators, st.written, st.skipped);
	return st.skipped ? TP_EXIT_NO : TP_EXIT_OK;
}
