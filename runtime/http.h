/* http.h - one request and its answer, independent of civetweb, so the
 * routes can be tested without a socket.
 *
 * Every answer is JSON. Errors are {"success": false, "error": "<one
 * line>", "timestamp": "..."} (README.md, "Responses").
 */
#ifndef SYNCFN_HTTP_H
#define SYNCFN_HTTP_H

#include <stddef.h>


struct cJSON;

#define HTTP_MAX_BODY (64 * 1024)
#define HTTP_MAX_HEADERS_OUT 4

struct http_response;

struct http_request {
	const char *method;
	const char *path;
	const char *query;        /* without '?', or NULL */
	const char *request_id;
	const unsigned char *body; /* the exact bytes received, de-chunked */
	size_t body_len;
	/* Case-insensitive header lookup; NULL when absent. */
	const char *(*get_header)(const void *src, const char *name);
	const void *header_src;
	/* Set by the server on an invocation route: reserves the process's
	 * invocation slot, called by the route once it has authorised the
	 * caller (so an unauthenticated call costs no database
	 * work); 0 when refused, res then holding the 503. NULL: no limit. */
	int (*admit)(const struct http_request *req, struct http_response *res);
	void *admit_ctx;
};

struct http_response {
	int status;
	struct cJSON *body; /* owned by the response */
	int nheaders;
	const char *header_name[HTTP_MAX_HEADERS_OUT]; /* static strings */
	const char *header_value[HTTP_MAX_HEADERS_OUT];
	char retry_after[16]; /* storage for the Retry-After value */
	/* Work that must not delay the answer (the heartbeat): called with
	 * after_ctx and the request id once the answer has been sent, before
	 * the connection closes (so a --once process waits for it). NULL:
	 * none. after_ctx must outlive the request. */
	void (*after)(const void *ctx, const char *request_id);
	const void *after_ctx;
};


const char *http_header(const struct http_request *req, const char *name);

/* Sets status and takes ownership of body. */
void http_reply(struct http_response *res, int status, struct cJSON *body);

/* An error answer with a one-line message. */
void http_reply_error(struct http_response *res, int status, const char *fmt,
                      ...) __attribute__((format(printf, 3, 4)));

/* Adds a response header; name and value must be static strings. */
void http_add_header(struct http_response *res, const char *name,
                     const char *value);

/* Adds Retry-After: seconds (clamped to 1..86400), as QStash honours it. */
void http_set_retry_after(struct http_response *res, int seconds);

/* Called by an invocation route once the caller is authorised (the
 * request's admit hook): 1 when the process admits the invocation, else
 * 0 with res filled (503). */
int http_admit(const struct http_request *req, struct http_response *res);

/* Runs res->after, if any (the server calls it after sending). */
void http_after(const struct http_response *res, const char *request_id);

void http_response_free(struct http_response *res);

#endif
