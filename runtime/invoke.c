/* invoke.c - one call of an engine for a route or a command (invoke.h). */
#include "invoke.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "engines.h"
#include "log.h"

int invoke_ready(struct invocation *iv, unsigned need, const char *what)
{
	iv->status = -1;
	iv->answer = NULL;
	if (config_check(iv->cfg, need, iv->command, iv->err, sizeof iv->err) == 0)
		return 1;
	iv->stage = INVOKE_NOT_CONFIGURED;
	iv->outcome = outcome_not_configured();
	char first[CONFIG_PROBLEM_LEN + 64];
	/* over HTTP, an unset target is said short: the variable is all a
	 * caller needs to know */
	outcome_first_line(first, sizeof first,
	                   (need & NEED_SYNC) && !iv->cfg->target_url
	                           ? CONFIG_TARGET_UNSET : iv->err);
	if (!iv->command)
		snprintf(iv->err, sizeof iv->err, "%s not configured: %s", what, first);
	iv->answer = outcome_envelope(iv->command ? first : iv->err, NULL);
	return 0;
}

static struct fn_logger logger(const struct invocation *iv)
{
	return iv->log ? *iv->log : log_fn_logger(iv->request_id);
}

/* The engine could not be loaded: err already says why. */
static void no_engine(struct invocation *iv)
{
	iv->stage = INVOKE_NO_ENGINE;
	iv->outcome = outcome_no_engine();
	iv->answer = outcome_envelope(iv->err, NULL);
}

static void ran_sync(struct invocation *iv, enum sync_status st, cJSON *data)
{
	iv->stage = INVOKE_RAN;
	iv->status = (int)st;
	iv->outcome = outcome_of_sync(st, iv->caller);
	int ok = st == SYNC_OK || st == SYNC_DEDUPLICATED;
	if (!ok && !*iv->err)
		snprintf(iv->err, sizeof iv->err, "%s", sync_status_name(st));
	iv->answer = outcome_envelope(ok ? NULL : iv->err, data);
}

/* A run's answer: the seed's six keys, then what this run adds. */
static cJSON *run_data(const struct sync_request *req, enum sync_status st,
                       struct sync_result *r)
{
	cJSON *o = cJSON_CreateObject();
	if (st == SYNC_BUSY) {
		cJSON_AddNumberToObject(o, "retry_after",
		                        outcome_retry_clamp(r->retry_after_s));
		return o;
	}
	if (st != SYNC_OK && st != SYNC_DEDUPLICATED)
		return o;
	cJSON_AddStringToObject(o, "message",
		st == SYNC_DEDUPLICATED
			? "Slave-to-prod sync already completed for this message"
		: req->dry_run
			? "Slave-to-prod sync dry run completed; nothing was applied"
			: "Slave-to-prod sync completed successfully");
	cJSON_AddStringToObject(o, "type", req->type ? req->type : "manual");
	cJSON_AddItemToObject(o, "statistics", r->statistics ? r->statistics
	                                                     : cJSON_CreateObject());
	r->statistics = NULL;
	cJSON_AddNumberToObject(o, "run_id", (double)r->run_id);
	if (st == SYNC_DEDUPLICATED)
		cJSON_AddBoolToObject(o, "deduplicated", 1);
	if (req->dry_run && st == SYNC_OK)
		cJSON_AddBoolToObject(o, "dry_run", 1);
	return o;
}

void invoke_sync_run(struct invocation *iv, const struct sync_request *req)
{
	if (!invoke_ready(iv, NEED_SYNC, "sync")) {
		/* set but malformed: a run that can never succeed as
		 * configured, answered as the engine's own would be */
		if (iv->cfg->target_url)
			iv->outcome = outcome_of_sync(SYNC_CONFIG, iv->caller);
		return;
	}
	sync_run_fn *run = engines_sync_run(iv->err, sizeof iv->err);
	if (!run) {
		no_engine(iv);
		return;
	}
	struct sync_settings settings;
	config_sync_settings(iv->cfg, &settings);
	struct fn_logger lg = logger(iv);
	iv->err[0] = '\0';
	enum sync_status st = run(&settings, req, &lg, &iv->sync, iv->err,
	                          sizeof iv->err);
	ran_sync(iv, st, run_data(req, st, &iv->sync));
	cJSON_Delete(iv->sync.statistics);
	iv->sync.statistics = NULL;
}

void invoke_sync_runs(struct invocation *iv, int limit)
{
	if (!invoke_ready(iv, NEED_SYNC, "sync"))
		return;
	sync_runs_fn *runs = engines_sync_runs(iv->err, sizeof iv->err);
	if (!runs) {
		no_engine(iv);
		return;
	}
	struct sync_settings settings;
	config_sync_settings(iv->cfg, &settings);
	struct fn_logger lg = logger(iv);
	cJSON *data = NULL;
	iv->err[0] = '\0';
	enum sync_status st = runs(&settings, limit, &lg, &data, iv->err,
	                           sizeof iv->err);
	if (st == SYNC_OK && !data) {
		st = SYNC_FAILED;
		snprintf(iv->err, sizeof iv->err, "out of memory");
	}
	ran_sync(iv, st, data);
}

void invoke_sync_summary(struct invocation *iv)
{
	if (!invoke_ready(iv, NEED_SYNC, "sync"))
		return;
	sync_summary_fn *summarize = engines_sync_summary(iv->err, sizeof iv->err);
	if (!summarize) {
		no_engine(iv);
		return;
	}
	struct sync_settings settings;
	config_sync_settings(iv->cfg, &settings);
	struct fn_logger lg = logger(iv);
	cJSON *summary = NULL;
	iv->err[0] = '\0';
	enum sync_status st = summarize(&settings, &lg, &summary, iv->err,
	                                sizeof iv->err);
	if (st == SYNC_OK && !summary) {
		st = SYNC_FAILED;
		snprintf(iv->err, sizeof iv->err, "out of memory");
	}
	/* the summary is data the caller shapes: it stays under its key */
	cJSON *data = NULL;
	if (st == SYNC_OK) {
		data = cJSON_CreateObject();
		cJSON_AddItemToObject(data, "summary", summary);
	} else {
		cJSON_Delete(summary);
	}
	ran_sync(iv, st, data);
}

void invoke_schedule(struct invocation *iv, enum schedule_action action,
                     const char *id)
{
	if (!invoke_ready(iv, NEED_SCHEDULE, "schedule"))
		return;
	schedule_run_fn *run = engines_schedule_run(iv->err, sizeof iv->err);
	if (!run) {
		no_engine(iv);
		return;
	}
	struct schedule_settings settings;
	config_schedule_settings(iv->cfg, &settings);
	struct fn_logger lg = logger(iv);
	cJSON *data = NULL;
	iv->err[0] = '\0';
	enum schedule_status st = run(&settings, action, id, &lg, &data, iv->err,
	                              sizeof iv->err);
	iv->stage = INVOKE_RAN;
	iv->status = (int)st;
	iv->outcome = outcome_of_schedule(st);
	if (st != SCHEDULE_OK && !*iv->err)
		snprintf(iv->err, sizeof iv->err, "failed");
	iv->answer = outcome_envelope(st == SCHEDULE_OK ? NULL : iv->err, data);
}

static int retry_seconds(const struct invocation *iv)
{
	switch (iv->outcome.retry) {
	case RETRY_ESTIMATE:
		return outcome_retry_clamp(iv->sync.retry_after_s);
	case RETRY_GRACE:
		return outcome_retry_clamp(iv->cfg->shutdown_grace_s);
	case RETRY_CONFIG:
		return OUTCOME_CONFIG_RETRY_S;
	case RETRY_NONE:
		break;
	}
	return 0;
}

void invoke_reply(struct invocation *iv, struct http_response *res)
{
	if (iv->answer)
		http_reply(res, iv->outcome.http, iv->answer);
	else
		http_reply_error(res, iv->outcome.http, "%s",
		                 *iv->err ? iv->err : "out of memory");
	iv->answer = NULL;
	if (iv->outcome.non_retryable)
		http_add_header(res, "Upstash-NonRetryable-Error", "true");
	int s = retry_seconds(iv);
	if (s > 0)
		http_set_retry_after(res, s);
}
