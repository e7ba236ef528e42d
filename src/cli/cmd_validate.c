/* tripact validate: not yet available; see README ("Status"). */
#include <stdio.h>

#include "cli.h"

int cmd_validate(int argc, char **argv)
{
	if (tp_cli_wants_help(argc, argv)) {
		printf("usage: tripact validate ...\n\nNot yet available in this version of tripact.\n");
		return TP_EXIT_OK;
	}
	return tp_cli_fail("'validate' is not yet available in this version (see README, Status)");
}
