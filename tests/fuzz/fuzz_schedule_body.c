/* fuzz_schedule_body.c - libFuzzer harness for the body parser of POST
 * /api/background/sync/schedule: the input is the body, handed to the
 * real route (route_schedule) with a valid admin token, on a thread with
 * a civetweb worker's stack (worker_stack.h). QSTASH_TOKEN is not set, so
 * a body that parses is answered 503 without any network call. Each answer
 * is printed the way the server prints it (log_json_text).
 *
 * Beyond the sanitizers it checks: the status is 400 or 503, and a 400
 * never carries more than one line of error.
 */
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "log.h"
#include "routes.h"
#include "worker_stack.h"

#define FUZZ_ADMIN "fuzz-admin-token-0123456789"

static const char *fuzz_env(const char *name)
{
	return strcmp(name, "SYNC_ADMIN_TOKEN") == 0 ? FUZZ_ADMIN : NULL;
}

static const char *fuzz_header(const void *src, const char *name)
{
	(void)src;
	return strcmp(name, "Authorization") == 0 ? "Bearer " FUZZ_ADMIN : NULL;
}

struct call {
	const struct route_ctx *ctx;
	const unsigned char *body;
	size_t len;
	int status;
};

static void *route_on_thread(void *arg)
{
	struct call *c = arg;
	struct http_request req = {
		.method = "POST",
		.path = SCHEDULE_ROUTE,
		.request_id = "fuzz",
		.body = c->body,
		.body_len = c->len,
		.get_header = fuzz_header,
	};
	struct http_response res = { 0 };
	route_schedule(c->ctx, &req, &res);
	char *out = log_json_text(res.body, 0);
	if (!out || strchr(out, '\n'))
		abort();
	free(out);
	c->status = res.status;
	http_response_free(&res);
	return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config cfg;
	static atomic_int cancel;
	static int loaded;
	if (!loaded) {
		config_load(&cfg, fuzz_env, 0);
		log_setup(LOG_JSON, NULL, 0);
		loaded = 1;
	}
	struct route_ctx ctx = { .cfg = &cfg, .cancel = &cancel };
	/* A copy of exactly size bytes, so reading past it is caught. */
	unsigned char *copy = malloc(size ? size : 1);
	if (!copy)
		abort();
	memcpy(copy, data, size);
	struct call c = { .ctx = &ctx, .body = copy, .len = size };
	on_worker_stack(route_on_thread, &c);
	if (c.status != 400 && c.status != 503)
		abort();
	free(copy);
	return 0;
}
