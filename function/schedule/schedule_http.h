/* schedule_http.h - one call to the QStash REST API, with the retry policy
 * of schedule.h (private to function/schedule/).
 *
 * schedule_http_call() sends one request, retrying on network errors and
 * on 429 only, and hands back the final answer whatever its status: the
 * caller decides what a 4xx or 5xx means for its action. The bearer token
 * goes only into the Authorization header, never into a log or err.
 */
#ifndef SYNCFN_SCHEDULE_HTTP_H
#define SYNCFN_SCHEDULE_HTTP_H

#include <stddef.h>

#include "schedule.h"

/* The longest any one wait between attempts may be, whatever QStash's
 * Retry-After asks: a management call must stay interactive. */
#define SCHEDULE_MAX_WAIT_MS 5000L

/* Bodies above this are refused (a schedule list is small). */
#define SCHEDULE_MAX_BODY (4L * 1024 * 1024)

struct schedule_reply {
	long status;  /* HTTP status of the last attempt */
	char *body;   /* NUL-terminated, malloc'd; free with schedule_reply_free */
	size_t len;
	int attempts; /* how many requests were sent */
};

struct schedule_request {
	const char *method;         /* "GET", "POST", "PATCH", "DELETE" */
	const char *path;           /* appended raw to settings->qstash_url */
	const char *const *headers; /* extra "Name: value" lines, NULL-ended */
	const char *body;           /* NULL: no body */
};

/* Sends req. SCHEDULE_OK: an HTTP answer arrived (any status, including a
 * 429 that outlasted every attempt) and is in *reply. SCHEDULE_UNREACHABLE:
 * no answer within the attempts and total_timeout_ms; err says why and
 * what to check. */
enum schedule_status schedule_http_call(const struct schedule_settings *s,
                                        const struct schedule_request *req,
                                        const struct fn_logger *log,
                                        struct schedule_reply *reply,
                                        char *err, size_t errlen);

void schedule_reply_free(struct schedule_reply *reply);

/* Milliseconds to wait before retrying a 429, from Retry-After (seconds or
 * an HTTP date) or Burst-RateLimit-Reset (unix seconds), relative to now
 * (unix seconds); -1 when neither header says. Exposed for unit tests. */
long schedule_http_retry_wait_ms(const char *retry_after,
                                 const char *burst_reset, long long now);

#endif
