/* config.h - the process configuration: the environment, read once at
 * start into an immutable struct.
 *
 * config_load() reads every variable README.md's "Configuration" lists
 * and notes each
 * malformed value; config_check() then says, for one command, everything
 * that is missing or malformed, all at once, naming the variable and what
 * it is needed for. Nothing else in the process reads the environment.
 */
#ifndef SYNCFN_CONFIG_H
#define SYNCFN_CONFIG_H

#include <stddef.h>

#include "schedule.h"
#include "sync.h"

#define CONFIG_MAX_PROBLEMS 24
#define CONFIG_PROBLEM_LEN 320
#define CONFIG_URL_LEN 2048
/* The problem every sync command and route names first. */
#define CONFIG_TARGET_UNSET "TARGET_DATABASE_URL is not set"

enum log_format { LOG_TEXT, LOG_JSON };

/* What a command needs from the environment. */
enum config_need {
	NEED_SERVE = 1 << 0,    /* PORT, LOG_FORMAT */
	NEED_SYNC = 1 << 1,     /* TARGET_DATABASE_URL */
	NEED_SCHEDULE = 1 << 2, /* QSTASH_TOKEN, APP_URL */
	NEED_KEYS = 1 << 3      /* QSTASH_CURRENT/NEXT_SIGNING_KEY */
};

struct config {
	/* databases (sync) */
	const char *target_url;     /* TARGET_DATABASE_URL */
	const char *source_url;     /* SOURCE_DATABASE_URL, NULL = target */
	const char *source_schema;  /* SYNC_SOURCE_SCHEMA */
	const char *target_schema;  /* SYNC_TARGET_SCHEMA */
	const char *tables;         /* SYNC_TABLES */
	const char *exclude;        /* SYNC_EXCLUDE */
	int statement_timeout_ms;   /* SYNC_STATEMENT_TIMEOUT (ms or 30s/5m) */
	int lock_timeout_ms;        /* SYNC_LOCK_TIMEOUT */
	enum sync_checksum checksum; /* SYNC_CHECKSUM=auto|on|off */
	struct sync_rules rules;    /* SYNC_RULES, parsed (config_free) */

	/* QStash */
	const char *qstash_url;     /* QSTASH_URL, trailing '/' removed */
	const char *qstash_token;   /* QSTASH_TOKEN */
	const char *current_key;    /* QSTASH_CURRENT_SIGNING_KEY, trimmed */
	const char *next_key;       /* QSTASH_NEXT_SIGNING_KEY, trimmed */
	long clock_tolerance_s;     /* QSTASH_CLOCK_TOLERANCE */
	const char *app_url;        /* APP_URL or NEXT_PUBLIC_APP_URL, no
	                               trailing '/', else https://NAME.fly.dev
	                               when Fly sets FLY_APP_NAME; NULL if
	                               none is set (or it is malformed) */
	const char *app_url_var;    /* which of the three it came from; NULL
	                               when none is set */
	char destination[CONFIG_URL_LEN + 64]; /* app_url + the sync route, or "" */
	char failure_url[CONFIG_URL_LEN + 64]; /* app_url + the failure route, or "" */
	int failure_callback;       /* SYNC_FAILURE_CALLBACK: 0 when "off" */
	const char *alert_webhook_url; /* SYNC_ALERT_WEBHOOK_URL, NULL = no
	                               alerts; a secret (its path is the key) */
	const char *heartbeat_url;  /* SYNC_HEARTBEAT_URL, NULL = none; a
	                               secret like the webhook's */
	int heartbeat_fail_append;  /* SYNC_HEARTBEAT_FAIL=append: a failed
	                               run calls heartbeat_url + "/fail" */
	const char *cron;           /* SYNC_CRON */
	int retries;                /* SYNC_RETRIES */
	const char *timeout;        /* SYNC_TIMEOUT */
	const char *schedule_id;    /* SYNC_SCHEDULE_ID */
	int qstash_timeout_ms;      /* QSTASH_HTTP_TIMEOUT: one QStash API
	                               call, its retries included */

	/* HTTP and process */
	const char *admin_token;    /* SYNC_ADMIN_TOKEN, trimmed; NULL = admin
	                               routes 401 */
	const char *monitor_token;  /* SYNC_MONITOR_TOKEN, trimmed: read-only,
	                               the status and health routes only */
	int port;                   /* PORT */
	enum log_format log_format; /* LOG_FORMAT, else by isatty(stderr) */
	int shutdown_grace_s;       /* SHUTDOWN_GRACE_SECONDS */
	int test_body_deadline_ms;  /* SYNCFN_TEST_BODY_DEADLINE_MS, tests
	                               only: the body deadline (15 s) and the
	                               header deadline (a third of it) shrunk
	                               so that tests need not wait; 0 = unset */
	int test_progress_ms;       /* SYNCFN_TEST_PROGRESS_MS, tests only:
	                               the interval of the tables' progress
	                               lines (5 s) shrunk; 0 = unset */
	char instance[160];         /* "host/pid" (FLY_MACHINE_ID when set),
	                               recorded with the run it runs */

	/* Passwords found inside the two database URLs (URI userinfo or a
	 * password= keyword), kept only so logs can redact them. */
	char target_password[256];         /* as written */
	char source_password[256];
	char target_password_decoded[256]; /* as libpq uses it (%XX, quotes) */
	char source_password_decoded[256];

	/* Storage behind the normalised strings above. */
	char app_url_buf[CONFIG_URL_LEN];
	char fly_url_buf[CONFIG_URL_LEN];
	char qstash_url_buf[CONFIG_URL_LEN];
	char current_key_buf[512];
	char next_key_buf[512];
	char token_buf[1024];
	char admin_token_buf[1024];
	char monitor_token_buf[1024];

	/* Values that were set but malformed, each naming its variable. */
	int nproblems;
	char problems[CONFIG_MAX_PROBLEMS][CONFIG_PROBLEM_LEN];
	int problem_need[CONFIG_MAX_PROBLEMS]; /* config_need bits it breaks */
};

#define SYNC_ROUTE "/api/background/sync/slave-to-prod"
#define SCHEDULE_ROUTE "/api/background/sync/schedule"
#define STATUS_ROUTE "/api/background/sync/status"
#define FAILURE_ROUTE "/api/background/sync/failure"
#define HEALTH_ROUTE "/api/background/sync/health"

/* Reads the environment through getenv_fn (getenv in the program, a table
 * in tests). stderr_is_tty picks the default LOG_FORMAT. Never fails:
 * malformed values are noted in cfg->problems and replaced by defaults. */
void config_load(struct config *cfg, const char *(*getenv_fn)(const char *),
                 int stderr_is_tty);

/* Frees what config_load allocated (the rules). */
void config_free(struct config *cfg);

/* Lists, one per line into out, every problem that stops a command that
 * needs `need`, each prefixed by "syncfn <command>: " (no prefix when
 * command is NULL). Returns how many there are (0 = good to go). */
int config_check(const struct config *cfg, unsigned need, const char *command,
                 char *out, size_t outlen);

/* The engines' settings, borrowed from cfg (which must outlive them). */
void config_sync_settings(const struct config *cfg, struct sync_settings *s);
void config_schedule_settings(const struct config *cfg,
                              struct schedule_settings *s);

/* The secrets of cfg (tokens, keys, URL passwords, webhook and heartbeat
 * URLs), for the log redactor: fills up to max pointers (CONFIG_SECRETS
 * is enough) and returns the count. */
#define CONFIG_SECRETS 16
int config_secrets(const struct config *cfg, const char **out, int max);

#endif
