/* cgroup.c: see cgroup.h. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>

#include "cgroup.h"
#include "utils.h"

int
cgroup_join (const struct spec *s, pid_t pid, struct berth_error *err)
{
  char path[4096], num[32];
  int n = snprintf (num, sizeof num, "%d", pid);
  for (int i = 0; i < s->ncgroups; i++)
    {
      cleanup_close int fd = -1;
      snprintf (path, sizeof path, "%s/cgroup.procs", s->cgroups[i]);
      fd = open (path, O_WRONLY | O_CLOEXEC);
      if (fd < 0 || write_all (fd, num, (size_t) n) < 0)
        return berth_make_error (err, errno, "join cgroup `%s`", s->cgroups[i]);
    }
  return 0;
}
