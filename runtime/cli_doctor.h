/* cli_doctor.h - `syncfn doctor`: every readiness check (doctor.h),
 * writing nothing. argv holds the words after "doctor". Returns the exit
 * status: 0 ready, 1 a problem found, 2 bad usage. */
#ifndef SYNCFN_CLI_DOCTOR_H
#define SYNCFN_CLI_DOCTOR_H

#include "config.h"

int cli_doctor(const struct config *cfg, int argc, char **argv);

#endif
