/* http_server.c - civetweb glue and the process lifecycle (see
 * http_server.h). */
#include "http_server.h"

#include <assert.h>
#include <civetweb.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "http.h"
#include "http_peer.h"
#include "log.h"
#include "outcome.h"
#include "request_id.h"
#include "routes.h"
#include "signals.h"
#include "thread_defer.h"

#define HARD_STOP_AFTER_CANCEL_S 10
/* Enough workers that 50 connections trickling their headers or bodies
 * leave room for QStash and /healthz. Each costs civetweb's 100 KiB
 * stack (Debian builds it with USE_STACK_SIZE=102400) and its 16 KiB
 * request buffer: 64 bound the memory to about 8 MB. They start once
 * the thread that accepts does (start_civetweb). */
#define WORKERS 64
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
/* civetweb's request_timeout_ms: the whole request line and headers must
 * arrive within it (civetweb measures from the first byte), and each
 * wait for body bytes is bounded by it. */
#define READ_WAIT_MS 5000
#define DRAIN_LIMIT (1024 * 1024)
#define DRAIN_MAX_MS 2000
#define BODY_DEADLINE_MS 15000
/* How far into a body read a failing mg_read() must have waited to count
 * as a stall (408) rather than a malformed or cut body (400). */
#define STALL_FRACTION 2
/* How much of a request path a log line keeps. */
#define LOGGED_PATH_MAX 200

struct server {
	const struct config *cfg;
	struct serve_opts opts;
	struct route_ctx rctx;
	atomic_int cancel;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started;        /* invocations begun */
	int inflight;       /* begun, connection not yet closed */
	int receiving;      /* invocation requests not yet answered: a signal
	                       lets them finish reading (bounded by
	                       BODY_DEADLINE_MS) and answers them 503 */
	int answered;       /* connection closed after the answer */
	int stopping;       /* a signal asked us to stop */
	/* Connections now carrying an invocation. civetweb clears a
	 * connection's user data before connection_closed runs, but each
	 * worker keeps its connection object, so the pointer identifies it. */
	const struct mg_connection *invocation_conn[WORKERS];
	/* Connections whose request line and headers are still arriving,
	 * with when each was accepted: an idle exit waits for those
	 * accepted before it was due (civetweb bounds each by
	 * request_timeout_ms), so a request counts from its first byte. */
	const struct mg_connection *header_conn[WORKERS];
	struct timespec header_since[WORKERS];
	struct timespec stop_deadline; /* when an in-flight sync is cancelled */
	int body_deadline_ms; /* BODY_DEADLINE_MS, or the test override */
	int read_wait_ms;     /* READ_WAIT_MS, shorter with the test override */
	struct timespec last_activity;
	struct thread_defer workers; /* held back by mg_start(), then started */
};

static struct timespec now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts;
}

static struct timespec plus(struct timespec t, int seconds)
{
	t.tv_sec += seconds;
	return t;
}

static long ms_since(struct timespec t0)
{
	struct timespec t1 = now_mono();
	return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

/* Whether time t is at or past deadline. */
static int reached_at(struct timespec t, struct timespec deadline)
{
	return t.tv_sec > deadline.tv_sec ||
	       (t.tv_sec == deadline.tv_sec && t.tv_nsec >= deadline.tv_nsec);
}

static int reached(struct timespec deadline)
{
	return reached_at(now_mono(), deadline);
}

static const char *header_of(const void *conn, const char *name)
{
	return mg_get_header((const struct mg_connection *)conn, name);
}

/* Reads and drops what is left of a body, within bounds, so the client
 * sees the answer instead of a connection reset. */
static void drain(struct mg_connection *conn)
{
	/* A client that waits for 100 Continue sends nothing to drain. */
	if (mg_get_header(conn, "Expect"))
		return;
	char sink[8192];
	long long drained = 0;
	struct timespec start = now_mono();
	int n;
	while (drained < DRAIN_LIMIT && ms_since(start) < DRAIN_MAX_MS &&
	       (n = mg_read(conn, sink, sizeof sink)) > 0)
		drained += n;
}

/* Reads the whole body into buf (cap = limit + 1). Returns 0; 413 when it
 * is over the limit; 408 when it has not arrived by the deadline; 400
 * when it ended short of its Content-Length or its chunks are malformed.
 * mg_read() waits until it has every byte it was asked for, up to
 * request_timeout_ms per wait, and then returns what it has (0 once a
 * Content-Length body stalls, -1 once a chunked one does): one byte at a
 * time (a copy from civetweb's buffer while data is there), and no new
 * read once less than one wait is left, bound the whole body by the
 * deadline whether or not bytes keep arriving. */
static int read_body(const struct server *s, struct mg_connection *conn,
                     unsigned char *buf, size_t cap, size_t *len)
{
	*len = 0;
	long long declared = mg_get_request_info(conn)->content_length;
	if (declared > (long long)(cap - 1)) {
		/* answered at once: a body past what drain() reads could never
		 * be drained, and waiting for it held the answer 10 s */
		if (declared <= DRAIN_LIMIT)
			drain(conn);
		return 413;
	}
	struct timespec start = now_mono();
	while (*len < cap) {
		if (ms_since(start) > s->body_deadline_ms - s->read_wait_ms)
			return 408;
		struct timespec t0 = now_mono();
		int n = mg_read(conn, buf + *len, 1);
		if (n > 0) {
			*len += (size_t)n;
			continue;
		}
		int waited = ms_since(t0) >= s->read_wait_ms / STALL_FRACTION;
		if (n == 0 && (declared < 0 || (long long)*len == declared))
			return 0;
		return waited ? 408 : 400;
	}
	drain(conn);
	return 413;
}

/* Content-Length must be one unambiguous number: two differing values,
 * or one beside Transfer-Encoding, are how request smuggling behind a
 * proxy starts. 0 when fine, else fills res with 400. */
static int check_framing(const struct mg_request_info *ri,
                         struct http_response *res)
{
	const char *first = NULL;
	int te = 0;
	for (int i = 0; i < ri->num_headers && i < MG_MAX_HEADERS; i++) {
		const char *name = ri->http_headers[i].name;
		const char *value = ri->http_headers[i].value;
		if (!name || !value)
			continue;
		if (strcasecmp(name, "Transfer-Encoding") == 0)
			te = 1;
		if (strcasecmp(name, "Content-Length") != 0)
			continue;
		if (!*value || strspn(value, "0123456789") != strlen(value) ||
		    (first && strcmp(first, value) != 0)) {
			http_reply_error(res, 400, "Content-Length must be given once, as a number");
			return -1;
		}
		first = value;
	}
	if (first && te) {
		http_reply_error(res, 400, "a request may carry Content-Length or "
		                           "Transfer-Encoding, not both");
		return -1;
	}
	return 0;
}

/* curl and others send Expect: 100-continue and wait for the go-ahead
 * before the body; civetweb leaves it to begin_request. */
static void continue_if_expected(struct mg_connection *conn,
                                 const struct mg_request_info *ri)
{
	const char *expect = mg_get_header(conn, "Expect");
	if (expect && strcasecmp(expect, "100-continue") == 0 &&
	    ri->http_version && strcmp(ri->http_version, "1.1") == 0 &&
	    ri->content_length != 0)
		mg_write(conn, "HTTP/1.1 100 Continue\r\n\r\n", 25);
}

/* Our own reason phrases: civetweb's logs a warning for 489 (which it does
 * not know) and would answer it "Client Error". */
static const char *reason_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 489: return "Non-Retryable Error";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	}
	return status >= 500 ? "Server Error" : "Client Error";
}

/* The header block is written by hand, not with mg_response_header_*():
 * civetweb refuses those once anything (a 100 Continue) was written.
 * Returns 0 when every byte went out, -1 when the caller was gone. */
static int send_response(struct mg_connection *conn, const char *request_id,
                         const struct http_response *res)
{
	char *out = res->body ? log_json_text(res->body, 0) : NULL, oom[64];
	outcome_envelope_text(oom, sizeof oom, "out of memory");
	const char *body = out ? out : oom;
	size_t len = strlen(body);
	char date[64], extra[512] = "";
	time_t now = time(NULL);
	struct tm tm;
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", gmtime_r(&now, &tm));
	size_t used = 0;
	for (int i = 0; i < res->nheaders && used < sizeof extra; i++)
		used += (size_t)snprintf(extra + used, sizeof extra - used, "%s: %s\r\n",
		                         res->header_name[i], res->header_value[i]);
	int ok = mg_printf(conn, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	                "Content-Length: %zu\r\nX-Request-Id: %s\r\n"
	                "Cache-Control: no-store\r\n%sDate: %s\r\n"
	                "Connection: close\r\n\r\n",
	          res->status, reason_text(res->status), len + 1,
	          request_id, extra, date) > 0;
	if (strcmp(mg_get_request_info(conn)->request_method, "HEAD") != 0) {
		ok = mg_write(conn, body, len) == (int)len && ok;
		ok = mg_write(conn, "\n", 1) == 1 && ok;
	}
	free(out);
	return ok ? 0 : -1;
}

/* The outcome of an answer nobody received, for the log. */
static const char *outcome(const struct http_response *res)
{
	const cJSON *ok = cJSON_GetObjectItemCaseSensitive(res->body, "success");
	const cJSON *dedup = cJSON_GetObjectItemCaseSensitive(res->body, "deduplicated");
	if (cJSON_IsTrue(dedup))
		return "already synced earlier (deduplicated)";
	if (cJSON_IsTrue(ok))
		return "synced and committed";
	return res->status == 503 ? "not run: busy or unavailable" : "failed; nothing applied";
}

static void count_receiving(struct server *s, int delta)
{
	pthread_mutex_lock(&s->mu);
	s->receiving += delta;
	assert(s->receiving >= 0);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Called with s->mu held: conn's header phase is over (its headers
 * arrived, or the connection closed without them). */
static void header_phase_end(struct server *s, const struct mg_connection *conn)
{
	for (int i = 0; i < WORKERS; i++)
		if (s->header_conn[i] == conn)
			s->header_conn[i] = NULL;
}

/* Called with s->mu held: whether a connection accepted before `due`
 * is still sending its headers. */
static int header_phase_before(const struct server *s, struct timespec due)
{
	for (int i = 0; i < WORKERS; i++)
		if (s->header_conn[i] && !reached_at(s->header_since[i], due))
			return 1;
	return 0;
}

static int init_connection(const struct mg_connection *conn, void **data)
{
	struct server *s = mg_get_user_data(mg_get_context(conn));
	*data = NULL;
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < WORKERS; i++)
		if (!s->header_conn[i]) {
			s->header_conn[i] = conn;
			s->header_since[i] = now_mono();
			break;
		}
	pthread_mutex_unlock(&s->mu);
	return 0;
}

/* One request's admission: the route calls admit() (through
 * http_admit) only once it has authorised the caller. */
struct admission {
	struct server *s;
	int admitted;
};

/* Reserves the invocation slot, or refuses while the process is stopping
 * or has already served its one invocation. Only an authorised caller
 * gets here: a stranger never makes the busy answer read the run log. */
static int admit(const struct http_request *req, struct http_response *res)
{
	struct admission *a = req->admit_ctx;
	struct server *s = a->s;
	int ok = 1;
	pthread_mutex_lock(&s->mu);
	if (s->stopping) {
		http_reply_error(res, 503, "this instance is shutting down; retry");
		http_set_retry_after(res, s->cfg->shutdown_grace_s < 5 ? 5
		                          : s->cfg->shutdown_grace_s);
		ok = 0;
	} else if (s->opts.once && s->started > 0) {
		http_reply_error(res, 503, "this instance serves one invocation and is busy; retry");
		ok = -1;
	} else {
		s->started++;
		s->inflight++;
	}
	pthread_mutex_unlock(&s->mu);
	if (ok < 0) /* outside the lock: the estimate reads the run log */
		http_set_retry_after(res, route_sync_retry_after(&s->rctx));
	a->admitted = ok > 0;
	return ok > 0;
}

/* After the route answered: an admitted invocation is counted when its
 * connection closes. A caller refused before admission (401, 405, a
 * malformed body) was no invocation: it neither ends a --once process
 * nor keeps an idle one alive. */
static void settle(struct server *s, struct mg_connection *conn)
{
	pthread_mutex_lock(&s->mu);
	for (int i = 0; i < WORKERS; i++)
		if (!s->invocation_conn[i]) {
			s->invocation_conn[i] = conn;
			break;
		}
	pthread_mutex_unlock(&s->mu);
}

static int unrouted_target(const char *uri);

/* Answers one request into res. Returns 1 when the request's body was
 * left unread (refused before or while reading it), else 0. */
static int handle(struct server *s, struct mg_connection *conn,
                  const char *rid, int invocation, struct http_response *res)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	/* civetweb routes an absolute URL whose host is its own
	 * authentication_domain ("mydomain.com", "www.mydomain.com") and
	 * whose port is the listening one: refused like every other. */
	if (ri->request_uri && unrouted_target(ri->request_uri)) {
		http_reply_error(res, 400, "send the path only (origin-form), not "
		                 "an absolute URL or *");
		drain(conn);
		return 1;
	}
	/* civetweb keeps MG_MAX_HEADERS headers and silently drops the rest
	 * (a Transfer-Encoding or an Authorization past them would go
	 * unseen): a request that fills them all is refused. */
	if (ri->num_headers >= MG_MAX_HEADERS) {
		http_reply_error(res, 431, "too many request headers (at most %d)",
		                 MG_MAX_HEADERS - 1);
		drain(conn);
		return 1;
	}
	if (check_framing(ri, res) != 0)
		return 1;
	unsigned char *body = malloc(HTTP_MAX_BODY + 1);
	size_t len = 0;
	if (body && ri->content_length <= HTTP_MAX_BODY)
		continue_if_expected(conn, ri);
	int rb = body ? read_body(s, conn, body, HTTP_MAX_BODY + 1, &len) : 500;
	if (rb == 500)
		http_reply_error(res, 500, "out of memory");
	else if (rb == 413)
		http_reply_error(res, 413, "request body over %d KiB", HTTP_MAX_BODY / 1024);
	else if (rb == 408)
		http_reply_error(res, 408, "the request body did not arrive in time");
	else if (rb == 400)
		http_reply_error(res, 400, "the request body ended before its declared "
		                           "length, or its chunks are malformed");
	if (rb != 0) {
		free(body);
		return 1;
	}
	struct admission adm = { .s = s };
	struct http_request req = {
		.method = ri->request_method,
		.path = ri->local_uri,
		.query = ri->query_string,
		.request_id = rid,
		.body = body,
		.body_len = len,
		.get_header = header_of,
		.header_src = conn,
		.admit = invocation ? admit : NULL,
		.admit_ctx = &adm,
	};
	routes_dispatch(&s->rctx, &req, res);
	if (adm.admitted)
		settle(s, conn);
	free(body);
	return 0;
}

static int begin_request(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	struct server *s = ri->user_data;
	const char *given = mg_get_header(conn, "Fly-Request-Id");
	char rid[REQUEST_ID_MAX];
	request_id_make(given ? given : mg_get_header(conn, "X-Request-Id"), rid);
	struct timespec t0 = now_mono();
	struct http_response res = { 0 };
	const char *path = ri->local_uri ? ri->local_uri : "";
	int invocation = routes_is_invocation(path);
	/* Counted from the first byte to the answer, so that a signal never
	 * ends the process between reading a body and answering it. */
	pthread_mutex_lock(&s->mu);
	if (invocation)
		s->receiving++;
	header_phase_end(s, conn);
	pthread_mutex_unlock(&s->mu);
	int unread = handle(s, conn, rid, invocation, &res);
	int gone = invocation && http_peer_gone(ri->remote_addr, ri->remote_port,
	                                        ri->server_port);
	gone = send_response(conn, rid, &res) != 0 || gone;
	if (unread)
		http_peer_stop_reading(ri->remote_addr, ri->remote_port,
		                       ri->server_port);
	http_after(&res, rid);
	if (invocation)
		count_receiving(s, -1);
	long ms = ms_since(t0);
	char logged_path[LOGGED_PATH_MAX + 1];
	snprintf(logged_path, sizeof logged_path, "%s", path);
	if (gone)
		log_line(rid, FN_WARN, "HTTP answer not delivered: the caller hung up before it",
		         "method", FN_STR(ri->request_method), "path", FN_STR(logged_path),
		         "delivered", FN_BOOL(0), "status_not_delivered", FN_INT(res.status),
		         "outcome", FN_STR(outcome(&res)), "duration_ms", FN_INT(ms), NULL);
	else
		log_line(rid, res.status >= 500 ? FN_ERROR : FN_INFO, "HTTP request",
		         "method", FN_STR(ri->request_method), "path", FN_STR(logged_path),
		         "status", FN_INT(res.status), "duration_ms", FN_INT(ms), NULL);
	http_response_free(&res);
	return res.status > 0 && res.status < 1000 ? res.status : 500;
}

/* The targets civetweb parses but leaves unanswered: "*" and absolute
 * URLs of the schemes it knows. Any other odd target it answers 400
 * itself, and must not get a second answer. */
static int unrouted_target(const char *uri)
{
	static const char *const schemes[] = { "http://", "https://", "ws://", "wss://" };
	if (strcmp(uri, "*") == 0)
		return 1;
	for (size_t i = 0; i < sizeof schemes / sizeof schemes[0]; i++)
		if (strncasecmp(uri, schemes[i], strlen(schemes[i])) == 0)
			return 1;
	return 0;
}

/* civetweb 1.15 never calls begin_request for a request line whose
 * target is "*" (OPTIONS *) or an absolute URL: it parses it and closes
 * the connection. Its socket is still open when connection_close runs
 * (connection_closed comes after the close), so such a request is
 * answered and logged here. */
static void answer_unrouted(struct mg_connection *conn)
{
	const struct mg_request_info *ri = mg_get_request_info(conn);
	if (!ri->request_method || !ri->request_uri || ri->local_uri)
		return;
	char rid[REQUEST_ID_MAX];
	request_id_make(NULL, rid);
	char target[LOGGED_PATH_MAX + 1];
	snprintf(target, sizeof target, "%s", ri->request_uri);
	if (!unrouted_target(ri->request_uri)) {
		log_line(rid, FN_INFO, "HTTP request refused by civetweb", "method",
		         FN_STR(ri->request_method), "target", FN_STR(target), "status",
		         FN_INT(400), NULL);
		return;
	}
	int options = strcmp(ri->request_method, "OPTIONS") == 0 &&
	              strcmp(ri->request_uri, "*") == 0;
	char msg[96] = "";
	if (!options) {
		outcome_envelope_text(msg, sizeof msg - 1, "send the path only "
		                      "(origin-form), not an absolute URL or *");
		strcat(msg, "\n");
	}
	mg_printf(conn, "HTTP/1.1 %s\r\nContent-Type: application/json\r\n"
	                "Content-Length: %zu\r\nX-Request-Id: %s\r\n%s"
	                "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
	          options ? "200 OK" : "400 Bad Request", strlen(msg), rid,
	          options ? "Allow: GET, HEAD, POST\r\n" : "");
	if (strcmp(ri->request_method, "HEAD") != 0)
		mg_write(conn, msg, strlen(msg));
	log_line(rid, FN_INFO, "HTTP request", "method", FN_STR(ri->request_method),
	         "target", FN_STR(target), "status", FN_INT(options ? 200 : 400),
	         "duration_ms", FN_INT(0), NULL);
}

/* Every error civetweb answers on its own (a malformed request line, an
 * unknown HTTP version, headers over its buffer ...) gets our fixed text:
 * civetweb's own page echoes the request's version and runs to ~300
 * bytes. Nothing of the request is quoted or logged but the status. */
static int on_http_error(struct mg_connection *conn, int status,
                         const char *errmsg)
{
	(void)errmsg; /* it may quote the request */
	char rid[REQUEST_ID_MAX];
	request_id_make(NULL, rid);
	if (status < 400 || status > 599)
		status = 400;
	char why[96], body[160];
	snprintf(why, sizeof why, "%s (refused by the HTTP server before "
	         "routing)", reason_text(status));
	int n = outcome_envelope_text(body, sizeof body - 1, why);
	n = n < 0 ? 0 : n > (int)sizeof body - 2 ? (int)sizeof body - 2 : n;
	body[n++] = '\n';
	body[n] = '\0';
	mg_printf(conn, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
	                "Content-Length: %d\r\nX-Request-Id: %s\r\n"
	                "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
	          status, reason_text(status), n, rid);
	mg_write(conn, body, (size_t)n);
	log_line(rid, FN_INFO, "HTTP request refused by civetweb", "status",
	         FN_INT(status), NULL);
	return 0;
}

static void connection_close(const struct mg_connection *conn)
{
	/* The callback is handed a const pointer, but the connection is
	 * civetweb's worker's own and its socket still open. */
	answer_unrouted((struct mg_connection *)(uintptr_t)conn);
}

static void connection_closed(const struct mg_connection *conn)
{
	struct server *s = mg_get_user_data(mg_get_context(conn));
	pthread_mutex_lock(&s->mu);
	header_phase_end(s, conn);
	for (int i = 0; i < WORKERS; i++) {
		if (s->invocation_conn[i] != conn)
			continue;
		s->invocation_conn[i] = NULL;
		s->inflight--;
		assert(s->inflight >= 0);
		s->answered++;
		s->last_activity = now_mono();
		pthread_cond_broadcast(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
}

static int log_message(const struct mg_connection *conn, const char *message)
{
	(void)conn;
	log_line(NULL, FN_WARN, "HTTP server", "message", FN_STR(message), NULL);
	return 1;
}

static void on_signal(void *ctx, int signo)
{
	struct server *s = ctx;
	/* Logged before the main thread can see `stopping`: it may _exit at
	 * once (nothing in flight), and the line used to be lost then. */
	log_line(NULL, FN_INFO, "Shutting down", "signal",
	         FN_STR(signo == SIGTERM ? "SIGTERM" : "SIGINT"), "grace_s",
	         FN_INT(s->cfg->shutdown_grace_s), NULL);
	pthread_mutex_lock(&s->mu);
	/* A second signal means "now": cancel the in-flight sync at once. */
	s->stop_deadline = s->stopping ? now_mono() : plus(now_mono(), s->cfg->shutdown_grace_s);
	s->stopping = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* The main thread's wait: returns the exit status once the process
 * should end. Called with s->mu held. */
static int wait_for_end(struct server *s)
{
	assert(pthread_mutex_trylock(&s->mu) == EBUSY);
	for (;;) {
		if (s->opts.once && s->answered > 0 && s->inflight == 0)
			return 0;
		if (s->stopping && s->inflight == 0 && s->receiving == 0)
			return 0;
		if (s->stopping && reached(s->stop_deadline) && !s->cancel) {
			s->cancel = 1;
			log_line(NULL, FN_WARN, "Grace period over: cancelling the running invocation",
			         NULL);
		}
		if (s->stopping && reached(plus(s->stop_deadline, HARD_STOP_AFTER_CANCEL_S))) {
			log_line(NULL, FN_ERROR, "Invocation did not stop after cancel; exiting", NULL);
			return 1;
		}
		/* A request counts from its first byte: one whose body still
		 * arrives is receiving, one whose headers still arrive holds
		 * the exit if it was accepted before the exit was due. */
		struct timespec idle_due = plus(s->last_activity, s->opts.idle_exit_s);
		if (s->opts.idle_exit_s > 0 && s->inflight == 0 &&
		    s->receiving == 0 && reached(idle_due) &&
		    !header_phase_before(s, idle_due)) {
			log_line(NULL, FN_INFO, "Idle: exiting", "idle_exit_s",
			         FN_INT(s->opts.idle_exit_s), NULL);
			return 0;
		}
		struct timespec wake = plus(now_mono(), 1);
		pthread_cond_timedwait(&s->cv, &s->mu, &wake);
	}
}

static struct mg_context *start_civetweb(struct server *s, int port)
{
	char listen[32], read_wait[16];
	snprintf(listen, sizeof listen, "0.0.0.0:%d", port);
	snprintf(read_wait, sizeof read_wait, "%d", s->read_wait_ms);
	const char *options[] = {
		"listening_ports", listen,
		/* Many workers: idle or trickling connections (a proxy's
		 * pre-connect, a TCP check, a slowloris) must not hold them
		 * all. */
		"num_threads", STRINGIFY(WORKERS),
		"request_timeout_ms", read_wait,
		"enable_keep_alive", "no",
		NULL,
	};
	/* Each worker mallocs its request buffer as it starts, and glibc
	 * gives each of the first 8 per core a malloc arena of its own (a
	 * 64 MiB reservation, trimmed, and its first pages touched): about a
	 * fifth of the CPU the 64 workers take as they start, beside a cold
	 * start's first request. One request at a time does real work here,
	 * so the contention that arenas avoid does not arise. */
	mallopt(M_ARENA_MAX, 1);
	struct mg_callbacks cb = { 0 };
	cb.init_connection = init_connection;
	cb.begin_request = begin_request;
	cb.connection_close = connection_close;
	cb.connection_closed = connection_closed;
	cb.log_message = log_message;
	cb.http_error = on_http_error;
	/* civetweb starts the workers before the thread that accepts: held
	 * back, they start once it is accepting, and the first request is
	 * served by the first of them while the others start. */
	thread_defer_begin(&s->workers, WORKERS);
	struct mg_context *ctx = mg_start(&cb, s, options);
	thread_defer_end();
	return ctx;
}

/* 0 when at least one worker started (civetweb then serves with those
 * that did, as it would have itself). */
static int start_workers(struct server *s)
{
	char err[128];
	int held = s->workers.n;
	int failed = thread_defer_start(&s->workers, err, sizeof err);
	if (failed == 0)
		return 0;
	log_line(NULL, failed == held ? FN_ERROR : FN_WARN,
	         failed == held ? "Could not start" : "Fewer HTTP workers",
	         "error", FN_STR(err), "workers", FN_INT(held - failed), NULL);
	return failed == held ? -1 : 0;
}

int http_server_run(const struct config *cfg, const struct serve_opts *opts)
{
	struct server *s = calloc(1, sizeof *s);
	if (!s)
		return 1;
	s->cfg = cfg;
	s->opts = *opts;
	s->rctx.cfg = cfg;
	s->rctx.cancel = &s->cancel;
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cv, &ca);
	pthread_mutex_init(&s->mu, NULL);
	s->last_activity = now_mono();
	s->body_deadline_ms = BODY_DEADLINE_MS;
	s->read_wait_ms = READ_WAIT_MS;
	if (cfg->test_body_deadline_ms > 0) {
		/* Tests only: the same rules, on a shorter clock. */
		s->body_deadline_ms = cfg->test_body_deadline_ms;
		s->read_wait_ms = cfg->test_body_deadline_ms / 3 > 0
		                          ? cfg->test_body_deadline_ms / 3 : 1;
	}
	char err[256];
	if (signals_start(on_signal, s, err, sizeof err) != 0) {
		log_line(NULL, FN_ERROR, "Could not start", "error", FN_STR(err), NULL);
		return 1;
	}
	int port = opts->port > 0 ? opts->port : cfg->port;
	mg_init_library(0);
	if (!start_civetweb(s, port)) {
		log_line(NULL, FN_ERROR, "Could not start",
		         "error", FN_STR("cannot listen on 0.0.0.0 at the port (in use, or not "
		                         "permitted): set PORT or --port to a free one"),
		         "port", FN_INT(port), NULL);
		return 1;
	}
	if (start_workers(s) != 0)
		return 1;
	/* app_url: the base URL QStash's sub is checked against, and from
	 * which variable (APP_URL, NEXT_PUBLIC_APP_URL or FLY_APP_NAME) */
	log_line(NULL, FN_INFO, "Listening", "address", FN_STR("0.0.0.0"), "port",
	         FN_INT(port), "once", FN_BOOL(opts->once), "idle_exit_s",
	         FN_INT(opts->idle_exit_s), "version", FN_STR(SYNCFN_VERSION),
	         "app_url", FN_STR(cfg->app_url), "app_url_from",
	         FN_STR(cfg->app_url_var), NULL);
	pthread_mutex_lock(&s->mu);
	int status = wait_for_end(s);
	pthread_mutex_unlock(&s->mu);
	_exit(status);
}
