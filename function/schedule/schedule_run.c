/* schedule_run.c - the schedule actions of schedule.h: which QStash call
 * each one makes and what its answer means. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule_op.h"

static const char *const past[] = {
	[SCHEDULE_CREATE] = "created or updated", [SCHEDULE_LIST] = "listed",
	[SCHEDULE_GET] = "found", [SCHEDULE_PAUSE] = "paused",
	[SCHEDULE_RESUME] = "resumed", [SCHEDULE_DELETE] = "deleted",
	[SCHEDULE_TRIGGER] = "triggered", [SCHEDULE_KEYS] = "read",
};

/* One call; SCHEDULE_OK only for a 2xx answer, which is left in *r. */
static enum schedule_status call(struct schedule_op *op, const char *method,
                                 const char *path, const char *const *headers,
                                 const char *body, struct schedule_reply *r)
{
	struct schedule_request req = { method, path, headers, body };
	enum schedule_status st =
		schedule_http_call(op->s, &req, op->log, r, op->err, op->errlen);
	fn_log(op->log, st == SCHEDULE_OK ? FN_INFO : FN_WARN, "QStash call",
	       "action", FN_STR(schedule_action_name(op->action)), "method",
	       FN_STR(method), "path", FN_STR(path), "status",
	       FN_INT(r->status), "attempts", FN_INT(r->attempts), NULL);
	if (st != SCHEDULE_OK)
		return st;
	if (r->status >= 200 && r->status < 300)
		return SCHEDULE_OK;
	schedule_refused(op, r);
	schedule_reply_free(r);
	return SCHEDULE_REFUSED;
}

static char *join(const char *a, const char *b, const char *c)
{
	size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s%s%s", a, b, c);
	return p;
}

static cJSON *new_result(const char *message)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "message", message);
	return o;
}

static cJSON *parse(const struct schedule_reply *r)
{
	return cJSON_ParseWithLength(r->body, r->len);
}

/* QStash calls this URL once a delivery's retries are exhausted. */
static void failure_header(const struct schedule_settings *s, char *out,
                           size_t outlen)
{
	out[0] = '\0';
	if (s->failure_callback && *s->failure_callback)
		snprintf(out, outlen, "Upstash-Failure-Callback: %s",
		         s->failure_callback);
}

/* POSTs "{}" to QStash at prefix + the destination URL: a schedule for
 * it (/v2/schedules/) or one message to it now (/v2/publish/). */
static enum schedule_status post_destination(struct schedule_op *op,
                                             const char *prefix,
                                             const char *const *headers,
                                             struct schedule_reply *r)
{
	char *path = join(prefix, op->s->destination, "");
	if (!path)
		return fn_err(op->err, op->errlen, "out of memory"),
		       SCHEDULE_UNREACHABLE;
	enum schedule_status st = call(op, "POST", path, headers, "{}", r);
	free(path);
	return st;
}

static enum schedule_status do_create(struct schedule_op *op, cJSON **out)
{
	const struct schedule_settings *s = op->s;
	char cron[512], retries[48], timeout[128], id[256], fc[2200];
	snprintf(cron, sizeof cron, "Upstash-Cron: %s", s->cron);
	snprintf(retries, sizeof retries, "Upstash-Retries: %d", s->retries);
	snprintf(timeout, sizeof timeout, "Upstash-Timeout: %s", s->timeout);
	snprintf(id, sizeof id, "Upstash-Schedule-Id: %s", s->schedule_id);
	failure_header(s, fc, sizeof fc);
	const char *headers[] = { "Content-Type: application/json", cron,
		                  retries, timeout, "Upstash-Method: POST", id,
		                  fc[0] ? fc : NULL, NULL };
	struct schedule_reply r;
	enum schedule_status st = post_destination(op, "/v2/schedules/",
	                                           headers, &r);
	if (st != SCHEDULE_OK)
		return st;
	cJSON *j = parse(&r);
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(j, "scheduleId");
	const char *got = cJSON_IsString(sid) ? sid->valuestring : s->schedule_id;
	char msg[300];
	snprintf(msg, sizeof msg, "Schedule %s created or updated", got);
	*out = new_result(msg);
	cJSON_AddStringToObject(*out, "scheduleId", got);
	cJSON_AddStringToObject(*out, "destination", s->destination);
	cJSON_AddStringToObject(*out, "cron", s->cron);
	cJSON_AddNumberToObject(*out, "retries", s->retries);
	cJSON_AddStringToObject(*out, "timeout", s->timeout);
	if (s->failure_callback)
		cJSON_AddStringToObject(*out, "failureCallback", s->failure_callback);
	cJSON_Delete(j);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

static enum schedule_status bad_answer(struct schedule_op *op, struct schedule_reply *r,
                                       cJSON *j)
{
	fn_err(op->err, op->errlen,
	       "QStash answered %s with unexpected JSON: check that QSTASH_URL is the QStash API",
	       schedule_action_name(op->action));
	op->qstash_status = r->status;
	cJSON_Delete(j);
	schedule_reply_free(r);
	return SCHEDULE_REFUSED;
}

static enum schedule_status do_list(struct schedule_op *op, cJSON **out)
{
	struct schedule_reply r;
	enum schedule_status st = call(op, "GET", "/v2/schedules", NULL, NULL, &r);
	if (st != SCHEDULE_OK)
		return st;
	cJSON *all = parse(&r);
	if (!cJSON_IsArray(all))
		return bad_answer(op, &r, all);
	cJSON *mine = cJSON_CreateArray();
	cJSON *it = all->child;
	while (it) {
		cJSON *next = it->next;
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "destination");
		if (cJSON_IsString(d) && strcmp(d->valuestring, op->s->destination) == 0)
			cJSON_AddItemToArray(mine, cJSON_DetachItemViaPointer(all, it));
		it = next;
	}
	cJSON *one;
	cJSON_ArrayForEach(one, mine)
		schedule_iso_times(one);
	char msg[120];
	int n = cJSON_GetArraySize(mine);
	snprintf(msg, sizeof msg, "Found %d sync schedule%s", n, n == 1 ? "" : "s");
	*out = new_result(msg);
	cJSON_AddStringToObject(*out, "destination", op->s->destination);
	cJSON_AddItemToObject(*out, "schedules", mine);
	cJSON_Delete(all);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

/* One call on /v2/schedules/<id><suffix>. */
static enum schedule_status call_on_id(struct schedule_op *op,
                                       const char *method, const char *suffix,
                                       struct schedule_reply *r)
{
	char *path = join("/v2/schedules/", op->id, suffix);
	if (!path)
		return fn_err(op->err, op->errlen, "out of memory"),
		       SCHEDULE_UNREACHABLE;
	enum schedule_status st = call(op, method, path, NULL, NULL, r);
	free(path);
	return st;
}

static enum schedule_status do_get(struct schedule_op *op, cJSON **out)
{
	struct schedule_reply r;
	enum schedule_status st = call_on_id(op, "GET", "", &r);
	if (st != SCHEDULE_OK)
		return st;
	cJSON *j = parse(&r);
	if (!cJSON_IsObject(j))
		return bad_answer(op, &r, j);
	schedule_iso_times(j);
	*out = new_result("Schedule found");
	cJSON_AddStringToObject(*out, "scheduleId", op->id);
	cJSON_AddItemToObject(*out, "schedule", j);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

/* The SDKs pause and resume with PATCH, the API reference says POST
 * (research 3.3): try PATCH, and POST when PATCH is not routed. */
static enum schedule_status do_pause_resume(struct schedule_op *op, cJSON **out)
{
	int pause = op->action == SCHEDULE_PAUSE;
	struct schedule_reply r;
	const char *suffix = pause ? "/pause" : "/resume";
	enum schedule_status st = call_on_id(op, "PATCH", suffix, &r);
	if (st == SCHEDULE_REFUSED &&
	    (op->qstash_status == 404 || op->qstash_status == 405)) {
		op->qstash_status = 0;
		st = call_on_id(op, "POST", suffix, &r);
	}
	if (st != SCHEDULE_OK)
		return st;
	char msg[300];
	snprintf(msg, sizeof msg, "Schedule %s %s", op->id, past[op->action]);
	*out = new_result(msg);
	cJSON_AddStringToObject(*out, "scheduleId", op->id);
	cJSON_AddBoolToObject(*out, "isPaused", pause);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

static enum schedule_status do_delete(struct schedule_op *op, cJSON **out)
{
	struct schedule_reply r;
	enum schedule_status st = call_on_id(op, "DELETE", "", &r);
	if (st != SCHEDULE_OK)
		return st;
	char msg[300];
	snprintf(msg, sizeof msg, "Schedule %s deleted", op->id);
	*out = new_result(msg);
	cJSON_AddStringToObject(*out, "scheduleId", op->id);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

static enum schedule_status do_trigger(struct schedule_op *op, cJSON **out)
{
	const struct schedule_settings *s = op->s;
	char retries[48], timeout[128], fc[2200];
	snprintf(retries, sizeof retries, "Upstash-Retries: %d", s->retries);
	snprintf(timeout, sizeof timeout, "Upstash-Timeout: %s", s->timeout);
	failure_header(s, fc, sizeof fc);
	const char *headers[] = { "Content-Type: application/json",
		                  "Upstash-Method: POST", retries, timeout,
		                  fc[0] ? fc : NULL, NULL };
	struct schedule_reply r;
	enum schedule_status st = post_destination(op, "/v2/publish/", headers,
	                                           &r);
	if (st != SCHEDULE_OK)
		return st;
	cJSON *j = parse(&r);
	const cJSON *mid = cJSON_GetObjectItemCaseSensitive(j, "messageId");
	if (!cJSON_IsString(mid))
		return bad_answer(op, &r, j);
	*out = new_result("Sync triggered through QStash");
	cJSON_AddStringToObject(*out, "messageId", mid->valuestring);
	cJSON_AddStringToObject(*out, "destination", s->destination);
	cJSON_Delete(j);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

static enum schedule_status do_keys(struct schedule_op *op, cJSON **out)
{
	struct schedule_reply r;
	enum schedule_status st = call(op, "GET", "/v2/keys", NULL, NULL, &r);
	if (st != SCHEDULE_OK)
		return st;
	cJSON *j = parse(&r);
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "current")) ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "next")))
		return bad_answer(op, &r, j);
	*out = new_result("Signing keys read");
	cJSON_AddItemToObject(*out, "keys", j);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

enum schedule_status schedule_run(const struct schedule_settings *settings,
                                  enum schedule_action action, const char *id,
                                  const struct fn_logger *log,
                                  struct cJSON **result, char *err,
                                  size_t errlen)
{
	struct schedule_op op = { .s = settings, .action = action, .id = id,
		         .log = log, .err = err, .errlen = errlen };
	char scratch[8];
	if (!err || errlen == 0) {
		op.err = scratch;
		op.errlen = sizeof scratch;
	}
	op.err[0] = '\0';
	*result = NULL;
	if (action == SCHEDULE_CREATE || action == SCHEDULE_LIST ||
	    action == SCHEDULE_TRIGGER || action == SCHEDULE_KEYS)
		op.id = NULL;
	enum schedule_status st = schedule_check_inputs(&op);
	if (st == SCHEDULE_OK) {
		switch (action) {
		case SCHEDULE_CREATE: st = do_create(&op, result); break;
		case SCHEDULE_LIST: st = do_list(&op, result); break;
		case SCHEDULE_GET: st = do_get(&op, result); break;
		case SCHEDULE_PAUSE:
		case SCHEDULE_RESUME: st = do_pause_resume(&op, result); break;
		case SCHEDULE_DELETE: st = do_delete(&op, result); break;
		case SCHEDULE_TRIGGER: st = do_trigger(&op, result); break;
		case SCHEDULE_KEYS: st = do_keys(&op, result); break;
		}
	}
	if (st != SCHEDULE_OK) {
		fn_log(log, FN_ERROR, "Schedule action failed", "action",
		       FN_STR(schedule_action_name(action)), "error",
		       FN_STR(op.err), NULL);
		*result = schedule_error_result(&op, st);
	} else {
		fn_log(log, FN_INFO, "Schedule action done", "action",
		       FN_STR(schedule_action_name(action)), NULL);
	}
	return st;
}
