/* main.c - reads the configuration once, then runs one command. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "cli_schedule.h"
#include "config.h"
#include "http_server.h"
#include "log.h"

static const char *env(const char *name)
{
	return getenv(name);
}

/* The process configuration: written once here, read-only afterwards. */
static struct config cfg;

static int serve(const struct cli_args *args)
{
	char problems[4096];
	if (config_check(&cfg, NEED_SERVE, "serve", problems, sizeof problems) > 0) {
		fputs(problems, stderr);
		return 1;
	}
	/* Not fatal: health checks and the other routes still work, and
	 * each affected route answers with the same reason. */
	if (config_check(&cfg, NEED_SYNC | NEED_KEYS, NULL, problems, sizeof problems) > 0)
		log_line(NULL, FN_WARN, "Not fully configured", "problems",
		         FN_STR(problems), NULL);
	return http_server_run(&cfg, &args->serve);
}

int main(int argc, char **argv)
{
	struct cli_args args;
	char err[256];
	if (cli_parse(argc, argv, &args, err, sizeof err) == CLI_BAD) {
		fprintf(stderr, "syncfn: %s\n\n%s", err, cli_usage);
		return 2;
	}
	if (args.command == CLI_HELP) {
		fputs(cli_usage, stdout);
		return 0;
	}
	if (args.command == CLI_VERSION) {
		printf("syncfn %s\n", SYNCFN_VERSION);
		return 0;
	}
	config_load(&cfg, env, isatty(STDERR_FILENO));
	const char *secrets[8];
	log_setup(cfg.log_format, secrets, config_secrets(&cfg, secrets, 8));
	switch (args.command) {
	case CLI_SERVE:
		return serve(&args);
	case CLI_SYNC:
		return cli_sync(&cfg, &args);
	case CLI_SCHEDULE:
		return cli_schedule(&cfg, args.rest_argc, args.rest_argv);
	case CLI_SETUP:
		return cli_setup(&cfg, args.rest_argc, args.rest_argv);
	default:
		return 2;
	}
}
