/* seccomp-cost.c: what the seccomp filter costs a container, measured on the helper's own code
 * (native/helper/seccomp.c). Built and run by bench/containment-cost.sh.
 *
 *   seccomp-cost PROGRAM.bpf [ROUNDS]
 *
 * start path: in a fresh child per round, the time of seccomp_program_read + _load (what a
 * start or exec adds), against the same child doing nothing.
 * per syscall: getppid() a million times with and without the filter installed. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../native/helper/seccomp.h"

static double
now_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int
cmp (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* one child: optionally load, report microseconds over a pipe */
static double
child_once (const char *path, int load)
{
  int p[2];
  double us = -1;
  if (pipe (p) < 0)
    exit (1);
  pid_t pid = fork ();
  if (pid == 0)
    {
      struct berth_error err = { 0 };
      struct seccomp_program prog;
      double t0 = now_us ();
      if (load && (seccomp_program_read (path, &prog, &err) < 0 || seccomp_program_load (&prog, &err) < 0))
        {
          berth_error_print (&err);
          _exit (1);
        }
      double t = now_us () - t0;
      write (p[1], &t, sizeof t);
      _exit (0);
    }
  close (p[1]);
  if (read (p[0], &us, sizeof us) != sizeof us)
    us = -1;
  close (p[0]);
  waitpid (pid, NULL, 0);
  return us;
}

static double
syscall_ns (void)
{
  const int n = 1000000;
  double t0 = now_us ();
  for (int i = 0; i < n; i++)
    syscall (SYS_getppid);
  return (now_us () - t0) * 1000 / n;
}

int
main (int argc, char **argv)
{
  int rounds = argc > 2 ? atoi (argv[2]) : 200;
  double *with = calloc (rounds, sizeof *with), *without = calloc (rounds, sizeof *without);
  if (argc < 2 || !with || !without)
    return 2;
  for (int i = 0; i < rounds; i++)
    {
      without[i] = child_once (argv[1], 0);
      with[i] = child_once (argv[1], 1);
    }
  qsort (with, rounds, sizeof *with, cmp);
  qsort (without, rounds, sizeof *without, cmp);
  printf ("read+load of %s: median %.1f us (p25 %.1f, p75 %.1f, max %.1f), empty child %.1f us, %d rounds\n", argv[1],
          with[rounds / 2], with[rounds / 4], with[rounds * 3 / 4], with[rounds - 1], without[rounds / 2], rounds);
  double plain = syscall_ns ();
  struct berth_error err = { 0 };
  struct seccomp_program prog;
  if (seccomp_program_read (argv[1], &prog, &err) < 0 || seccomp_program_load (&prog, &err) < 0)
    {
      berth_error_print (&err);
      return 1;
    }
  double filtered = syscall_ns ();
  printf ("getppid: %.0f ns unfiltered, %.0f ns under the filter (+%.0f ns per syscall)\n", plain, filtered, filtered - plain);
  return 0;
}
