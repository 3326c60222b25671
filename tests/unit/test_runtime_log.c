/* Log redaction: secrets and URL passwords never survive. */
#include <string.h>

#include "harness.h"
#include "log.h"

static void setup(void)
{
	static const char *const secrets[] = { "sig_CURRENTKEY123", "tok-abcdef", "pw" };
	log_setup(LOG_JSON, secrets, 3);
}

TEST(secrets_are_replaced)
{
	setup();
	char s[256] = "key sig_CURRENTKEY123 and tok-abcdef twice tok-abcdef";
	log_redact(s, sizeof s);
	CHECK_STR(s, "key [REDACTED] and [REDACTED] twice [REDACTED]");
}

TEST(short_secrets_are_not_used_as_patterns)
{
	setup();
	char s[64] = "password pw";
	log_redact(s, sizeof s);
	CHECK_STR(s, "password pw");
}

TEST(url_passwords_are_replaced)
{
	setup();
	char s[256] = "could not connect to postgresql://app:hunter2@db:5432/x and "
	              "https://u:p%40ss@h/";
	log_redact(s, sizeof s);
	CHECK_STR(s, "could not connect to postgresql://app:[REDACTED]@db:5432/x and "
	             "https://u:[REDACTED]@h/");
	char t[64] = "http://host:8080/path and ://:x";
	log_redact(t, sizeof t);
	CHECK_STR(t, "http://host:8080/path and ://:x");
}

TEST(redaction_respects_capacity)
{
	static const char *const secrets[] = { "abcd" };
	log_setup(LOG_JSON, secrets, 1);
	char s[16] = "abcdabcdabcd";
	log_redact(s, sizeof s);
	CHECK(strlen(s) < sizeof s);
	CHECK(strstr(s, "abcd") == NULL);
}

TEST_MAIN(CASE(secrets_are_replaced) CASE(short_secrets_are_not_used_as_patterns)
          CASE(url_passwords_are_replaced) CASE(redaction_respects_capacity))
