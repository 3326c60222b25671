/* engines.c - finds and loads the engines' shared objects (engines.h). */
#include "engines.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_abi.h"
#include "fn_log.h"

/* dlopen() is idempotent and thread-safe: a second call returns the same
 * handle, so no state of ours needs to remember what was loaded. */
static void *open_engine(const char *file, char *err, size_t errlen)
{
	char exe[PATH_MAX], path[PATH_MAX + 64];
	const char *dirs[3] = { getenv("SYNCFN_LIBDIR"), NULL, NULL };
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char libdir[PATH_MAX + 16];
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash)
			*slash = '\0';
		dirs[1] = exe;
		snprintf(libdir, sizeof libdir, "%s/../lib/syncfn", exe);
		dirs[2] = libdir;
	}
	const char *last = "not found";
	for (size_t i = 0; i < 3; i++) {
		if (!dirs[i] || !*dirs[i])
			continue;
		snprintf(path, sizeof path, "%s/%s", dirs[i], file);
		if (access(path, R_OK) != 0)
			continue;
		void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
		if (h)
			return h;
		last = dlerror();
		fn_err(err, errlen, "cannot load %s: %s", path, last);
		return NULL;
	}
	fn_err(err, errlen,
	       "cannot find %s next to the syncfn binary, in ../lib/syncfn, or in "
	       "$SYNCFN_LIBDIR (reinstall syncfn: `make install` copies it)",
	       file);
	return NULL;
}

/* 0 when the engine h was built for this runtime's interface. */
static int check_abi(void *h, const char *file, char *err, size_t errlen)
{
	static const struct engine_abi want = ENGINE_ABI_INIT;
	const struct engine_abi *got = dlsym(h, "syncfn_engine_abi");
	if (!got) {
		fn_err(err, errlen,
		       "%s was built for an older syncfn (it has no interface "
		       "version): reinstall syncfn and its engines together",
		       file);
		return -1;
	}
	if (memcmp(got, &want, sizeof want) != 0) {
		fn_err(err, errlen,
		       "%s was built for engine interface %u, this syncfn needs %u "
		       "(or the same version with other struct sizes): reinstall "
		       "syncfn and its engines together (`make install`)",
		       file, got->version, want.version);
		return -1;
	}
	return 0;
}

static void *engine_symbol(const char *file, const char *name, char *err,
                           size_t errlen)
{
	void *h = open_engine(file, err, errlen);
	if (!h || check_abi(h, file, err, errlen) != 0)
		return NULL;
	void *sym = dlsym(h, name);
	if (!sym)
		fn_err(err, errlen, "%s has no %s: it does not match this syncfn binary",
		       file, name);
	return sym;
}

/* POSIX guarantees that a data pointer from dlsym() converts to a function
 * pointer; the union says so without a cast ISO C frowns upon. */
#define ENGINE_FN(type, file, name)                                       \
	type *engines_##name(char *err, size_t errlen)                    \
	{                                                                 \
		union { void *p; type *f; } u;                            \
		u.p = engine_symbol(file, #name, err, errlen);            \
		return u.f;                                               \
	}

ENGINE_FN(sync_run_fn, "syncfn-sync.so", sync_run)
ENGINE_FN(sync_runs_fn, "syncfn-sync.so", sync_runs)
ENGINE_FN(sync_summary_fn, "syncfn-sync.so", sync_summary)
ENGINE_FN(sync_check_fn, "syncfn-sync.so", sync_check)
ENGINE_FN(sync_retry_after_fn, "syncfn-sync.so", sync_retry_after)
ENGINE_FN(sync_slowest_fn, "syncfn-sync.so", sync_slowest)
ENGINE_FN(sync_delivery_failed_fn, "syncfn-sync.so", sync_delivery_failed)
ENGINE_FN(schedule_run_fn, "syncfn-schedule.so", schedule_run)
ENGINE_FN(alert_send_fn, "syncfn-schedule.so", alert_send)
ENGINE_FN(alert_ping_fn, "syncfn-schedule.so", alert_ping)
ENGINE_FN(sync_libpq_version_fn, "syncfn-sync.so", sync_libpq_version)
ENGINE_FN(schedule_libcurl_version_fn, "syncfn-schedule.so", schedule_libcurl_version)
