/* api.c - the QStash REST API routes. */
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "qdev.h"

static int ct_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char d = (unsigned char)(la != lb);
	for (size_t i = 0; i < la; i++)
		d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
	return d == 0;
}

static int authorized(const struct qdev *q, const struct qdev_req *req)
{
	const char *h = qdev_header(req, "Authorization");
	char tok[1024] = "";
	if (h && strncasecmp(h, "Bearer ", 7) == 0)
		snprintf(tok, sizeof tok, "%s", h + 7);
	else if (req->query)
		mg_get_var(req->query, strlen(req->query), "qstash_token", tok,
		           sizeof tok);
	return tok[0] && ct_equal(tok, q->opt.token);
}

/* Applies the test knobs; 1 when the answer was a forced failure. */
static int faulted(struct qdev *q, const struct qdev_req *req)
{
	struct qdev_fault f;
	long stall = 0;
	pthread_mutex_lock(&q->lock);
	if (q->fault.stall_count > 0) {
		q->fault.stall_count--;
		stall = q->fault.stall_ms;
	}
	f = q->fault;
	if (q->fault.count > 0)
		q->fault.count--;
	pthread_mutex_unlock(&q->lock);
	/* In slices, so that SIGTERM (q->stopping) ends a stall at once. */
	for (long slept = 0; slept < stall && !q->stopping; slept += 20) {
		struct timespec ts = { 0, 20 * 1000000L };
		nanosleep(&ts, NULL);
	}
	if (f.count <= 0)
		return 0;
	char ra[32], reset[32], msg[120];
	const char *h[8] = { 0 };
	int n = 0;
	if (f.retry_after_s >= 0) {
		snprintf(ra, sizeof ra, "%ld", f.retry_after_s);
		h[n++] = "Retry-After";
		h[n++] = ra;
	}
	if (f.burst_reset > 0) {
		snprintf(reset, sizeof reset, "%lld", f.burst_reset);
		h[n++] = "Burst-RateLimit-Reset";
		h[n++] = reset;
	}
	switch (f.status) {
	case 401: snprintf(msg, sizeof msg, "Unauthorized"); break;
	case 412: snprintf(msg, sizeof msg, "max number of schedules reached for this plan"); break;
	case 429: snprintf(msg, sizeof msg, "burst rate limit exceeded, retry later"); break;
	default: snprintf(msg, sizeof msg, "qstash-dev: forced error %d", f.status);
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", msg);
	qdev_send_json(req->conn, f.status, o, h);
	cJSON_Delete(o);
	return 1;
}

static int valid_id(const char *id)
{
	if (!*id || strlen(id) > 200)
		return 0;
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
			return 0;
	return 1;
}

static int is_url(const char *s)
{
	return strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0;
}

/* Upstash-Forward-Name: v headers, as {"Name": ["v"]}. */
static cJSON *forwarded(const struct qdev_req *req)
{
	const struct mg_request_info *ri = mg_get_request_info(req->conn);
	cJSON *o = cJSON_CreateObject();
	for (int i = 0; i < ri->num_headers; i++) {
		const char *name = ri->http_headers[i].name;
		if (strncasecmp(name, "Upstash-Forward-", 16) != 0 || !name[16])
			continue;
		cJSON *v = cJSON_GetObjectItem(o, name + 16);
		if (!v) {
			v = cJSON_CreateArray();
			cJSON_AddItemToObject(o, name + 16, v);
		}
		cJSON_AddItemToArray(v, cJSON_CreateString(ri->http_headers[i].value));
	}
	return o;
}

/* Method, retries and timeout, shared by publish and schedules; 0 ok. */
static int delivery_options(const struct qdev_req *req, char **method,
                            int *retries, long *timeout_s, char *err,
                            size_t errlen)
{
	const char *m = qdev_header(req, "Upstash-Method");
	const char *r = qdev_header(req, "Upstash-Retries");
	const char *t = qdev_header(req, "Upstash-Timeout");
	static const char *const methods[] = { "GET", "POST", "PUT", "PATCH",
		                               "DELETE", NULL };
	int ok = !m;
	for (int i = 0; m && methods[i]; i++)
		ok |= strcasecmp(m, methods[i]) == 0;
	if (!ok) {
		snprintf(err, errlen, "invalid Upstash-Method: %.40s", m);
		return -1;
	}
	*retries = 3;
	if (r) {
		char *end;
		long v = strtol(r, &end, 10);
		if (end == r || *end || v < 0 || v > 100) {
			snprintf(err, errlen, "invalid Upstash-Retries: %.40s", r);
			return -1;
		}
		*retries = (int)v;
	}
	*timeout_s = 0;
	if (t && (*timeout_s = qdev_parse_duration_s(t)) < 0) {
		snprintf(err, errlen, "invalid Upstash-Timeout: %.40s", t);
		return -1;
	}
	*method = strdup(m ? m : "POST");
	for (char *c = *method; c && *c; c++)
		*c = (char)toupper((unsigned char)*c);
	return *method ? 0 : -1;
}

static void create_schedule(struct qdev *q, const struct qdev_req *req,
                            const char *dest)
{
	char err[200];
	const char *cron = qdev_header(req, "Upstash-Cron");
	const char *id = qdev_header(req, "Upstash-Schedule-Id");
	const char *ct = qdev_header(req, "Content-Type");
	struct qdev_schedule *s = calloc(1, sizeof *s);
	if (!s)
		return qdev_send_error(req->conn, 500, "out of memory");
	if (!cron) {
		qdev_send_error(req->conn, 400, "Upstash-Cron header is required");
		goto fail;
	}
	if (qdev_cron_parse(cron, &s->cron, err, sizeof err) != 0) {
		qdev_send_error(req->conn, 400, err);
		goto fail;
	}
	if (id && !valid_id(id)) {
		qdev_send_error(req->conn, 400,
		                "invalid schedule id: only alphanumerics, '-', '_' and '.' are allowed");
		goto fail;
	}
	if (delivery_options(req, &s->method, &s->retries, &s->timeout_s, err,
	                     sizeof err) != 0) {
		qdev_send_error(req->conn, 400, err);
		goto fail;
	}
	char gen[48];
	if (!id) {
		qdev_random_id("scd_", gen, sizeof gen);
		id = gen;
	}
	s->id = strdup(id);
	s->destination = strdup(dest);
	/* QStash normalises the cron's surrounding blanks (research 3.3). */
	size_t cl = strlen(cron);
	while (cl && cron[cl - 1] == ' ')
		cl--;
	s->cron_text = strndup(cron, cl);
	s->content_type = ct ? strdup(ct) : NULL;
	s->forward = forwarded(req);
	s->body = malloc(req->body_len + 1);
	if (s->body) {
		memcpy(s->body, req->body, req->body_len);
		s->body[req->body_len] = '\0';
	}
	s->body_len = req->body_len;
	s->created_ms = qdev_now_ms();
	s->caller_ip = strdup(req->remote_addr);
	const char *fc = qdev_header(req, "Upstash-Failure-Callback");
	s->failure_callback = fc ? strdup(fc) : NULL;
	if (!s->id || !s->destination || !s->cron_text || !s->body) {
		qdev_send_error(req->conn, 500, "out of memory");
		goto fail;
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "scheduleId", s->id);
	qdev_store_put(q, s);
	qdev_send_json(req->conn, 200, o, NULL);
	cJSON_Delete(o);
	return;
fail:
	qdev_schedule_free(s);
}

static void publish(struct qdev *q, const struct qdev_req *req,
                    const char *dest)
{
	char err[200];
	const char *ct = qdev_header(req, "Content-Type");
	struct qdev_message *m = calloc(1, sizeof *m);
	if (!m)
		return qdev_send_error(req->conn, 500, "out of memory");
	if (delivery_options(req, &m->method, &m->retries, &m->timeout_s, err,
	                     sizeof err) != 0) {
		qdev_message_free(m);
		return qdev_send_error(req->conn, 400, err);
	}
	qdev_random_id("msg_", m->id, sizeof m->id);
	m->destination = strdup(dest);
	m->content_type = ct ? strdup(ct) : NULL;
	m->forward = forwarded(req);
	m->body = malloc(req->body_len + 1);
	if (m->body) {
		memcpy(m->body, req->body, req->body_len);
		m->body[req->body_len] = '\0';
	}
	m->body_len = req->body_len;
	const char *fc = qdev_header(req, "Upstash-Failure-Callback");
	m->failure_callback = fc ? strdup(fc) : NULL;
	m->created_ms = qdev_now_ms();
	m->caller_ip = strdup(req->remote_addr);
	if (!m->destination || !m->body) {
		qdev_message_free(m);
		return qdev_send_error(req->conn, 500, "out of memory");
	}
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "messageId", m->id);
	qdev_deliver_async(q, m);
	qdev_send_json(req->conn, 200, o, NULL);
	cJSON_Delete(o);
}

static void schedule_item(struct qdev *q, const struct qdev_req *req,
                          const char *rest)
{
	const char *slash = strchr(rest, '/');
	char id[256];
	size_t idlen = slash ? (size_t)(slash - rest) : strlen(rest);
	if (idlen >= sizeof id)
		return qdev_send_error(req->conn, 404, "schedule not found");
	memcpy(id, rest, idlen);
	id[idlen] = '\0';
	const char *m = req->method;
	if (slash) {
		int pause = strcmp(slash, "/pause") == 0;
		if (!pause && strcmp(slash, "/resume") != 0)
			return qdev_send_error(req->conn, 404, "not found");
		if (strcmp(m, "PATCH") != 0 && strcmp(m, "POST") != 0)
			return qdev_send_error(req->conn, 405, "method not allowed");
		if (qdev_store_set_paused(q, id, pause) != 0)
			return qdev_send_error(req->conn, 404, "schedule not found");
		return qdev_send_json(req->conn, 200, NULL, NULL);
	}
	if (strcmp(m, "GET") == 0) {
		cJSON *o = qdev_store_get_json(q, id);
		if (!o)
			return qdev_send_error(req->conn, 404, "schedule not found");
		qdev_send_json(req->conn, 200, o, NULL);
		cJSON_Delete(o);
		return;
	}
	if (strcmp(m, "DELETE") == 0) {
		if (qdev_store_delete(q, id) != 0)
			return qdev_send_error(req->conn, 404, "schedule not found");
		return qdev_send_json(req->conn, 200, NULL, NULL);
	}
	qdev_send_error(req->conn, 405, "method not allowed");
}

static void route(struct qdev *q, const struct qdev_req *req)
{
	const char *p = req->path, *m = req->method;
	if (strcmp(p, "/v2/keys") == 0) {
		if (strcmp(m, "GET") != 0)
			return qdev_send_error(req->conn, 405, "method not allowed");
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "current", q->opt.current_key);
		cJSON_AddStringToObject(o, "next", q->opt.next_key);
		qdev_send_json(req->conn, 200, o, NULL);
		cJSON_Delete(o);
		return;
	}
	if (strcmp(p, "/v2/schedules") == 0 || strcmp(p, "/v2/schedules/") == 0) {
		if (strcmp(m, "GET") != 0)
			return qdev_send_error(req->conn, 405, "method not allowed");
		cJSON *a = qdev_store_list_json(q);
		qdev_send_json(req->conn, 200, a, NULL);
		cJSON_Delete(a);
		return;
	}
	if (strncmp(p, "/v2/schedules/", 14) == 0 && is_url(p + 14)) {
		if (strcmp(m, "POST") != 0)
			return qdev_send_error(req->conn, 405, "method not allowed");
		return create_schedule(q, req, p + 14);
	}
	if (strncmp(p, "/v2/schedules/", 14) == 0)
		return schedule_item(q, req, p + 14);
	if (strncmp(p, "/v2/publish/", 12) == 0) {
		if (strcmp(m, "POST") != 0)
			return qdev_send_error(req->conn, 405, "method not allowed");
		if (!is_url(p + 12))
			return qdev_send_error(req->conn, 400,
			                       "invalid destination: must start with http:// or https://");
		return publish(q, req, p + 12);
	}
	qdev_send_error(req->conn, 404, "not found");
}

int qdev_api_handler(struct mg_connection *conn, void *cbdata)
{
	struct qdev *q = cbdata;
	struct qdev_req req;
	if (qdev_read_request(conn, &req) != 0) {
		free(req.body);
		qdev_send_error(conn, 413, "request body too large");
		return 413;
	}
	qdev_record_request(q, &req);
	if (!faulted(q, &req)) {
		if (!authorized(q, &req))
			qdev_send_error(conn, 401, "Unauthorized");
		else
			route(q, &req);
	}
	free(req.body);
	return 200;
}
