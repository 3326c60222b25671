/* doctor.c - the readiness checks (see doctor.h). */
#include "doctor.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "engines.h"
#include "outcome.h"
#include "log.h"
#include "secret_equal.h"

#define DOCTOR_HEALTHZ_TIMEOUT_MS 5000

static void step(const char *what)
{
	log_printf(stdout, "Checking %s... ", what);
	fflush(stdout);
}

static void outcome(const char *word)
{
	log_printf(stdout, "%s\n", word);
	fflush(stdout);
}

static void say(struct doctor *d, int status, const char *fmt_line)
{
	log_printf(stderr, "syncfn %s: %s\n", d->command, fmt_line);
	if (status > d->exit_status)
		d->exit_status = status;
}

static void print_list(const cJSON *list, const char *lead)
{
	const cJSON *w;
	cJSON_ArrayForEach(w, list)
		if (cJSON_IsString(w))
			log_printf(stdout, "  %s%s\n", lead, w->valuestring);
}

int doctor_databases(struct doctor *d)
{
	char err[2048] = "";
	step("both databases and the plan (nothing is written)");
	sync_check_fn *check = engines_sync_check(err, sizeof err);
	if (!check) {
		outcome("failed");
		say(d, 1, err);
		return 1;
	}
	struct sync_settings settings;
	config_sync_settings(d->cfg, &settings);
	cJSON *result = NULL;
	enum sync_status st = check(&settings, &result, err, sizeof err);
	const cJSON *problems = cJSON_GetObjectItemCaseSensitive(result, "problems");
	const cJSON *tables = cJSON_GetObjectItemCaseSensitive(result, "tables");
	const cJSON *warnings = cJSON_GetObjectItemCaseSensitive(result, "warnings");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(result, "detail");
	int n = cJSON_GetArraySize(problems);
	if (st == SYNC_OK) {
		log_printf(stdout, "ok: %d table%s\n", cJSON_GetArraySize(tables),
		           cJSON_GetArraySize(tables) == 1 ? "" : "s");
		print_list(tables, "");
	} else {
		outcome("failed");
	}
	d->warnings += cJSON_GetArraySize(warnings);
	print_list(warnings, "warning: ");
	/* setup's exit status: a configuration a retry cannot fix is 2 */
	int status = st == SYNC_CONFIG ? 2 : 1;
	const cJSON *p;
	cJSON_ArrayForEach(p, problems)
		say(d, status, p->valuestring);
	if (st != SYNC_OK && n == 0) {
		say(d, status, *err ? err : "out of memory");
		n = 1;
	}
	if (cJSON_IsString(detail) && *detail->valuestring)
		log_printf(stderr, "syncfn %s: (libpq: %s)\n", d->command,
		           detail->valuestring);
	cJSON_Delete(result);
	fflush(stdout);
	return st == SYNC_OK ? 0 : n;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* GET /v2/keys must answer the keys we verify deliveries with: else every
 * push QStash sends would be refused 401. */
int doctor_qstash(struct doctor *d)
{
	char err[2048] = "";
	step("QSTASH_TOKEN and the signing keys");
	schedule_run_fn *run = engines_schedule_run(err, sizeof err);
	if (!run) {
		outcome("failed");
		say(d, 1, err);
		return 1;
	}
	struct schedule_settings settings;
	config_schedule_settings(d->cfg, &settings);
	/* no log lines between the progress lines: the outcome says it */
	cJSON *result = NULL;
	enum schedule_status st = run(&settings, SCHEDULE_KEYS, NULL, NULL,
	                              &result, err, sizeof err);
	if (st != SCHEDULE_OK) {
		cJSON_Delete(result);
		log_redact(err, sizeof err);
		outcome("failed");
		char line[2200];
		snprintf(line, sizeof line, "checking the token: %s", *err ? err : "failed");
		say(d, outcome_of_schedule(st).exit, line);
		return 1;
	}
	const cJSON *keys = cJSON_GetObjectItemCaseSensitive(result, "keys");
	int cur = secret_equal(str(keys, "current"), d->cfg->current_key ? d->cfg->current_key : "");
	int next = secret_equal(str(keys, "next"), d->cfg->next_key ? d->cfg->next_key : "");
	cJSON_Delete(result);
	if (cur && next) {
		outcome("ok");
		return 0;
	}
	outcome("failed");
	if (!cur)
		say(d, 2, "QSTASH_CURRENT_SIGNING_KEY is not the current signing key QStash reports for this token: copy it again from the Upstash console (QStash, Signing keys)");
	if (!next)
		say(d, 2, "QSTASH_NEXT_SIGNING_KEY is not the next signing key QStash reports for this token: copy it again from the Upstash console (QStash, Signing keys)");
	return !cur + !next;
}

void doctor_app_url(struct doctor *d)
{
	char url[CONFIG_URL_LEN + 16], err[512] = "";
	if (!d->cfg->app_url)
		return;
	snprintf(url, sizeof url, "%s/healthz", d->cfg->app_url);
	log_printf(stdout, "Checking %s from here... ", url);
	fflush(stdout);
	alert_ping_fn *get = engines_alert_ping(err, sizeof err);
	if (get && get(url, "syncfn/" SYNCFN_VERSION, DOCTOR_HEALTHZ_TIMEOUT_MS,
	               err, sizeof err) == 0) {
		outcome("ok");
		return;
	}
	d->warnings++;
	/* alert_ping says "the heartbeat URL": say it for this one */
	const char *why = strstr(err, "did not answer: ");
	const char *code = strstr(err, "answered HTTP ");
	log_printf(stdout, "warning: %s %s\n  (QStash must reach %s; a network "
	           "that forbids this machine to reach it is no problem)\n",
	           why ? "it did not answer:" : code ? "it" : "",
	           why ? why + 16 : code ? code : err, d->cfg->app_url);
	fflush(stdout);
}
