/* http.c - one request and its answer (http.h). */
#include "http.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>

#include "outcome.h"

const char *http_header(const struct http_request *req, const char *name)
{
	return req->get_header ? req->get_header(req->header_src, name) : NULL;
}

void http_reply(struct http_response *res, int status, cJSON *body)
{
	cJSON_Delete(res->body);
	res->status = status;
	res->body = body;
}

void http_reply_error(struct http_response *res, int status, const char *fmt,
                      ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	http_reply(res, status, outcome_envelope(msg, NULL));
}

void http_add_header(struct http_response *res, const char *name,
                     const char *value)
{
	if (res->nheaders >= HTTP_MAX_HEADERS_OUT)
		return;
	res->header_name[res->nheaders] = name;
	res->header_value[res->nheaders++] = value;
}

void http_set_retry_after(struct http_response *res, int seconds)
{
	if (res->retry_after[0])
		return;
	if (seconds < 1)
		seconds = 1;
	if (seconds > 86400)
		seconds = 86400;
	snprintf(res->retry_after, sizeof res->retry_after, "%d", seconds);
	http_add_header(res, "Retry-After", res->retry_after);
}

int http_admit(const struct http_request *req, struct http_response *res)
{
	return !req->admit || req->admit(req, res);
}

void http_after(const struct http_response *res, const char *request_id)
{
	if (res->after)
		res->after(res->after_ctx, request_id);
}

void http_response_free(struct http_response *res)
{
	cJSON_Delete(res->body);
	res->body = NULL;
}
