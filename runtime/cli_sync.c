/* cli_sync.c - `syncfn sync [--dry-run] [--tables LIST]`. */
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "alerts.h"
#include "config.h"
#include "invoke.h"
#include "heartbeat.h"
#include "log.h"
#include "signals.h"

struct cli_sync_state {
	atomic_int cancel;
	int progress_shown;
};

static void on_signal(void *ctx, int signo)
{
	struct cli_sync_state *st = ctx;
	st->cancel = 1;
	log_line(NULL, FN_WARN, "Cancelling the sync (nothing will be applied)",
	         "signal", FN_STR(signo == SIGTERM ? "SIGTERM" : "SIGINT"), NULL);
}

static void progress(void *ctx, const char *table, long long rows,
                     long long estimate)
{
	struct cli_sync_state *st = ctx;
	st->progress_shown = 1;
	if (estimate > 0)
		log_printf(stderr, "\r\033[K  %s: %lld of ~%lld rows (%lld%%)", table, rows,
		        estimate, rows >= estimate ? 100 : rows * 100 / estimate);
	else
		log_printf(stderr, "\r\033[K  %s: %lld rows", table, rows);
}

/* A log line (a table's progress line, say) while the terminal's
 * progress line is unfinished: clear it first, or the two run together;
 * the next progress call writes it again. */
static void emit(void *ctx, enum fn_level level, const char *event,
                 const cJSON *fields)
{
	struct cli_sync_state *st = ctx;
	if (st->progress_shown)
		log_printf(stderr, "%s", "\r\033[K");
	log_event(NULL, level, event, fields);
}

static void print_result(cJSON *result)
{
	char *out = log_json_text(result, 1);
	if (out)
		log_printf(stdout, "%s\n", out);
	fflush(stdout);
	free(out);
}

/* A run from a shell or cron has no QStash to notice its failure. */
static void alert_failure(const struct config *cfg, enum sync_status s,
                          long long run_id, const char *err)
{
	if (s == SYNC_OK || s == SYNC_DEDUPLICATED || s == SYNC_BUSY)
		return;
	char summary[1400];
	snprintf(summary, sizeof summary, "syncfn: `syncfn sync` failed (%s, run %lld): %.1200s",
	         sync_status_name(s), run_id, *err ? err : sync_status_name(s));
	const struct alert_event e = {
		.event = "sync_failed",
		.summary = summary,
		.run_id = run_id,
		.error = *err ? err : sync_status_name(s),
	};
	alerts_post(cfg, NULL, &e);
}

int cli_sync(const struct config *cfg, const struct cli_args *args)
{
	struct invocation iv = { .cfg = cfg, .command = "sync" };
	if (!invoke_ready(&iv, NEED_SYNC, "sync")) {
		log_printf(stderr, "%s", iv.err);
		cJSON_Delete(iv.answer);
		return iv.outcome.exit;
	}
	cJSON_Delete(iv.answer);
	struct cli_sync_state *st = calloc(1, sizeof *st);
	if (!st || signals_start(on_signal, st, iv.err, sizeof iv.err) != 0) {
		log_printf(stderr, "syncfn sync: %s\n", st ? iv.err : "out of memory");
		return 1;
	}
	struct sync_request req = {
		.type = "manual",
		.dry_run = args->dry_run,
		.tables = args->tables,
		.progress = isatty(STDERR_FILENO) ? progress : NULL,
		.progress_ctx = st,
		.cancel = &st->cancel,
		.instance = cfg->instance,
	};
	struct fn_logger lg = { .emit = emit, .ctx = st };
	iv.log = &lg;
	invoke_sync_run(&iv, &req);
	if (st->progress_shown)
		log_printf(stderr, "%s", "\r\033[K");
	if (iv.stage != INVOKE_RAN) {
		log_printf(stderr, "syncfn sync: %s\n", iv.err);
		cJSON_Delete(iv.answer);
		return iv.outcome.exit;
	}
	enum sync_status s = (enum sync_status)iv.status;
	if (iv.answer)
		print_result(iv.answer);
	/* A failure was reported once already, by the engine's "Sync failed"
	 * log line (with what only the engine knows: the server's DETAIL, the
	 * run id); stdout has the result. */
	alert_failure(cfg, s, iv.sync.run_id, iv.err);
	if (s == SYNC_OK && !args->dry_run)
		alerts_post_skipped(cfg, NULL, iv.answer);
	heartbeat_send(cfg, NULL, s, args->dry_run);
	cJSON_Delete(iv.answer);
	/* The signal thread still runs: leave without tearing it down. */
	return iv.outcome.exit;
}
