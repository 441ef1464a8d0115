/* rlimits.h: the container's resource limits (Docker's --ulimit and daemon.json
 * default-ulimits), applied with setrlimit in the container's first process before
 * capabilities are dropped (raising a hard limit needs CAP_SYS_RESOURCE), so its children
 * and exec sessions start with them. */
#ifndef BERTH_RLIMITS_H
#define BERTH_RLIMITS_H

#include "error.h"

/* Each entry is "name:soft:hard" (name as in --ulimit: nofile, nproc, core, ...; -1 is
 * unlimited). Returns 0, or a negative status with err filled naming the limit. */
int rlimits_apply (const char *const *entries, int n, struct berth_error *err);

/* Gives the calling process the limits of process `pid` (an exec session gets those of the
 * container's first process, as runc's exec does). */
int rlimits_copy_from (int pid, struct berth_error *err);

#endif
