/* cli_status.c - `syncfn status`: the run log for a person (cli_status.h). */
#include "cli_status.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "invoke.h"
#include "log.h"

#define STATUS_CLI_MAX_LIMIT 500

static const char usage[] = "usage: syncfn status [--limit N] [--json]\n";

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A count of the statistics as text, "-" when there is none. */
static void count(char *out, size_t len, const cJSON *stats, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(stats, key);
	if (cJSON_IsNumber(v))
		snprintf(out, len, "%lld", (long long)v->valuedouble);
	else
		snprintf(out, len, "%s", cJSON_IsObject(stats) ? "0" : "-");
}

/* "2026-12-07T00:17:01.157Z" -> seconds since the epoch (ms kept). */
static int iso_seconds(const char *iso, double *t)
{
	struct tm tm = { 0 };
	int ms = 0;
	if (!iso || sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ", &tm.tm_year,
	                   &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
	                   &tm.tm_sec, &ms) != 7)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*t = (double)timegm(&tm) + ms / 1000.0;
	return 0;
}

static void human_duration(char *out, size_t len, double s)
{
	if (s < 0)
		snprintf(out, len, "-");
	else if (s < 1)
		snprintf(out, len, "%dms", (int)(s * 1000));
	else if (s < 60 && s == (int)s)
		snprintf(out, len, "%ds", (int)s);
	else if (s < 60)
		snprintf(out, len, "%.1fs", s);
	else if (s < 3600)
		snprintf(out, len, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(out, len, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

/* The ISO time as "2026-12-07 00:17:01", "-" when none. */
static void when(char *out, size_t len, const char *iso)
{
	if (!iso || strlen(iso) < 19)
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.10s %.8s", iso, iso + 11);
}

/* The statistics' duration, else finished_at - started_at, else "-". */
static void run_duration(char *out, size_t len, const cJSON *run,
                         const cJSON *stats)
{
	double t0, t1;
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(stats, "duration_ms");
	if (cJSON_IsNumber(ms))
		human_duration(out, len, ms->valuedouble / 1000);
	else if (iso_seconds(str(run, "started_at"), &t0) == 0 &&
	         iso_seconds(str(run, "finished_at"), &t1) == 0)
		human_duration(out, len, t1 - t0);
	else
		human_duration(out, len, -1);
}

static void print_run(const cJSON *run)
{
	char at[32], dur[32], ins[24], upd[24], del[24];
	const cJSON *stats = cJSON_GetObjectItemCaseSensitive(run, "statistics");
	run_duration(dur, sizeof dur, run, stats);
	when(at, sizeof at, str(run, "started_at"));
	count(ins, sizeof ins, stats, "inserted");
	count(upd, sizeof upd, stats, "updated");
	count(del, sizeof del, stats, "deleted");
	const char *e = str(run, "error");
	int elen = e ? (int)strcspn(e, "\n") : 1;
	log_printf(stdout, "%-19s  %-9s  %-15s  %8s  %8s  %8s  %8s  %.*s\n", at,
	           str(run, "type") ? str(run, "type") : "-",
	           str(run, "status") ? str(run, "status") : "-", dur, ins, upd,
	           del, elen, e ? e : "");
}

/* "ok in 840ms: 5 inserted, 0 updated, 0 deleted, 5 rows compared" or
 * "failed after 1.2s: <the error's first line>": one run, one line. */
void cli_status_describe(const cJSON *run, char *out, size_t len)
{
	char dur[32], ins[24], upd[24], del[24], tot[24];
	const cJSON *stats = cJSON_GetObjectItemCaseSensitive(run, "statistics");
	const char *status = str(run, "status") ? str(run, "status") : "-";
	const char *e = str(run, "error");
	run_duration(dur, sizeof dur, run, stats);
	if (e) {
		snprintf(out, len, "%s after %s: %.*s", status, dur,
		         (int)strcspn(e, "\n"), e);
		return;
	}
	count(ins, sizeof ins, stats, "inserted");
	count(upd, sizeof upd, stats, "updated");
	count(del, sizeof del, stats, "deleted");
	count(tot, sizeof tot, stats, "total_records");
	snprintf(out, len, "%s in %s: %s inserted, %s updated, %s deleted, "
	         "%s rows compared", status, dur, ins, upd, del, tot);
}

static void print_summary(const cJSON *sum)
{
	char at[32], age[32];
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(sum, "age_s");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(sum, "consecutive_failures");
	int failures = cJSON_IsNumber(n) ? n->valueint : 0;
	when(at, sizeof at, str(sum, "last_success_at"));
	human_duration(age, sizeof age, cJSON_IsNumber(a) ? a->valuedouble : -1);
	if (cJSON_IsNumber(a))
		log_printf(stdout, "Last success: %s UTC (%s ago)", at, age);
	else
		log_printf(stdout, "Last success: none in the run log");
	log_printf(stdout, "; %d failed run%s since\n", failures,
	           failures == 1 ? "" : "s");
	const char *e = str(sum, "last_error");
	if (e)
		log_printf(stdout, "Last error: %.*s\n", (int)strcspn(e, "\n"), e);
	log_printf(stdout, "\n");
}

static void print_table(const cJSON *result)
{
	print_summary(cJSON_GetObjectItemCaseSensitive(result, "summary"));
	const cJSON *runs = cJSON_GetObjectItemCaseSensitive(result, "runs");
	if (cJSON_GetArraySize(runs) == 0) {
		log_printf(stdout, "No runs in the run log yet.\n");
		return;
	}
	log_printf(stdout, "%-19s  %-9s  %-15s  %8s  %8s  %8s  %8s  %s\n",
	           "STARTED (UTC)", "TYPE", "OUTCOME", "DURATION", "INSERTED",
	           "UPDATED", "DELETED", "ERROR");
	const cJSON *run;
	cJSON_ArrayForEach(run, runs)
		print_run(run);
}

static int parse(int argc, char **argv, int *limit, int *json)
{
	for (int i = 0; i < argc; i++) {
		const char *v = NULL;
		if (strcmp(argv[i], "--json") == 0) {
			*json = 1;
			continue;
		}
		if (strncmp(argv[i], "--limit=", 8) == 0)
			v = argv[i] + 8;
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			v = argv[++i];
		char *end;
		errno = 0;
		long n = v ? strtol(v, &end, 10) : 0;
		if (!v || errno || end == v || *end || n < 1 ||
		    n > STATUS_CLI_MAX_LIMIT) {
			log_printf(stderr, "syncfn status: %s%.60s%s\n%s",
			           v ? "--limit needs a number from 1 to 500, not \"" :
			               "unknown option \"", v ? v : argv[i], "\"", usage);
			return -1;
		}
		*limit = (int)n;
	}
	return 0;
}

int cli_status(const struct config *cfg, int argc, char **argv)
{
	int limit = SYNC_RUNS_DEFAULT_LIMIT, json = 0;
	if (parse(argc, argv, &limit, &json) != 0)
		return 2;
	/* any failure is 1: the run log cannot be read */
	struct invocation iv = { .cfg = cfg, .command = "status" };
	invoke_sync_runs(&iv, limit);
	int ok = iv.stage == INVOKE_RAN && iv.status == SYNC_OK && iv.answer;
	if (ok && json) {
		char *out = log_json_text(iv.answer, 1);
		if (out)
			log_printf(stdout, "%s\n", out);
		free(out);
	} else if (ok) {
		print_table(iv.answer);
	} else if (iv.stage == INVOKE_NOT_CONFIGURED) {
		log_printf(stderr, "%s", iv.err);
	} else if (iv.stage == INVOKE_NO_ENGINE) {
		log_printf(stderr, "syncfn status: %s\n", iv.err);
	} else {
		log_printf(stderr, "syncfn status: the run log cannot be read: %s\n",
		           *iv.err ? iv.err : "out of memory");
	}
	fflush(stdout);
	cJSON_Delete(iv.answer);
	return ok ? 0 : 1;
}
