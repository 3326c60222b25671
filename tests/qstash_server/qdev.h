/* qdev.h - the QStash-compatible development server (build/qstash-dev).
 *
 * It implements the part of QStash's REST API that syncfn uses (schedules,
 * publish, signing keys), delivers messages
 * the way QStash does (signed HS256 JWT in Upstash-Signature, retries,
 * 489 + Upstash-NonRetryable-Error; section 1 and 2), fires schedules by
 * their cron, and offers test-only routes under /__test/ to fire a
 * schedule now, inspect every request and delivery, and make the next
 * answers fail or stall. All state lives in one struct qdev, behind one
 * mutex, handed to every handler as its callback data.
 */
#ifndef QDEV_H
#define QDEV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <time.h>

struct cJSON;
struct mg_connection;

#define QDEV_MAX_BODY (1024 * 1024)
#define QDEV_MAX_RECORDS 20000

struct qdev_options {
	int port;
	const char *bind;          /* "127.0.0.1" */
	const char *token;
	const char *current_key;
	const char *next_key;
	long retry_delay_ms;       /* between delivery attempts */
	int backoff_exp;           /* QStash's own min(86400, e^(2.5 n)) s
	                              between attempts instead */
	int cron_enabled;          /* fire schedules by their cron */
};

/* One parsed 5-field cron expression: a bit per allowed value. */
struct qdev_cron {
	unsigned long long minute; /* 0-59 */
	unsigned hour;             /* 0-23 */
	unsigned dom;              /* 1-31 */
	unsigned month;            /* 1-12 */
	unsigned dow;              /* 0-6, Sunday 0 (7 accepted as 0) */
	int dom_star, dow_star;
};

struct qdev_schedule {
	char *id;
	char *destination;
	char *cron_text;
	struct qdev_cron cron;
	char *method;
	char *content_type;
	struct cJSON *forward;     /* {"Name": ["value"]} forwarded headers */
	char *body;
	size_t body_len;
	int retries;
	long timeout_s;            /* 0: none given */
	char *failure_callback;    /* Upstash-Failure-Callback, or NULL */
	int paused;
	long long created_ms;
	long long last_fired_ms;
	long long cron_minute_ms;  /* start of the minute the cron last fired */
	char *caller_ip;
};

/* A message to deliver (from publish, a schedule, or a test route). */
struct qdev_message {
	char id[64];
	char *schedule_id;         /* NULL unless from a schedule */
	char *destination;
	char *method;
	char *content_type;
	struct cJSON *forward;
	char *body;
	size_t body_len;
	int retries;
	long timeout_s;
	char *failure_callback;    /* called once retries are exhausted */
	long long created_ms;
	char *caller_ip;
};

/* Test knobs: the next `count` API answers get `status` (or stall). */
struct qdev_fault {
	int count;
	int status;
	long retry_after_s;        /* -1: no Retry-After header */
	long long burst_reset;     /* 0: no Burst-RateLimit-Reset header */
	int stall_count;
	long stall_ms;
	int tamper_count;          /* next N delivery attempts: bad signature */
};

struct qdev {
	struct qdev_options opt;
	pthread_mutex_t lock;
	pthread_cond_t idle;       /* signalled when deliveries reaches 0 */
	struct qdev_schedule **schedules;
	size_t nschedules, capschedules;
	struct cJSON *requests;    /* array of recorded API requests */
	struct cJSON *deliveries;  /* array of delivery records */
	unsigned journal_generation; /* bumped when the journals are reset */
	struct qdev_message **messages; /* every message, for redelivery */
	size_t nmessages, capmessages;
	struct qdev_fault fault;
	int active_deliveries;
	atomic_int stopping;
};

/* A request, read once. */
struct qdev_req {
	struct mg_connection *conn;
	const char *method;
	const char *path;          /* raw path, destination URLs intact */
	const char *query;
	char *body;
	size_t body_len;
	const char *remote_addr;
};

/* http.c */
int qdev_read_request(struct mg_connection *conn, struct qdev_req *req);
void qdev_send_json(struct mg_connection *conn, int status,
                    const struct cJSON *body, const char *const *headers);
void qdev_send_error(struct mg_connection *conn, int status, const char *msg);
const char *qdev_header(const struct qdev_req *req, const char *name);
long qdev_query_long(const struct qdev_req *req, const char *name, long def);
void qdev_random_id(const char *prefix, char *out, size_t outlen);
long long qdev_now_ms(void);
/* "30s", "5m", "1h", "2d" -> seconds; -1 when malformed. */
long qdev_parse_duration_s(const char *s);

/* cron.c */
int qdev_cron_parse(const char *text, struct qdev_cron *out, char *err,
                    size_t errlen);
int qdev_cron_matches(const struct qdev_cron *c, const struct tm *utc);

/* store.c: every function takes the lock itself. */
void qdev_record_request(struct qdev *q, const struct qdev_req *req);
struct cJSON *qdev_schedule_json(const struct qdev_schedule *s);
void qdev_schedule_free(struct qdev_schedule *s);
/* Inserts or replaces (by id); takes ownership of s. */
void qdev_store_put(struct qdev *q, struct qdev_schedule *s);
/* A message for schedule id (NULL if unknown), with a fresh id. */
struct qdev_message *qdev_store_fire(struct qdev *q, const char *id);
struct cJSON *qdev_store_get_json(struct qdev *q, const char *id);
struct cJSON *qdev_store_list_json(struct qdev *q);
int qdev_store_delete(struct qdev *q, const char *id);
int qdev_store_set_paused(struct qdev *q, const char *id, int paused);
/* Copies of the schedules due at this minute (cron ticker). */
size_t qdev_store_due(struct qdev *q, const struct tm *utc, long long now_ms,
                      struct qdev_message **out, size_t max);

/* deliver.c */
void qdev_message_free(struct qdev_message *m);
/* Starts delivering m in its own thread; takes ownership. */
void qdev_deliver_async(struct qdev *q, struct qdev_message *m);
/* A copy of an earlier message (same id) for the redeliver test route;
 * NULL if there is none. */
struct qdev_message *qdev_message_find_copy(struct qdev *q, const char *id);

/* jwt.c: the Upstash-Signature value for body sent to url at now. */
char *qdev_sign(const char *key, const char *url, const char *body,
                size_t body_len, time_t now);

/* api.c and test_routes.c: civetweb handlers, cbdata = struct qdev. */
int qdev_api_handler(struct mg_connection *conn, void *cbdata);
int qdev_test_handler(struct mg_connection *conn, void *cbdata);

#endif
