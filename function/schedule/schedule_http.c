/* schedule_http.c - one QStash API call over libcurl, retried on network
 * errors and 429 only (see schedule_http.h). */
#include "schedule_http.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct capture {
	char *buf;
	size_t len, cap;
	int too_big;
	char retry_after[64];
	char burst_reset[64];
};

static long long mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) != 0)
		;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct capture *c = ud;
	size_t add = size * n;
	if (c->len + add > (size_t)SCHEDULE_MAX_BODY) {
		c->too_big = 1;
		return 0;
	}
	if (c->len + add + 1 > c->cap) {
		size_t cap = (c->len + add + 1) * 2;
		char *b = realloc(c->buf, cap);
		if (!b)
			return 0;
		c->buf = b;
		c->cap = cap;
	}
	memcpy(c->buf + c->len, p, add);
	c->len += add;
	c->buf[c->len] = '\0';
	return add;
}

/* Copies the value of header `name` if line is that header. */
static void header_value(const char *line, size_t n, const char *name,
                         char *out, size_t outlen)
{
	size_t k = strlen(name);
	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return;
	const char *v = line + k + 1;
	size_t vn = n - k - 1;
	while (vn && (*v == ' ' || *v == '\t')) {
		v++;
		vn--;
	}
	while (vn && (v[vn - 1] == '\r' || v[vn - 1] == '\n' ||
	              v[vn - 1] == ' ' || v[vn - 1] == '\t'))
		vn--;
	if (vn >= outlen)
		vn = outlen - 1;
	memcpy(out, v, vn);
	out[vn] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct capture *c = ud;
	size_t len = size * n;
	/* Each response (an interim 100 included) starts with its status
	 * line; only the last one's headers count. */
	if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
		c->retry_after[0] = '\0';
		c->burst_reset[0] = '\0';
	}
	header_value(p, len, "Retry-After", c->retry_after,
	             sizeof c->retry_after);
	header_value(p, len, "Burst-RateLimit-Reset", c->burst_reset,
	             sizeof c->burst_reset);
	return len;
}

static int all_digits(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return 1;
}

long schedule_http_retry_wait_ms(const char *retry_after,
                                 const char *burst_reset, long long now)
{
	if (retry_after && *retry_after) {
		if (all_digits(retry_after) && strlen(retry_after) < 10)
			return atol(retry_after) * 1000L;
		time_t when = curl_getdate(retry_after, NULL);
		if (when != -1)
			return when > now ? (long)(when - now) * 1000L : 0;
	}
	if (burst_reset && all_digits(burst_reset) && strlen(burst_reset) < 14) {
		long long when = atoll(burst_reset);
		return when > now ? (long)(when - now) * 1000L : 0;
	}
	return -1;
}

/* Errors that no retry can cure: a bad URL, an unsupported scheme, a
 * certificate that does not verify. */
static int permanent(CURLcode rc)
{
	switch (rc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
	case CURLE_OUT_OF_MEMORY:
		return 1;
	default:
		return 0;
	}
}

static int has_header(const char *const *headers, const char *name)
{
	size_t k = strlen(name);
	for (; headers && *headers; headers++)
		if (strncasecmp(*headers, name, k) == 0 && (*headers)[k] == ':')
			return 1;
	return 0;
}

static struct curl_slist *build_headers(const struct schedule_settings *s,
                                        const struct schedule_request *req)
{
	struct curl_slist *list = NULL, *next;
	size_t n = strlen(s->token) + sizeof "Authorization: Bearer ";
	char *auth = malloc(n);
	if (!auth)
		return NULL;
	snprintf(auth, n, "Authorization: Bearer %s", s->token);
	next = curl_slist_append(list, auth);
	memset(auth, 0, n);
	free(auth);
	if (!next)
		return NULL;
	list = next;
	for (const char *const *h = req->headers; h && *h; h++) {
		if (!(next = curl_slist_append(list, *h)))
			goto fail;
		list = next;
	}
	/* With a body libcurl would add a form Content-Type and, for large
	 * ones, Expect: 100-continue; QStash wants neither. */
	if (!has_header(req->headers, "Content-Type")) {
		if (!(next = curl_slist_append(list, "Content-Type:")))
			goto fail;
		list = next;
	}
	if (!(next = curl_slist_append(list, "Expect:")))
		goto fail;
	return next;
fail:
	curl_slist_free_all(list);
	return NULL;
}

static CURL *make_handle(const struct schedule_settings *s,
                         const struct schedule_request *req, const char *url,
                         struct curl_slist *headers, struct capture *cap,
                         char *errbuf)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, s->user_agent ? s->user_agent
	                                                     : "syncfn");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, cap);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, cap);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	                 (curl_off_t)SCHEDULE_MAX_BODY);
	if (s->connect_timeout_ms > 0)
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
		                 s->connect_timeout_ms);
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else if (strcmp(req->method, "DELETE") == 0 && !req->body) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
	} else {
		/* POST and PATCH always carry a Content-Length, 0 if bodiless. */
		const char *body = req->body ? req->body : "";
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)strlen(body));
		if (strcmp(req->method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	}
	return h;
}

static void unreachable(const struct schedule_settings *s, CURLcode rc,
                        const char *detail, int attempts, long budget_ms,
                        char *err, size_t errlen)
{
	const char *why = detail && *detail ? detail : curl_easy_strerror(rc);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		fn_err(err, errlen,
		       "QStash at %s did not answer within %ld ms (%d attempt%s): check QSTASH_URL and the network (firewall, proxy variables)",
		       s->qstash_url, budget_ms, attempts, attempts == 1 ? "" : "s");
	else if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	         rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR)
		fn_err(err, errlen,
		       "the TLS certificate of %s does not verify (%s): check QSTASH_URL (certificate verification is always on) and the system CA certificates",
		       s->qstash_url, why);
	else
		fn_err(err, errlen,
		       "cannot reach QStash at %s (%s; %d attempt%s): check QSTASH_URL and the network (DNS, firewall, proxy variables)",
		       s->qstash_url, why, attempts, attempts == 1 ? "" : "s");
}

static long backoff_ms(int attempt)
{
	long ms = 250L << (attempt > 5 ? 5 : attempt - 1);
	return ms > SCHEDULE_MAX_WAIT_MS ? SCHEDULE_MAX_WAIT_MS : ms;
}

/* One call in progress: the handle, what it captured, the budget. */
struct call {
	const struct schedule_settings *s;
	const struct schedule_request *req;
	const struct fn_logger *log;
	CURL *h;
	struct capture cap;
	char errbuf[CURL_ERROR_SIZE];
	long long deadline; /* monotonic ms */
	long budget_ms;
	int max_attempts;
};

/* Sends once with what is left of the budget; *status is set on CURLE_OK. */
static CURLcode attempt(struct call *c, long *status)
{
	long long left = c->deadline - mono_ms();
	c->errbuf[0] = '\0';
	c->cap.len = 0;
	c->cap.too_big = 0;
	*status = 0;
	if (left <= 0)
		return CURLE_OPERATION_TIMEDOUT;
	curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, (long)left);
	CURLcode rc = curl_easy_perform(c->h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, status);
	return rc;
}

/* How long to wait before attempt number `attempt` + 1, or -1 when no
 * further attempt is to be made (the last answer or error stands). */
static long retry_wait(struct call *c, int attempt, CURLcode rc, long status)
{
	long wait;
	if (attempt >= c->max_attempts || (rc == CURLE_OK && status != 429) ||
	    (rc != CURLE_OK && (permanent(rc) || c->cap.too_big)))
		return -1;
	wait = rc == CURLE_OK
		       ? schedule_http_retry_wait_ms(c->cap.retry_after,
		                                     c->cap.burst_reset,
		                                     (long long)time(NULL))
		       : -1;
	if (wait < 0)
		wait = backoff_ms(attempt);
	if (wait > SCHEDULE_MAX_WAIT_MS)
		wait = SCHEDULE_MAX_WAIT_MS;
	return mono_ms() + wait < c->deadline ? wait : -1;
}

static const char *curl_reason(const struct call *c, CURLcode rc)
{
	return c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
}

/* Attempts until an answer that is not a 429, or the attempts or the
 * budget run out; the caller owns the handle and the capture. */
static enum schedule_status run_attempts(struct call *c,
                                         struct schedule_reply *reply,
                                         char *err, size_t errlen)
{
	for (int n = 1;; n++) {
		long status;
		CURLcode rc = attempt(c, &status);
		reply->attempts = n;
		long wait = retry_wait(c, n, rc, status);
		if (wait < 0 && rc == CURLE_OK) {
			reply->status = status;
			return SCHEDULE_OK;
		}
		if (wait < 0 && c->cap.too_big) {
			fn_err(err, errlen,
			       "QStash answered more than %ld bytes to %s %s; check QSTASH_URL",
			       SCHEDULE_MAX_BODY, c->req->method, c->req->path);
			return SCHEDULE_UNREACHABLE;
		}
		if (wait < 0) {
			unreachable(c->s, rc, c->errbuf, n, c->budget_ms, err,
			            errlen);
			return SCHEDULE_UNREACHABLE;
		}
		fn_log(c->log, FN_WARN, "Retrying QStash call", "method",
		       FN_STR(c->req->method), "path", FN_STR(c->req->path),
		       "attempt", FN_INT(n), "status", FN_INT(status), "error",
		       FN_STR(rc == CURLE_OK ? NULL : curl_reason(c, rc)),
		       "wait_ms", FN_INT(wait), NULL);
		sleep_ms(wait);
	}
}

enum schedule_status schedule_http_call(const struct schedule_settings *s,
                                        const struct schedule_request *req,
                                        const struct fn_logger *log,
                                        struct schedule_reply *reply,
                                        char *err, size_t errlen)
{
	struct call c = { .s = s, .req = req, .log = log };
	memset(reply, 0, sizeof *reply);
	c.budget_ms = s->total_timeout_ms > 0 ? s->total_timeout_ms : 30000;
	c.max_attempts = s->max_attempts > 0 ? s->max_attempts : 1;
	c.deadline = mono_ms() + c.budget_ms;
	size_t ulen = strlen(s->qstash_url) + strlen(req->path) + 1;
	char *url = malloc(ulen);
	struct curl_slist *headers = build_headers(s, req);
	enum schedule_status st = SCHEDULE_UNREACHABLE;
	if (url)
		snprintf(url, ulen, "%s%s", s->qstash_url, req->path);
	if (!url || !headers ||
	    !(c.h = make_handle(s, req, url, headers, &c.cap, c.errbuf))) {
		fn_err(err, errlen, "out of memory preparing the QStash call");
	} else {
		st = run_attempts(&c, reply, err, errlen);
	}
	if (st == SCHEDULE_OK) {
		reply->body = c.cap.buf ? c.cap.buf : calloc(1, 1);
		reply->len = c.cap.len;
		c.cap.buf = NULL;
		if (!reply->body) {
			fn_err(err, errlen, "out of memory reading QStash's answer");
			st = SCHEDULE_UNREACHABLE;
		}
	}
	if (c.h)
		curl_easy_cleanup(c.h);
	curl_slist_free_all(headers);
	free(c.cap.buf);
	free(url);
	return st;
}

void schedule_reply_free(struct schedule_reply *reply)
{
	free(reply->body);
	reply->body = NULL;
	reply->len = 0;
}
