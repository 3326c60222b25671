/* schedule.h - the QStash schedule of this function, over QStash's REST
 * API with libcurl.
 *
 * Every operation is one (or, for pause/resume falling back from PATCH to
 * POST, two) HTTP calls to QSTASH_URL with "Authorization: Bearer
 * QSTASH_TOKEN", TLS verification always on, connect and total timeouts,
 * and a bounded retry with backoff on network errors and 429 (honouring
 * Retry-After and Burst-RateLimit-Reset), never on other 4xx.
 *
 * Like the sync engine, this lives in its own shared object
 * (build/syncfn-schedule.so) so that libcurl is loaded only when a
 * schedule operation runs; the runtime looks up "schedule_run" of type
 * schedule_run_fn.
 */
#ifndef SYNCFN_SCHEDULE_H
#define SYNCFN_SCHEDULE_H

#include <stddef.h>

#include "fn_log.h"

struct cJSON;

struct schedule_settings {
	const char *qstash_url;  /* QSTASH_URL, no trailing slash needed */
	const char *token;       /* QSTASH_TOKEN; never logged */
	const char *destination; /* APP_URL + /api/background/sync/slave-to-prod */
	const char *cron;        /* SYNC_CRON */
	int retries;             /* SYNC_RETRIES */
	const char *timeout;     /* SYNC_TIMEOUT, e.g. "30s" */
	const char *schedule_id; /* SYNC_SCHEDULE_ID */
	const char *user_agent;  /* "syncfn/<version>" */
	long connect_timeout_ms;
	long total_timeout_ms;   /* one QStash call, its retries and waits
	                            included (QSTASH_HTTP_TIMEOUT) */
	int max_attempts;        /* 1 + retries on network errors and 429 */
	const char *failure_callback; /* Upstash-Failure-Callback on create and
	                            trigger (APP_URL + the failure route);
	                            NULL: none (SYNC_FAILURE_CALLBACK=off) */
};

enum schedule_action {
	SCHEDULE_CREATE,  /* create or update the schedule (upsert by id) */
	SCHEDULE_LIST,    /* the schedules whose destination is ours */
	SCHEDULE_GET,     /* one schedule by id */
	SCHEDULE_PAUSE,
	SCHEDULE_RESUME,
	SCHEDULE_DELETE,
	SCHEDULE_TRIGGER, /* publish one message to the destination now */
	SCHEDULE_KEYS     /* GET /v2/keys: the signing keys QStash uses */
};

enum schedule_status {
	SCHEDULE_OK = 0,
	SCHEDULE_BAD_REQUEST, /* bad action or missing id: the caller's */
	SCHEDULE_REFUSED,     /* QStash answered an error; result "details"
	                         has its status and message */
	SCHEDULE_UNREACHABLE  /* no answer: DNS, connect, TLS, timeout */
};

/* Runs one action. id is needed for GET/PAUSE/RESUME/DELETE (NULL
 * otherwise: CREATE uses settings->schedule_id). On return *result is a
 * new cJSON object, owned by the caller: {"message", then "scheduleId" |
 * "schedules" | "schedule" | "messageId" | "keys"}, or for a failure
 * {"message"} and, for SCHEDULE_REFUSED, "details": {"status",
 * "message"} with QStash's own status and text. err gets the one-line
 * reason when the status is not SCHEDULE_OK. The KEYS result holds the
 * signing keys: compare it, never print or answer it. */
typedef enum schedule_status schedule_run_fn(
	const struct schedule_settings *settings, enum schedule_action action,
	const char *id, const struct fn_logger *log, struct cJSON **result,
	char *err, size_t errlen);

schedule_run_fn schedule_run;

/* The libcurl the engine runs with, "7.88.1" (`syncfn --version`). */
typedef const char *schedule_libcurl_version_fn(void);
schedule_libcurl_version_fn schedule_libcurl_version;

/* "create", "list", ... and back; -1 when unknown. "trigger-manual" is
 * accepted as SCHEDULE_TRIGGER (the HTTP route's name for it). Defined
 * in names.c, linked into the main binary, so that a bad action is
 * answered 400 without loading libcurl. */
const char *schedule_action_name(enum schedule_action a);
int schedule_action_parse(const char *name);
/* Whether an action acts on one schedule named by its id (get, pause,
 * resume, delete), and whether it needs the destination (APP_URL). */
int schedule_action_needs_id(enum schedule_action a);
int schedule_action_needs_destination(enum schedule_action a);

/* A schedule id goes raw into QStash's URL path: 1 when id keeps to the
 * alphabet below and SCHEDULE_ID_MAX characters. */
#define SCHEDULE_ID_MAX 200
#define SCHEDULE_ID_RULE \
	"may hold only letters, digits, '-', '_' and '.' (at most 200 characters)"
int schedule_id_valid(const char *id);

#endif
