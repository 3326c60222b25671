/* schedule_check.c - what schedule_run refuses before any QStash call:
 * settings and ids that are missing, or that could break out of the URL
 * path or a header line. */
#include <string.h>

#include "schedule_op.h"

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

enum schedule_status schedule_check_inputs(struct schedule_op *op)
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
	if (schedule_action_needs_destination(a) && (!s->destination || !url_safe(s->destination))) {
		fn_err(op->err, op->errlen,
		       "APP_URL must be set to the function's public https URL (the schedule's destination is APP_URL/api/background/sync/slave-to-prod)");
		return SCHEDULE_BAD_REQUEST;
	}
	if (a == SCHEDULE_CREATE) {
		if (!schedule_id_valid(s->schedule_id)) {
			fn_err(op->err, op->errlen, "SYNC_SCHEDULE_ID %s",
			       SCHEDULE_ID_RULE);
			return SCHEDULE_BAD_REQUEST;
		}
		if (!s->cron || !*s->cron || !header_safe(s->cron) ||
		    !s->timeout || !header_safe(s->timeout)) {
			fn_err(op->err, op->errlen,
			       "SYNC_CRON and SYNC_TIMEOUT must be one-line values such as \"0 */6 * * *\" and \"30s\"");
			return SCHEDULE_BAD_REQUEST;
		}
	}
	if (a == SCHEDULE_TRIGGER && (!s->timeout || !*s->timeout ||
	                              !header_safe(s->timeout))) {
		fn_err(op->err, op->errlen,
		       "SYNC_TIMEOUT must be a one-line value such as \"30s\"");
		return SCHEDULE_BAD_REQUEST;
	}
	int needs_id = schedule_action_needs_id(a);
	if (needs_id && (!op->id || !*op->id)) {
		fn_err(op->err, op->errlen, "%s needs a scheduleId",
		       schedule_action_name(a));
		return SCHEDULE_BAD_REQUEST;
	}
	if (needs_id && !schedule_id_valid(op->id)) {
		fn_err(op->err, op->errlen, "scheduleId %s", SCHEDULE_ID_RULE);
		return SCHEDULE_BAD_REQUEST;
	}
	return SCHEDULE_OK;
}
