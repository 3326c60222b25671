/* main.c - qstash-dev: options, the server, the cron ticker, shutdown.
 *
 *   qstash-dev [--port N] [--bind ADDR] [--token T] [--current-key K]
 *              [--next-key K] [--retry-delay-ms N] [--backoff fixed|exp]
 *              [--no-cron]
 *
 * Each option falls back to an environment variable (QSTASH_DEV_PORT,
 * QSTASH_DEV_BIND, QSTASH_TOKEN, QSTASH_CURRENT_SIGNING_KEY,
 * QSTASH_NEXT_SIGNING_KEY, QSTASH_DEV_RETRY_DELAY_MS, QSTASH_DEV_BACKOFF),
 * then to the
 * values of Upstash's own `qstash dev` server.
 */
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "qdev.h"

#define DEV_TOKEN "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0="
#define DEV_CURRENT "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r"
#define DEV_NEXT "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs"

static const char *env_or(const char *name, const char *def)
{
	const char *v = getenv(name);
	return v && *v ? v : def;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: qstash-dev [--port N] [--bind ADDR] [--token T] [--current-key K]\n"
	        "                  [--next-key K] [--retry-delay-ms N] [--backoff fixed|exp]\n"
	        "                  [--no-cron]\n"
	        "  --backoff exp waits like QStash, min(86400, e^(2.5 n)) s (12 s, 2.5 min...);\n"
	        "  fixed (the default) waits --retry-delay-ms. A Retry-After answer wins.\n");
	return 2;
}

static int parse_options(int argc, char **argv, struct qdev_options *o)
{
	o->port = atoi(env_or("QSTASH_DEV_PORT", "8080"));
	o->bind = env_or("QSTASH_DEV_BIND", "127.0.0.1");
	o->token = env_or("QSTASH_TOKEN", DEV_TOKEN);
	o->current_key = env_or("QSTASH_CURRENT_SIGNING_KEY", DEV_CURRENT);
	o->next_key = env_or("QSTASH_NEXT_SIGNING_KEY", DEV_NEXT);
	o->retry_delay_ms = atol(env_or("QSTASH_DEV_RETRY_DELAY_MS", "200"));
	o->cron_enabled = 1;
	const char *backoff = env_or("QSTASH_DEV_BACKOFF", "fixed");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--no-cron") == 0) {
			o->cron_enabled = 0;
			continue;
		}
		if (!v)
			return usage();
		if (strcmp(a, "--port") == 0)
			o->port = atoi(v);
		else if (strcmp(a, "--bind") == 0)
			o->bind = v;
		else if (strcmp(a, "--token") == 0)
			o->token = v;
		else if (strcmp(a, "--current-key") == 0)
			o->current_key = v;
		else if (strcmp(a, "--next-key") == 0)
			o->next_key = v;
		else if (strcmp(a, "--retry-delay-ms") == 0)
			o->retry_delay_ms = atol(v);
		else if (strcmp(a, "--backoff") == 0)
			backoff = v;
		else
			return usage();
		i++;
	}
	o->backoff_exp = strcmp(backoff, "exp") == 0;
	if (!o->backoff_exp && strcmp(backoff, "fixed") != 0)
		return usage();
	if (o->port < 1 || o->port > 65535 || o->retry_delay_ms < 0 ||
	    !*o->token) {
		fprintf(stderr, "qstash-dev: bad --port, --retry-delay-ms or --token\n");
		return 2;
	}
	return 0;
}

/* Fires due schedules at the start of each minute, as QStash's cron. */
static void *cron_ticker(void *arg)
{
	struct qdev *q = arg;
	while (!q->stopping) {
		struct timespec ts = { 1, 0 };
		nanosleep(&ts, NULL);
		time_t now = time(NULL);
		struct tm utc;
		gmtime_r(&now, &utc);
		struct qdev_message *due[64];
		size_t n = qdev_store_due(q, &utc, qdev_now_ms(), due, 64);
		for (size_t i = 0; i < n; i++)
			qdev_deliver_async(q, due[i]);
	}
	return NULL;
}

static void wait_for_signal(void)
{
	sigset_t set;
	int sig;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigwait(&set, &sig);
}

/* Only the built-in development credentials are printed: values that
 * came from the environment may be real ones from a loaded .env. */
static const char *shown(const char *value, const char *dev)
{
	return strcmp(value, dev) == 0 ? value : "(as set in the environment, not shown)";
}

static void banner(const struct qdev_options *o)
{
	printf("qstash-dev listening on http://%s:%d\n"
	       "  QSTASH_URL=http://%s:%d\n"
	       "  QSTASH_TOKEN=%s\n"
	       "  QSTASH_CURRENT_SIGNING_KEY=%s\n"
	       "  QSTASH_NEXT_SIGNING_KEY=%s\n"
	       "(development credentials; test routes under /__test/)\n",
	       o->bind, o->port, o->bind, o->port, shown(o->token, DEV_TOKEN),
	       shown(o->current_key, DEV_CURRENT), shown(o->next_key, DEV_NEXT));
	fflush(stdout);
}

static void shutdown_all(struct qdev *q)
{
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&q->lock);
	while (q->active_deliveries > 0)
		if (pthread_cond_timedwait(&q->idle, &q->lock, &until) != 0)
			break;
	int left = q->active_deliveries;
	pthread_mutex_unlock(&q->lock);
	if (left) {
		/* Detached deliveries still use q: leave it to the exit. */
		fprintf(stderr, "qstash-dev: %d deliveries still running at exit\n", left);
		return;
	}
	for (size_t i = 0; i < q->nschedules; i++)
		qdev_schedule_free(q->schedules[i]);
	free(q->schedules);
	for (size_t i = 0; i < q->nmessages; i++)
		qdev_message_free(q->messages[i]);
	free(q->messages);
	cJSON_Delete(q->requests);
	cJSON_Delete(q->deliveries);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->idle);
}

int main(int argc, char **argv)
{
	/* Static: detached deliveries may outlive main's frame at exit. */
	static struct qdev q;
	int rc = parse_options(argc, argv, &q.opt);
	if (rc)
		return rc;
	/* Signals are taken by sigwait, so every thread must block them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&q.lock, NULL);
	pthread_cond_init(&q.idle, NULL);
	q.requests = cJSON_CreateArray();
	q.deliveries = cJSON_CreateArray();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	mg_init_library(0);

	char ports[80];
	snprintf(ports, sizeof ports, "%s:%d", q.opt.bind, q.opt.port);
	const char *options[] = { "listening_ports", ports, "num_threads", "32",
		                  "request_timeout_ms", "120000", NULL };
	struct mg_callbacks cb = { 0 };
	struct mg_context *ctx = mg_start(&cb, &q, options);
	if (!ctx) {
		fprintf(stderr, "qstash-dev: cannot listen on %s\n", ports);
		return 1;
	}
	mg_set_request_handler(ctx, "/v2", qdev_api_handler, &q);
	mg_set_request_handler(ctx, "/__test", qdev_test_handler, &q);
	pthread_t ticker;
	int have_ticker = q.opt.cron_enabled &&
	                  pthread_create(&ticker, NULL, cron_ticker, &q) == 0;
	banner(&q.opt);
	wait_for_signal();
	q.stopping = 1;
	mg_stop(ctx);
	if (have_ticker)
		pthread_join(ticker, NULL);
	shutdown_all(&q);
	mg_exit_library();
	curl_global_cleanup();
	return 0;
}
