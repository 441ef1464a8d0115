/* net.h: network setup of the container's process: joining the network namespace the
 * daemon prepared (veth, address, routes: done from the host side before the start), bringing
 * `lo` up in a new one, and `--sysctl` values written in the container's namespaces. */
#ifndef BERTH_NET_H
#define BERTH_NET_H

#include "error.h"

/* Brings `lo` up (SIOCSIFFLAGS): a fresh netns starts with it down. */
int net_loopback_up (struct berth_error *err);

/* Joins the network namespace bound at `path` (setns CLONE_NEWNET). */
int net_join (const char *path, struct berth_error *err);

/* Writes each "a.b.c=value" to /proc/sys/a/b/c. Must run after the namespaces are set (the
 * net.* and ipc keys are per namespace) and before /proc is replaced. */
int net_sysctls (const char *const *kv, int n, struct berth_error *err);

#endif
