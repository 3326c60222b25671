/* config.c - reads and checks the environment (see config.h). */
#include "config.h"

#include "config_rules.h"
#include "conninfo.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static void problem(struct config *cfg, unsigned need, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct config *cfg, unsigned need, const char *fmt, ...)
{
	if (cfg->nproblems >= CONFIG_MAX_PROBLEMS)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cfg->problems[cfg->nproblems], CONFIG_PROBLEM_LEN, fmt, ap);
	va_end(ap);
	cfg->problem_need[cfg->nproblems++] = (int)need;
}

/* An unset or empty variable is "not set": an empty secret in a .env file
 * is a mistake, not a value. */
static void rules_problem(void *ctx, const char *msg)
{
	problem(ctx, NEED_SYNC, "%s", msg);
}

static const char *get(const char *(*getenv_fn)(const char *), const char *name)
{
	const char *v = getenv_fn(name);
	return (v && *v) ? v : NULL;
}

static const char *get_or(const char *(*getenv_fn)(const char *),
                          const char *name, const char *def)
{
	const char *v = get(getenv_fn, name);
	return v ? v : def;
}

/* Variable name's value when it is an http(s) URL; NULL (and a problem)
 * when it is set to anything else. */
static const char *web_url(struct config *cfg,
                           const char *(*getenv_fn)(const char *),
                           const char *name)
{
	const char *u = get(getenv_fn, name);
	if (u && strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0) {
		problem(cfg, NEED_SERVE | NEED_SYNC, "%s must start with https:// "
		        "(or http://)", name);
		return NULL;
	}
	return u;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int get_int(struct config *cfg, const char *(*getenv_fn)(const char *),
                   const char *name, long min, long max, long def, unsigned need)
{
	const char *v = get(getenv_fn, name);
	long out = def;
	if (v && parse_long(v, min, max, &out) != 0) {
		problem(cfg, need, "%s must be a whole number from %ld to %ld, not \"%.40s\"",
		        name, min, max, v);
		out = def;
	}
	return (int)out;
}

/* "1500", "1500ms", "30s", "5m" -> milliseconds; -1 if malformed. */
static long parse_duration_ms(const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	long mul = 1;
	if (strcmp(end, "") == 0 || strcmp(end, "ms") == 0)
		mul = 1;
	else if (strcmp(end, "s") == 0)
		mul = 1000;
	else if (strcmp(end, "m") == 0)
		mul = 60000;
	else
		return -1;
	if (v > INT_MAX / mul)
		return -1;
	return v * mul;
}

static int get_duration(struct config *cfg,
                        const char *(*getenv_fn)(const char *),
                        const char *name, int def)
{
	const char *v = get(getenv_fn, name);
	if (!v)
		return def;
	long ms = parse_duration_ms(v);
	if (ms < 0) {
		problem(cfg, NEED_SYNC, "%s must be a duration like 30s, 5m or 1500 (ms), not \"%.40s\"",
		        name, v);
		return def;
	}
	return (int)ms;
}

/* Signing keys and tokens are pasted from a dashboard; surrounding
 * blanks and a newline are never part of them.
 * NULL when empty or too long for buf. */
static const char *trim_key(char *buf, size_t len, const char *v)
{
	if (!v)
		return NULL;
	while (isspace((unsigned char)*v))
		v++;
	size_t n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		n--;
	if (n == 0 || n >= len)
		return NULL;
	memcpy(buf, v, n);
	buf[n] = '\0';
	return buf;
}

static const char *load_secret(struct config *cfg,
                               const char *(*getenv_fn)(const char *),
                               const char *name, char *buf, size_t len,
                               unsigned need)
{
	const char *v = get(getenv_fn, name);
	const char *t = trim_key(buf, len, v);
	if (v && !t && strspn(v, " \t\r\n") != strlen(v))
		problem(cfg, need, "%s is longer than %zu characters", name, len - 1);
	return t;
}

static void load_app_url(struct config *cfg,
                         const char *(*getenv_fn)(const char *))
{
	char *app_url = cfg->app_url_buf;
	const char *v = get(getenv_fn, "APP_URL");
	cfg->app_url_var = "APP_URL";
	if (!v) {
		v = get(getenv_fn, "NEXT_PUBLIC_APP_URL");
		cfg->app_url_var = "NEXT_PUBLIC_APP_URL";
	}
	if (!v) {
		/* On Fly (which sets FLY_APP_NAME) the app's own host, so that
		 * fly.toml needs no APP_URL that a user may forget to edit */
		const char *fly = get(getenv_fn, "FLY_APP_NAME");
		cfg->app_url_var = fly ? "FLY_APP_NAME" : NULL;
		if (!fly)
			return;
		if (strlen(fly) > 63 || strspn(fly, "abcdefghijklmnopqrstuvwxyz"
		                                    "0123456789-") != strlen(fly)) {
			problem(cfg, NEED_SCHEDULE | NEED_KEYS, "FLY_APP_NAME is "
			        "not a Fly app name (lower-case letters, digits, "
			        "'-'), so https://FLY_APP_NAME.fly.dev cannot be "
			        "the base URL; set APP_URL");
			return;
		}
		snprintf(cfg->fly_url_buf, sizeof cfg->fly_url_buf,
		         "https://%s.fly.dev", fly);
		v = cfg->fly_url_buf;
	}
	size_t n = strlen(v);
	while (n && v[n - 1] == '/')
		n--;
	if (n + sizeof SYNC_ROUTE >= sizeof cfg->app_url_buf) {
		problem(cfg, NEED_SCHEDULE, "%s is too long", cfg->app_url_var);
		return;
	}
	if (strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) {
		problem(cfg, NEED_SCHEDULE | NEED_KEYS,
		        "%s must start with https:// (or http://), not \"%.40s\"",
		        cfg->app_url_var, v);
		return;
	}
	memcpy(app_url, v, n);
	app_url[n] = '\0';
	cfg->app_url = app_url;
	snprintf(cfg->destination, sizeof cfg->destination, "%s%s", app_url,
	         SYNC_ROUTE);
	snprintf(cfg->failure_url, sizeof cfg->failure_url, "%s%s", app_url,
	         FAILURE_ROUTE);
}

/* Failure notifications: QStash's failure callback and the webhook. */
static void load_alerts(struct config *cfg,
                        const char *(*getenv_fn)(const char *))
{
	const char *fc = get(getenv_fn, "SYNC_FAILURE_CALLBACK");
	cfg->failure_callback = 1;
	if (fc && (strcasecmp(fc, "off") == 0 || strcasecmp(fc, "false") == 0 ||
	           strcmp(fc, "0") == 0 || strcasecmp(fc, "no") == 0))
		cfg->failure_callback = 0;
	else if (fc && strcasecmp(fc, "on") != 0 && strcasecmp(fc, "true") != 0 &&
	         strcmp(fc, "1") != 0 && strcasecmp(fc, "yes") != 0)
		problem(cfg, NEED_SCHEDULE, "SYNC_FAILURE_CALLBACK must be on or off, "
		        "not \"%.20s\"", fc);
	cfg->alert_webhook_url = web_url(cfg, getenv_fn, "SYNC_ALERT_WEBHOOK_URL");
	cfg->heartbeat_url = web_url(cfg, getenv_fn, "SYNC_HEARTBEAT_URL");
	const char *hf = get(getenv_fn, "SYNC_HEARTBEAT_FAIL");
	cfg->heartbeat_fail_append = hf && strcmp(hf, "append") == 0;
	if (hf && !cfg->heartbeat_fail_append && strcmp(hf, "off") != 0)
		problem(cfg, NEED_SERVE | NEED_SYNC, "SYNC_HEARTBEAT_FAIL must be "
		        "append or off, not \"%.20s\"", hf);
}

static void load_instance(struct config *cfg,
                          const char *(*getenv_fn)(const char *))
{
	char host[64] = "";
	const char *machine = get(getenv_fn, "FLY_MACHINE_ID");
	if (!machine && gethostname(host, sizeof host - 1) == 0)
		machine = host;
	snprintf(cfg->instance, sizeof cfg->instance, "%.100s/%ld",
	         machine && *machine ? machine : "unknown", (long)getpid());
}

static void load_qstash(struct config *cfg,
                        const char *(*getenv_fn)(const char *))
{
	char *qstash_url = cfg->qstash_url_buf;
	const char *v = get(getenv_fn, "QSTASH_URL");
	if (!v)
		v = "https://qstash.upstash.io";
	snprintf(qstash_url, sizeof cfg->qstash_url_buf, "%s", v);
	size_t n = strlen(qstash_url);
	while (n && qstash_url[n - 1] == '/')
		qstash_url[--n] = '\0';
	cfg->qstash_url = qstash_url;
	cfg->qstash_token = load_secret(cfg, getenv_fn, "QSTASH_TOKEN", cfg->token_buf,
	                                sizeof cfg->token_buf, NEED_SCHEDULE);
	cfg->current_key = load_secret(cfg, getenv_fn, "QSTASH_CURRENT_SIGNING_KEY",
	                               cfg->current_key_buf,
	                               sizeof cfg->current_key_buf, NEED_KEYS);
	cfg->next_key = load_secret(cfg, getenv_fn, "QSTASH_NEXT_SIGNING_KEY",
	                            cfg->next_key_buf, sizeof cfg->next_key_buf,
	                            NEED_KEYS);
	cfg->clock_tolerance_s = get_int(cfg, getenv_fn, "QSTASH_CLOCK_TOLERANCE",
	                                 0, 3600, 5, NEED_SERVE);
	cfg->cron = get(getenv_fn, "SYNC_CRON");
	if (!cfg->cron)
		cfg->cron = "0 */6 * * *";
	cfg->retries = get_int(cfg, getenv_fn, "SYNC_RETRIES", 0, 100, 2,
	                       NEED_SCHEDULE);
	cfg->timeout = get(getenv_fn, "SYNC_TIMEOUT");
	if (!cfg->timeout)
		cfg->timeout = "30s";
	const char *qt = get(getenv_fn, "QSTASH_HTTP_TIMEOUT");
	long qt_ms = qt ? parse_duration_ms(qt) : 30000;
	if (qt_ms < 100 || qt_ms > 600000) {
		problem(cfg, NEED_SCHEDULE,
		        "QSTASH_HTTP_TIMEOUT must be a duration from 100ms to 10m like 30s, not \"%.40s\"",
		        qt);
		qt_ms = 30000;
	}
	cfg->qstash_timeout_ms = (int)qt_ms;
	cfg->schedule_id = get(getenv_fn, "SYNC_SCHEDULE_ID");
	if (!cfg->schedule_id)
		cfg->schedule_id = "slave-to-prod-sync";
	if (!schedule_id_valid(cfg->schedule_id))
		problem(cfg, NEED_SCHEDULE, "SYNC_SCHEDULE_ID %s", SCHEDULE_ID_RULE);
	load_app_url(cfg, getenv_fn);
}

/* A connection string that libpq would read other than as written is an
 * error before anything connects: libpq's errors would print the part of
 * the password it took for a host or a database name. */
static void load_database_url(struct config *cfg, const char *name,
                              const char *url, char *raw, char *decoded,
                              size_t len)
{
	char why[CONFIG_PROBLEM_LEN];
	conninfo_password(url, raw, decoded, len);
	if (conninfo_check(url, why, sizeof why) != 0)
		problem(cfg, NEED_SYNC, "%s %s", name, why);
}

void config_load(struct config *cfg, const char *(*getenv_fn)(const char *),
                 int stderr_is_tty)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->target_url = get(getenv_fn, "TARGET_DATABASE_URL");
	cfg->source_url = get(getenv_fn, "SOURCE_DATABASE_URL");
	load_database_url(cfg, "TARGET_DATABASE_URL", cfg->target_url,
	                  cfg->target_password, cfg->target_password_decoded,
	                  sizeof cfg->target_password);
	load_database_url(cfg, "SOURCE_DATABASE_URL", cfg->source_url,
	                  cfg->source_password, cfg->source_password_decoded,
	                  sizeof cfg->source_password);
	/* the sync's defaults are the engine's settings' (sync.h) */
	static const struct sync_settings def = SYNC_SETTINGS_INIT;
	cfg->source_schema = get_or(getenv_fn, "SYNC_SOURCE_SCHEMA",
	                            def.source_schema);
	cfg->target_schema = get_or(getenv_fn, "SYNC_TARGET_SCHEMA",
	                            def.target_schema);
	cfg->tables = get_or(getenv_fn, "SYNC_TABLES", def.tables);
	cfg->exclude = get_or(getenv_fn, "SYNC_EXCLUDE", def.exclude);
	cfg->statement_timeout_ms = get_duration(cfg, getenv_fn,
	                                         "SYNC_STATEMENT_TIMEOUT",
	                                         def.statement_timeout_ms);
	cfg->lock_timeout_ms = get_duration(cfg, getenv_fn, "SYNC_LOCK_TIMEOUT",
	                                    def.lock_timeout_ms);
	const char *ck = get(getenv_fn, "SYNC_CHECKSUM");
	cfg->checksum = SYNC_CHECKSUM_AUTO;
	if (ck && strcmp(ck, "on") == 0)
		cfg->checksum = SYNC_CHECKSUM_ON;
	else if (ck && strcmp(ck, "off") == 0)
		cfg->checksum = SYNC_CHECKSUM_OFF;
	else if (ck && strcmp(ck, "auto") != 0)
		problem(cfg, NEED_SYNC, "SYNC_CHECKSUM must be auto, on or off, "
		        "not \"%.20s\"", ck);
	config_rules_load(get(getenv_fn, "SYNC_RULES"), &cfg->rules,
	                  rules_problem, cfg);
	load_qstash(cfg, getenv_fn);
	load_alerts(cfg, getenv_fn);
	load_instance(cfg, getenv_fn);
	cfg->admin_token = load_secret(cfg, getenv_fn, "SYNC_ADMIN_TOKEN",
	                               cfg->admin_token_buf,
	                               sizeof cfg->admin_token_buf, NEED_SERVE);
	cfg->monitor_token = load_secret(cfg, getenv_fn, "SYNC_MONITOR_TOKEN",
	                                 cfg->monitor_token_buf,
	                                 sizeof cfg->monitor_token_buf, NEED_SERVE);
	cfg->port = get_int(cfg, getenv_fn, "PORT", 1, 65535, 8080, NEED_SERVE);
	cfg->shutdown_grace_s = get_int(cfg, getenv_fn, "SHUTDOWN_GRACE_SECONDS",
	                                0, 3600, 25, NEED_SERVE);
	cfg->test_body_deadline_ms = get_int(cfg, getenv_fn, "SYNCFN_TEST_BODY_DEADLINE_MS",
	                                     0, 15000, 0, NEED_SERVE);
	cfg->test_progress_ms = get_int(cfg, getenv_fn, "SYNCFN_TEST_PROGRESS_MS",
	                                0, 60000, 0, NEED_SYNC);
	const char *lf = get(getenv_fn, "LOG_FORMAT");
	cfg->log_format = stderr_is_tty ? LOG_TEXT : LOG_JSON;
	if (lf && strcmp(lf, "text") == 0)
		cfg->log_format = LOG_TEXT;
	else if (lf && strcmp(lf, "json") == 0)
		cfg->log_format = LOG_JSON;
	else if (lf)
		problem(cfg, ~0u, "LOG_FORMAT must be text or json, not \"%.20s\"", lf);
}

static size_t append(char *out, size_t outlen, size_t used, const char *command,
                     const char *line)
{
	if (!out || used >= outlen)
		return used;
	int n = command ? snprintf(out + used, outlen - used, "syncfn %s: %s\n", command, line)
	                : snprintf(out + used, outlen - used, "%s\n", line);
	return n < 0 ? used : used + (size_t)n;
}

int config_check(const struct config *cfg, unsigned need, const char *command,
                 char *out, size_t outlen)
{
	int count = 0;
	size_t used = 0;
	char line[CONFIG_PROBLEM_LEN + 64];
	if (out && outlen)
		out[0] = '\0';
#define MISSING(cond, text)                                             \
	do {                                                            \
		if (cond) {                                             \
			used = append(out, outlen, used, command, text); \
			count++;                                        \
		}                                                       \
	} while (0)
	MISSING((need & NEED_SYNC) && !cfg->target_url,
	        CONFIG_TARGET_UNSET " (the main prod database to sync into)");
	MISSING((need & NEED_SCHEDULE) && !cfg->qstash_token,
	        "QSTASH_TOKEN is not set (the QStash API token, from the Upstash console)");
	MISSING((need & (NEED_SCHEDULE | NEED_KEYS)) && !cfg->app_url_var,
	        "APP_URL is not set (the function's public base URL, e.g. https://my-app.fly.dev; "
	        "on Fly, FLY_APP_NAME gives it when APP_URL is unset)");
	MISSING((need & NEED_KEYS) && !cfg->current_key,
	        "QSTASH_CURRENT_SIGNING_KEY is not set (needed to verify QStash deliveries)");
	MISSING((need & NEED_KEYS) && !cfg->next_key,
	        "QSTASH_NEXT_SIGNING_KEY is not set (needed to verify QStash deliveries after a key roll)");
#undef MISSING
	for (int i = 0; i < cfg->nproblems; i++) {
		if (!((unsigned)cfg->problem_need[i] & need))
			continue;
		snprintf(line, sizeof line, "%s", cfg->problems[i]);
		used = append(out, outlen, used, command, line);
		count++;
	}
	return count;
}

void config_free(struct config *cfg)
{
	sync_rules_free(&cfg->rules);
}

void config_sync_settings(const struct config *cfg, struct sync_settings *s)
{
	static const struct sync_settings def = SYNC_SETTINGS_INIT;
	*s = def;
	s->target_url = cfg->target_url;
	s->source_url = cfg->source_url;
	s->source_schema = cfg->source_schema;
	s->target_schema = cfg->target_schema;
	s->tables = cfg->tables;
	s->exclude = cfg->exclude;
	s->statement_timeout_ms = cfg->statement_timeout_ms;
	s->lock_timeout_ms = cfg->lock_timeout_ms;
	s->checksum = cfg->checksum;
	s->rules = cfg->rules.n ? &cfg->rules : NULL;
	s->connect_timeout_s = def.connect_timeout_s;
	s->progress_ms = cfg->test_progress_ms;
}

void config_schedule_settings(const struct config *cfg,
                              struct schedule_settings *s)
{
	memset(s, 0, sizeof *s);
	s->qstash_url = cfg->qstash_url;
	s->token = cfg->qstash_token;
	s->destination = cfg->destination;
	s->cron = cfg->cron;
	s->retries = cfg->retries;
	s->timeout = cfg->timeout;
	s->schedule_id = cfg->schedule_id;
	s->user_agent = "syncfn/" SYNCFN_VERSION;
	s->total_timeout_ms = cfg->qstash_timeout_ms;
	s->connect_timeout_ms = cfg->qstash_timeout_ms < 10000
	                                ? cfg->qstash_timeout_ms : 10000;
	s->max_attempts = 4;
	s->failure_callback = cfg->failure_callback && cfg->failure_url[0]
	                              ? cfg->failure_url : NULL;
}

int config_secrets(const struct config *cfg, const char **out, int max)
{
	const char *all[] = { cfg->qstash_token, cfg->current_key, cfg->next_key,
	                      cfg->admin_token, cfg->target_password,
	                      cfg->source_password, cfg->target_password_decoded,
	                      cfg->source_password_decoded, cfg->alert_webhook_url,
	                      cfg->monitor_token, cfg->heartbeat_url };
	int n = 0;
	for (size_t i = 0; i < sizeof all / sizeof all[0] && n < max; i++)
		if (all[i] && all[i][0])
			out[n++] = all[i];
	return n;
}
