/* harness.h - a small unit-test harness in the style of libuv's runner.
 *
 * A test file defines cases with TEST(name) { ... } and ends with
 * TEST_MAIN(CASE(name1) CASE(name2) ...). The program lists its cases with
 * `--list` and runs one with `<name>`, so tests/run can start every case in
 * its own process, with its own timeout, and count it. Checks print the
 * file, line and both values, and stay on in every build.
 */
#ifndef SYNCFN_TEST_HARNESS_H
#define SYNCFN_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int harness_failures;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n",         \
			        __FILE__, __LINE__, #cond);                  \
			harness_failures++;                                  \
		}                                                            \
	} while (0)

#define CHECK_INT(a, b)                                                      \
	do {                                                                 \
		long long va_ = (long long)(a), vb_ = (long long)(b);        \
		if (va_ != vb_) {                                            \
			fprintf(stderr, "%s:%d: %s == %s: %lld != %lld\n",   \
			        __FILE__, __LINE__, #a, #b, va_, vb_);       \
			harness_failures++;                                  \
		}                                                            \
	} while (0)

#define CHECK_STR(a, b)                                                      \
	do {                                                                 \
		const char *sa_ = (a), *sb_ = (b);                           \
		if (!sa_ || !sb_ || strcmp(sa_, sb_) != 0) {                 \
			fprintf(stderr, "%s:%d: %s == %s: \"%s\" != \"%s\"\n", \
			        __FILE__, __LINE__, #a, #b,                  \
			        sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)"); \
			harness_failures++;                                  \
		}                                                            \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                          \
	do {                                                                 \
		const char *h_ = (hay), *n_ = (needle);                      \
		if (!h_ || !strstr(h_, n_)) {                                \
			fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
			        __FILE__, __LINE__, h_ ? h_ : "(null)", n_); \
			harness_failures++;                                  \
		}                                                            \
	} while (0)

#define TEST(name) static void test_##name(void)

/* A request's header lookup over src, a NULL-terminated array of name,
 * value pairs (struct http_request's get_header and header_src). */
static inline const char *harness_header(const void *src, const char *name)
{
	for (const char *const *h = src; h && *h; h += 2)
		if (strcasecmp(h[0], name) == 0)
			return h[1];
	return NULL;
}

struct harness_case {
	const char *name;
	void (*fn)(void);
};

static int harness_main(int argc, char **argv, const struct harness_case *c,
                        size_t n)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", c[i].name);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (argc == 2 && strcmp(argv[1], c[i].name) != 0)
			continue;
		c[i].fn();
		if (argc == 2)
			return harness_failures ? 1 : 0;
	}
	if (argc == 2) {
		fprintf(stderr, "no test named %s\n", argv[1]);
		return 2;
	}
	return harness_failures ? 1 : 0;
}

#define CASE(name) { #name, test_##name },
#define TEST_MAIN(...)                                                       \
	int main(int argc, char **argv)                                      \
	{                                                                    \
		static const struct harness_case cases[] = { __VA_ARGS__ };  \
		return harness_main(argc, argv, cases,                       \
		                    sizeof cases / sizeof cases[0]);         \
	}

#endif
