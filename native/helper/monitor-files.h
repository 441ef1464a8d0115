/* monitor-files.h: the files the monitor leaves in the run dir for berthd: state.json once
 * the container exec'd, exit.json when it ended. Both written atomically (tmp + rename). */
#ifndef BERTH_MONITOR_FILES_H
#define BERTH_MONITOR_FILES_H

#include <sys/types.h>

#include "spec.h"

/* Writes <rundir>/exit.json. error may be NULL. */
void monitor_write_exit (const struct spec *spec, pid_t pid, int exit_code, const char *error);

/* Writes <rundir>/state.json with json. */
void monitor_write_state (const struct spec *spec, const char *json);

#endif
