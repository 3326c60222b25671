/* cli_schedule.h - `syncfn schedule ...`.
 *
 * argv holds the words after "schedule". Prints the action's JSON on
 * stdout and returns the process exit status: 0 ok, 1 QStash refused or
 * unreachable, 2 bad usage or configuration.
 */
#ifndef SYNCFN_CLI_SCHEDULE_H
#define SYNCFN_CLI_SCHEDULE_H

#include "config.h"

int cli_schedule(const struct config *cfg, int argc, char **argv);

#endif
