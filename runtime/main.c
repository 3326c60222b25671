/* main.c - reads the configuration once, then runs one command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_schedule.h"
#include "cli_doctor.h"
#include "cli_setup.h"
#include "cli_status.h"
#include "config.h"
#include "http_server.h"
#include "log.h"
#include "version.h"

#define ADMIN_TOKEN_MIN 16

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
		log_printf(stderr, "%s", problems);
		return 1;
	}
	/* Not fatal: health checks and the other routes still work, and
	 * each affected route answers with the same reason. */
	if (config_check(&cfg, NEED_SYNC | NEED_KEYS, NULL, problems, sizeof problems) > 0)
		log_line(NULL, FN_WARN, "Not fully configured", "problems",
		         FN_STR(problems), NULL);
	if (cfg.admin_token && strlen(cfg.admin_token) < ADMIN_TOKEN_MIN)
		log_line(NULL, FN_WARN, "SYNC_ADMIN_TOKEN is short", "error",
		         FN_STR("SYNC_ADMIN_TOKEN has fewer than 16 characters, so it can "
		                "be guessed: use a long random one (openssl rand -hex 32)"),
		         NULL);
	return http_server_run(&cfg, &args->serve);
}

int main(int argc, char **argv)
{
	struct cli_args args;
	char err[256];
	if (cli_parse(argc, argv, &args, err, sizeof err) == CLI_BAD) {
		fprintf(stderr, "syncfn: %s\n\n%s", err, cli_usage);
		/* serve has two exit statuses (README.md): 0, and 1 for
		 * "could not start", which bad usage is. */
		return argc > 1 && strcmp(argv[1], "serve") == 0 ? 1 : 2;
	}
	if (args.command == CLI_HELP) {
		fputs(args.help ? args.help : cli_usage, stdout);
		return 0;
	}
	if (args.command == CLI_VERSION) {
		version_print(stdout);
		return 0;
	}
	config_load(&cfg, env, isatty(STDERR_FILENO));
	const char *secrets[CONFIG_SECRETS];
	log_setup(cfg.log_format, secrets,
	          config_secrets(&cfg, secrets, CONFIG_SECRETS));
	switch (args.command) {
	case CLI_SERVE:
		return serve(&args);
	case CLI_SYNC:
		return cli_sync(&cfg, &args);
	case CLI_SCHEDULE:
		return cli_schedule(&cfg, args.rest_argc, args.rest_argv);
	case CLI_SETUP:
		return cli_setup(&cfg, args.rest_argc, args.rest_argv);
	case CLI_DOCTOR:
		return cli_doctor(&cfg, args.rest_argc, args.rest_argv);
	case CLI_STATUS:
		return cli_status(&cfg, args.rest_argc, args.rest_argv);
	default:
		return 2;
	}
}
