/* heartbeat.h - SYNC_HEARTBEAT_URL, a dead-man's switch: called (GET)
 * after every run that committed, so a monitor (healthchecks.io,
 * Cronitor) notices when nothing runs at all; after a failed run, the
 * URL with "/fail" appended when SYNC_HEARTBEAT_FAIL=append, else
 * nothing.
 *
 * Bounded (HEARTBEAT_TIMEOUT_MS), never changes the run's answer or exit
 * status, and never logs the URL (its path is the monitor's key). The
 * HTTP route arms it on its response, to run after the answer is sent.
 */
#ifndef SYNCFN_HEARTBEAT_H
#define SYNCFN_HEARTBEAT_H

#include "config.h"
#include "http.h"
#include "sync.h"

#define HEARTBEAT_TIMEOUT_MS 5000

/* Calls the heartbeat for a run that ended with st (dry: a dry run,
 * which commits nothing and calls nothing). */
void heartbeat_send(const struct config *cfg, const char *request_id,
                    enum sync_status st, int dry);

/* The same, after res has been answered (http_after). */
void heartbeat_arm(struct http_response *res, const struct config *cfg,
                   enum sync_status st);

#endif
