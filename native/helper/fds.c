/* fds.c: see fds.h. close_range(2) (Linux 5.9, CLOEXEC flag 5.11) does it in one call; the
 * fallbacks walk /proc/self/fd, then every number below RLIMIT_NOFILE. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fds.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Applies fn to each open descriptor >= from; 0, or -1 when /proc is not there. */
static int
each_open_fd (int from, void (*fn) (int))
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;
  int self;

  if (d == NULL)
    return -1;
  self = dirfd (d);
  while ((e = readdir (d)) != NULL)
    {
      char *end;
      long fd = strtol (e->d_name, &end, 10);
      if (*end == '\0' && end != e->d_name && fd >= from && fd != self)
        fn ((int) fd);
    }
  closedir (d);
  return 0;
}

static void
close_one (int fd)
{
  close (fd);
}

static void
cloexec_one (int fd)
{
  int flags = fcntl (fd, F_GETFD);
  if (flags >= 0)
    fcntl (fd, F_SETFD, flags | FD_CLOEXEC);
}

static void
every_fd (int from, void (*fn) (int))
{
  struct rlimit rl;
  long max = 1024;
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
    max = (long) rl.rlim_cur;
  for (long fd = from; fd < max; fd++)
    fn ((int) fd);
}

void
fds_close_from (int from)
{
  if (syscall (SYS_close_range, (unsigned) from, ~0U, 0U) == 0)
    return;
  if (each_open_fd (from, close_one) < 0)
    every_fd (from, close_one);
}

int
fds_cloexec_from (int from)
{
  if (syscall (SYS_close_range, (unsigned) from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
    return 0;
  if (each_open_fd (from, cloexec_one) < 0)
    every_fd (from, cloexec_one);
  return 0;
}
