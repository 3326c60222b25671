/* config.c - reads and checks the environment (see config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static const char *get(const char *(*getenv_fn)(const char *), const char *name)
{
	const char *v = getenv_fn(name);
	return (v && *v) ? v : NULL;
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
 * blanks and a newline are never part of them (research/qstash.md 5.6).
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

/* Finds the password of a libpq URI (scheme://user:pass@host) or of a
 * keyword string (password=...), so the log redactor can hide it. */
static void url_password(const char *url, char *out, size_t outlen)
{
	out[0] = '\0';
	if (!url)
		return;
	const char *p = strstr(url, "://");
	if (p) {
		p += 3;
		const char *at = strchr(p, '@');
		const char *colon = strchr(p, ':');
		if (at && colon && colon < at) {
			size_t n = (size_t)(at - colon - 1);
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, colon + 1, n);
			out[n] = '\0';
		}
		const char *q = strstr(p, "password=");
		if (!out[0] && q) {
			q += 9;
			size_t n = strcspn(q, "&");
			if (n >= outlen)
				n = outlen - 1;
			memcpy(out, q, n);
			out[n] = '\0';
		}
		return;
	}
	const char *q = strstr(url, "password");
	if (!q)
		return;
	q += 8;
	while (*q == ' ')
		q++;
	if (*q++ != '=')
		return;
	while (*q == ' ')
		q++;
	char quote = (*q == '\'') ? *q++ : 0;
	size_t n = 0;
	while (q[n] && (quote ? q[n] != quote : !isspace((unsigned char)q[n])))
		n++;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, q, n);
	out[n] = '\0';
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
		cfg->app_url_var = NULL;
		return;
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
	for (const char *c = cfg->schedule_id; *c; c++)
		if (!isalnum((unsigned char)*c) && !strchr("-_.", *c)) {
			problem(cfg, NEED_SCHEDULE,
			        "SYNC_SCHEDULE_ID may hold only letters, digits, '-', '_' and '.'");
			break;
		}
	load_app_url(cfg, getenv_fn);
}

/* libpq splits a URI's userinfo at the first '@': the rest of a password
 * with an unencoded '@' would be taken for the host, and printed in every
 * connection error. */
static void check_userinfo(struct config *cfg, const char *name, const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;
	if (!p)
		return;
	p += 3;
	size_t auth = strcspn(p, "/?#");
	const char *at = memchr(p, '@', auth);
	if (at && memchr(at + 1, '@', auth - (size_t)(at + 1 - p)))
		problem(cfg, NEED_SYNC, "%s has an '@' inside its user or password: "
		        "write it as %%40", name);
}

void config_load(struct config *cfg, const char *(*getenv_fn)(const char *),
                 int stderr_is_tty)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->target_url = get(getenv_fn, "TARGET_DATABASE_URL");
	cfg->source_url = get(getenv_fn, "SOURCE_DATABASE_URL");
	url_password(cfg->target_url, cfg->target_password,
	             sizeof cfg->target_password);
	check_userinfo(cfg, "TARGET_DATABASE_URL", cfg->target_url);
	check_userinfo(cfg, "SOURCE_DATABASE_URL", cfg->source_url);
	url_password(cfg->source_url, cfg->source_password,
	             sizeof cfg->source_password);
	cfg->source_schema = get(getenv_fn, "SYNC_SOURCE_SCHEMA");
	if (!cfg->source_schema)
		cfg->source_schema = "public";
	cfg->target_schema = get(getenv_fn, "SYNC_TARGET_SCHEMA");
	if (!cfg->target_schema)
		cfg->target_schema = "public";
	cfg->tables = get(getenv_fn, "SYNC_TABLES");
	if (!cfg->tables)
		cfg->tables = "*";
	cfg->exclude = get(getenv_fn, "SYNC_EXCLUDE");
	if (!cfg->exclude)
		cfg->exclude = "";
	cfg->statement_timeout_ms = get_duration(cfg, getenv_fn,
	                                         "SYNC_STATEMENT_TIMEOUT", 0);
	cfg->lock_timeout_ms = get_duration(cfg, getenv_fn, "SYNC_LOCK_TIMEOUT",
	                                    10000);
	const char *ck = get(getenv_fn, "SYNC_CHECKSUM");
	cfg->checksum_off = ck && strcmp(ck, "off") == 0;
	if (ck && !cfg->checksum_off && strcmp(ck, "on") != 0)
		problem(cfg, NEED_SYNC, "SYNC_CHECKSUM must be on or off, not "
		        "\"%.20s\"", ck);
	load_qstash(cfg, getenv_fn);
	cfg->admin_token = get(getenv_fn, "SYNC_ADMIN_TOKEN");
	cfg->port = get_int(cfg, getenv_fn, "PORT", 1, 65535, 8080, NEED_SERVE);
	cfg->shutdown_grace_s = get_int(cfg, getenv_fn, "SHUTDOWN_GRACE_SECONDS",
	                                0, 3600, 25, NEED_SERVE);
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
	        "TARGET_DATABASE_URL is not set (the main prod database to sync into)");
	MISSING((need & NEED_SCHEDULE) && !cfg->qstash_token,
	        "QSTASH_TOKEN is not set (the QStash API token, from the Upstash console)");
	MISSING((need & (NEED_SCHEDULE | NEED_KEYS)) && !cfg->app_url_var,
	        "APP_URL is not set (the function's public base URL, e.g. https://syncfn.fly.dev)");
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

void config_sync_settings(const struct config *cfg, struct sync_settings *s)
{
	memset(s, 0, sizeof *s);
	s->target_url = cfg->target_url;
	s->source_url = cfg->source_url;
	s->source_schema = cfg->source_schema;
	s->target_schema = cfg->target_schema;
	s->tables = cfg->tables;
	s->exclude = cfg->exclude;
	s->statement_timeout_ms = cfg->statement_timeout_ms;
	s->lock_timeout_ms = cfg->lock_timeout_ms;
	s->checksum_off = cfg->checksum_off;
	s->connect_timeout_s = 10;
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
}

int config_secrets(const struct config *cfg, const char **out, int max)
{
	const char *all[] = { cfg->qstash_token, cfg->current_key, cfg->next_key,
	                      cfg->admin_token, cfg->target_password,
	                      cfg->source_password };
	int n = 0;
	for (size_t i = 0; i < sizeof all / sizeof all[0] && n < max; i++)
		if (all[i] && all[i][0])
			out[n++] = all[i];
	return n;
}
