/* schedule_run.c - the schedule actions of schedule.h: which QStash call
 * each one makes and what its answer means. */
#include "schedule.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schedule_http.h"

/* One action in progress: its inputs, and the error it ends with. */
struct op {
	const struct schedule_settings *s;
	enum schedule_action action;
	const char *id;
	const struct fn_logger *log;
	char *err;
	size_t errlen;
	long qstash_status;     /* QStash's status when it refused, else 0 */
	char qstash_msg[512];   /* QStash's own error text, token redacted */
};

static const char *const past[] = {
	[SCHEDULE_CREATE] = "created or updated", [SCHEDULE_LIST] = "listed",
	[SCHEDULE_GET] = "found", [SCHEDULE_PAUSE] = "paused",
	[SCHEDULE_RESUME] = "resumed", [SCHEDULE_DELETE] = "deleted",
	[SCHEDULE_TRIGGER] = "triggered", [SCHEDULE_KEYS] = "read",
};

/* Schedule ids go raw into the URL path, so only QStash's own alphabet
 * is let through (letters, digits, '-', '_', '.'; research 3.4). */
static int valid_id(const char *id)
{
	if (!id || !*id || strlen(id) > 200)
		return 0;
	for (const char *c = id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_.", *c))
			return 0;
	return strcmp(id, ".") != 0 && strcmp(id, "..") != 0;
}

/* A value that goes into a header or the path must not be able to end
 * the line it is on. */
static int header_safe(const char *v)
{
	if (!v)
		return 0;
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 0;
	return 1;
}

static int url_safe(const char *v)
{
	if (!header_safe(v))
		return 0;
	for (const char *c = v; *c; c++)
		if (*c == ' ' || *c == '#')
			return 0;
	return strncmp(v, "https://", 8) == 0 || strncmp(v, "http://", 7) == 0;
}

static enum schedule_status check_inputs(struct op *op)
{
	const struct schedule_settings *s = op->s;
	enum schedule_action a = op->action;
	if ((unsigned)a > SCHEDULE_KEYS) {
		fn_err(op->err, op->errlen, "unknown schedule action %d", (int)a);
		return SCHEDULE_BAD_REQUEST;
	}
	if (!s->qstash_url || !url_safe(s->qstash_url)) {
		fn_err(op->err, op->errlen,
		       "QSTASH_URL must be an http(s) URL such as https://qstash.upstash.io");
		return SCHEDULE_BAD_REQUEST;
	}
	if (!s->token || !*s->token || !header_safe(s->token)) {
		fn_err(op->err, op->errlen,
		       "QSTASH_TOKEN is not set (the QStash API token, from the Upstash console)");
		return SCHEDULE_BAD_REQUEST;
	}
	int needs_dest = a == SCHEDULE_CREATE || a == SCHEDULE_LIST ||
	                 a == SCHEDULE_TRIGGER;
	if (needs_dest && (!s->destination || !url_safe(s->destination))) {
		fn_err(op->err, op->errlen,
		       "APP_URL must be set to the function's public https URL (the schedule's destination is APP_URL/api/background/sync/slave-to-prod)");
		return SCHEDULE_BAD_REQUEST;
	}
	if (a == SCHEDULE_CREATE) {
		if (!valid_id(s->schedule_id)) {
			fn_err(op->err, op->errlen,
			       "SYNC_SCHEDULE_ID may hold only letters, digits, '-', '_' and '.'");
			return SCHEDULE_BAD_REQUEST;
		}
		if (!s->cron || !*s->cron || !header_safe(s->cron) ||
		    !s->timeout || !header_safe(s->timeout)) {
			fn_err(op->err, op->errlen,
			       "SYNC_CRON and SYNC_TIMEOUT must be one-line values such as \"0 */6 * * *\" and \"30s\"");
			return SCHEDULE_BAD_REQUEST;
		}
	}
	int needs_id = a == SCHEDULE_GET || a == SCHEDULE_PAUSE ||
	               a == SCHEDULE_RESUME || a == SCHEDULE_DELETE;
	if (needs_id && (!op->id || !*op->id)) {
		fn_err(op->err, op->errlen, "%s needs a scheduleId",
		       schedule_action_name(a));
		return SCHEDULE_BAD_REQUEST;
	}
	if (needs_id && !valid_id(op->id)) {
		fn_err(op->err, op->errlen,
		       "scheduleId may hold only letters, digits, '-', '_' and '.'");
		return SCHEDULE_BAD_REQUEST;
	}
	return SCHEDULE_OK;
}

/* Replaces every occurrence of the token in msg, in case an error text
 * ever echoes the request. */
static void redact(char *msg, const char *token)
{
	size_t tl = token ? strlen(token) : 0;
	if (tl < 4)
		return;
	char *p;
	while ((p = strstr(msg, token))) {
		static const char mark[] = "[redacted]";
		size_t tail = strlen(p + tl);
		if (tl >= sizeof mark - 1) {
			memcpy(p, mark, sizeof mark - 1);
			memmove(p + sizeof mark - 1, p + tl, tail + 1);
		} else {
			memset(p, '*', tl);
		}
	}
}

/* QStash's error text: {"error": "..."} when it is JSON, else the body's
 * first line, printable characters only. */
static void qstash_message(const struct schedule_reply *r, char *out,
                           size_t outlen)
{
	out[0] = '\0';
	cJSON *j = cJSON_ParseWithLength(r->body, r->len);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e) && e->valuestring) {
		snprintf(out, outlen, "%s", e->valuestring);
	} else {
		size_t n = 0;
		for (size_t i = 0; i < r->len && n + 1 < outlen; i++) {
			char c = r->body[i];
			if (c == '\n' || c == '\r')
				break;
			out[n++] = isprint((unsigned char)c) ? c : '?';
		}
		out[n] = '\0';
	}
	cJSON_Delete(j);
	for (char *c = out; *c; c++)
		if (!isprint((unsigned char)*c))
			*c = '?';
	if (!out[0])
		snprintf(out, outlen, "HTTP %ld with no error text", r->status);
}

static void refused(struct op *op, const struct schedule_reply *r)
{
	const char *act = schedule_action_name(op->action);
	const char *m = op->qstash_msg;
	long st = r->status;
	op->qstash_status = st;
	qstash_message(r, op->qstash_msg, sizeof op->qstash_msg);
	redact(op->qstash_msg, op->s->token);
	if (st == 401 || st == 403)
		fn_err(op->err, op->errlen,
		       "QStash rejected the token (%ld: %s): check QSTASH_TOKEN (Upstash console, QStash tab) and that QSTASH_URL is the token's region",
		       st, m);
	else if (st == 404 && op->id)
		fn_err(op->err, op->errlen,
		       "QStash has no schedule \"%s\" (404: %s): see `syncfn schedule list` for the ids",
		       op->id, m);
	else if (st == 404)
		fn_err(op->err, op->errlen,
		       "QStash answered 404 to %s (%s): check QSTASH_URL (the API base URL, e.g. https://qstash.upstash.io)",
		       act, m);
	else if (st == 412)
		fn_err(op->err, op->errlen,
		       "QStash refused %s (412: %s): the plan's limit is probably reached; delete unused schedules or raise the plan",
		       act, m);
	else if (st == 429)
		fn_err(op->err, op->errlen,
		       "QStash kept rate-limiting %s (429: %s) after %d attempts: wait a minute and try again",
		       act, m, r->attempts);
	else if (st == 400)
		fn_err(op->err, op->errlen,
		       "QStash refused %s (400: %s): check SYNC_CRON, SYNC_RETRIES, SYNC_TIMEOUT, SYNC_SCHEDULE_ID and APP_URL",
		       act, m);
	else if (st >= 500)
		fn_err(op->err, op->errlen,
		       "QStash failed on %s (%ld: %s): the error is on QStash's side; try again later",
		       act, st, m);
	else
		fn_err(op->err, op->errlen, "QStash refused %s (%ld: %s)", act,
		       st, m);
}

/* One call; SCHEDULE_OK only for a 2xx answer, which is left in *r. */
static enum schedule_status call(struct op *op, const char *method,
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
	refused(op, r);
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
	char ts[32];
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "success", 1);
	cJSON_AddStringToObject(o, "message", message);
	fn_iso_time(ts);
	cJSON_AddStringToObject(o, "timestamp", ts);
	return o;
}

static cJSON *parse(const struct schedule_reply *r)
{
	return cJSON_ParseWithLength(r->body, r->len);
}

static enum schedule_status do_create(struct op *op, cJSON **out)
{
	const struct schedule_settings *s = op->s;
	char cron[512], retries[48], timeout[128], id[256];
	snprintf(cron, sizeof cron, "Upstash-Cron: %s", s->cron);
	snprintf(retries, sizeof retries, "Upstash-Retries: %d", s->retries);
	snprintf(timeout, sizeof timeout, "Upstash-Timeout: %s", s->timeout);
	snprintf(id, sizeof id, "Upstash-Schedule-Id: %s", s->schedule_id);
	const char *headers[] = { "Content-Type: application/json", cron,
		                  retries, timeout, "Upstash-Method: POST", id,
		                  NULL };
	char *path = join("/v2/schedules/", s->destination, "");
	struct schedule_reply r;
	if (!path)
		return fn_err(op->err, op->errlen, "out of memory"),
		       SCHEDULE_UNREACHABLE;
	enum schedule_status st = call(op, "POST", path, headers, "{}", &r);
	free(path);
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
	cJSON_Delete(j);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

static enum schedule_status bad_answer(struct op *op, struct schedule_reply *r,
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

static enum schedule_status do_list(struct op *op, cJSON **out)
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

static enum schedule_status do_get(struct op *op, cJSON **out)
{
	struct schedule_reply r;
	char *path = join("/v2/schedules/", op->id, "");
	if (!path)
		return fn_err(op->err, op->errlen, "out of memory"),
		       SCHEDULE_UNREACHABLE;
	enum schedule_status st = call(op, "GET", path, NULL, NULL, &r);
	free(path);
	if (st != SCHEDULE_OK)
		return st;
	cJSON *j = parse(&r);
	if (!cJSON_IsObject(j))
		return bad_answer(op, &r, j);
	*out = new_result("Schedule found");
	cJSON_AddStringToObject(*out, "scheduleId", op->id);
	cJSON_AddItemToObject(*out, "schedule", j);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

/* The SDKs pause and resume with PATCH, the API reference says POST
 * (research 3.3): try PATCH, and POST when PATCH is not routed. */
static enum schedule_status do_pause_resume(struct op *op, cJSON **out)
{
	int pause = op->action == SCHEDULE_PAUSE;
	struct schedule_reply r;
	char *path = join("/v2/schedules/", op->id, pause ? "/pause" : "/resume");
	if (!path)
		return fn_err(op->err, op->errlen, "out of memory"),
		       SCHEDULE_UNREACHABLE;
	enum schedule_status st = call(op, "PATCH", path, NULL, NULL, &r);
	if (st == SCHEDULE_REFUSED &&
	    (op->qstash_status == 404 || op->qstash_status == 405)) {
		op->qstash_status = 0;
		st = call(op, "POST", path, NULL, NULL, &r);
	}
	free(path);
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

static enum schedule_status do_delete(struct op *op, cJSON **out)
{
	struct schedule_reply r;
	char *path = join("/v2/schedules/", op->id, "");
	if (!path)
		return fn_err(op->err, op->errlen, "out of memory"),
		       SCHEDULE_UNREACHABLE;
	enum schedule_status st = call(op, "DELETE", path, NULL, NULL, &r);
	free(path);
	if (st != SCHEDULE_OK)
		return st;
	char msg[300];
	snprintf(msg, sizeof msg, "Schedule %s deleted", op->id);
	*out = new_result(msg);
	cJSON_AddStringToObject(*out, "scheduleId", op->id);
	schedule_reply_free(&r);
	return SCHEDULE_OK;
}

static enum schedule_status do_trigger(struct op *op, cJSON **out)
{
	const struct schedule_settings *s = op->s;
	char retries[48], timeout[128];
	snprintf(retries, sizeof retries, "Upstash-Retries: %d", s->retries);
	snprintf(timeout, sizeof timeout, "Upstash-Timeout: %s",
	         s->timeout && header_safe(s->timeout) ? s->timeout : "30s");
	const char *headers[] = { "Content-Type: application/json",
		                  "Upstash-Method: POST", retries, timeout,
		                  NULL };
	char *path = join("/v2/publish/", s->destination, "");
	struct schedule_reply r;
	if (!path)
		return fn_err(op->err, op->errlen, "out of memory"),
		       SCHEDULE_UNREACHABLE;
	enum schedule_status st = call(op, "POST", path, headers, "{}", &r);
	free(path);
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

static enum schedule_status do_keys(struct op *op, cJSON **out)
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

static cJSON *error_result(const struct op *op, enum schedule_status st)
{
	static const char *const what[] = {
		[SCHEDULE_CREATE] = "Failed to create or update the schedule",
		[SCHEDULE_LIST] = "Failed to list the schedules",
		[SCHEDULE_GET] = "Failed to get the schedule",
		[SCHEDULE_PAUSE] = "Failed to pause the schedule",
		[SCHEDULE_RESUME] = "Failed to resume the schedule",
		[SCHEDULE_DELETE] = "Failed to delete the schedule",
		[SCHEDULE_TRIGGER] = "Failed to trigger a sync through QStash",
		[SCHEDULE_KEYS] = "Failed to read the signing keys",
	};
	char ts[32];
	const char *msg = (unsigned)op->action <= SCHEDULE_KEYS
	                          ? what[op->action]
	                          : "Failed: unknown schedule action";
	cJSON *o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "success", 0);
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddStringToObject(o, "error", op->err);
	if (st == SCHEDULE_REFUSED) {
		cJSON *d = cJSON_AddObjectToObject(o, "details");
		cJSON_AddNumberToObject(d, "status", (double)op->qstash_status);
		cJSON_AddStringToObject(d, "message", op->qstash_msg[0]
		                                             ? op->qstash_msg
		                                             : op->err);
	}
	fn_iso_time(ts);
	cJSON_AddStringToObject(o, "timestamp", ts);
	return o;
}

enum schedule_status schedule_run(const struct schedule_settings *settings,
                                  enum schedule_action action, const char *id,
                                  const struct fn_logger *log,
                                  struct cJSON **result, char *err,
                                  size_t errlen)
{
	struct op op = { .s = settings, .action = action, .id = id,
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
	enum schedule_status st = check_inputs(&op);
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
		*result = error_result(&op, st);
	} else {
		fn_log(log, FN_INFO, "Schedule action done", "action",
		       FN_STR(schedule_action_name(action)), NULL);
	}
	return st;
}
