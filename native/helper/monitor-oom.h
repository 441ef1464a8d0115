/* monitor-oom.h: the kernel's OOM kills in the container's memory cgroup, seen as they happen
 * and told to berthd through <rundir>/oom (monitor-oom.c), so its `oom` event comes at the
 * kill and not only at the container's exit. */
#ifndef BERTH_MONITOR_OOM_H
#define BERTH_MONITOR_OOM_H

#include "spec.h"

struct oom_watch
{
  int fd;      /* to poll for POLLIN; -1: nothing to watch (no memory cgroup) */
  int aux_fd;  /* v1: memory.oom_control, kept open while the eventfd is registered */
  int v2;
  long long count; /* OOM events so far (v1: eventfd counts; v2: memory.events oom_kill) */
  char events[4096]; /* v2: the memory.events file */
};

/* Starts watching the memory cgroup among spec's cgroups (v1 memory.oom_control through
 * cgroup.event_control, v2 inotify on memory.events). Best effort: without one, w->fd is -1
 * and berthd still learns of OOM kills at the exit from the cgroup's counter. */
void oom_watch_open (const struct spec *spec, struct oom_watch *w);

/* w->fd is readable: count what happened and rewrite <rundir>/oom when the count grew. */
void oom_watch_ready (const struct spec *spec, struct oom_watch *w);

#endif
