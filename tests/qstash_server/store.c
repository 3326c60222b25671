/* store.c - the schedules in memory, and the journal of requests. */
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qdev.h"

void qdev_record_request(struct qdev *q, const struct qdev_req *req)
{
	const struct mg_request_info *ri = mg_get_request_info(req->conn);
	cJSON *r = cJSON_CreateObject();
	cJSON *h = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "method", req->method);
	cJSON_AddStringToObject(r, "path", req->path);
	if (req->query)
		cJSON_AddStringToObject(r, "query", req->query);
	for (int i = 0; i < ri->num_headers; i++)
		cJSON_AddStringToObject(h, ri->http_headers[i].name,
		                        ri->http_headers[i].value);
	cJSON_AddItemToObject(r, "headers", h);
	cJSON_AddStringToObject(r, "body", req->body ? req->body : "");
	cJSON_AddNumberToObject(r, "at", (double)qdev_now_ms());
	pthread_mutex_lock(&q->lock);
	if (cJSON_GetArraySize(q->requests) >= QDEV_MAX_RECORDS)
		cJSON_DeleteItemFromArray(q->requests, 0);
	cJSON_AddItemToArray(q->requests, r);
	pthread_mutex_unlock(&q->lock);
}

void qdev_schedule_free(struct qdev_schedule *s)
{
	if (!s)
		return;
	free(s->id);
	free(s->destination);
	free(s->cron_text);
	free(s->failure_callback);
	free(s->method);
	free(s->content_type);
	cJSON_Delete(s->forward);
	free(s->body);
	free(s->caller_ip);
	free(s);
}

/* The Schedule object of QStash's API. */
struct cJSON *qdev_schedule_json(const struct qdev_schedule *s)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "scheduleId", s->id);
	cJSON_AddStringToObject(o, "cron", s->cron_text);
	cJSON_AddNumberToObject(o, "createdAt", (double)s->created_ms);
	cJSON_AddStringToObject(o, "destination", s->destination);
	cJSON_AddStringToObject(o, "method", s->method);
	cJSON *h = s->forward ? cJSON_Duplicate(s->forward, 1)
	                      : cJSON_CreateObject();
	if (s->content_type) {
		cJSON *v = cJSON_CreateArray();
		cJSON_AddItemToArray(v, cJSON_CreateString(s->content_type));
		cJSON_AddItemToObject(h, "Content-Type", v);
	}
	cJSON_AddItemToObject(o, "header", h);
	cJSON_AddStringToObject(o, "body", s->body ? s->body : "");
	cJSON_AddNumberToObject(o, "retries", s->retries);
	if (s->timeout_s)
		cJSON_AddNumberToObject(o, "timeout", (double)s->timeout_s);
	if (s->failure_callback)
		cJSON_AddStringToObject(o, "failureCallback", s->failure_callback);
	cJSON_AddStringToObject(o, "callerIp", s->caller_ip ? s->caller_ip : "");
	cJSON_AddBoolToObject(o, "isPaused", s->paused);
	if (s->last_fired_ms)
		cJSON_AddNumberToObject(o, "lastScheduleTime",
		                        (double)s->last_fired_ms);
	return o;
}

static long find(struct qdev *q, const char *id)
{
	for (size_t i = 0; i < q->nschedules; i++)
		if (strcmp(q->schedules[i]->id, id) == 0)
			return (long)i;
	return -1;
}

void qdev_store_put(struct qdev *q, struct qdev_schedule *s)
{
	pthread_mutex_lock(&q->lock);
	long i = find(q, s->id);
	if (i >= 0) {
		/* An upsert keeps the creation time and the firing history
		 * (this server's choice), so re-running setup within a
		 * minute never fires the cron twice. */
		s->created_ms = q->schedules[i]->created_ms;
		s->cron_minute_ms = q->schedules[i]->cron_minute_ms;
		s->last_fired_ms = q->schedules[i]->last_fired_ms;
		qdev_schedule_free(q->schedules[i]);
		q->schedules[i] = s;
	} else {
		if (q->nschedules == q->capschedules) {
			size_t cap = q->capschedules ? q->capschedules * 2 : 8;
			struct qdev_schedule **a =
				realloc(q->schedules, cap * sizeof *a);
			if (!a) {
				pthread_mutex_unlock(&q->lock);
				qdev_schedule_free(s);
				return;
			}
			q->schedules = a;
			q->capschedules = cap;
		}
		q->schedules[q->nschedules++] = s;
	}
	pthread_mutex_unlock(&q->lock);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* A message for schedule s; the caller holds the lock. */
static struct qdev_message *message_for(const struct qdev_schedule *s)
{
	struct qdev_message *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	qdev_random_id("msg_", m->id, sizeof m->id);
	m->schedule_id = strdup(s->id);
	m->destination = strdup(s->destination);
	m->method = strdup(s->method);
	m->content_type = dup_or_null(s->content_type);
	m->forward = s->forward ? cJSON_Duplicate(s->forward, 1) : NULL;
	m->body = malloc(s->body_len + 1);
	if (m->body) {
		memcpy(m->body, s->body ? s->body : "", s->body_len);
		m->body[s->body_len] = '\0';
	}
	m->body_len = s->body_len;
	m->retries = s->retries;
	m->timeout_s = s->timeout_s;
	m->failure_callback = dup_or_null(s->failure_callback);
	m->created_ms = qdev_now_ms();
	m->caller_ip = dup_or_null(s->caller_ip);
	if (!m->schedule_id || !m->destination || !m->method || !m->body) {
		qdev_message_free(m);
		return NULL;
	}
	return m;
}

struct qdev_message *qdev_store_fire(struct qdev *q, const char *id)
{
	struct qdev_message *m = NULL;
	pthread_mutex_lock(&q->lock);
	long i = find(q, id);
	if (i >= 0) {
		m = message_for(q->schedules[i]);
		q->schedules[i]->last_fired_ms = qdev_now_ms();
	}
	pthread_mutex_unlock(&q->lock);
	return m;
}

size_t qdev_store_due(struct qdev *q, const struct tm *utc, long long now_ms,
                      struct qdev_message **out, size_t max)
{
	size_t n = 0;
	long long minute = now_ms - (now_ms % 60000);
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->nschedules && n < max; i++) {
		struct qdev_schedule *s = q->schedules[i];
		/* Once per matching minute, and only for minutes that began
		 * after the schedule was created, as a cron does. */
		if (s->paused || s->cron_minute_ms == minute ||
		    s->created_ms >= minute || !qdev_cron_matches(&s->cron, utc))
			continue;
		if ((out[n] = message_for(s))) {
			s->cron_minute_ms = minute;
			s->last_fired_ms = now_ms;
			n++;
		}
	}
	pthread_mutex_unlock(&q->lock);
	return n;
}

struct cJSON *qdev_store_get_json(struct qdev *q, const char *id)
{
	cJSON *o = NULL;
	pthread_mutex_lock(&q->lock);
	long i = find(q, id);
	if (i >= 0)
		o = qdev_schedule_json(q->schedules[i]);
	pthread_mutex_unlock(&q->lock);
	return o;
}

struct cJSON *qdev_store_list_json(struct qdev *q)
{
	cJSON *a = cJSON_CreateArray();
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->nschedules; i++)
		cJSON_AddItemToArray(a, qdev_schedule_json(q->schedules[i]));
	pthread_mutex_unlock(&q->lock);
	return a;
}

int qdev_store_delete(struct qdev *q, const char *id)
{
	pthread_mutex_lock(&q->lock);
	long i = find(q, id);
	if (i >= 0) {
		qdev_schedule_free(q->schedules[i]);
		memmove(q->schedules + i, q->schedules + i + 1,
		        (q->nschedules - (size_t)i - 1) * sizeof *q->schedules);
		q->nschedules--;
	}
	pthread_mutex_unlock(&q->lock);
	return i >= 0 ? 0 : -1;
}

int qdev_store_set_paused(struct qdev *q, const char *id, int paused)
{
	pthread_mutex_lock(&q->lock);
	long i = find(q, id);
	if (i >= 0)
		q->schedules[i]->paused = paused;
	pthread_mutex_unlock(&q->lock);
	return i >= 0 ? 0 : -1;
}
