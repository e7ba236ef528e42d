/*
 * tripact import: partner IOC formats to one STIX 2.1 bundle.
 *
 *	tripact import --from list --identity "JP NISC (demo)" --tlp green \
 *	    --attack data/intel/attack/attack-dprk-v18.1.stix21.json \
 *	    --attribute-to G0032 -o lazarus.json data/intel/maltrail/apt_lazarus.txt
 *
 * Every input record that cannot be converted is reported on stderr as
 * "FILE:LINE: why" (or "FILE: JSON-PATH: why"); the exit status is then 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "tripact/convert.h"
#include "tripact/json.h"
#include "tripact/stix.h"
#include "tripact/time.h"

#define MAX_TARGETS 32

static void usage(FILE *f)
{
	fputs("usage: tripact import [options] --from FORMAT FILE... [--from FORMAT FILE...]\n"
	      "\n"
	      "Converts IOC files into one STIX 2.1 bundle (stdout, or -o FILE).\n"
	      "--from, --attribute-to and --source apply to the files after them, so\n"
	      "one bundle can gather several sources, each with its own attribution.\n"
	      "\n"
	      "formats:\n"
	      "  misp     MISP event JSON (attributes and objects; to_ids decides\n"
	      "           indicator or observable; tlp: tags become markings)\n"
	      "  csv      value,type[,notes] tables (a header row locates the columns)\n"
	      "  list     one IOC per line, type inferred, defanged forms undone,\n"
	      "           '#' comments kept as descriptions\n"
	      "  stix20   STIX 2.0 bundles, upgraded to 2.1\n"
	      "  adoc     IOC tables and network/hash listings of AsciiDoc reports\n"
	      "           (ESET's README.adoc)\n"
	      "\n"
	      "options:\n"
	      "  --identity NAME       producing organisation (identity object made)\n"
	      "  --tlp LEVEL           clear, green, amber, amber+strict or red marking\n"
	      "  --attribute-to ID     add 'indicates' relationships to this SDO id, or to\n"
	      "                        an ATT&CK id (G0032, S0001) found in --attack;\n"
	      "                        repeat for several targets; after a FILE, starts\n"
	      "                        a new list ('none': no attribution)\n"
	      "  --attack FILE         STIX bundle to resolve ATT&CK ids and MISP galaxies\n"
	      "  --include-targets     copy the --attack objects indicated into the bundle\n"
	      "  --warninglist PATH    MISP warninglist file or directory (repeatable):\n"
	      "                        values on a list become observables, not\n"
	      "                        indicators, and are reported\n"
	      "  --source NAME         source_name of the external references\n"
	      "                        (default: the input file name)\n"
	      "  --time RFC3339        created/modified/valid_from (default: now)\n"
	      "  --bundle-id ID        the bundle id (default: derived, deterministic)\n"
	      "  -o, --output FILE     write the bundle to FILE instead of stdout\n"
	      "  -q, --quiet           do not print rejected records\n"
	      "\n"
	      "Exit status: 0 all records converted (values on a warninglist included),\n"
	      "1 some were rejected (each reported with file and line), 2 usage or\n"
	      "I/O error (no output file is left behind).\n",
	      f);
}

struct ctx {
	FILE *out;
	int quiet;
	size_t reported;
};

static enum tp_err sink(void *p, const char *s, size_t n)
{
	struct ctx *c = p;
	return fwrite(s, 1, n, c->out) == n ? TP_OK : TP_EIO;
}

static void report(void *p, const char *file, const struct tp_diag *d)
{
	struct ctx *c = p;
	c->reported++;
	if (c->quiet)
		return;
	if (d->line)
		fprintf(stderr, "%s:%ld: %s\n", file, d->line, d->message);
	else if (d->path[0])
		fprintf(stderr, "%s: %s: %s\n", file, d->path, d->message);
	else
		fprintf(stderr, "%s: %s\n", file, d->message);
}

/* "G0032" -> the id of the ATT&CK object with that external_id. */
static const char *attack_id(const json_t *attack, const char *ext)
{
	size_t i, j;
	const json_t *o, *r;
	json_array_foreach(json_object_get(attack, "objects"), i, o)
	{
		json_array_foreach(json_object_get(o, "external_references"), j, r)
		{
			const char *x = tp_json_str(r, "external_id");
			const char *src = tp_json_str(r, "source_name");
			if (x && src && strcmp(src, "mitre-attack") == 0 && strcmp(x, ext) == 0)
				return tp_json_str(o, "id");
		}
	}
	return NULL;
}

static enum tp_err slurp(const char *path, char **text, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f)
		return TP_EIO;
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap);
	while (p) {
		size_t r = fread(p + n, 1, cap - n, f);
		n += r;
		if (r == 0)
			break;
		if (n == cap) {
			char *q = cap > ((size_t)1 << 31) ? NULL : realloc(p, cap *= 2);
			if (!q) {
				free(p);
				p = NULL;
			}
			p = q;
		}
	}
	int err = ferror(f);
	if (f != stdin)
		fclose(f);
	if (!p || err) {
		free(p);
		return p ? TP_EIO : TP_ENOMEM;
	}
	*text = p;
	*len = n;
	return TP_OK;
}

static enum tp_err import_one(struct tp_convert *cv, const char *from, const char *path,
			      struct tp_diag *d)
{
	if (strcmp(from, "list") == 0 || strcmp(from, "csv") == 0 || strcmp(from, "adoc") == 0) {
		FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
		if (!f)
			return tp_diag_set(d, TP_EIO, "cannot open %s: %s", path, strerror(errno));
		enum tp_err e = from[0] == 'l'	 ? tp_convert_list(cv, path, f, d)
				: from[0] == 'c' ? tp_convert_csv(cv, path, f, d)
						 : tp_convert_adoc(cv, path, f, d);
		if (f != stdin)
			fclose(f);
		return e;
	}
	char *text;
	size_t len;
	enum tp_err e = slurp(path, &text, &len);
	if (e != TP_OK)
		return tp_diag_set(d, e, "cannot read %s: %s", path, strerror(errno));
	if (strcmp(from, "misp") == 0)
		e = tp_convert_misp(cv, path, text, len, d);
	else
		e = tp_convert_stix20(cv, path, text, len, d);
	free(text);
	return e;
}

/* One input file and the settings in effect where it appears. */
struct input {
	const char *path, *from, *source;
	size_t first, n; /* its --attribute-to values in targets[] */
};

static int known_format(const char *f)
{
	return strcmp(f, "misp") == 0 || strcmp(f, "csv") == 0 || strcmp(f, "list") == 0 ||
	       strcmp(f, "stix20") == 0 || strcmp(f, "adoc") == 0;
}

int cmd_import(int argc, char **argv)
{
	if (tp_cli_wants_help(argc, argv)) {
		usage(stdout);
		return TP_EXIT_OK;
	}
	const char *output = NULL, *attack_path = NULL, *time_s = NULL;
	const char *from = NULL, *source = NULL;
	const char *wl_paths[MAX_TARGETS];
	size_t nwl = 0;
	const char *targets_arg[MAX_TARGETS];
	const char *targets[MAX_TARGETS];
	size_t ntargets = 0, group = 0; /* group: first target of the current list */
	int new_group = 0;		/* a file came after the last --attribute-to */
	struct input *in = calloc((size_t)argc, sizeof *in);
	size_t nin = 0;
	struct tp_convert_opts o = {0};
	struct ctx cx = {.out = stdout};
	int only_files = 0;
	if (!in)
		return tp_cli_fail("import: out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!only_files && strcmp(a, "--") == 0) {
			only_files = 1;
			continue;
		}
		if (only_files || a[0] != '-' || strcmp(a, "-") == 0) {
			if (!from) {
				free(in);
				return tp_cli_fail("import: --from FORMAT is required before %s "
						   "(misp, csv, list, stix20, adoc)",
						   a);
			}
			in[nin++] = (struct input){a, from, source, group, ntargets - group};
			new_group = 1;
			continue;
		}
		if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			cx.quiet = 1;
			continue;
		}
		if (strcmp(a, "--include-targets") == 0) {
			o.include_targets = 1;
			continue;
		}
		if (!v) {
			free(in);
			return tp_cli_fail("import: %s needs a value (see 'tripact import --help')",
					   a);
		}
		i++;
		int bad = 0;
		if (strcmp(a, "--from") == 0) {
			from = v;
			bad = !known_format(v);
		} else if (strcmp(a, "--identity") == 0) {
			o.identity = v;
		} else if (strcmp(a, "--tlp") == 0) {
			if (tp_convert_tlp_parse(v, &o.tlp) != TP_OK) {
				free(in);
				return tp_cli_fail("import: unknown TLP level '%s' (clear, green, "
						   "amber, amber+strict, red)",
						   v);
			}
		} else if (strcmp(a, "--attribute-to") == 0) {
			if (new_group) {
				group = ntargets;
				new_group = 0;
			}
			if (strcmp(v, "none") == 0)
				continue;
			if (ntargets == MAX_TARGETS) {
				free(in);
				return tp_cli_fail("import: at most %d --attribute-to",
						   MAX_TARGETS);
			}
			targets_arg[ntargets++] = v;
		} else if (strcmp(a, "--attack") == 0) {
			attack_path = v;
		} else if (strcmp(a, "--warninglist") == 0) {
			if (nwl == MAX_TARGETS) {
				free(in);
				return tp_cli_fail("import: at most %d --warninglist", MAX_TARGETS);
			}
			wl_paths[nwl++] = v;
		} else if (strcmp(a, "--source") == 0) {
			source = v;
		} else if (strcmp(a, "--time") == 0) {
			time_s = v;
		} else if (strcmp(a, "--bundle-id") == 0) {
			o.bundle_id = v;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			output = v;
		} else {
			free(in);
			return tp_cli_fail(
				"import: unknown option '%s' (see 'tripact import --help')", a);
		}
		if (bad) {
			free(in);
			return tp_cli_fail(
				"import: unknown format '%s' (misp, csv, list, stix20, adoc)", v);
		}
	}
	if (nin == 0) {
		free(in);
		if (!from)
			return tp_cli_fail("import: --from FORMAT is required (misp, csv, list, "
					   "stix20, adoc)");
		return tp_cli_fail("import: no input FILE (use - for stdin)");
	}
	struct tp_diag idd = {0};
	if (o.bundle_id && tp_stix_id_check(o.bundle_id, "bundle", NULL, &idd) != TP_OK) {
		free(in);
		return tp_cli_fail("import: --bundle-id: %s", idd.message);
	}
	if (time_s && tp_time_parse(time_s, strlen(time_s), TP_TIME_ANY_OFFSET, &o.time, NULL,
				    NULL) != TP_OK) {
		free(in);
		return tp_cli_fail("import: --time '%s' is not an RFC 3339 timestamp", time_s);
	}

	int rc = TP_EXIT_ERROR;
	json_t *attack = NULL;
	struct tp_convert *cv = NULL;
	struct tp_warninglists *wl = NULL;
	struct tp_diag d;
	tp_diag_clear(&d);
	if (nwl) {
		if (tp_warninglists_new(&wl) != TP_OK) {
			tp_cli_fail("import: out of memory");
			goto out;
		}
		for (size_t k = 0; k < nwl; k++) {
			if (tp_warninglists_add(wl, wl_paths[k], &d) != TP_OK) {
				tp_cli_fail("import: --warninglist %s", d.message);
				goto out;
			}
		}
		o.warninglists = wl;
	}
	if (attack_path) {
		if (tp_json_load_file(attack_path, &attack, &d) != TP_OK) {
			tp_cli_fail("import: %s:%ld:%ld: %s", attack_path, d.line, d.column,
				    d.message);
			goto out;
		}
		o.attack = attack;
	}
	for (size_t k = 0; k < ntargets; k++) {
		targets[k] = targets_arg[k];
		if (!strstr(targets_arg[k], "--")) {
			targets[k] = attack ? attack_id(attack, targets_arg[k]) : NULL;
			if (!targets[k]) {
				tp_cli_fail(
					"import: --attribute-to %s: %s", targets_arg[k],
					attack ? "no such ATT&CK id in --attack"
					       : "not a STIX id (give --attack to use ATT&CK ids)");
				goto out;
			}
		}
	}
	if (output && strcmp(output, "-") != 0) {
		cx.out = fopen(output, "w");
		if (!cx.out) {
			tp_cli_fail("import: cannot write %s: %s", output, strerror(errno));
			goto out;
		}
	}
	enum tp_err e = tp_convert_new(&o, sink, report, &cx, &cv);
	if (e != TP_OK) {
		tp_cli_fail("import: %s", tp_strerror(e));
		goto out;
	}
	for (size_t k = 0; k < nin; k++) {
		e = tp_convert_set_targets(cv, targets + in[k].first, in[k].n, in[k].source);
		if (e != TP_OK) {
			tp_cli_fail("import: an --attribute-to value is not a STIX id");
			goto out;
		}
		e = import_one(cv, in[k].from, in[k].path, &d);
		if (e != TP_OK) {
			tp_cli_fail("import: %s", d.message[0] ? d.message : tp_strerror(e));
			goto out;
		}
	}
	struct tp_convert_stats st;
	if (tp_convert_finish(cv, &st, &d) != TP_OK) {
		tp_cli_fail("import: %s", d.message);
		goto out;
	}
	if (cx.out != stdout && fclose(cx.out) != 0) {
		cx.out = NULL;
		tp_cli_fail("import: cannot write %s: %s", output, strerror(errno));
		goto out;
	}
	if (cx.out == stdout && fflush(stdout) != 0) {
		tp_cli_fail("import: cannot write the bundle: %s", strerror(errno));
		goto out;
	}
	cx.out = NULL;
	fprintf(stderr,
		"tripact import: %zu records: %zu indicators, %zu observables, %zu "
		"relationships, %zu other objects; %zu duplicates merged, %zu rejected",
		st.rows, st.indicators, st.observables, st.relationships, st.other, st.duplicates,
		st.rejected);
	if (nwl)
		fprintf(stderr, ", %zu on warninglists (kept as observables)", st.warned);
	fputc('\n', stderr);
	rc = st.rejected ? TP_EXIT_NO : TP_EXIT_OK;
out:
	if (cx.out && cx.out != stdout) {
		fclose(cx.out);
		if (rc == TP_EXIT_ERROR)
			unlink(output);
	}
	tp_convert_free(cv);
	tp_warninglists_free(wl);
	json_decref(attack);
	free(in);
	return rc;
}
