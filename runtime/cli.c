/* cli.c - parses the command line (see cli.h). */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fn_log.h"

const char cli_usage[] =
	"usage: syncfn <command> [options]\n"
	"\n"
	"  serve [--port N] [--once] [--idle-exit SECONDS]\n"
	"        HTTP runtime; --once exits after one sync or schedule invocation,\n"
	"        --idle-exit after that many seconds without one\n"
	"  sync [--dry-run] [--tables LIST]\n"
	"        one sync now; JSON result on stdout\n"
	"  schedule create|list|get ID|pause ID|resume ID|delete ID|trigger\n"
	"        manage the QStash schedule\n"
	"  doctor\n"
	"        check everything without writing: databases, plan, QStash, APP_URL\n"
	"  setup [--wait SECONDS]\n"
	"        the doctor's checks, then create the schedule, trigger one sync\n"
	"        and wait for its result in the run log\n"
	"  status [--limit N] [--json]\n"
	"        the last runs from the run log, as a table\n"
	"  --help, --version\n"
	"        this page (COMMAND --help: the command's), the version\n"
	"\n"
	"Configuration is read from the environment; see README.md.\n";

/* `syncfn COMMAND --help`: each command's own page. */
static const struct {
	const char *command, *text;
} helps[] = {
	{ "serve",
	  "usage: syncfn serve [--port N] [--once] [--idle-exit SECONDS]\n\n"
	  "The HTTP runtime (the image's default command: serve --once).\n"
	  "  --port N            listen on N instead of $PORT (8080)\n"
	  "  --once              exit after one sync or schedule invocation was answered\n"
	  "  --idle-exit SECONDS exit after that many seconds without an invocation\n"
	  "Exit status: 0 clean exit, 1 could not start or bad usage.\n" },
	{ "sync",
	  "usage: syncfn sync [--dry-run] [--tables LIST]\n\n"
	  "One sync now; the JSON result on stdout, the log on stderr.\n"
	  "  --dry-run      compute everything, then roll back (nothing is written)\n"
	  "  --tables LIST  sync these tables instead of SYNC_TABLES (users,orders)\n"
	  "Exit status: 0 synced, 1 failed, 2 bad usage or configuration,\n"
	  "3 another sync holds the lock.\n" },
	{ "schedule",
	  "usage: syncfn schedule create|list|get [ID]|pause [ID]|resume [ID]|delete [ID]|trigger\n\n"
	  "Manage the QStash schedule (QSTASH_TOKEN, APP_URL); ID defaults to\n"
	  "SYNC_SCHEDULE_ID (slave-to-prod-sync).\n"
	  "Exit status: 0 ok, 1 QStash refused or unreachable, 2 bad usage or config.\n" },
	{ "setup",
	  "usage: syncfn setup [--wait SECONDS]\n\n"
	  "The doctor's checks, then create (or update) the schedule, trigger one\n"
	  "sync through QStash, wait for its result in the run log and print how\n"
	  "to manage it. Creates nothing when a check finds a problem.\n"
	  "  --wait SECONDS  how long to wait for the test sync's result\n"
	  "                  (SYNC_TIMEOUT + 30 s)\n"
	  "Exit status: 0 ready, 1 the test sync failed or gave no result in time,\n"
	  "QStash or a database unreachable, 2 bad usage or configuration.\n" },
	{ "doctor",
	  "usage: syncfn doctor\n\n"
	  "Check everything, writing nothing: the variables, both databases with\n"
	  "the configured roles, the plan (every table's problem at once), the\n"
	  "QStash token and signing keys, APP_URL's /healthz (a warning).\n"
	  "Exit status: 0 ready, 1 a problem found, 2 bad usage.\n" },
	{ "status",
	  "usage: syncfn status [--limit N] [--json]\n\n"
	  "The run log's summary and the last runs, newest first, as a table.\n"
	  "  --limit N  how many runs (20; at most 500)\n"
	  "  --json     the status route's JSON answer instead\n"
	  "Exit status: 0, 1 when the run log cannot be read, 2 bad usage.\n" },
};

/* The command's help page when its arguments ask for it, else NULL. */
static const char *help_asked(int argc, char **argv)
{
	int asked = 0;
	for (int i = 2; i < argc; i++)
		asked |= strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0;
	for (size_t i = 0; asked && i < sizeof helps / sizeof helps[0]; i++)
		if (strcmp(argv[1], helps[i].command) == 0)
			return helps[i].text;
	return NULL;
}

static int number(const char *s, long min, long max, int *out)
{
	char *end;
	errno = 0;
	long v = s ? strtol(s, &end, 10) : 0;
	if (!s || errno || end == s || *end || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

/* --name VALUE or --name=VALUE; returns the value and advances *i. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (strcmp(argv[*i], name) == 0 && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int is_option(const char *arg, const char *name)
{
	size_t n = strlen(name);
	return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static int parse_serve(int argc, char **argv, struct cli_args *a, char *err,
                       size_t errlen)
{
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0) {
			a->serve.once = 1;
		} else if (is_option(argv[i], "--port")) {
			if (number(option_value(argc, argv, &i, "--port"), 1, 65535,
			           &a->serve.port) != 0) {
				fn_err(err, errlen, "--port needs a number from 1 to 65535");
				return -1;
			}
		} else if (is_option(argv[i], "--idle-exit")) {
			if (number(option_value(argc, argv, &i, "--idle-exit"), 1,
			           INT_MAX, &a->serve.idle_exit_s) != 0) {
				fn_err(err, errlen, "--idle-exit needs a number of seconds (1 or more)");
				return -1;
			}
		} else {
			fn_err(err, errlen, "serve: unknown option %.60s", argv[i]);
			return -1;
		}
	}
	return 0;
}

static int parse_sync(int argc, char **argv, struct cli_args *a, char *err,
                      size_t errlen)
{
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			a->dry_run = 1;
		} else if (is_option(argv[i], "--tables")) {
			a->tables = option_value(argc, argv, &i, "--tables");
			if (!a->tables || !*a->tables) {
				fn_err(err, errlen, "--tables needs a list, e.g. --tables users,orders");
				return -1;
			}
		} else {
			fn_err(err, errlen, "sync: unknown option %.60s", argv[i]);
			return -1;
		}
	}
	return 0;
}

int cli_parse(int argc, char **argv, struct cli_args *a, char *err,
              size_t errlen)
{
	memset(a, 0, sizeof *a);
	a->command = CLI_BAD;
	if (argc < 2) {
		fn_err(err, errlen, "no command given");
		return CLI_BAD;
	}
	const char *cmd = argv[1];
	a->rest_argc = argc - 2;
	a->rest_argv = argv + 2;
	if ((a->help = help_asked(argc, argv)) != NULL)
		a->command = CLI_HELP;
	else if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0)
		a->command = CLI_HELP;
	else if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0)
		a->command = CLI_VERSION;
	else if (strcmp(cmd, "serve") == 0)
		a->command = parse_serve(argc, argv, a, err, errlen) ? CLI_BAD : CLI_SERVE;
	else if (strcmp(cmd, "sync") == 0)
		a->command = parse_sync(argc, argv, a, err, errlen) ? CLI_BAD : CLI_SYNC;
	else if (strcmp(cmd, "schedule") == 0)
		a->command = CLI_SCHEDULE;
	else if (strcmp(cmd, "setup") == 0)
		a->command = CLI_SETUP;
	else if (strcmp(cmd, "status") == 0)
		a->command = CLI_STATUS;
	else if (strcmp(cmd, "doctor") == 0)
		a->command = CLI_DOCTOR;
	else
		fn_err(err, errlen, "unknown command %.60s", cmd);
	return a->command;
}
