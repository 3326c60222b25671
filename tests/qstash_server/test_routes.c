/* test_routes.c - /__test/: what a test needs and QStash does not offer.
 *
 *   POST /__test/fire/{scheduleId}     deliver the schedule's message now
 *   POST /__test/redeliver/{messageId} deliver that message again, same id
 *   GET  /__test/requests              every API request received
 *   GET  /__test/deliveries            every delivery and its attempts
 *   POST /__test/fail?status=S&count=N[&retry_after=SEC][&burst_reset_in=SEC]
 *                                      the next N API answers are S
 *   POST /__test/stall?ms=M&count=N    the next N API answers wait M ms
 *                                      (M at most STALL_MAX_MS; SIGTERM
 *                                      ends a stall)
 *   POST /__test/tamper?count=N        the next N delivery attempts carry a
 *                                      signature made with a wrong key
 *   GET  /__test/idle?timeout_ms=T     waits until no delivery is running
 *   POST /__test/reset                 forgets schedules, journals, knobs
 */
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qdev.h"

#define STALL_MAX_MS 120000

static void send_copy(struct qdev *q, struct mg_connection *conn,
                      const cJSON *a)
{
	pthread_mutex_lock(&q->lock);
	cJSON *c = cJSON_Duplicate(a, 1);
	pthread_mutex_unlock(&q->lock);
	qdev_send_json(conn, 200, c, NULL);
	cJSON_Delete(c);
}

static void send_message_id(struct mg_connection *conn,
                            struct qdev_message *m, struct qdev *q)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "messageId", m->id);
	qdev_deliver_async(q, m);
	qdev_send_json(conn, 200, o, NULL);
	cJSON_Delete(o);
}

static void wait_idle(struct qdev *q, struct mg_connection *conn,
                      long timeout_ms)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	int rc = 0;
	pthread_mutex_lock(&q->lock);
	while (q->active_deliveries > 0 && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&q->idle, &q->lock, &until);
	int busy = q->active_deliveries;
	pthread_mutex_unlock(&q->lock);
	cJSON *o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "active", busy);
	qdev_send_json(conn, busy ? 504 : 200, o, NULL);
	cJSON_Delete(o);
}

static void reset(struct qdev *q)
{
	pthread_mutex_lock(&q->lock);
	for (size_t i = 0; i < q->nschedules; i++)
		qdev_schedule_free(q->schedules[i]);
	q->nschedules = 0;
	cJSON_Delete(q->requests);
	cJSON_Delete(q->deliveries);
	q->requests = cJSON_CreateArray();
	q->deliveries = cJSON_CreateArray();
	q->journal_generation++;
	memset(&q->fault, 0, sizeof q->fault);
	pthread_mutex_unlock(&q->lock);
}

int qdev_test_handler(struct mg_connection *conn, void *cbdata)
{
	struct qdev *q = cbdata;
	struct qdev_req req;
	int rc = qdev_read_request(conn, &req);
	const char *p = req.path, *m = req.method;
	if (rc != 0) {
		qdev_send_error(conn, 413, "request body too large");
	} else if (strcmp(m, "GET") == 0 && strcmp(p, "/__test/requests") == 0) {
		send_copy(q, conn, q->requests);
	} else if (strcmp(m, "GET") == 0 && strcmp(p, "/__test/deliveries") == 0) {
		send_copy(q, conn, q->deliveries);
	} else if (strcmp(m, "GET") == 0 && strcmp(p, "/__test/idle") == 0) {
		wait_idle(q, conn, qdev_query_long(&req, "timeout_ms", 10000));
	} else if (strcmp(m, "POST") != 0) {
		qdev_send_error(conn, 405, "method not allowed");
	} else if (strncmp(p, "/__test/fire/", 13) == 0) {
		struct qdev_message *msg = qdev_store_fire(q, p + 13);
		if (!msg)
			qdev_send_error(conn, 404, "schedule not found");
		else
			send_message_id(conn, msg, q);
	} else if (strncmp(p, "/__test/redeliver/", 18) == 0) {
		struct qdev_message *msg = qdev_message_find_copy(q, p + 18);
		if (!msg)
			qdev_send_error(conn, 404, "message not found");
		else
			send_message_id(conn, msg, q);
	} else if (strcmp(p, "/__test/fail") == 0) {
		long in = qdev_query_long(&req, "burst_reset_in", -1);
		pthread_mutex_lock(&q->lock);
		q->fault.status = (int)qdev_query_long(&req, "status", 500);
		q->fault.count = (int)qdev_query_long(&req, "count", 1);
		q->fault.retry_after_s = qdev_query_long(&req, "retry_after", -1);
		q->fault.burst_reset = in >= 0 ? (long long)time(NULL) + in : 0;
		pthread_mutex_unlock(&q->lock);
		qdev_send_json(conn, 200, NULL, NULL);
	} else if (strcmp(p, "/__test/stall") == 0) {
		long ms = qdev_query_long(&req, "ms", 5000);
		long count = qdev_query_long(&req, "count", 1);
		if (ms < 0 || ms > STALL_MAX_MS || count < 0 || count > 1000) {
			qdev_send_error(conn, 400, "stall takes ms from 0 to 120000 and "
			                           "count from 0 to 1000");
		} else {
			pthread_mutex_lock(&q->lock);
			q->fault.stall_ms = ms;
			q->fault.stall_count = (int)count;
			pthread_mutex_unlock(&q->lock);
			qdev_send_json(conn, 200, NULL, NULL);
		}
	} else if (strcmp(p, "/__test/tamper") == 0) {
		pthread_mutex_lock(&q->lock);
		q->fault.tamper_count = (int)qdev_query_long(&req, "count", 1);
		pthread_mutex_unlock(&q->lock);
		qdev_send_json(conn, 200, NULL, NULL);
	} else if (strcmp(p, "/__test/reset") == 0) {
		reset(q);
		qdev_send_json(conn, 200, NULL, NULL);
	} else {
		qdev_send_error(conn, 404, "not found");
	}
	free(req.body);
	return 200;
}
