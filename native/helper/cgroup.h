/* cgroup.h: moving a process into the container's cgroups. The daemon makes the
 * directories and writes every control file; the helper only joins (the container's init
 * from the monitor, an exec session itself before setns). */
#ifndef BERTH_CGROUP_H
#define BERTH_CGROUP_H

#include <sys/types.h>

#include "spec.h"

/* Writes pid into cgroup.procs of each of spec's cgroups, in order. */
int cgroup_join (const struct spec *spec, pid_t pid, struct berth_error *err);

#endif
