/* setup_wait.c - the test sync's outcome from the run log (setup_wait.h). */
#include "setup_wait.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_status.h"
#include "engines.h"
#include "log.h"

/* Each look is one connection and one short query on the target. */
#define POLL_MS 500
/* The run log holds the message's run among the latest ones: setup has
 * just triggered it, and only a few other runs can start meanwhile. */
#define POLL_RUNS 50

struct waiter {
	const char *message_id;
	sync_runs_fn *runs;
	struct sync_settings settings;
	char seen[1152]; /* what the last look found, for a give-up */
	char err[1024];
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { (time_t)s, (long)((s - (time_t)s) * 1e9) };
	nanosleep(&ts, NULL);
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A run still running, or refused because another sync held the lock
 * (QStash delivers it again), has no outcome yet. */
static int settled(const cJSON *run)
{
	const char *st = str(run, "status");
	return strcmp(st, "running") != 0 && strcmp(st, "busy") != 0;
}

/* The message's runs (newest first) as they stand: one that succeeded
 * (a retry may have, after a failed attempt); its first attempt that
 * failed, whose error is the sync's own (QStash's failure callback,
 * recorded last as delivery_failed, only says it gave up); its newest. */
struct outcome {
	const cJSON *ok, *failed, *newest;
};

static struct outcome outcome(const cJSON *result, const char *id)
{
	struct outcome o = { 0 };
	const cJSON *run;
	cJSON_ArrayForEach(run, cJSON_GetObjectItemCaseSensitive(result, "runs")) {
		if (strcmp(str(run, "message_id"), id) != 0)
			continue;
		const char *st = str(run, "status");
		if (strcmp(st, "ok") == 0 && !o.ok)
			o.ok = run;
		if (!o.newest)
			o.newest = run;
		if (strcmp(st, "ok") != 0 && settled(run) &&
		    (!o.failed || strcmp(st, "delivery_failed") != 0))
			o.failed = run;
	}
	return o;
}

static long long run_id(const cJSON *run)
{
	return (long long)cJSON_GetNumberValue(
	        cJSON_GetObjectItemCaseSensitive(run, "id"));
}

static int report(const cJSON *run)
{
	char line[1024];
	const char *st = str(run, "status");
	int ok = strcmp(st, "ok") == 0;
	cli_status_describe(run, line, sizeof line);
	log_printf(stdout, "%s\n  run %lld: %s\n", ok ? "ok" : "failed",
	           run_id(run), line);
	fflush(stdout);
	if (ok)
		return 0;
	if (strcmp(st, "failed") == 0 || strcmp(st, "unreachable") == 0 ||
	    strcmp(st, "cancelled") == 0)
		log_printf(stderr, "syncfn setup: the test sync failed (QStash retries "
		           "it; `syncfn status` shows the attempts): %s\n", line);
	else
		log_printf(stderr, "syncfn setup: the test sync failed: %s\n", line);
	return 1;
}

/* One look at the run log: 1 with *out set when the message's runs have
 * an outcome: one succeeded, or the newest settled. A retry still
 * running after a failed attempt may yet succeed, so the failure is
 * reported only when it is the last look (final). */
static int look(struct waiter *w, int final, int *out)
{
	cJSON *result = NULL;
	struct fn_logger quiet = { 0 };
	enum sync_status st = w->runs(&w->settings, POLL_RUNS, &quiet, &result,
	                              w->err, sizeof w->err);
	struct outcome o = { 0 };
	if (st == SYNC_OK)
		o = outcome(result, w->message_id);
	const cJSON *done = o.ok ? o.ok
	                  : o.failed && (final || settled(o.newest)) ? o.failed
	                  : NULL;
	if (done)
		*out = report(done);
	else if (o.newest)
		snprintf(w->seen, sizeof w->seen, "run %lld %s", run_id(o.newest),
		         strcmp(str(o.newest, "status"), "busy") == 0 ?
		                 "refused as busy (another sync held the lock)" :
		                 "still running");
	else if (st != SYNC_OK)
		snprintf(w->seen, sizeof w->seen, "the run log could not be read: %s",
		         w->err);
	cJSON_Delete(result);
	return done != NULL;
}

int setup_wait_result(const struct config *cfg, const char *message_id,
                      long wait_s)
{
	struct waiter w = { .message_id = message_id };
	log_printf(stdout, "Waiting for its result in the run log (up to %lds)... ",
	           wait_s);
	fflush(stdout);
	if (!(w.runs = engines_sync_runs(w.err, sizeof w.err))) {
		log_printf(stdout, "failed\n");
		log_printf(stderr, "syncfn setup: %s\n", w.err);
		return 1;
	}
	config_sync_settings(cfg, &w.settings);
	snprintf(w.seen, sizeof w.seen, "no run for it yet");
	double deadline = now_s() + (double)wait_s;
	int rc = 1;
	for (;;) {
		double left = deadline - now_s();
		if (look(&w, left <= 0, &rc))
			return rc;
		if (left <= 0)
			break;
		sleep_s(left < POLL_MS / 1000.0 ? left : POLL_MS / 1000.0);
	}
	log_printf(stdout, "no result\n");
	log_printf(stderr, "syncfn setup: waited %lds for the run of message %s "
	           "in the run log (syncfn.runs on the target) and found %s: "
	           "check the function's log and `syncfn status`; "
	           "`syncfn setup --wait SECONDS` waits longer\n",
	           wait_s, message_id, w.seen);
	return 1;
}
