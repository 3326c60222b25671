/* Command-line parsing. */
#include <stdio.h>

#include "cli.h"
#include "harness.h"

static int parse(struct cli_args *a, char *err, int argc, char **argv)
{
	return cli_parse(argc, argv, a, err, 256);
}

TEST(serve_options)
{
	struct cli_args a;
	char err[256];
	char *v[] = { "syncfn", "serve", "--port", "9000", "--once", "--idle-exit=30", NULL };
	CHECK_INT(parse(&a, err, 6, v), CLI_SERVE);
	CHECK_INT(a.serve.port, 9000);
	CHECK_INT(a.serve.once, 1);
	CHECK_INT(a.serve.idle_exit_s, 30);
}

TEST(sync_options)
{
	struct cli_args a;
	char err[256];
	char *v[] = { "syncfn", "sync", "--dry-run", "--tables", "users,orders", NULL };
	CHECK_INT(parse(&a, err, 5, v), CLI_SYNC);
	CHECK_INT(a.dry_run, 1);
	CHECK_STR(a.tables, "users,orders");
}

TEST(bad_lines)
{
	struct cli_args a;
	char err[256];
	char *v1[] = { "syncfn", "frobnicate", NULL };
	CHECK_INT(parse(&a, err, 2, v1), CLI_BAD);
	CHECK_CONTAINS(err, "unknown command frobnicate");
	char *v2[] = { "syncfn", "serve", "--port", "70000", NULL };
	CHECK_INT(parse(&a, err, 4, v2), CLI_BAD);
	CHECK_CONTAINS(err, "--port needs a number");
	char *v3[] = { "syncfn", "sync", "--force", NULL };
	CHECK_INT(parse(&a, err, 3, v3), CLI_BAD);
	CHECK_CONTAINS(err, "sync: unknown option --force");
	char *v4[] = { "syncfn", NULL };
	CHECK_INT(parse(&a, err, 1, v4), CLI_BAD);
	char *v5[] = { "syncfn", "serve", "--idle-exit", NULL };
	CHECK_INT(parse(&a, err, 3, v5), CLI_BAD);
}

TEST(help_version_and_passthrough)
{
	struct cli_args a;
	char err[256];
	char *v1[] = { "syncfn", "--help", NULL };
	CHECK_INT(parse(&a, err, 2, v1), CLI_HELP);
	char *v2[] = { "syncfn", "--version", NULL };
	CHECK_INT(parse(&a, err, 2, v2), CLI_VERSION);
	char *v3[] = { "syncfn", "schedule", "pause", "abc", NULL };
	CHECK_INT(parse(&a, err, 4, v3), CLI_SCHEDULE);
	CHECK_INT(a.rest_argc, 2);
	CHECK_STR(a.rest_argv[0], "pause");
}

TEST(every_command_has_its_help)
{
	struct cli_args a;
	char err[256];
	const char *cmds[] = { "serve", "sync", "schedule", "setup", "doctor", "status" };
	for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
		char *v[] = { "syncfn", (char *)cmds[i], "--help", NULL };
		CHECK_INT(parse(&a, err, 3, v), CLI_HELP);
		CHECK(a.help != NULL);
		char want[64];
		snprintf(want, sizeof want, "usage: syncfn %s", cmds[i]);
		CHECK_CONTAINS(a.help, want);
	}
	char *v2[] = { "syncfn", "schedule", "pause", "-h", NULL };
	CHECK_INT(parse(&a, err, 4, v2), CLI_HELP);
	CHECK_CONTAINS(a.help, "SYNC_SCHEDULE_ID");
	char *v3[] = { "syncfn", "--help", NULL };
	CHECK_INT(parse(&a, err, 2, v3), CLI_HELP);
	CHECK(a.help == NULL);
}

TEST_MAIN(CASE(every_command_has_its_help) CASE(serve_options) CASE(sync_options) CASE(bad_lines) CASE(help_version_and_passthrough))
