/* cli_setup.c - `syncfn setup`: a deployment's QStash setup in one
 * command. Checks every variable at once, then runs the doctor's checks
 * (both databases and the plan, the token and the signing keys, APP_URL's
 * /healthz) and stops on a problem before it creates anything; creates
 * (or updates) the schedule, triggers one sync through QStash, waits for
 * its outcome in the run log, and prints how to manage it. No secret is ever printed: keys are compared, never
 * shown. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_setup.h"
#include "cli_timeout.h"
#include "config.h"
#include "doctor.h"
#include "engines.h"
#include "outcome.h"
#include "log.h"
#include "setup_wait.h"

static const char usage[] = "usage: syncfn setup [--wait SECONDS]\n";

struct setup {
	const struct config *cfg;
	schedule_run_fn *run;
	struct schedule_settings settings;
	struct fn_logger lg;
	char err[2048];
};

static int fail(struct setup *s, enum schedule_status st, const char *step)
{
	log_redact(s->err, sizeof s->err);
	log_printf(stdout, "failed\n");
	fflush(stdout);
	log_printf(stderr, "syncfn setup: %s: %s\n", step,
	        *s->err ? s->err : "failed");
	return outcome_of_schedule(st).exit;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static int create(struct setup *s, char *id, size_t idlen)
{
	cJSON *result = NULL;
	log_printf(stdout, "Creating or updating the schedule... ");
	fflush(stdout);
	enum schedule_status st = s->run(&s->settings, SCHEDULE_CREATE, NULL,
	                                 &s->lg, &result, s->err, sizeof s->err);
	if (st != SCHEDULE_OK) {
		cJSON_Delete(result);
		return fail(s, st, "creating the schedule");
	}
	snprintf(id, idlen, "%s", str(result, "scheduleId"));
	log_printf(stdout, "ok\n  schedule %s: \"%s\" -> %s (retries %d, timeout %s)\n", id,
	       s->settings.cron, s->settings.destination, s->settings.retries,
	       s->settings.timeout);
	cJSON_Delete(result);
	return 0;
}

static int trigger(struct setup *s, char *msg, size_t msglen)
{
	cJSON *result = NULL;
	log_printf(stdout, "Triggering one sync through QStash... ");
	fflush(stdout);
	enum schedule_status st = s->run(&s->settings, SCHEDULE_TRIGGER, NULL,
	                                 &s->lg, &result, s->err, sizeof s->err);
	if (st != SCHEDULE_OK) {
		cJSON_Delete(result);
		return fail(s, st, "triggering a sync");
	}
	snprintf(msg, msglen, "%s", str(result, "messageId"));
	log_printf(stdout, "ok\n  message %s: QStash delivers it to %s now\n",
	       msg, s->settings.destination);
	cJSON_Delete(result);
	return 0;
}

static void print_management(const struct config *cfg, const char *id)
{
	const char *route = cfg->app_url;
	log_printf(stdout, "\nSchedule id: %s\n"
	       "\nManage it from a shell (same environment):\n"
	       "  syncfn schedule list\n"
	       "  syncfn schedule get %s\n"
	       "  syncfn schedule pause %s\n"
	       "  syncfn schedule resume %s\n"
	       "  syncfn schedule delete %s\n"
	       "  syncfn schedule trigger\n",
	       id, id, id, id, id);
	log_printf(stdout, "\nOr over HTTP, with the admin token:\n"
	       "  curl -H \"Authorization: Bearer $SYNC_ADMIN_TOKEN\" %s%s\n",
	       route, SCHEDULE_ROUTE);
	static const char *const actions[] = { "pause", "resume", "delete" };
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		log_printf(stdout, "  curl -X POST -H \"Authorization: Bearer $SYNC_ADMIN_TOKEN\" "
		       "-H 'Content-Type: application/json' "
		       "-d '{\"action\":\"%s\",\"scheduleId\":\"%s\"}' %s%s\n",
		       actions[i], id, route, SCHEDULE_ROUTE);
	log_printf(stdout, "  curl -X POST -H \"Authorization: Bearer $SYNC_ADMIN_TOKEN\" "
	       "-H 'Content-Type: application/json' "
	       "-d '{\"action\":\"trigger-manual\"}' %s%s\n"
	       "  curl -H \"Authorization: Bearer $SYNC_ADMIN_TOKEN\" %s%s\n",
	       route, SCHEDULE_ROUTE, route, STATUS_ROUTE);
	if (!cfg->admin_token)
		log_printf(stdout, "\nNote: SYNC_ADMIN_TOKEN is not set, so these routes answer 401 until it is.\n");
	fflush(stdout);
}

/* 1 when url's host is this machine: QStash, on the internet, can never
 * deliver there, while a local qstash-dev can. */
static int is_local(const char *url)
{
	const char *h = strstr(url, "://");
	h = h ? h + 3 : url;
	return strncmp(h, "localhost", 9) == 0 || strncmp(h, "127.", 4) == 0 ||
	       strncmp(h, "[::1]", 5) == 0 || strncmp(h, "0.0.0.0", 7) == 0;
}

/* --wait SECONDS, else SYNC_TIMEOUT (one attempt) and a margin. */
static int parse_wait(const struct config *cfg, int argc, char **argv,
                      long *wait_s)
{
	long t = cli_timeout_seconds(cfg->timeout);
	*wait_s = (t > 0 ? t : 30) + SETUP_WAIT_MARGIN_S;
	const char *v = NULL;
	if (argc == 0)
		return 0;
	if (argc == 1 && strncmp(argv[0], "--wait=", 7) == 0)
		v = argv[0] + 7;
	else if (argc == 2 && strcmp(argv[0], "--wait") == 0)
		v = argv[1];
	char *end;
	errno = 0;
	long n = v ? strtol(v, &end, 10) : 0;
	if (!v || errno || end == v || *end || n < 1 || n > 86400) {
		log_printf(stderr, "syncfn setup: %s%.60s\"\n%s",
		           v ? "--wait needs a number of seconds from 1 to 86400, not \"" :
		               "unknown option \"", v ? v : argv[0], usage);
		return -1;
	}
	*wait_s = n;
	return 0;
}

int cli_setup(const struct config *cfg, int argc, char **argv)
{
	struct setup s;
	char problems[4096], id[256], msg[256];
	long wait_s;
	if (parse_wait(cfg, argc, argv, &wait_s) != 0)
		return 2;
	int n = config_check(cfg, NEED_SCHEDULE | NEED_KEYS | NEED_SYNC, "setup",
	                     problems, sizeof problems);
	if (n > 0) {
		log_printf(stderr, "%s", problems);
		log_printf(stderr, "syncfn setup: %d problem%s to fix before setup can run\n",
		        n, n == 1 ? "" : "s");
		return 2;
	}
	memset(&s, 0, sizeof s);
	s.cfg = cfg;
	if (!(s.run = engines_schedule_run(s.err, sizeof s.err))) {
		log_printf(stderr, "syncfn setup: %s\n", s.err);
		return 1;
	}
	config_schedule_settings(cfg, &s.settings);
	/* no log lines between the progress lines (stdout and stderr are
	 * often one pipe): each step's outcome and error say it all */
	s.lg = (struct fn_logger){ 0 };
	log_printf(stdout, "Setting up the QStash schedule for %s\n", s.settings.destination);
	if (is_local(cfg->app_url) && !is_local(cfg->qstash_url))
		log_printf(stdout, "Warning: %s is a local address, which QStash cannot reach: "
		       "set it to the function's public URL\n", cfg->app_url_var);
	cli_warn_sync_timeout(cfg);
	struct doctor d = { .cfg = cfg, .command = "setup" };
	int found = doctor_databases(&d);
	found += doctor_qstash(&d);
	doctor_app_url(&d);
	if (found) {
		log_printf(stderr, "syncfn setup: %d problem%s to fix before setup "
		           "can create the schedule (nothing was created)\n",
		           found, found == 1 ? "" : "s");
		return d.exit_status ? d.exit_status : 1;
	}
	int rc = create(&s, id, sizeof id);
	if (!rc)
		rc = trigger(&s, msg, sizeof msg);
	if (rc)
		return rc;
	/* the schedule exists whatever the test sync does: say how to
	 * manage it either way */
	rc = setup_wait_result(cfg, msg, wait_s);
	print_management(cfg, id);
	if (rc)
		log_printf(stderr, "syncfn setup: the schedule is in place, but the "
		           "test sync did not succeed (above): not ready yet\n");
	return rc;
}
