/*
 * tripact validate [options] FILE...: checks STIX 2.1 content against
 * the specification, streaming (a bundle of a million objects costs the
 * memory of its largest object). One line per problem:
 *
 *	attack.json:1234: malware--3a1e...: labels[0]: warning: value 'Trojan' is not
 *	  in the malware-type-ov vocabulary [malware-types 216]
 *
 * then a summary per file. Options follow the OASIS stix2-validator so
 * scripts can switch by changing the program name. Exit 0 valid, 1
 * invalid, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "tripact/json.h"
#include "tripact/pattern.h"
#include "tripact/reader.h"
#include "tripact/validate.h"

static const char usage_text[] =
	"usage: tripact validate [options] FILE...\n"
	"\n"
	"Checks STIX 2.1 content: a bundle, a single object, a JSON array of\n"
	"objects, or JSON lines ('-' reads standard input). Prints one line per\n"
	"problem, FILE:LINE: OBJECT-ID: JSON-PATH: error|warning: message [check],\n"
	"and a summary per file. Exit 0 valid, 1 invalid, 2 usage or I/O error.\n"
	"\n"
	"options (as the OASIS stix2-validator):\n"
	"  --strict               treat best-practice warnings as errors\n"
	"  --strict-types         custom object types are errors\n"
	"  --strict-properties    custom properties are errors\n"
	"  --enforce-refs         references must resolve within the file\n"
	"  --interop              interoperability checks (see docs/validate.md)\n"
	"  -d, --disable CHECKS   skip these best-practice checks (names or codes,\n"
	"                         comma-separated: 101,hash-algo)\n"
	"  -e, --enable CHECKS    run only these (or re-enable, with --disable)\n"
	"  --version 2.1          the STIX version (only 2.1)\n"
	"  -q, --silent           print only the summary\n"
	"  -v, --verbose          print every warning (default: 10 per check and file)\n"
	"  --max-object-size N    per-object size limit in bytes (default 16 MiB)\n"
	"\n"
	"Check names and codes: docs/validate.md.\n";

#define MAX_TYPES 64

/* Without -v, each best-practice check prints at most this many lines per
 * file: a bundle with 2,000 objects missing the same recommended property
 * should not bury its errors. Errors are always all printed. */
#define WARNINGS_SHOWN 10

struct file_run {
	const char *name;
	long line; /* of the object being validated */
	int silent, verbose;
	size_t hidden;
	struct tp_stix_counts counts;
	size_t bundles, malformed;
	struct {
		char name[64];
		size_t n;
	} types[MAX_TYPES];
	size_t ntypes, other_types;
	size_t by_check_n[32];
	char by_check[32][40];
	size_t nchecks;
};

/* Counts a problem under its check; returns how many it has now. */
static size_t count_check(struct file_run *f, const char *check, enum tp_stix_severity sev)
{
	char key[40];
	snprintf(key, sizeof key, "%s%s", sev == TP_STIX_WARNING ? "w:" : "e:", check);
	for (size_t i = 0; i < f->nchecks; i++)
		if (strcmp(f->by_check[i], key) == 0)
			return ++f->by_check_n[i];
	if (f->nchecks < 32) {
		snprintf(f->by_check[f->nchecks], sizeof f->by_check[0], "%s", key);
		f->by_check_n[f->nchecks++] = 1;
	}
	return 1;
}

static void print_problem(void *ctx, const struct tp_stix_problem *p)
{
	struct file_run *f = ctx;
	size_t n = count_check(f, p->check, p->severity);
	if (f->silent)
		return;
	if (p->severity == TP_STIX_WARNING && !f->verbose && n > WARNINGS_SHOWN) {
		f->hidden++;
		return;
	}
	char code[16] = "";
	if (p->code)
		snprintf(code, sizeof code, " %d", p->code);
	printf("%s:%ld: %s: %s: %s: %s [%s%s]\n", f->name, p->line ? p->line : f->line,
	       *p->object_id ? p->object_id : "-", *p->path ? p->path : ".",
	       p->severity == TP_STIX_ERROR ? "error" : "warning", p->message, p->check, code);
}

static void input_error(struct file_run *f, const struct tp_diag *d, const char *what,
			const char *check)
{
	f->counts.errors++;
	f->malformed++;
	count_check(f, check, TP_STIX_ERROR);
	if (f->silent)
		return;
	if (d->column > 0)
		printf("%s:%ld:%ld: error: %s%s [%s]\n", f->name, d->line, d->column, what,
		       d->message, check);
	else
		printf("%s:%ld: error: %s%s [%s]\n", f->name, d->line, what, d->message, check);
}

static void count_type(struct file_run *f, const json_t *o)
{
	const char *t = tp_json_str(o, "type");
	if (!t)
		t = "(no type)";
	for (size_t i = 0; i < f->ntypes; i++)
		if (strcmp(f->types[i].name, t) == 0) {
			f->types[i].n++;
			return;
		}
	if (f->ntypes < MAX_TYPES && strlen(t) < sizeof f->types[0].name) {
		snprintf(f->types[f->ntypes].name, sizeof f->types[0].name, "%s", t);
		f->types[f->ntypes++].n = 1;
	} else {
		f->other_types++;
	}
}

/* Most frequent first; ties in order of first appearance (deterministic). */
static int by_count(const void *a, const void *b)
{
	const size_t *x = a, *y = b;
	if (x[0] != y[0])
		return x[0] < y[0] ? 1 : -1;
	return x[1] < y[1] ? -1 : x[1] > y[1];
}

static void summary(struct file_run *f, int stix20)
{
	printf("%s: %zu object%s", f->name, f->counts.objects, f->counts.objects == 1 ? "" : "s");
	if (f->bundles)
		printf(" in %zu bundle%s", f->bundles, f->bundles == 1 ? "" : "s");
	printf(", %zu error%s, %zu warning%s: %s\n", f->counts.errors,
	       f->counts.errors == 1 ? "" : "s", f->counts.warnings,
	       f->counts.warnings == 1 ? "" : "s",
	       stix20		  ? "STIX 2.0, not validated (tripact validates STIX 2.1)"
	       : f->counts.errors ? "INVALID"
				  : "valid STIX 2.1");
	if (f->ntypes) {
		/* sort the types by count (the struct starts with the name, so
		 * sort an index instead) */
		struct {
			size_t n;
			size_t i;
		} idx[MAX_TYPES];
		for (size_t i = 0; i < f->ntypes; i++) {
			idx[i].n = f->types[i].n;
			idx[i].i = i;
		}
		qsort(idx, f->ntypes, sizeof idx[0], by_count);
		printf("  by type:");
		for (size_t i = 0; i < f->ntypes; i++)
			printf("%s %s %zu", i ? "," : "", f->types[idx[i].i].name, idx[i].n);
		if (f->other_types)
			printf(", other %zu", f->other_types);
		printf("\n");
	}
	if (f->nchecks) {
		printf("  by check:");
		for (size_t i = 0; i < f->nchecks; i++)
			printf("%s %s %s %zu", i ? "," : "",
			       f->by_check[i][0] == 'w' ? "warning" : "error", f->by_check[i] + 2,
			       f->by_check_n[i]);
		printf("\n");
	}
	if (f->hidden)
		printf("  %zu more warning%s not shown (at most %d lines per check; -v shows all, "
		       "--disable CHECK hides a check)\n",
		       f->hidden, f->hidden == 1 ? "" : "s", WARNINGS_SHOWN);
}

/* Returns 0 valid, 1 invalid, 2 I/O error. */
static int validate_file(const struct tp_stix_validator *v, const char *path, int silent,
			 int verbose, size_t max_object)
{
	FILE *fp = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!fp) {
		tp_cli_fail("cannot open %s: %s", path, strerror(errno));
		return 2;
	}
	struct stat st;
	if (fp != stdin && fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(fp);
		tp_cli_fail("%s is a directory (give the files, e.g. with find ... -name '*.json')",
			    path);
		return 2;
	}
	struct file_run *f = calloc(1, sizeof *f);
	struct tp_reader *r = NULL;
	struct tp_stix_validate_set *set = NULL;
	struct tp_json_arena *arena = NULL;
	int rc = 2, stix20 = 0;
	if (!f || tp_reader_new(fp, path, max_object, &r) != TP_OK ||
	    tp_stix_validate_set_new(v, 0, &set) != TP_OK) {
		tp_cli_fail("out of memory");
		goto out;
	}
	f->name = strcmp(path, "-") == 0 ? "(stdin)" : path;
	f->silent = silent;
	f->verbose = verbose;
	struct tp_reader_item it;
	struct tp_diag d;
	enum tp_err e;
	/* each object's jansson values come from the arena, started over per
	 * object (without one, from malloc) */
	if (tp_json_arena_new(&arena) == TP_OK)
		tp_json_arena_enter(arena);
	while ((e = tp_reader_next(r, &it, &d)) == TP_OK) {
		tp_json_arena_reset(arena);
		f->line = it.line;
		json_t *o = NULL;
		tp_diag_clear(&d);
		if (it.where == TP_READER_OBJECTS && it.index == 0) {
			size_t n;
			const char *env = tp_reader_envelope(r, &n);
			json_t *envj = NULL;
			if (env && tp_json_load(env, n, &envj, NULL) == TP_OK) {
				const char *sv = tp_json_str(envj, "spec_version");
				if (sv && strcmp(sv, "2.0") == 0) {
					stix20 = 1;
					f->counts.errors++;
					count_check(f, "spec-version", TP_STIX_ERROR);
					if (!silent)
						printf("%s:%ld: %s: spec_version: error: this is a "
						       "STIX 2.0 "
						       "bundle; tripact validates STIX 2.1 "
						       "(convert it "
						       "first) [spec-version]\n",
						       f->name, tp_reader_bundle_line(r),
						       tp_json_str(envj, "id")
							       ? tp_json_str(envj, "id")
							       : "-");
				}
			}
			json_decref(envj);
		}
		if (it.len && it.text[0] != '{') {
			/* a scalar or list where an object belongs */
			d.line = it.line;
			d.column = it.column;
			snprintf(d.message, sizeof d.message,
				 "a STIX object must be a JSON object, not %s",
				 it.text[0] == '['   ? "a list"
				 : it.text[0] == '"' ? "a string"
						     : "a scalar");
			char what[64];
			if (it.where == TP_READER_OBJECTS || it.where == TP_READER_ARRAY)
				snprintf(what, sizeof what, "object %zu: ", it.index);
			else
				what[0] = '\0';
			input_error(f, &d, what, "property-type");
			continue;
		}
		if (tp_json_load(it.text, it.len, &o, &d) != TP_OK) {
			/* positions inside the object -> positions in the file */
			if (d.line <= 1)
				d.column += it.column - 1;
			d.line += it.line - 1;
			char what[64];
			if (it.where == TP_READER_OBJECTS || it.where == TP_READER_ARRAY)
				snprintf(what, sizeof what, "object %zu: ", it.index);
			else
				what[0] = '\0';
			input_error(f, &d, what, d.code == TP_ELIMIT ? "limit" : "json");
			continue;
		}
		if (it.where == TP_READER_BUNDLE) {
			/* the envelope: checked as a bundle, not counted as an object */
			f->bundles++;
			if (!stix20) {
				struct tp_stix_counts c = {0};
				if (tp_stix_validate_object(v, o, print_problem, f, &c) ==
				    TP_ENOMEM)
					e = TP_ENOMEM;
				f->counts.errors += c.errors;
				f->counts.warnings += c.warnings;
			}
			json_decref(o);
			if (e == TP_ENOMEM)
				break;
			continue;
		}
		count_type(f, o);
		if (stix20) {
			f->counts.objects++;
		} else if (tp_stix_validate_set_add(set, o, it.line, print_problem, f,
						    &f->counts) == TP_ENOMEM) {
			json_decref(o);
			e = TP_ENOMEM;
			break;
		}
		json_decref(o);
	}
	if (e == TP_EPARSE || e == TP_ELIMIT) {
		input_error(f, &d, e == TP_ELIMIT ? "" : "malformed JSON: ",
			    e == TP_ELIMIT ? "limit" : "json");
		e = TP_ENOTFOUND;
	}
	if (e != TP_ENOTFOUND) {
		tp_cli_fail("%s: %s", f->name, e == TP_EIO ? "read error" : tp_strerror(e));
		goto out;
	}
	if (tp_stix_validate_set_finish(set, print_problem, f, &f->counts) == TP_ENOMEM)
		goto out;
	if (f->counts.objects == 0 && f->bundles == 0 && f->counts.errors == 0) {
		struct tp_diag empty = {.line = 1};
		snprintf(empty.message, sizeof empty.message, "no STIX content (empty input)");
		input_error(f, &empty, "", "json");
	}
	summary(f, stix20);
	rc = f->counts.errors ? 1 : 0;
out:
	tp_json_arena_free(arena);
	tp_stix_validate_set_free(set);
	tp_reader_free(r);
	free(f);
	if (fp != stdin)
		fclose(fp);
	return rc;
}

static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) == 0) {
		if (*i + 1 >= argc)
			return NULL;
		return argv[++*i];
	}
	return NULL;
}

static int is_opt(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

int cmd_validate(int argc, char **argv)
{
	if (tp_cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return TP_EXIT_OK;
	}
	struct tp_stix_validate_opts o = {0};
	o.pattern_check = tp_pattern_validate; /* indicators with pattern_type "stix" */
	int silent = 0, verbose = 0, nfiles = 0;
	size_t max_object = 0;
	char **files = calloc((size_t)argc, sizeof *files);
	if (!files)
		return tp_cli_fail("out of memory");
	int rc = TP_EXIT_OK, dashdash = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val;
		if (dashdash || a[0] != '-' || strcmp(a, "-") == 0) {
			files[nfiles++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			dashdash = 1;
		} else if (strcmp(a, "--strict") == 0) {
			o.strict = 1;
		} else if (strcmp(a, "--strict-types") == 0) {
			o.strict_types = 1;
		} else if (strcmp(a, "--strict-properties") == 0) {
			o.strict_properties = 1;
		} else if (strcmp(a, "--enforce-refs") == 0) {
			o.enforce_refs = 1;
		} else if (strcmp(a, "--interop") == 0) {
			o.interop = 1;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--silent") == 0) {
			silent = 1;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			verbose = 1;
		} else if (is_opt(a, "--disable") || is_opt(a, "--ignore") ||
			   strcmp(a, "-d") == 0) {
			val = opt_value(argc, argv, &i,
					strcmp(a, "-d") == 0	? "-d"
					: is_opt(a, "--ignore") ? "--ignore"
								: "--disable");
			if (!val) {
				rc = tp_cli_fail("%s needs a list of checks", a);
				goto out;
			}
			o.disabled = val;
		} else if (is_opt(a, "--enable") || is_opt(a, "--select") || strcmp(a, "-e") == 0) {
			val = opt_value(argc, argv, &i,
					strcmp(a, "-e") == 0	? "-e"
					: is_opt(a, "--select") ? "--select"
								: "--enable");
			if (!val) {
				rc = tp_cli_fail("%s needs a list of checks", a);
				goto out;
			}
			o.enabled = val;
		} else if (is_opt(a, "--version")) {
			val = opt_value(argc, argv, &i, "--version");
			if (!val || strcmp(val, "2.1") != 0) {
				rc = tp_cli_fail(
					"only STIX 2.1 is validated (--version 2.1); convert 2.0 "
					"content with 'tripact import' first");
				goto out;
			}
		} else if (is_opt(a, "--max-object-size")) {
			val = opt_value(argc, argv, &i, "--max-object-size");
			char *end;
			unsigned long long n = val ? strtoull(val, &end, 10) : 0;
			if (!val || *end || n < 1024 || n > (1ULL << 30)) {
				rc = tp_cli_fail(
					"--max-object-size needs a byte count from 1024 to 1 GiB");
				goto out;
			}
			max_object = (size_t)n;
		} else {
			rc = tp_cli_fail("unknown option '%s' (see 'tripact validate --help')", a);
			goto out;
		}
	}
	if (nfiles == 0) {
		rc = tp_cli_fail("no input: give FILE... or '-' for standard input");
		goto out;
	}
	struct tp_diag d = {0};
	struct tp_stix_validator *v;
	if (tp_stix_validator_new(&o, &v, &d) != TP_OK) {
		rc = tp_cli_fail("%s", d.message);
		goto out;
	}
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	for (int i = 0; i < nfiles; i++) {
		int r = validate_file(v, files[i], silent, verbose, max_object);
		if (r > rc)
			rc = r;
	}
	fflush(stdout);
	tp_stix_validator_free(v);
out:
	free(files);
	return rc;
}
