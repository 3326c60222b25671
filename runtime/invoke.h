/* invoke.h - one call of an engine, the same for a route and a command:
 * the configuration it needs is checked, its engine loaded, its settings
 * filled from the configuration, the call made with a logger, its status
 * mapped (outcome.h) and its answer put in the envelope. A route then
 * sends the answer (invoke_reply), a command prints it and exits with
 * the outcome's exit status.
 */
#ifndef SYNCFN_INVOKE_H
#define SYNCFN_INVOKE_H

#include "config.h"
#include "http.h"
#include "outcome.h"

struct cJSON;

enum invoke_stage {
	INVOKE_NOT_CONFIGURED = 0, /* err says what is missing or malformed */
	INVOKE_NO_ENGINE,          /* err says why it cannot be loaded */
	INVOKE_RAN                 /* status is the engine's */
};

struct invocation {
	/* in */
	const struct config *cfg;
	const char *command;  /* "sync", "status" ...: a command's name, whose
	                         configuration problems are all said, one a
	                         line, each prefixed "syncfn <command>: ";
	                         NULL over HTTP: the first one, in one line */
	const char *request_id;
	const struct fn_logger *log; /* NULL: the process log */
	enum outcome_caller caller;
	/* out */
	enum invoke_stage stage;
	int status;            /* the engine's status when stage is INVOKE_RAN */
	struct outcome outcome;
	struct cJSON *answer;  /* the enveloped answer, the caller's; NULL only
	                          when memory ran out */
	struct sync_result sync; /* invoke_sync_run's (statistics moved into
	                            the answer) */
	char err[2048];        /* why, when it is no success */
};

/* 1 when the configuration that need names is complete, else 0 with the
 * invocation filled (not configured). what names it over HTTP ("sync":
 * "sync not configured: ..."). */
int invoke_ready(struct invocation *iv, unsigned need, const char *what);

/* The calls: each is invoke_ready, then the engine. */
void invoke_sync_run(struct invocation *iv, const struct sync_request *req);
void invoke_sync_runs(struct invocation *iv, int limit);
void invoke_sync_summary(struct invocation *iv);
void invoke_schedule(struct invocation *iv, enum schedule_action action,
                     const char *id);

/* Fills res with the answer, its code and headers (Retry-After,
 * Upstash-NonRetryable-Error); takes iv->answer. */
void invoke_reply(struct invocation *iv, struct http_response *res);

#endif
