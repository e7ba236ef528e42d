/*
 * tripact pattern: check, explain and match STIX patterns.
 *
 *	tripact pattern check "[url:value = 'http://x.example/']"      exit 0/1
 *	tripact pattern explain "[file:size > 10] REPEATS 2 TIMES"
 *	tripact pattern match "[ipv4-addr:value = '10.0.0.1']" seen.json
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tripact/json.h"
#include "tripact/pattern.h"

static const char usage_text[] =
	"usage: tripact pattern check PATTERN\n"
	"       tripact pattern explain [--compact] PATTERN\n"
	"       tripact pattern match PATTERN FILE\n"
	"\n"
	"check    strict STIX 2.1 check: exit 0 valid, 1 invalid (reason on stderr).\n"
	"         Also rejects repeated qualifiers, hashes of the wrong length and\n"
	"         START not before STOP. Warnings (unknown SCO types or properties)\n"
	"         go to stderr and do not fail the check.\n"
	"explain  print the parsed tree (--compact: one line).\n"
	"match    evaluate against FILE (a bundle, a JSON array of bundles or of\n"
	"         bare objects; '-' is stdin). Prints the ids of the observed-data\n"
	"         that satisfied the pattern; exit 0 matched, 1 not, 2 error.\n";

static void print_diag_pattern(const char *what, const char *pattern, const struct tp_diag *d)
{
	if (d->column > 0)
		fprintf(stderr, "tripact: %s: column %ld: %s\n", what, d->column, d->message);
	else
		fprintf(stderr, "tripact: %s: %s\n", what, d->message);
	size_t len = strlen(pattern);
	int plain = len < 200 && !strstr(d->message, "UTF-8");
	for (size_t i = 0; plain && i < len; i++)
		plain = (unsigned char)pattern[i] >= 0x20 && pattern[i] != 0x7f;
	/* A caret under the column, for one-line patterns that print as they are
	 * (columns count bytes, so the caret is exact for ASCII). */
	if (d->column > 0 && plain)
		fprintf(stderr, "  %s\n  %*s^\n", pattern, (int)(d->column - 1), "");
}

static void print_warnings(const struct tp_pattern *p)
{
	for (size_t i = 0; i < tp_pattern_warning_count(p); i++)
		fprintf(stderr, "tripact: warning: %s\n", tp_pattern_warning(p, i));
}

static int do_check(const char *pattern)
{
	struct tp_pattern *p = NULL;
	struct tp_diag d = {0};
	enum tp_err e = tp_pattern_parse(pattern, strlen(pattern), TP_PATTERN_STRICT, &p, &d);
	if (e == TP_ENOMEM)
		return tp_cli_fail("out of memory");
	if (e != TP_OK) {
		print_diag_pattern("invalid pattern", pattern, &d);
		return TP_EXIT_NO;
	}
	print_warnings(p);
	tp_pattern_free(p);
	return TP_EXIT_OK;
}

static int do_explain(const char *pattern, int compact)
{
	struct tp_pattern *p = NULL;
	struct tp_diag d = {0};
	enum tp_err e = tp_pattern_parse(pattern, strlen(pattern), 0, &p, &d);
	if (e == TP_ENOMEM)
		return tp_cli_fail("out of memory");
	if (e != TP_OK) {
		print_diag_pattern("invalid pattern", pattern, &d);
		return TP_EXIT_NO;
	}
	print_warnings(p);
	struct tp_buf b;
	tp_buf_init(&b, 0);
	e = tp_pattern_explain(p, compact ? TP_PATTERN_EXPLAIN_COMPACT : TP_PATTERN_EXPLAIN_TREE,
			       &b);
	if (e == TP_OK && compact)
		e = tp_buf_putc(&b, '\n');
	if (e == TP_OK)
		fwrite(b.data, 1, b.len, stdout);
	tp_buf_free(&b);
	tp_pattern_free(p);
	return e == TP_OK ? TP_EXIT_OK : tp_cli_fail("%s", tp_strerror(e));
}

static int do_match(const char *pattern, const char *file)
{
	struct tp_pattern *p = NULL;
	struct tp_pattern_data *data = NULL;
	struct tp_pattern_result r = {0};
	json_t *root = NULL;
	struct tp_diag d = {0};
	int rc = TP_EXIT_ERROR;
	enum tp_err e = tp_pattern_parse(pattern, strlen(pattern), 0, &p, &d);
	if (e != TP_OK) {
		print_diag_pattern("invalid pattern", pattern, &d);
		goto out;
	}
	tp_diag_clear(&d);
	if ((e = tp_json_load_file(file, &root, &d)) != TP_OK) {
		if (d.line > 0)
			tp_cli_fail("%s:%ld:%ld: %s", file, d.line, d.column, d.message);
		else
			tp_cli_fail("%s: %s", file, d.message[0] ? d.message : tp_strerror(e));
		goto out;
	}
	if ((e = tp_pattern_data_new(root, &data, &d)) != TP_OK) {
		tp_cli_fail("%s: %s", file, d.message);
		goto out;
	}
	if ((e = tp_pattern_match(p, data, &r, &d)) != TP_OK) {
		tp_cli_fail("cannot evaluate: %s", d.message);
		goto out;
	}
	for (size_t i = 0; i < r.n; i++)
		printf("%s\n", r.ids[i]);
	rc = r.matched ? TP_EXIT_OK : TP_EXIT_NO;
out:
	tp_pattern_result_clear(&r);
	tp_pattern_data_free(data);
	json_decref(root);
	tp_pattern_free(p);
	return rc;
}

int cmd_pattern(int argc, char **argv)
{
	if (tp_cli_wants_help(argc, argv)) {
		fputs(usage_text, stdout);
		return TP_EXIT_OK;
	}
	if (argc < 2) {
		fputs(usage_text, stderr);
		return TP_EXIT_ERROR;
	}
	const char *sub = argv[1];
	int i = 2;
	int compact = 0;
	if (strcmp(sub, "explain") == 0 && i < argc && strcmp(argv[i], "--compact") == 0) {
		compact = 1;
		i++;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	int nargs = argc - i;
	if (strcmp(sub, "check") == 0 && nargs == 1)
		return do_check(argv[i]);
	if (strcmp(sub, "explain") == 0 && nargs == 1)
		return do_explain(argv[i], compact);
	if (strcmp(sub, "match") == 0 && nargs == 2)
		return do_match(argv[i], argv[i + 1]);
	if (strcmp(sub, "check") && strcmp(sub, "explain") && strcmp(sub, "match"))
		tp_cli_fail("pattern: unknown subcommand '%s'", sub);
	else
		tp_cli_fail("pattern %s: wrong number of arguments", sub);
	fputs(usage_text, stderr);
	return TP_EXIT_ERROR;
}
