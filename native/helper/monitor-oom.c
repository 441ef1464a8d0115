/* monitor-oom.c: see monitor-oom.h. v1 has no file notification for OOM: the kernel signals
 * an eventfd registered with "<eventfd> <fd of memory.oom_control>" in cgroup.event_control
 * (Documentation/admin-guide/cgroup-v1/memory.rst, "OOM Control"). v2 notifies inotify
 * watchers of memory.events on every change (cgroup-v2.rst, "memory.events"); the oom_kill
 * counter says whether the change was a kill. <rundir>/oom holds the count as text, written
 * tmp + rename, so berthd never reads half of it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "monitor-oom.h"
#include "utils.h"

static int
has_file (const char *dir, const char *name, char *out, size_t len)
{
  snprintf (out, len, "%s/%s", dir, name);
  return access (out, F_OK) == 0;
}

/* memory.events' oom_kill counter; -1 when it cannot be read. */
static long long
v2_oom_kills (const char *file)
{
  char buf[1024], *p;
  ssize_t n;
  int fd = open (file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  n = read (fd, buf, sizeof buf - 1);
  close (fd);
  if (n <= 0)
    return -1;
  buf[n] = '\0';
  for (p = buf; p && *p; p = strchr (p, '\n') ? strchr (p, '\n') + 1 : NULL)
    if (strncmp (p, "oom_kill ", 9) == 0)
      return strtoll (p + 9, NULL, 10);
  return -1;
}

static int
v1_register (const char *dir, struct oom_watch *w)
{
  char path[4096], line[64];
  int efd, ofd, cfd, n, ok;
  if (!has_file (dir, "memory.oom_control", path, sizeof path))
    return -1;
  ofd = open (path, O_RDONLY | O_CLOEXEC);
  if (ofd < 0)
    return -1;
  efd = eventfd (0, EFD_CLOEXEC | EFD_NONBLOCK);
  snprintf (path, sizeof path, "%s/cgroup.event_control", dir);
  cfd = efd < 0 ? -1 : open (path, O_WRONLY | O_CLOEXEC);
  n = snprintf (line, sizeof line, "%d %d", efd, ofd);
  ok = cfd >= 0 && write_all (cfd, line, (size_t) n) == 0;
  if (cfd >= 0)
    close (cfd);
  if (!ok)
    {
      if (efd >= 0)
        close (efd);
      close (ofd);
      return -1;
    }
  w->fd = efd;
  w->aux_fd = ofd;
  return 0;
}

static int
v2_register (const char *dir, struct oom_watch *w)
{
  int ifd;
  if (!has_file (dir, "memory.events", w->events, sizeof w->events))
    return -1;
  ifd = inotify_init1 (IN_NONBLOCK | IN_CLOEXEC);
  if (ifd < 0)
    return -1;
  if (inotify_add_watch (ifd, w->events, IN_MODIFY) < 0)
    {
      close (ifd);
      return -1;
    }
  w->fd = ifd;
  w->v2 = 1;
  /* kills before the watch began are not news */
  w->count = v2_oom_kills (w->events);
  if (w->count < 0)
    w->count = 0;
  return 0;
}

void
oom_watch_open (const struct spec *spec, struct oom_watch *w)
{
  w->fd = w->aux_fd = -1;
  w->v2 = 0;
  w->count = 0;
  for (int i = 0; i < spec->ncgroups && w->fd < 0; i++)
    if (v1_register (spec->cgroups[i], w) < 0)
      v2_register (spec->cgroups[i], w);
}

void
oom_watch_ready (const struct spec *spec, struct oom_watch *w)
{
  long long before = w->count;
  char path[4096], text[32];
  struct berth_error err;
  int n;
  if (w->v2)
    {
      char buf[4096];
      long long kills;
      while (read (w->fd, buf, sizeof buf) > 0)
        ; /* drain: the counter, not the events, says what happened */
      kills = v2_oom_kills (w->events);
      if (kills > w->count)
        w->count = kills;
    }
  else
    {
      uint64_t v;
      if (read (w->fd, &v, sizeof v) == (ssize_t) sizeof v)
        w->count += (long long) v;
    }
  if (w->count == before)
    return;
  n = snprintf (text, sizeof text, "%lld\n", w->count);
  snprintf (path, sizeof path, "%s/oom", spec->rundir);
  if (write_file_atomic (path, text, (size_t) n, &err) < 0)
    berth_error_print (&err);
}
