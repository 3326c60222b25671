/* cli_schedule.c - `syncfn schedule create|list|get [ID]|pause [ID]|
 * resume [ID]|delete [ID]|trigger`: one schedule action, its JSON on
 * stdout; ID defaults to SYNC_SCHEDULE_ID. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_schedule.h"
#include "cli_timeout.h"
#include "config.h"
#include "engines.h"
#include "log.h"

static const char usage[] =
	"usage: syncfn schedule create|list|get [ID]|pause [ID]|resume [ID]|delete [ID]|trigger\n"
	"  (ID: SYNC_SCHEDULE_ID, slave-to-prod-sync, unless given)\n";

/* The result, scrubbed of every configured secret like any log line. */
static void print_json(const cJSON *j)
{
	char *out = log_json_text(j, 1);
	if (out)
		log_printf(stdout, "%s\n", out);
	fflush(stdout);
	free(out);
}

static int exit_code(enum schedule_status st)
{
	switch (st) {
	case SCHEDULE_OK: return 0;
	case SCHEDULE_BAD_REQUEST: return 2;
	case SCHEDULE_REFUSED:
	case SCHEDULE_UNREACHABLE: return 1;
	}
	return 1;
}

int cli_schedule(const struct config *cfg, int argc, char **argv)
{
	char err[2048];
	int action = argc > 0 ? schedule_action_parse(argv[0]) : -1;
	/* "keys" is internal to setup: its answer holds the signing keys. */
	if (action < 0 || action == SCHEDULE_KEYS) {
		log_printf(stderr, "syncfn schedule: %s%s%s\n%s",
		        argc > 0 ? "unknown action \"" : "an action is needed",
		        argc > 0 ? argv[0] : "", argc > 0 ? "\"" : "", usage);
		return 2;
	}
	int want = schedule_action_needs_id(action) ? 2 : 1;
	/* the id of the schedule setup and create made, unless one is named */
	const char *id = want == 2 ? (argc == 2 ? argv[1] : cfg->schedule_id) : NULL;
	if (argc > want || (want == 2 && !id)) {
		log_printf(stderr, "syncfn schedule %s: %s\n%s", argv[0],
		        argc > want ? "takes no further arguments"
		                    : "needs a schedule id (see `syncfn schedule list`)",
		        usage);
		return 2;
	}
	if (config_check(cfg, NEED_SCHEDULE, "schedule", err, sizeof err) > 0) {
		log_printf(stderr, "%s", err);
		return 2;
	}
	schedule_run_fn *run = engines_schedule_run(err, sizeof err);
	if (!run) {
		log_printf(stderr, "syncfn schedule: %s\n", err);
		return 1;
	}
	if (action == SCHEDULE_CREATE)
		cli_warn_sync_timeout(cfg);
	struct schedule_settings settings;
	config_schedule_settings(cfg, &settings);
	struct fn_logger lg = log_fn_logger(NULL);
	cJSON *result = NULL;
	enum schedule_status st = run(&settings, (enum schedule_action)action,
	                              id, &lg, &result,
	                              err, sizeof err);
	if (result)
		print_json(result);
	if (st != SCHEDULE_OK) {
		log_redact(err, sizeof err);
		log_printf(stderr, "syncfn schedule %s: %s\n", argv[0],
		        *err ? err : "failed");
	}
	cJSON_Delete(result);
	return exit_code(st);
}
