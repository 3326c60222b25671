/* cli.h - the command line: which command, with which options.
 *
 * cli_parse() never prints; on a bad command line it returns CLI_BAD and
 * writes a one-line reason into err, and main prints it with the usage
 * and exits 2.
 */
#ifndef SYNCFN_CLI_H
#define SYNCFN_CLI_H

#include <stddef.h>

#include "http_server.h"

enum cli_command {
	CLI_BAD,
	CLI_HELP,
	CLI_VERSION,
	CLI_SERVE,
	CLI_SYNC,
	CLI_SCHEDULE,
	CLI_SETUP,
	CLI_STATUS,
	CLI_DOCTOR
};

struct cli_args {
	enum cli_command command;
	struct serve_opts serve;
	int dry_run;          /* sync --dry-run */
	const char *tables;   /* sync --tables LIST */
	int rest_argc;        /* schedule/setup/status/doctor: the words
	                         after the command */
	char **rest_argv;
	const char *help;     /* CLI_HELP for one command: its page */
};

extern const char cli_usage[];

int cli_parse(int argc, char **argv, struct cli_args *out, char *err,
              size_t errlen);

/* `syncfn sync`: returns the exit status README.md's "Commands" gives. */
struct config;
int cli_sync(const struct config *cfg, const struct cli_args *args);

#endif
