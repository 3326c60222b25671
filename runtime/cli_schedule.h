/* cli_schedule.h - `syncfn schedule ...` and `syncfn setup`.
 *
 * argv holds the words after the command word. Both print JSON (or, for
 * setup, a report) on stdout and return the process exit status:
 * 0 ok, 1 QStash refused or unreachable, 2 bad usage or configuration.
 */
#ifndef SYNCFN_CLI_SCHEDULE_H
#define SYNCFN_CLI_SCHEDULE_H

#include "config.h"

int cli_schedule(const struct config *cfg, int argc, char **argv);
int cli_setup(const struct config *cfg, int argc, char **argv);

#endif
