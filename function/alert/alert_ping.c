/* alert_ping.c - one GET of the heartbeat URL (see alert.h). */
#include "alert.h"

#include <curl/curl.h>

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return size * n;
}

int alert_ping(const char *url, const char *user_agent, long timeout_ms,
               char *err, size_t errlen)
{
	if (!url || !*url) {
		fn_err(err, errlen, "SYNC_HEARTBEAT_URL is not set");
		return -1;
	}
	CURL *h = curl_easy_init();
	if (!h) {
		fn_err(err, errlen, "out of memory calling the heartbeat URL");
		return -1;
	}
	long timeout = timeout_ms > 0 ? timeout_ms : 5000;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, user_agent ? user_agent : "syncfn");
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	/* curl_easy_strerror, never the error buffer: it may quote the URL,
	 * whose path is the monitor's key */
	if (rc != CURLE_OK) {
		fn_err(err, errlen, "the heartbeat URL (SYNC_HEARTBEAT_URL) did not "
		       "answer: %s", curl_easy_strerror(rc));
		return -1;
	}
	if (status < 200 || status > 299) {
		fn_err(err, errlen, "the heartbeat URL (SYNC_HEARTBEAT_URL) answered "
		       "HTTP %ld", status);
		return -1;
	}
	return 0;
}
