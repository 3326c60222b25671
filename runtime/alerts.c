/* alerts.c - the webhook for final failures (see alerts.h). */
#include "alerts.h"

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
