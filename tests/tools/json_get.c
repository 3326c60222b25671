/* json_get - the tests' fast path for one JSON value (common.sh's
 * json_value and assert_json), so that an assertion costs a millisecond,
 * not a Python start (40 ms, several hundred times per run).
 *
 *   json_get EXPR < JSON
 *
 * EXPR is the Python expression the tests write: j followed by subscripts,
 * j["key"] or j[3] or j[-1], optionally inside len(...). The value is
 * printed as assert_json's Python prints it: a string as it is, true,
 * false, null, an integer. Exit 0 with the value; 1 when the input is not
 * JSON or the path is not in it (the message on stderr); 2 when EXPR or
 * the value is beyond this tool (other expressions, floats, arrays and
 * objects): the caller then asks Python. */
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INPUT_MAX (64u << 20)

static char *read_all(FILE *f)
{
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		len += fread(buf + len, 1, cap - len - 1, f);
		if (len < cap - 1 || cap >= INPUT_MAX)
			break;
		char *grown = realloc(buf, cap * 2);
		if (!grown)
			free(buf);
		buf = grown;
		cap *= 2;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* One subscript at *p: ["key"] (no escapes) or [integer]. */
static int subscript(const char **p, const cJSON **v)
{
	const char *s = *p;
	if (*s++ != '[')
		return 2;
	if (*s == '"') {
		const char *end = strchr(++s, '"');
		if (!end || end[1] != ']' || memchr(s, '\\', (size_t)(end - s)))
			return 2;
		char key[256];
		size_t n = (size_t)(end - s);
		if (n >= sizeof key)
			return 2;
		memcpy(key, s, n);
		key[n] = '\0';
		if (!cJSON_IsObject(*v) ||
		    !(*v = cJSON_GetObjectItemCaseSensitive(*v, key)))
			return 1;
		*p = end + 2;
		return 0;
	}
	char *end;
	long i = strtol(s, &end, 10);
	if (end == s || *end != ']')
		return 2;
	int n = cJSON_GetArraySize(*v);
	if (!cJSON_IsArray(*v) || i >= n || i < -n)
		return 1;
	*v = cJSON_GetArrayItem(*v, (int)(i < 0 ? n + i : i));
	*p = end + 1;
	return 0;
}

static int print_value(const cJSON *v)
{
	if (cJSON_IsString(v))
		printf("%s\n", v->valuestring);
	else if (cJSON_IsBool(v))
		printf("%s\n", cJSON_IsTrue(v) ? "true" : "false");
	else if (cJSON_IsNull(v))
		printf("null\n");
	else if (cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
	         fabs(v->valuedouble) < 9007199254740992.0)
		printf("%lld\n", (long long)v->valuedouble);
	else
		return 2;
	return 0;
}

static int ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	const char *e = argv[1];
	size_t elen = strlen(e);
	int len = strncmp(e, "len(", 4) == 0 && elen > 5 && e[elen - 1] == ')';
	char expr[1024];
	if (elen >= sizeof expr)
		return 2;
	strcpy(expr, len ? e + 4 : e);
	if (len)
		expr[strlen(expr) - 1] = '\0';
	if (expr[0] != 'j')
		return 2;
	char *in = read_all(stdin);
	cJSON *root = in ? cJSON_Parse(in) : NULL;
	free(in);
	if (!root) {
		fprintf(stderr, "json_get: input is not JSON\n");
		return 1;
	}
	const cJSON *v = root;
	const char *p = expr + 1;
	int rc = 0;
	while (rc == 0 && *p)
		rc = subscript(&p, &v);
	if (rc == 1)
		fprintf(stderr, "json_get: %s is not in the input\n", expr);
	else if (rc == 0 && len && (cJSON_IsArray(v) || cJSON_IsObject(v)))
		printf("%d\n", cJSON_GetArraySize(v));
	else if (rc == 0 && len && cJSON_IsString(v) && ascii(v->valuestring))
		printf("%zu\n", strlen(v->valuestring));
	else if (rc == 0)
		rc = len ? 2 : print_value(v);
	cJSON_Delete(root);
	return rc;
}
