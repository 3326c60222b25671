/* heartbeat.c - the heartbeat URL after a run (see heartbeat.h). */
#include "heartbeat.h"

#include <stdio.h>
#include <string.h>

#include "engines.h"
#include "log.h"
#include "outcome.h"

static int verdict(enum sync_status st)
{
	return outcome_of_sync(st, OUTCOME_PERSON).ping;
}

/* url + "/fail", before its query string if it has one, without a
 * doubled slash. 0 when it fits. */
static int fail_url(const char *url, char *out, size_t len)
{
	size_t base = strcspn(url, "?#");
	size_t cut = base;
	while (cut > 0 && url[cut - 1] == '/')
		cut--;
	int n = snprintf(out, len, "%.*s/fail%s", (int)cut, url, url + base);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void ping(const struct config *cfg, const char *request_id, int v)
{
	char url[CONFIG_URL_LEN + 8], err[512];
	const char *target = cfg->heartbeat_url;
	if (v < 0) {
		if (fail_url(cfg->heartbeat_url, url, sizeof url) != 0)
			return;
		target = url;
	}
	const char *which = v > 0 ? "success" : "failure";
	alert_ping_fn *get = engines_alert_ping(err, sizeof err);
	if (!get || get(target, "syncfn/" SYNCFN_VERSION, HEARTBEAT_TIMEOUT_MS,
	                err, sizeof err) != 0) {
		log_line(request_id, FN_WARN, "Heartbeat not sent", "ping",
		         FN_STR(which), "error", FN_STR(err), NULL);
		return;
	}
	log_line(request_id, FN_INFO, "Heartbeat sent", "ping", FN_STR(which),
	         NULL);
}

void heartbeat_send(const struct config *cfg, const char *request_id,
                    enum sync_status st, int dry)
{
	int v = verdict(st);
	if (!cfg->heartbeat_url || dry || v == 0 ||
	    (v < 0 && !cfg->heartbeat_fail_append))
		return;
	ping(cfg, request_id, v);
}

static void after_success(const void *cfg, const char *request_id)
{
	heartbeat_send(cfg, request_id, SYNC_OK, 0);
}

static void after_failure(const void *cfg, const char *request_id)
{
	heartbeat_send(cfg, request_id, SYNC_FAILED, 0);
}

void heartbeat_arm(struct http_response *res, const struct config *cfg,
                   enum sync_status st)
{
	int v = verdict(st);
	if (!cfg->heartbeat_url || v == 0 || (v < 0 && !cfg->heartbeat_fail_append))
		return;
	res->after = v > 0 ? after_success : after_failure;
	res->after_ctx = cfg;
}
