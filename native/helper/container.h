/* container.h: the container's first process: from clone() to exec. */
#ifndef BERTH_CONTAINER_H
#define BERTH_CONTAINER_H

#include "spec.h"

struct container_ctx
{
  const struct spec *spec;
  int sync_fd;    /* read end: the monitor writes one byte once cgroups are joined */
  int err_fd;     /* write end (CLOEXEC): a struct berth_error on failure, EOF on exec */
  int sync_peer;  /* the monitor's ends of those pipes, closed first thing in the child: */
  int err_peer;   /* holding sync's write end, it would wait for "go" forever */
  int report_peer; /* the monitor's report pipe: held by a container stuck in its setup, it
                    * would keep `start` (and berthd) waiting after the monitor died */
  int console_fd; /* tty: socket to send the pty master over; else -1 */
  int stdio[3];   /* no tty: the container's stdin/stdout/stderr (-1 = /dev/null) */
};

/* clone() entry point; arg is a struct container_ctx. Never returns on success. */
int container_main (void *arg);

/* The clone flags for a spec: mnt, pid, uts, ipc, and net unless network is "host". */
int container_clone_flags (const struct spec *spec);

/* In the monitor, before the clone: joins the PID namespace of --pid container:NAME
 * (setns(CLONE_NEWPID) applies to the children made after it). */
int container_join_pid_ns (const struct spec *spec, struct berth_error *err);

#endif
