/* tripact serve: not yet available; see README ("Status"). */
#include <stdio.h>

#include "cli.h"

int cmd_serve(int argc, char **argv)
{
	if (tp_cli_wants_help(argc, argv)) {
		printf("usage: tripact serve ...\n\nNot yet available in this version of tripact.\n");
		return TP_EXIT_OK;
	}
	return tp_cli_fail("'serve' is not yet available in this version (see README, Status)");
}
