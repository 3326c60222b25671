/* alerts.h - posts a final failure (or a warning a person must act on:
 * tables left out) to SYNC_ALERT_WEBHOOK_URL, if set.
 *
 * Loads the alert code (in the schedule engine, with libcurl) only when
 * there is something to post. Never fails its caller: a webhook that
 * does not answer is logged as a warning and that is all.
 */
#ifndef SYNCFN_ALERTS_H
#define SYNCFN_ALERTS_H

#include "alert.h"
#include "config.h"

void alerts_post(const struct config *cfg, const char *request_id,
                 const struct alert_event *event);

struct cJSON;

/* A run that committed but left tables out (statistics.skipped_tables:
 * SYNC_TABLES=* found them without a usable key) is posted as a warning,
 * event "sync_warning", naming them; nothing when there is none. */
void alerts_post_skipped(const struct config *cfg, const char *request_id,
                         const struct cJSON *result);

#endif
