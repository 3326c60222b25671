/* engine_abi.h - the version of the seam between the runtime and the
 * engines it loads (syncfn-sync.so, syncfn-schedule.so).
 *
 * The runtime and an engine share structs by layout (sync.h, schedule.h,
 * fn_log.h), and an engine is a separate file that can be left over from
 * another build or install. Each engine exports syncfn_engine_abi; the
 * runtime compares it with its own before it calls anything, and refuses
 * an engine that differs with a message that says to reinstall both
 * together, instead of calling into a struct layout it does not share.
 *
 * Bump SYNCFN_ENGINE_ABI whenever a struct, enum or function type in
 * sync.h, schedule.h, alert.h or fn_log.h changes meaning; the sizes
 * catch the changes that are forgotten.
 */
#ifndef SYNCFN_ENGINE_ABI_H
#define SYNCFN_ENGINE_ABI_H

#include "alert.h"
#include "fn_log.h"
#include "schedule.h"
#include "sync.h"

#define SYNCFN_ENGINE_ABI 7

struct engine_abi {
	unsigned version;
	unsigned sync_settings_size;
	unsigned sync_request_size;
	unsigned schedule_settings_size;
	unsigned logger_size;
	unsigned alert_settings_size;
	unsigned alert_event_size;
	unsigned sync_result_size;
};

#define ENGINE_ABI_INIT                                                  \
	{ SYNCFN_ENGINE_ABI, sizeof(struct sync_settings),                \
	  sizeof(struct sync_request), sizeof(struct schedule_settings),  \
	  sizeof(struct fn_logger), sizeof(struct alert_settings),      \
	  sizeof(struct alert_event), sizeof(struct sync_result) }

/* Defined by each engine (engine_abi.c); looked up by name. */
extern const struct engine_abi syncfn_engine_abi;

#endif
