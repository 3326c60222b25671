/* alert_webhook.c - posts one alert to the webhook (see alert.h). */
#include "alert.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

/* Chat services cap a message (Discord: 2000 characters). */
#define SUMMARY_MAX 1800

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

static char *body_of(const struct alert_event *e)
{
	char ts[32], summary[SUMMARY_MAX + 1];
	fn_iso_time(ts);
	snprintf(summary, sizeof summary, "%s", e->summary ? e->summary : "");
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "text", summary);
	cJSON_AddStringToObject(o, "content", summary);
	cJSON_AddStringToObject(o, "event", e->event ? e->event : "");
	if (e->run_id > 0)
		cJSON_AddNumberToObject(o, "run_id", (double)e->run_id);
	else
		cJSON_AddNullToObject(o, "run_id");
	if (e->message_id)
		cJSON_AddStringToObject(o, "message_id", e->message_id);
	else
		cJSON_AddNullToObject(o, "message_id");
	cJSON_AddStringToObject(o, "error", e->error ? e->error : "");
	cJSON_AddStringToObject(o, "timestamp", ts);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static int post(CURL *h, const struct alert_settings *s, const char *body,
                char *err, size_t errlen)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = curl_slist_append(NULL,
	                                           "Content-Type: application/json");
	long timeout = s->timeout_ms > 0 ? s->timeout_ms : 10000;
	curl_easy_setopt(h, CURLOPT_URL, s->webhook_url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_USERAGENT, s->user_agent ? s->user_agent : "syncfn");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout < 5000 ? timeout : 5000);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_slist_free_all(hdr);
	if (rc != CURLE_OK) {
		/* libcurl's message may quote the URL, whose path is the key */
		fn_err(err, errlen, "the alert webhook (SYNC_ALERT_WEBHOOK_URL) did not "
		       "answer: %s", curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		fn_err(err, errlen, "the alert webhook (SYNC_ALERT_WEBHOOK_URL) "
		       "answered HTTP %ld", status);
		return -1;
	}
	return 0;
}

int alert_send(const struct alert_settings *settings,
               const struct alert_event *event, char *err, size_t errlen)
{
	if (!settings->webhook_url || !*settings->webhook_url) {
		fn_err(err, errlen, "SYNC_ALERT_WEBHOOK_URL is not set");
		return -1;
	}
	char *body = body_of(event);
	CURL *h = body ? curl_easy_init() : NULL;
	int rc = -1;
	if (!h)
		fn_err(err, errlen, "out of memory building the alert");
	else
		rc = post(h, settings, body, err, errlen);
	if (h)
		curl_easy_cleanup(h);
	free(body);
	return rc;
}
