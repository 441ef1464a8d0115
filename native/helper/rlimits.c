/* rlimits.c: see rlimits.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "rlimits.h"

static const struct
{
  const char *name;
  int resource;
} NAMES[] = {
  { "as", RLIMIT_AS },           { "core", RLIMIT_CORE },         { "cpu", RLIMIT_CPU },
  { "data", RLIMIT_DATA },       { "fsize", RLIMIT_FSIZE },       { "locks", RLIMIT_LOCKS },
  { "memlock", RLIMIT_MEMLOCK }, { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
  { "nofile", RLIMIT_NOFILE },   { "nproc", RLIMIT_NPROC },       { "rss", RLIMIT_RSS },
  { "rtprio", RLIMIT_RTPRIO },   { "rttime", RLIMIT_RTTIME },     { "sigpending", RLIMIT_SIGPENDING },
  { "stack", RLIMIT_STACK },
};

static int
parse_limit (const char *text, rlim_t *out)
{
  char *end;
  unsigned long long v;

  if (strcmp (text, "-1") == 0)
    {
      *out = RLIM_INFINITY;
      return 0;
    }
  errno = 0;
  v = strtoull (text, &end, 10);
  if (errno || end == text || *end || text[0] == '-')
    return -1;
  *out = (rlim_t) v;
  return 0;
}

int
rlimits_apply (const char *const *entries, int n, struct berth_error *err)
{
  for (int i = 0; i < n; i++)
    {
      char name[32], soft[32], hard[32];
      int resource = -1;
      struct rlimit rl;

      if (sscanf (entries[i], "%31[a-z]:%31[0-9-]:%31[0-9-]", name, soft, hard) != 3)
        return berth_make_error (err, EINVAL, "spec: invalid rlimit `%s`", entries[i]);
      for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++)
        if (strcmp (NAMES[k].name, name) == 0)
          resource = NAMES[k].resource;
      if (resource < 0)
        return berth_make_error (err, EINVAL, "spec: unknown rlimit `%s`", name);
      if (parse_limit (soft, &rl.rlim_cur) < 0 || parse_limit (hard, &rl.rlim_max) < 0)
        return berth_make_error (err, EINVAL, "spec: invalid rlimit `%s`", entries[i]);
      if (setrlimit (resource, &rl) < 0)
        return berth_make_error (err, errno, "setrlimit %s (soft %s, hard %s)", name, soft, hard);
    }
  return 0;
}

int
rlimits_copy_from (int pid, struct berth_error *err)
{
  for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++)
    {
      struct rlimit rl;
      if (prlimit (pid, NAMES[k].resource, NULL, &rl) < 0)
        return berth_make_error (err, errno, "read the %s limit of pid %d", NAMES[k].name, pid);
      if (setrlimit (NAMES[k].resource, &rl) < 0)
        return berth_make_error (err, errno, "setrlimit %s as in pid %d", NAMES[k].name, pid);
    }
  return 0;
}
