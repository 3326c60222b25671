/* test_runtime_json_guard.c - network JSON parsed with a bounded depth,
 * run on a thread with a civetweb worker's stack. */
#include <cjson/cJSON.h>
#include <pthread.h>

#include "harness.h"
#include "json_guard.h"

/* Debian's civetweb 1.15 gives each worker 100 KiB (USE_STACK_SIZE). */
#define WORKER_STACK 102400

static char *nested(char open, char close, int depth)
{
	char *s = malloc((size_t)depth * 2 + 1);
	memset(s, open, (size_t)depth);
	memset(s + depth, close, (size_t)depth);
	s[depth * 2] = '\0';
	return s;
}

static void *parse_deep(void *arg)
{
	(void)arg;
	const char *why = NULL;
	char *deep = nested('[', ']', 100000);
	CHECK(json_guard_parse(deep, strlen(deep), &why) == NULL);
	CHECK_STR(why, "nests deeper than 8 levels");
	free(deep);
	return NULL;
}

TEST(deep_input_is_refused_on_a_worker_stack)
{
	pthread_attr_t a;
	pthread_t t;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, WORKER_STACK);
	CHECK_INT(pthread_create(&t, &a, parse_deep, NULL), 0);
	pthread_join(t, NULL);
	pthread_attr_destroy(&a);
}

TEST(depth_counts_outside_strings_only)
{
	CHECK(json_guard_depth_ok("[[[[[[[[1]]]]]]]]", 17, 8));
	CHECK(!json_guard_depth_ok("[[[[[[[[[1]]]]]]]]]", 19, 8));
	const char *s = "{\"a\":\"[[[[[[[[[[[[\\\"[[[[\"}";
	CHECK(json_guard_depth_ok(s, strlen(s), 1));
	CHECK(!json_guard_depth_ok("{\"a\":{", 6, 1));
}

TEST(duplicates_nul_and_trailing_text)
{
	const char *why = NULL;
	const char *dup = "{\"sub\":\"a\",\"sub\":\"b\"}";
	CHECK(json_guard_parse(dup, strlen(dup), &why) == NULL);
	CHECK_STR(why, "repeats a key");
	const char *nul = "{\"sub\":\"a\\u0000b\"}";
	CHECK(json_guard_parse(nul, strlen(nul), &why) == NULL);
	CHECK_STR(why, "holds a \\u0000 escape");
	/* An escaped backslash before "u0000" is text, not an escape. */
	const char *text = "{\"sub\":\"a\\\\u0000b\"}";
	cJSON *j = json_guard_parse(text, strlen(text), &why);
	CHECK(j != NULL);
	cJSON_Delete(j);
	CHECK(json_guard_parse("{} x", 4, &why) == NULL);
	CHECK_STR(why, "is not valid JSON");
	CHECK(json_guard_parse("{\"a\":1}\0", 8, &why) == NULL);
	j = json_guard_parse("{\"action\":\"list\"}\n", 18, &why);
	CHECK(j != NULL);
	cJSON_Delete(j);
}

TEST_MAIN(CASE(deep_input_is_refused_on_a_worker_stack) CASE(depth_counts_outside_strings_only)
          CASE(duplicates_nul_and_trailing_text))
