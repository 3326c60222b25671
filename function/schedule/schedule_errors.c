/* schedule_errors.c - a QStash refusal as one actionable line, and the
 * data of a failed action. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "schedule_op.h"

/* Replaces every occurrence of the token in msg, in case an error text
 * ever echoes the request. */
static void redact(char *msg, const char *token)
{
	size_t tl = token ? strlen(token) : 0;
	if (tl < 4)
		return;
	char *p, *from = msg;
	/* Searching on after each replacement: a token that looks like the
	 * mark itself must not loop for ever. */
	while ((p = strstr(from, token))) {
		static const char mark[] = "[redacted]";
		size_t tail = strlen(p + tl);
		if (tl >= sizeof mark - 1) {
			memcpy(p, mark, sizeof mark - 1);
			memmove(p + sizeof mark - 1, p + tl, tail + 1);
			from = p + sizeof mark - 1;
		} else {
			memset(p, '*', tl);
			from = p + tl;
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

void schedule_refused(struct schedule_op *op, const struct schedule_reply *r)
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

cJSON *schedule_error_result(const struct schedule_op *op,
                             enum schedule_status st)
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
	const char *msg = (unsigned)op->action <= SCHEDULE_KEYS
	                          ? what[op->action]
	                          : "Failed: unknown schedule action";
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "message", msg);
	if (st == SCHEDULE_REFUSED) {
		cJSON *d = cJSON_AddObjectToObject(o, "details");
		cJSON_AddNumberToObject(d, "status", (double)op->qstash_status);
		cJSON_AddStringToObject(d, "message", op->qstash_msg[0]
		                                             ? op->qstash_msg
		                                             : op->err);
	}
	return o;
}
