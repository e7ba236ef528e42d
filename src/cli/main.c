/*
 * tripact: git-style command dispatch. `tripact <command> [args]`;
 * `tripact help [command]` and `tripact <command> --help` print usage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int cmd_help(int argc, char **argv);
static int cmd_version(int argc, char **argv);

static const struct tp_command commands[] = {
	{"validate", cmd_validate, "check STIX 2.1 files against the specification"},
	{"pattern", cmd_pattern, "check, explain and match STIX patterns"},
	{"import", cmd_import, "convert MISP, CSV, IOC lists and STIX 2.0 to STIX 2.1"},
	{"export", cmd_export, "write STIX as MISP, CSV, Suricata or Zeek intel"},
	{"serve", cmd_serve, "run a TAXII 2.1 node"},
	{"admin", cmd_admin, "manage organisations, users, tokens, collections, grants"},
	{"sync", cmd_sync, "pull from and push to partner nodes over TAXII 2.1"},
	{"trace", cmd_trace, "follow stolen cryptocurrency through a chain"},
	{"match", cmd_match, "detect indicators in Zeek, Suricata and JSON telemetry"},
	{"help", cmd_help, "show help for tripact or a command"},
	{"version", cmd_version, "print the version"},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

int tp_cli_fail(const char *fmt, ...)
{
	va_list ap;
	fputs("tripact: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return TP_EXIT_ERROR;
}

int tp_cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

static const struct tp_command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static void usage(FILE *out)
{
	fputs("usage: tripact <command> [options]\n\ncommands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n'tripact <command> --help' describes one command.\n", out);
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return TP_EXIT_OK;
	}
	const struct tp_command *c = find(argv[1]);
	if (!c || c->run == cmd_help)
		return tp_cli_fail("no such command '%s' (see 'tripact help')", argv[1]);
	char *args[] = {argv[1], "--help", NULL};
	return c->run(2, args);
}

static int cmd_version(int argc, char **argv)
{
	printf("tripact %s\n", TP_VERSION);
	return TP_EXIT_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return TP_EXIT_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return TP_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0)
		return cmd_version(0, NULL);
	const struct tp_command *c = find(argv[1]);
	if (!c)
		return tp_cli_fail("'%s' is not a tripact command (see 'tripact help')",
				   argv[1]);
	return c->run(argc - 1, argv + 1);
}
