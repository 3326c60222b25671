/* deliver.c - delivering a message to its destination the way QStash does:
 * signed, with Upstash-Message-Id and
 * Upstash-Retried, each attempt cut at the message's Upstash-Timeout,
 * retried (the same message id) on anything but a 2xx up to the message's
 * retries, after the answer's Retry-After when it gives one, stopped by
 * 489 + Upstash-NonRetryable-Error: true; once it has failed for good, the
 * Upstash-Failure-Callback is called with QStash's documented body,
 * signed like any delivery (sub = the callback URL). Every attempt is
 * written to the delivery journal. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <math.h>
#include <mbedtls/base64.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "qdev.h"

struct job {
	struct qdev *q;
	struct qdev_message *m;
	int redelivery;
	unsigned generation; /* of the journal its entry is in */
};

void qdev_message_free(struct qdev_message *m)
{
	if (!m)
		return;
	free(m->schedule_id);
	free(m->destination);
	free(m->method);
	free(m->content_type);
	cJSON_Delete(m->forward);
	free(m->body);
	free(m->failure_callback);
	free(m->caller_ip);
	free(m);
}

static struct qdev_message *copy(const struct qdev_message *m)
{
	struct qdev_message *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	memcpy(c->id, m->id, sizeof c->id);
	c->schedule_id = m->schedule_id ? strdup(m->schedule_id) : NULL;
	c->destination = strdup(m->destination);
	c->method = strdup(m->method);
	c->content_type = m->content_type ? strdup(m->content_type) : NULL;
	c->forward = m->forward ? cJSON_Duplicate(m->forward, 1) : NULL;
	c->body = malloc(m->body_len + 1);
	if (c->body) {
		memcpy(c->body, m->body, m->body_len);
		c->body[m->body_len] = '\0';
	}
	c->body_len = m->body_len;
	c->retries = m->retries;
	c->timeout_s = m->timeout_s;
	c->failure_callback = m->failure_callback ? strdup(m->failure_callback) : NULL;
	c->created_ms = m->created_ms;
	c->caller_ip = m->caller_ip ? strdup(m->caller_ip) : NULL;
	if (!c->destination || !c->method || !c->body) {
		qdev_message_free(c);
		return NULL;
	}
	return c;
}

struct qdev_message *qdev_message_find_copy(struct qdev *q, const char *id)
{
	struct qdev_message *c = NULL;
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->nmessages && !c; i++)
		if (strcmp(q->messages[i]->id, id) == 0)
			c = copy(q->messages[i]);
	pthread_mutex_unlock(&q->lock);
	return c;
}

/* The first bytes of the destination's answer, for the journal. */
struct answer {
	char text[2048];
	size_t len;
};

static size_t keep(char *p, size_t size, size_t n, void *ud)
{
	struct answer *a = ud;
	size_t len = size * n, room = sizeof a->text - 1 - a->len;
	size_t k = len < room ? len : room;
	memcpy(a->text + a->len, p, k);
	a->len += k;
	a->text[a->len] = '\0';
	return len;
}

/* What an answer's headers say about the next attempt. */
struct answer_headers {
	int nonretryable;
	long retry_after_s; /* -1: none */
};

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct answer_headers *ah = ud;
	size_t len = size * n;
	static const char name[] = "Upstash-NonRetryable-Error:";
	static const char ra[] = "Retry-After:";
	if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
		const char *v = p + sizeof name - 1;
		while (*v == ' ')
			v++;
		if (strncasecmp(v, "true", 4) == 0)
			ah->nonretryable = 1;
	}
	/* seconds only: syncfn sends no date form */
	if (len > sizeof ra - 1 && strncasecmp(p, ra, sizeof ra - 1) == 0) {
		char v[32];
		snprintf(v, sizeof v, "%.*s", (int)(len - (sizeof ra - 1)), p + sizeof ra - 1);
		long s = strtol(v, NULL, 10);
		if (s >= 0)
			ah->retry_after_s = s > 86400 ? 86400 : s;
	}
	return len;
}

static struct curl_slist *add(struct curl_slist *l, const char *name,
                              const char *value)
{
	char line[4096];
	/* "Name:" with nothing after it tells libcurl to send no such
	 * header at all. */
	snprintf(line, sizeof line, *value ? "%s: %s" : "%s:", name, value);
	struct curl_slist *n = curl_slist_append(l, line);
	return n ? n : l;
}

/* 1 when the test asked for this attempt to carry a wrong signature. */
static int tampered(struct qdev *q)
{
	pthread_mutex_lock(&q->lock);
	int t = q->fault.tamper_count > 0;
	if (t)
		q->fault.tamper_count--;
	pthread_mutex_unlock(&q->lock);
	return t;
}

static struct curl_slist *headers_for(struct qdev *q,
                                      const struct qdev_message *m, int retried)
{
	char n[16];
	const char *key = tampered(q) ? "sig_not_the_signing_key" : q->opt.current_key;
	char *sig = qdev_sign(key, m->destination, m->body, m->body_len,
	                      time(NULL));
	struct curl_slist *l = NULL;
	if (sig)
		l = add(l, "Upstash-Signature", sig);
	free(sig);
	l = add(l, "Upstash-Message-Id", m->id);
	snprintf(n, sizeof n, "%d", retried);
	l = add(l, "Upstash-Retried", n);
	if (m->schedule_id)
		l = add(l, "Upstash-Schedule-Id", m->schedule_id);
	l = add(l, "Content-Type", m->content_type ? m->content_type : "");
	for (const cJSON *h = m->forward ? m->forward->child : NULL; h;
	     h = h->next)
		for (const cJSON *v = h->child; v; v = v->next)
			if (cJSON_IsString(v))
				l = add(l, h->string, v->valuestring);
	l = add(l, "Expect", "");
	l = add(l, "Accept", "");
	return l;
}

/* One attempt; returns the HTTP status, or 0 with err on no answer. */
static long attempt(struct qdev *q, const struct qdev_message *m,
                    int retried, struct answer_headers *ah, struct answer *ans,
                    char *err, size_t errlen)
{
	struct curl_slist *headers = headers_for(q, m, retried);
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(err, errlen, "curl_easy_init failed");
		curl_slist_free_all(headers);
		return 0;
	}
	curl_easy_setopt(h, CURLOPT_URL, m->destination);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "Upstash-QStash");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m->method);
	if (strcmp(m->method, "GET") != 0 && strcmp(m->method, "HEAD") != 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, m->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		                 (curl_off_t)m->body_len);
	}
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, ans);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, ah);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT,
	                 m->timeout_s > 0 ? m->timeout_s : 120L);
	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else
		snprintf(err, errlen, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
	curl_easy_cleanup(h);
	curl_slist_free_all(headers);
	return status;
}

/* The journal entry of this delivery, created on first use and again
 * after a reset of the journal; lock held. */
static cJSON *journal(struct qdev *q, struct job *j, int *index)
{
	if (*index >= 0 && j->generation == q->journal_generation)
		return cJSON_GetArrayItem(q->deliveries, *index);
	j->generation = q->journal_generation;
	cJSON *d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "messageId", j->m->id);
	if (j->m->schedule_id)
		cJSON_AddStringToObject(d, "scheduleId", j->m->schedule_id);
	else
		cJSON_AddNullToObject(d, "scheduleId");
	cJSON_AddStringToObject(d, "destination", j->m->destination);
	cJSON_AddBoolToObject(d, "redelivery", j->redelivery);
	cJSON_AddStringToObject(d, "state", "in_progress");
	cJSON_AddItemToObject(d, "attempts", cJSON_CreateArray());
	cJSON_AddItemToArray(q->deliveries, d);
	*index = cJSON_GetArraySize(q->deliveries) - 1;
	return d;
}

static void note(struct qdev *q, struct job *j, int *index, int retried,
                 long status, const char *err, const char *answer,
                 const char *state)
{
	pthread_mutex_lock(&q->lock);
	cJSON *d = journal(q, j, index);
	if (retried >= 0) {
		cJSON *a = cJSON_CreateObject();
		cJSON_AddNumberToObject(a, "retried", retried);
		cJSON_AddNumberToObject(a, "status", (double)status);
		if (err && *err)
			cJSON_AddStringToObject(a, "error", err);
		if (answer)
			cJSON_AddStringToObject(a, "response", answer);
		cJSON_AddNumberToObject(a, "at", (double)qdev_now_ms());
		cJSON_AddItemToArray(cJSON_GetObjectItem(d, "attempts"), a);
	}
	if (state)
		cJSON_ReplaceItemInObject(d, "state", cJSON_CreateString(state));
	pthread_mutex_unlock(&q->lock);
}

/* Milliseconds before attempt retried + 1. */
static long delay_ms(const struct qdev *q, int retried, long retry_after_s)
{
	if (retry_after_s >= 0)
		return retry_after_s * 1000;
	if (q->opt.backoff_exp) {
		double s = exp(2.5 * (retried + 1));
		return (long)((s > 86400 ? 86400 : s) * 1000);
	}
	return q->opt.retry_delay_ms;
}

static void sleep_ms(const struct qdev *q, long ms)
{
	/* in slices, so that a stopping server does not wait for hours */
	while (ms > 0 && !q->stopping) {
		long slice = ms < 200 ? ms : 200;
		struct timespec ts = { slice / 1000, (slice % 1000) * 1000000L };
		nanosleep(&ts, NULL);
		ms -= slice;
	}
}

static char *base64(const char *data, size_t len)
{
	size_t n = 0;
	mbedtls_base64_encode(NULL, 0, &n, (const unsigned char *)data, len);
	char *out = malloc(n + 1);
	if (!out)
		return NULL;
	/* an empty input writes nothing, not even the terminator */
	out[0] = '\0';
	if (mbedtls_base64_encode((unsigned char *)out, n + 1, &n,
	                          (const unsigned char *)data, len) != 0)
		out[0] = '\0';
	return out;
}

/* QStash's failure callback body (docs: qstash/features/callbacks). */
static char *callback_body(const struct qdev_message *m, int retried,
                           long status, const struct answer *ans,
                           const char *dlq_id)
{
	cJSON *o = cJSON_CreateObject();
	char *b = base64(ans->text, ans->len), *sb = base64(m->body, m->body_len);
	cJSON_AddNumberToObject(o, "status", (double)status);
	cJSON_AddItemToObject(o, "header", cJSON_CreateObject());
	cJSON_AddStringToObject(o, "body", b ? b : "");
	cJSON_AddNumberToObject(o, "retried", retried);
	cJSON_AddNumberToObject(o, "maxRetries", m->retries);
	cJSON_AddStringToObject(o, "dlqId", dlq_id);
	cJSON_AddStringToObject(o, "sourceMessageId", m->id);
	cJSON_AddStringToObject(o, "topicName", "");
	cJSON_AddStringToObject(o, "endpointName", "");
	cJSON_AddStringToObject(o, "url", m->destination);
	cJSON_AddStringToObject(o, "method", m->method);
	cJSON *sh = m->forward ? cJSON_Duplicate(m->forward, 1) : cJSON_CreateObject();
	cJSON_AddItemToObject(o, "sourceHeader", sh);
	cJSON_AddStringToObject(o, "sourceBody", sb ? sb : "");
	cJSON_AddNumberToObject(o, "notBefore", (double)m->created_ms);
	cJSON_AddNumberToObject(o, "createdAt", (double)m->created_ms);
	cJSON_AddStringToObject(o, "scheduleId", m->schedule_id ? m->schedule_id : "");
	cJSON_AddStringToObject(o, "callerIP", m->caller_ip ? m->caller_ip : "");
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	free(b);
	free(sb);
	return text;
}

/* Delivers the failure callback of m as a message of its own. */
static void call_back(struct qdev *q, const struct qdev_message *m,
                      int retried, long status, const struct answer *ans)
{
	struct qdev_message *c = calloc(1, sizeof *c);
	char dlq[64];
	if (!c)
		return;
	qdev_random_id("msg_", c->id, sizeof c->id);
	qdev_random_id("dlq_", dlq, sizeof dlq);
	c->destination = strdup(m->failure_callback);
	c->method = strdup("POST");
	c->content_type = strdup("application/json");
	c->body = callback_body(m, retried, status, ans, dlq);
	c->body_len = c->body ? strlen(c->body) : 0;
	c->retries = 3;
	c->created_ms = qdev_now_ms();
	if (!c->destination || !c->method || !c->content_type || !c->body) {
		qdev_message_free(c);
		return;
	}
	qdev_deliver_async(q, c);
}

static void *deliver(void *arg)
{
	struct job *j = arg;
	struct qdev *q = j->q;
	int index = -1;
	const char *state = "failed";
	int retried = 0;
	long last_status = 0;
	struct answer ans = { .len = 0 };
	note(q, j, &index, -1, 0, NULL, NULL, NULL);
	for (; retried <= j->m->retries && !q->stopping; retried++) {
		char err[CURL_ERROR_SIZE] = "";
		struct answer_headers ah = { .retry_after_s = -1 };
		ans.len = 0;
		ans.text[0] = '\0';
		long st = attempt(q, j->m, retried, &ah, &ans, err, sizeof err);
		last_status = st;
		fprintf(stderr, "qstash-dev: delivery %s to %s (retried %d): %ld%s%s\n",
		        j->m->id, j->m->destination, retried, st, err[0] ? " " : "",
		        err);
		if (st >= 200 && st < 300) {
			note(q, j, &index, retried, st, err, ans.text, "delivered");
			state = NULL;
			break;
		}
		if (st == 489 && ah.nonretryable) {
			note(q, j, &index, retried, st, err, ans.text, "non_retryable");
			state = "non_retryable";
			break;
		}
		note(q, j, &index, retried, st, err, ans.text, NULL);
		if (retried < j->m->retries)
			sleep_ms(q, delay_ms(q, retried, ah.retry_after_s));
	}
	if (state && strcmp(state, "failed") == 0)
		note(q, j, &index, -1, 0, NULL, NULL, state);
	if (state && j->m->failure_callback && !q->stopping)
		call_back(q, j->m, retried > j->m->retries ? j->m->retries : retried,
		          last_status, &ans);
	qdev_message_free(j->m);
	free(j);
	pthread_mutex_lock(&q->lock);
	if (--q->active_deliveries == 0)
		pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

static void remember(struct qdev *q, const struct qdev_message *m)
{
	struct qdev_message *c = copy(m);
	if (!c)
		return;
	if (q->nmessages == q->capmessages) {
		size_t cap = q->capmessages ? q->capmessages * 2 : 16;
		struct qdev_message **a = realloc(q->messages, cap * sizeof *a);
		if (!a) {
			qdev_message_free(c);
			return;
		}
		q->messages = a;
		q->capmessages = cap;
	}
	q->messages[q->nmessages++] = c;
}

void qdev_deliver_async(struct qdev *q, struct qdev_message *m)
{
	struct job *j = calloc(1, sizeof *j);
	pthread_t t;
	pthread_attr_t attr;
	if (!j) {
		qdev_message_free(m);
		return;
	}
	j->q = q;
	j->m = m;
	pthread_mutex_lock(&q->lock);
	int known = 0;
	for (size_t i = 0; i < q->nmessages; i++)
		known |= strcmp(q->messages[i]->id, m->id) == 0;
	j->redelivery = known;
	if (!known)
		remember(q, m);
	q->active_deliveries++;
	pthread_mutex_unlock(&q->lock);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, deliver, j) != 0) {
		pthread_mutex_lock(&q->lock);
		q->active_deliveries--;
		pthread_mutex_unlock(&q->lock);
		qdev_message_free(m);
		free(j);
	}
	pthread_attr_destroy(&attr);
}
