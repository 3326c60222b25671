/* route_call.h - one request through routes_dispatch, for the unit tests
 * of the routes (no server, no socket). */
#ifndef SYNCFN_TEST_ROUTE_CALL_H
#define SYNCFN_TEST_ROUTE_CALL_H

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "routes.h"

/* Dispatches METHOD PATH with headers hdrs (name, value, ..., NULL) and
 * body (or NULL); the answer's JSON into out, its Retry-After into retry
 * ("" when none; retry may be NULL). Returns the status. */
static inline int route_call(const struct config *cfg, const char *method,
                             const char *path, const char *const *hdrs,
                             const char *body, char *out, size_t outlen,
                             char *retry, size_t retrylen)
{
	struct route_ctx ctx = { .cfg = cfg };
	struct http_request req = { .method = method, .path = path, .request_id = "t",
	                            .body = (const unsigned char *)body,
	                            .body_len = body ? strlen(body) : 0,
	                            .get_header = harness_header,
	                            .header_src = hdrs };
	struct http_response res = { 0 };
	routes_dispatch(&ctx, &req, &res);
	char *text = cJSON_PrintUnformatted(res.body);
	snprintf(out, outlen, "%s", text ? text : "");
	cJSON_free(text);
	if (retry)
		retry[0] = '\0';
	for (int i = 0; retry && i < res.nheaders; i++)
		if (strcmp(res.header_name[i], "Retry-After") == 0)
			snprintf(retry, retrylen, "%s", res.header_value[i]);
	http_response_free(&res);
	return res.status;
}

#endif
