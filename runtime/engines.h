/* engines.h - loads the sync and schedule engines on first use.
 *
 * The engines live in shared objects (syncfn-sync.so with libpq,
 * syncfn-schedule.so with libcurl) so that a cold start which only
 * answers /healthz maps neither library. They are looked for in
 * $SYNCFN_LIBDIR, then next to the executable, then in ../lib/syncfn
 * relative to it. Each loader returns NULL and writes a message that
 * names the file and the loader's reason when it cannot.
 */
#ifndef SYNCFN_ENGINES_H
#define SYNCFN_ENGINES_H

#include <stddef.h>

#include "alert.h"
#include "schedule.h"
#include "sync.h"

sync_run_fn *engines_sync_run(char *err, size_t errlen);
sync_runs_fn *engines_sync_runs(char *err, size_t errlen);
sync_summary_fn *engines_sync_summary(char *err, size_t errlen);
sync_check_fn *engines_sync_check(char *err, size_t errlen);
sync_retry_after_fn *engines_sync_retry_after(char *err, size_t errlen);
sync_slowest_fn *engines_sync_slowest(char *err, size_t errlen);
sync_delivery_failed_fn *engines_sync_delivery_failed(char *err, size_t errlen);
schedule_run_fn *engines_schedule_run(char *err, size_t errlen);
alert_send_fn *engines_alert_send(char *err, size_t errlen);
alert_ping_fn *engines_alert_ping(char *err, size_t errlen);
sync_libpq_version_fn *engines_sync_libpq_version(char *err, size_t errlen);
schedule_libcurl_version_fn *engines_schedule_libcurl_version(char *err, size_t errlen);

#endif
