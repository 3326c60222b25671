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
#include "invoke.h"
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

int cli_schedule(const struct config *cfg, int argc, char **argv)
{
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
	struct invocation iv = { .cfg = cfg, .command = "schedule" };
	if (!invoke_ready(&iv, NEED_SCHEDULE, "schedule")) {
		log_printf(stderr, "%s", iv.err);
		cJSON_Delete(iv.answer);
		return iv.outcome.exit;
	}
	cJSON_Delete(iv.answer);
	if (action == SCHEDULE_CREATE)
		cli_warn_sync_timeout(cfg);
	invoke_schedule(&iv, (enum schedule_action)action, id);
	if (iv.stage != INVOKE_RAN) {
		log_printf(stderr, "syncfn schedule: %s\n", iv.err);
		cJSON_Delete(iv.answer);
		return iv.outcome.exit;
	}
	if (iv.answer)
		print_json(iv.answer);
	if (iv.status != SCHEDULE_OK) {
		log_redact(iv.err, sizeof iv.err);
		log_printf(stderr, "syncfn schedule %s: %s\n", argv[0], iv.err);
	}
	cJSON_Delete(iv.answer);
	return iv.outcome.exit;
}
