/* fn_log.h - the logger a function is handed by its caller.
 *
 * function/ never prints. Every step it wants a person to see goes through
 * a struct fn_logger that the runtime builds per invocation; the runtime
 * decides the format (text or JSON lines), adds time and request id, and
 * redacts secrets. A NULL logger, or a NULL emit, silences everything,
 * which is what unit tests usually want.
 *
 *   fn_log(lg, FN_INFO, "Inserting new records",
 *          "table", FN_STR("public.users"), "rows", FN_INT(12), NULL);
 *
 * Fields are (key, value) pairs closed by a NULL key. Values are built with
 * FN_STR, FN_INT, FN_BOOL or FN_JSON (a cJSON item the logger only reads).
 */
#ifndef SYNCFN_FN_LOG_H
#define SYNCFN_FN_LOG_H

#include <stdarg.h>
#include <stddef.h>

struct cJSON;

enum fn_level { FN_DEBUG = 0, FN_INFO = 1, FN_WARN = 2, FN_ERROR = 3 };

struct fn_logger {
	/* fields: a cJSON object, owned by the caller, never NULL. */
	void (*emit)(void *ctx, enum fn_level level, const char *event,
	             const struct cJSON *fields);
	void *ctx;
};

enum fn_value_kind { FN_V_STR, FN_V_INT, FN_V_BOOL, FN_V_JSON };

struct fn_value {
	enum fn_value_kind kind;
	const char *s;
	long long i;
	const struct cJSON *j;
};

#define FN_STR(x)  ((struct fn_value){ .kind = FN_V_STR, .s = (x) })
#define FN_INT(x)  ((struct fn_value){ .kind = FN_V_INT, .i = (long long)(x) })
#define FN_BOOL(x) ((struct fn_value){ .kind = FN_V_BOOL, .i = !!(x) })
#define FN_JSON(x) ((struct fn_value){ .kind = FN_V_JSON, .j = (x) })

/* Emits one event. Arguments after event: const char *key, struct fn_value
 * value, ..., NULL. A NULL string value is logged as JSON null. */
void fn_log(const struct fn_logger *lg, enum fn_level level,
            const char *event, ...);

/* Builds the fields object from the (key, value) ..., NULL arguments of
 * fn_log(); for callers that take the same arguments. NULL if out of
 * memory. */
struct cJSON *fn_fields(va_list *ap);

/* Writes a printf-style message into a caller's buffer, always
 * NUL-terminated, truncated if it must be; returns buf for convenience.
 * This is how every function in function/ reports its one error. */
char *fn_err(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Writes the current UTC time as "2024-01-15T10:30:00.000Z" (the
 * timestamp of every answer and log line) into out. */
void fn_iso_time(char out[32]);

#endif
