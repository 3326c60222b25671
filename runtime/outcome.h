/* outcome.h - what an engine's status means outside: one table gives each
 * status its HTTP code, its exit status, its Retry-After, whether QStash
 * must stop retrying (Upstash-NonRetryable-Error) and what the heartbeat
 * says of it, and one builder gives
 * every answer its envelope.
 *
 * The engines (function/) return a status, one line of error and their
 * data; they know no HTTP code nor exit status. Two outcomes belong to the
 * runtime alone: the configuration a command needs is missing or
 * malformed ("not configured"), and an engine's shared object cannot be
 * loaded.
 */
#ifndef SYNCFN_OUTCOME_H
#define SYNCFN_OUTCOME_H

#include <stddef.h>

#include "schedule.h"
#include "sync.h"

struct cJSON;

/* Who asked: QStash's retries read the code, a person reads the error. */
enum outcome_caller { OUTCOME_PERSON = 0, OUTCOME_QSTASH };

/* Where a 503's Retry-After comes from. */
enum outcome_retry {
	RETRY_NONE = 0,
	RETRY_ESTIMATE, /* the engine's estimate of a running sync */
	RETRY_GRACE,    /* SHUTDOWN_GRACE_SECONDS: a database or an instance
	                   comes back */
	RETRY_CONFIG    /* OUTCOME_CONFIG_RETRY_S: a person fixes the
	                   environment */
};

struct outcome {
	int http;                /* HTTP status */
	int exit;                /* exit status of the command */
	enum outcome_retry retry;
	int non_retryable;       /* Upstash-NonRetryable-Error: true */
	int ping;                /* the heartbeat: 1 a success ping, -1 a
	                            failure ping, 0 nothing to say (not the
	                            sync's own outcome: a busy refusal, a
	                            repeated message, a platform's cancel) */
};

/* The Retry-After of a configuration not there yet, in seconds. */
#define OUTCOME_CONFIG_RETRY_S 60
/* Bounds of a Retry-After: QStash waits at least this, at most that. */
#define OUTCOME_RETRY_MIN_S 5
#define OUTCOME_RETRY_MAX_S 900

struct outcome outcome_of_sync(enum sync_status st, enum outcome_caller who);
struct outcome outcome_of_schedule(enum schedule_status st);
/* The configuration a route or command needs is missing or malformed. */
struct outcome outcome_not_configured(void);
/* The engine's shared object cannot be loaded. */
struct outcome outcome_no_engine(void);

/* seconds within OUTCOME_RETRY_MIN_S..OUTCOME_RETRY_MAX_S */
int outcome_retry_clamp(int seconds);

/* The first line of text into out (cut to outlen): an answer is one
 * line. */
void outcome_first_line(char *out, size_t outlen, const char *text);

/* The envelope of every answer: {"success": error == NULL, then data's
 * "message" if it has one, "error" on a failure, "timestamp" (right after
 * the message on a success, as the seed's sync answer has it, else last),
 * and data's other fields in their order}. Takes data (may be NULL).
 * NULL only when memory ran out. */
struct cJSON *outcome_envelope(const char *error, struct cJSON *data);

/* The same envelope as text into buf, for the answers written before any
 * request is routed and when memory ran out (no timestamp: nothing is
 * allocated). error must need no JSON escaping. Returns the length, as
 * snprintf does. */
int outcome_envelope_text(char *buf, size_t len, const char *error);

#endif
