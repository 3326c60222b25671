/* alerts.c - the webhook for final failures (see alerts.h). */
#include "alerts.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "engines.h"
#include "log.h"

#define ALERT_TIMEOUT_MS 10000

void alerts_post(const struct config *cfg, const char *request_id,
                 const struct alert_event *event)
{
	if (!cfg->alert_webhook_url)
		return;
	char err[512];
	alert_send_fn *send = engines_alert_send(err, sizeof err);
	const struct alert_settings s = {
		.webhook_url = cfg->alert_webhook_url,
		.user_agent = "syncfn/" SYNCFN_VERSION,
		.timeout_ms = ALERT_TIMEOUT_MS,
	};
	if (!send || send(&s, event, err, sizeof err) != 0) {
		log_line(request_id, FN_WARN, "Failure alert not sent", "error",
		         FN_STR(err), "event", FN_STR(event->event), NULL);
		return;
	}
	log_line(request_id, FN_INFO, "Failure alert sent", "event",
	         FN_STR(event->event), "message_id", FN_STR(event->message_id),
	         NULL);
}

void alerts_post_skipped(const struct config *cfg, const char *request_id,
                         const cJSON *result)
{
	const cJSON *stats = cJSON_GetObjectItemCaseSensitive(result, "statistics");
	const cJSON *skipped = cJSON_GetObjectItemCaseSensitive(stats, "skipped_tables");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(result, "run_id");
	if (!cfg->alert_webhook_url || cJSON_GetArraySize(skipped) == 0)
		return;
	char names[1000] = "";
	size_t len = 0;
	const cJSON *t;
	cJSON_ArrayForEach(t, skipped) {
		if (!cJSON_IsString(t) || len >= sizeof names - 1)
			continue;
		int w = snprintf(names + len, sizeof names - len, "%s%s",
		                 len ? ", " : "", t->valuestring);
		len = w < 0 ? len : len + (size_t)w;
	}
	long long run_id = cJSON_IsNumber(id) ? (long long)id->valuedouble : 0;
	char summary[1400];
	snprintf(summary, sizeof summary, "syncfn: run %lld synced, but left out "
	         "%d table%s without a usable key (SYNC_TABLES=*): %s; add a "
	         "primary key (or a unique index on NOT NULL columns) on the "
	         "target, or leave %s out with SYNC_EXCLUDE", run_id,
	         cJSON_GetArraySize(skipped),
	         cJSON_GetArraySize(skipped) == 1 ? "" : "s", names,
	         cJSON_GetArraySize(skipped) == 1 ? "it" : "them");
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(result, "message_id");
	const struct alert_event e = {
		.event = "sync_warning",
		.summary = summary,
		.run_id = run_id,
		.message_id = cJSON_IsString(msg) ? msg->valuestring : NULL,
		.error = summary,
	};
	alerts_post(cfg, request_id, &e);
}
