/* Configuration: defaults, fallbacks, malformed values, per-command checks. */
#include <string.h>

#include "config.h"
#include "harness.h"

static const char *const *env_table;

static const char *fake_env(const char *name)
{
	for (const char *const *e = env_table; *e; e += 2)
		if (strcmp(e[0], name) == 0)
			return e[1];
	return NULL;
}

static void load(struct config *cfg, const char *const *table)
{
	env_table = table;
	config_load(cfg, fake_env, 0);
}

TEST(defaults)
{
	static const char *const env[] = { NULL };
	static struct config c;
	load(&c, env);
	CHECK_STR(c.source_schema, "public");
	CHECK_STR(c.target_schema, "public");
	CHECK_STR(c.tables, "*");
	CHECK_STR(c.qstash_url, "https://qstash.upstash.io");
	CHECK_STR(c.cron, "0 */6 * * *");
	CHECK_INT(c.retries, 2);
	CHECK_STR(c.timeout, "30s");
	CHECK_STR(c.schedule_id, "slave-to-prod-sync");
	CHECK_INT(c.clock_tolerance_s, 5);
	CHECK_INT(c.port, 8080);
	CHECK_INT(c.log_format, LOG_JSON);
	CHECK(c.app_url == NULL);
	CHECK(c.admin_token == NULL);
	CHECK_INT(c.nproblems, 0);
}

TEST(next_public_app_url_is_a_fallback)
{
	static const char *const env[] = { "NEXT_PUBLIC_APP_URL", "https://app.example.com/", NULL };
	static struct config c;
	load(&c, env);
	CHECK_STR(c.app_url, "https://app.example.com");
	CHECK_STR(c.app_url_var, "NEXT_PUBLIC_APP_URL");
	CHECK_STR(c.destination, "https://app.example.com/api/background/sync/slave-to-prod");
	static const char *const both[] = { "NEXT_PUBLIC_APP_URL", "https://a.example",
	                                    "APP_URL", "https://b.example", NULL };
	load(&c, both);
	CHECK_STR(c.app_url, "https://b.example");
}

/* Fly sets FLY_APP_NAME: without APP_URL (fly.toml leaves it out) the
 * app's own https://NAME.fly.dev is the base URL, never someone else's. */
TEST(fly_app_name_is_the_last_fallback)
{
	static const char *const fly[] = { "FLY_APP_NAME", "my-sync-app", NULL };
	static struct config c;
	load(&c, fly);
	CHECK_STR(c.app_url, "https://my-sync-app.fly.dev");
	CHECK_STR(c.app_url_var, "FLY_APP_NAME");
	CHECK_STR(c.destination, "https://my-sync-app.fly.dev/api/background/sync/slave-to-prod");
	CHECK_STR(c.failure_url, "https://my-sync-app.fly.dev/api/background/sync/failure");
	CHECK_INT(c.nproblems, 0);
	static const char *const both[] = { "FLY_APP_NAME", "my-sync-app",
	                                    "APP_URL", "https://sync.example.com", NULL };
	load(&c, both);
	CHECK_STR(c.app_url, "https://sync.example.com");
	CHECK_STR(c.app_url_var, "APP_URL");
	static const char *const next[] = { "FLY_APP_NAME", "my-sync-app",
	                                    "NEXT_PUBLIC_APP_URL", "https://n.example", NULL };
	load(&c, next);
	CHECK_STR(c.app_url_var, "NEXT_PUBLIC_APP_URL");
	static const char *const empty[] = { "FLY_APP_NAME", "", NULL };
	load(&c, empty);
	CHECK(c.app_url == NULL);
	CHECK(c.app_url_var == NULL);
	/* not a host name label: named, and QStash deliveries fail closed */
	static const char *const bad[] = { "FLY_APP_NAME", "evil.example/x?", NULL };
	load(&c, bad);
	CHECK(c.app_url == NULL);
	CHECK_STR(c.app_url_var, "FLY_APP_NAME");
	char out[4096];
	CHECK(config_check(&c, NEED_SCHEDULE, "schedule", out, sizeof out) >= 1);
	CHECK_CONTAINS(out, "FLY_APP_NAME");
}

TEST(malformed_values_are_named)
{
	static const char *const env[] = { "PORT", "80x", "SYNC_RETRIES", "-1",
	                                   "LOG_FORMAT", "xml", "APP_URL", "ftp://x",
	                                   "SYNC_LOCK_TIMEOUT", "soon", NULL };
	static struct config c;
	load(&c, env);
	char out[4096];
	int n = config_check(&c, NEED_SERVE | NEED_SYNC | NEED_SCHEDULE, "setup", out, sizeof out);
	CHECK(n >= 5);
	CHECK_CONTAINS(out, "syncfn setup: PORT must be a whole number from 1 to 65535, not \"80x\"");
	CHECK_CONTAINS(out, "SYNC_RETRIES must be a whole number");
	CHECK_CONTAINS(out, "LOG_FORMAT must be text or json");
	CHECK_CONTAINS(out, "APP_URL must start with https://");
	CHECK_CONTAINS(out, "SYNC_LOCK_TIMEOUT must be a duration");
	CHECK_INT(c.port, 8080);
}

TEST(check_names_what_each_command_needs)
{
	static const char *const env[] = { NULL };
	static struct config c;
	load(&c, env);
	char out[4096];
	CHECK_INT(config_check(&c, NEED_SYNC, "sync", out, sizeof out), 1);
	CHECK_CONTAINS(out, "syncfn sync: TARGET_DATABASE_URL is not set");
	int n = config_check(&c, NEED_SCHEDULE | NEED_KEYS, "setup", out, sizeof out);
	CHECK_INT(n, 4);
	CHECK_CONTAINS(out, "QSTASH_TOKEN is not set");
	CHECK_CONTAINS(out, "APP_URL is not set");
	CHECK_CONTAINS(out, "QSTASH_CURRENT_SIGNING_KEY is not set");
	CHECK_CONTAINS(out, "QSTASH_NEXT_SIGNING_KEY is not set");
	CHECK_INT(config_check(&c, NEED_SERVE, "serve", out, sizeof out), 0);
}

TEST(durations_and_keys)
{
	static const char *const env[] = { "SYNC_STATEMENT_TIMEOUT", "5m", "SYNC_LOCK_TIMEOUT", "1500",
	                                   "QSTASH_CURRENT_SIGNING_KEY", "  sig_abc\n",
	                                   "QSTASH_URL", "http://127.0.0.1:8080//", NULL };
	static struct config c;
	load(&c, env);
	CHECK_INT(c.statement_timeout_ms, 300000);
	CHECK_INT(c.lock_timeout_ms, 1500);
	CHECK_STR(c.current_key, "sig_abc");
	CHECK_STR(c.qstash_url, "http://127.0.0.1:8080");
}

TEST(secrets_include_url_passwords)
{
	static const char *const env[] = {
		"TARGET_DATABASE_URL", "postgresql://app:s3cr%40t@db.example:5432/prod",
		"SOURCE_DATABASE_URL", "host=x dbname=y password='kw pass' user=z",
		"QSTASH_TOKEN", "tok_123456", "SYNC_ADMIN_TOKEN", "adm_123456", NULL
	};
	static struct config c;
	load(&c, env);
	const char *s[12];
	int n = config_secrets(&c, s, 12);
	/* Each password as written and as libpq uses it. */
	CHECK_INT(n, 6);
	CHECK_STR(c.target_password, "s3cr%40t");
	CHECK_STR(c.target_password_decoded, "s3cr@t");
	CHECK_STR(c.source_password, "'kw pass'");
	CHECK_STR(c.source_password_decoded, "kw pass");
}

TEST(schedule_id_charset)
{
	static const char *const env[] = { "SYNC_SCHEDULE_ID", "bad id/", NULL };
	static struct config c;
	load(&c, env);
	char out[1024];
	CHECK_INT(config_check(&c, NEED_SCHEDULE, "schedule", out, sizeof out), 3);
	CHECK_CONTAINS(out, "SYNC_SCHEDULE_ID may hold only");
}

TEST(at_sign_in_password_and_trimmed_token)
{
	static const char *const env[] = {
		"TARGET_DATABASE_URL", "postgresql://app:S3cr3t@Pass@db.example/prod",
		"SOURCE_DATABASE_URL", "postgresql://app:ok%40pw@db.example/slave",
		"QSTASH_TOKEN", "tok-123\r\n", NULL
	};
	static struct config c;
	load(&c, env);
	char out[2048];
	CHECK_INT(config_check(&c, NEED_SYNC, "sync", out, sizeof out), 1);
	CHECK_CONTAINS(out, "TARGET_DATABASE_URL has an '@' inside its user name or password");
	CHECK_STR(c.qstash_token, "tok-123");
}

TEST(overlong_key_is_named)
{
	static char key[700];
	memset(key, 'k', sizeof key - 1);
	static const char *env[] = { "QSTASH_CURRENT_SIGNING_KEY", key, NULL };
	static struct config c;
	load(&c, env);
	char out[2048];
	config_check(&c, NEED_KEYS, "serve", out, sizeof out);
	CHECK_CONTAINS(out, "QSTASH_CURRENT_SIGNING_KEY is longer than 511 characters");
}

TEST_MAIN(CASE(at_sign_in_password_and_trimmed_token) CASE(overlong_key_is_named)
          CASE(defaults) CASE(next_public_app_url_is_a_fallback)
          CASE(fly_app_name_is_the_last_fallback) CASE(malformed_values_are_named)
          CASE(check_names_what_each_command_needs) CASE(durations_and_keys)
          CASE(secrets_include_url_passwords) CASE(schedule_id_charset))
