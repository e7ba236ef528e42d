/*
 * The `tripact` program: a command table (main.c) dispatching to one file
 * per subcommand (cmd_<name>.c). Every command returns an exit status:
 * 0 success, 1 a negative answer (invalid, not matched), 2 usage or I/O
 * error. Commands print; the library never does.
 */
#ifndef TRIPACT_CLI_H
#define TRIPACT_CLI_H

#include "tripact/error.h"

#define TP_EXIT_OK 0
#define TP_EXIT_NO 1
#define TP_EXIT_ERROR 2

struct tp_command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command name */
	const char *summary;
};

int cmd_validate(int argc, char **argv);
int cmd_pattern(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_sync(int argc, char **argv);

/* "tripact: <message>" on stderr; returns TP_EXIT_ERROR. */
int tp_cli_fail(const char *fmt, ...) TP_PRINTF(1, 2);

/* 1 if argv has -h or --help before any "--". */
int tp_cli_wants_help(int argc, char **argv);

#endif
