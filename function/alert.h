/* alert.h - a final failure posted as JSON to SYNC_ALERT_WEBHOOK_URL.
 *
 * One POST with libcurl, bounded by a timeout, TLS verification on. The
 * body suits the common chat webhooks at once: "text" (Slack, Mattermost,
 * Google Chat) and "content" (Discord) hold the same one-line summary,
 * next to "event", "run_id", "message_id", "error" and "timestamp" for
 * anything else. A failed post is reported to the caller, who logs it:
 * it never changes the outcome of the run it is about.
 *
 * It lives in the schedule engine's shared object (which links libcurl
 * already) and is looked up by name, "alert_send", so that the program
 * still maps neither libcurl nor libpq at a cold start.
 */
#ifndef SYNCFN_ALERT_H
#define SYNCFN_ALERT_H

#include <stddef.h>

#include "fn_log.h"

struct alert_settings {
	const char *webhook_url; /* a secret: never logged */
	const char *user_agent;
	long timeout_ms;         /* the whole post */
};

struct alert_event {
	const char *event;      /* "sync_failed", "delivery_failed" */
	const char *summary;    /* one line a person can act on */
	long long run_id;       /* 0: none */
	const char *message_id; /* NULL: none */
	const char *error;
};

/* 0 when the webhook answered 2xx; else -1 and err says why. */
typedef int alert_send_fn(const struct alert_settings *settings,
                          const struct alert_event *event, char *err,
                          size_t errlen);

alert_send_fn alert_send;

/* One GET of a heartbeat URL (SYNC_HEARTBEAT_URL: healthchecks.io,
 * Cronitor and the like take a GET), bounded by timeout_ms, TLS
 * verification on, the answer's body discarded. 0 on a 2xx; else -1 and
 * err says why without quoting the URL, which is a secret. Looked up by
 * name, "alert_ping". */
typedef int alert_ping_fn(const char *url, const char *user_agent,
                          long timeout_ms, char *err, size_t errlen);

alert_ping_fn alert_ping;

#endif
