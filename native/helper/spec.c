/* spec.c: parsing the NUL-separated key=value spec file (format in spec.h / README.md). */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "spec.h"
#include "utils.h"

static int
parse_int (const char *key, const char *v, int *out, struct berth_error *err)
{
  char *end;
  long n;
  errno = 0;
  n = strtol (v, &end, 10);
  if (errno != 0 || *v == '\0' || *end != '\0' || n < -1 || n > 0x7fffffff)
    return berth_make_error (err, EINVAL, "spec: invalid integer for `%s`: `%s`", key, v);
  *out = (int) n;
  return 0;
}

static int
push (const char **list, int *n, int max, const char *key, const char *v, struct berth_error *err)
{
  if (*n >= max)
    return berth_make_error (err, E2BIG, "spec: too many `%s` entries", key);
  list[(*n)++] = v;
  list[*n] = NULL;
  return 0;
}

static int
set_mount_field (struct spec *s, const char *key, const char *v, struct berth_error *err)
{
  struct spec_mount *m;
  if (s->nmounts == 0)
    return berth_make_error (err, EINVAL, "spec: `%s` before any `mount`", key);
  m = &s->mounts[s->nmounts - 1];
  if (strcmp (key, "mount.src") == 0)
    m->src = v;
  else if (strcmp (key, "mount.dst") == 0)
    m->dst = v;
  else if (strcmp (key, "mount.opt") == 0)
    m->opt = v;
  else if (strcmp (key, "mount.ro") == 0)
    return parse_int (key, v, &m->ro, err);
  else
    return berth_make_error (err, EINVAL, "spec: unknown key `%s`", key);
  return 0;
}

static int
set_field (struct spec *s, const char *key, const char *v, struct berth_error *err)
{
  static const struct { const char *key; size_t off; } strs[] = {
    { "id", offsetof (struct spec, id) },           { "rootfs", offsetof (struct spec, rootfs) },
    { "rundir", offsetof (struct spec, rundir) },   { "hostname", offsetof (struct spec, hostname) },
    { "log", offsetof (struct spec, log) },         { "hosts", offsetof (struct spec, hosts) },
    { "hostnamefile", offsetof (struct spec, hostname_file) },
    { "resolv", offsetof (struct spec, resolv) },   { "network", offsetof (struct spec, network) },
    { "netns", offsetof (struct spec, netns) },
    { "ipcns", offsetof (struct spec, ipcns) },     { "pidns", offsetof (struct spec, pidns) },
    { "cwd", offsetof (struct spec, cwd) },         { "user", offsetof (struct spec, user) },
    { "seccomp", offsetof (struct spec, seccomp) },
    { "shm", offsetof (struct spec, shm) },
  };
  static const struct { const char *key; size_t off; } ints[] = {
    { "tty", offsetof (struct spec, tty) },         { "stdin", offsetof (struct spec, open_stdin) },
    { "readonly", offsetof (struct spec, readonly) }, { "init", offsetof (struct spec, init) },
    { "await_attach", offsetof (struct spec, await_attach) },
    { "netwait", offsetof (struct spec, netwait) },
    { "pid", offsetof (struct spec, pid) },         { "rows", offsetof (struct spec, rows) },
    { "cols", offsetof (struct spec, cols) },
    { "nnp", offsetof (struct spec, nnp) },
    { "privileged", offsetof (struct spec, privileged) },
    { "log_max_files", offsetof (struct spec, log_max_files) },
  };

  if (strcmp (key, "caps") == 0)
    {
      char *end;
      errno = 0;
      s->caps = strtoull (v, &end, 16);
      if (errno != 0 || *v == '\0' || *end != '\0')
        return berth_make_error (err, EINVAL, "spec: invalid capability mask `%s`", v);
      return 0;
    }
  if (strcmp (key, "oom_score_adj") == 0)
    {
      char *end;
      long n;
      errno = 0;
      n = strtol (v, &end, 10);
      if (errno != 0 || *v == '\0' || *end != '\0' || n < -1000 || n > 1000)
        return berth_make_error (err, EINVAL, "spec: invalid oom_score_adj `%s`", v);
      s->oom_score_adj = (int) n;
      s->oom_given = 1;
      return 0;
    }
  if (strcmp (key, "masked") == 0)
    {
      s->masked_given = 1;
      return *v ? push (s->masked, &s->nmasked, SPEC_MAX_PATHS, key, v, err) : 0;
    }
  if (strcmp (key, "ropath") == 0)
    {
      s->ropaths_given = 1;
      return *v ? push (s->ropaths, &s->nropaths, SPEC_MAX_PATHS, key, v, err) : 0;
    }
  if (strcmp (key, "log_max_size") == 0)
    {
      char *end;
      errno = 0;
      s->log_max_size = strtoll (v, &end, 10);
      if (errno != 0 || *v == '\0' || *end != '\0' || s->log_max_size < 0)
        return berth_make_error (err, EINVAL, "spec: invalid log size `%s`", v);
      return 0;
    }
  if (strcmp (key, "arg") == 0)
    return push (s->args, &s->nargs, SPEC_MAX_LIST, key, v, err);
  if (strcmp (key, "env") == 0)
    return push (s->env, &s->nenv, SPEC_MAX_LIST, key, v, err);
  if (strcmp (key, "cgroup") == 0)
    return push (s->cgroups, &s->ncgroups, 15, key, v, err);
  if (strcmp (key, "cgview") == 0)
    return strchr (v, ':') ? push (s->cgviews, &s->ncgviews, 15, key, v, err)
                           : berth_make_error (err, EINVAL, "spec: invalid cgview `%s`", v);
  if (strcmp (key, "device") == 0)
    return push (s->devices, &s->ndevices, SPEC_MAX_LIST, key, v, err);
  if (strcmp (key, "rlimit") == 0)
    return push (s->rlimits, &s->nrlimits, SPEC_MAX_RLIMITS, key, v, err);
  if (strcmp (key, "sysctl") == 0)
    return push (s->sysctls, &s->nsysctls, SPEC_MAX_SYSCTLS, key, v, err);
  if (strcmp (key, "mount") == 0)
    {
      if (s->nmounts >= SPEC_MAX_MOUNTS)
        return berth_make_error (err, E2BIG, "spec: too many mounts");
      if (strcmp (v, "bind") != 0 && strcmp (v, "tmpfs") != 0)
        return berth_make_error (err, EINVAL, "spec: unknown mount type `%s`", v);
      s->mounts[s->nmounts++] = (struct spec_mount){ .type = v, .opt = "" };
      return 0;
    }
  if (strncmp (key, "mount.", 6) == 0)
    return set_mount_field (s, key, v, err);
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
    if (strcmp (key, strs[i].key) == 0)
      {
        *(const char **) ((char *) s + strs[i].off) = v;
        return 0;
      }
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
    if (strcmp (key, ints[i].key) == 0)
      return parse_int (key, v, (int *) ((char *) s + ints[i].off), err);
  return berth_make_error (err, EINVAL, "spec: unknown key `%s`", key);
}

int
spec_load (const char *path, struct spec *s, struct berth_error *err)
{
  size_t len = 0;
  int ret;
  char *p, *end;

  memset (s, 0, sizeof *s);
  s->cwd = "/";
  s->user = "";
  s->network = "none";
  s->netns = "";
  s->ipcns = "";
  s->pidns = "";
  s->hostname = "";
  s->caps = caps_default_mask ();
  ret = read_file (path, &s->buf, &len, err);
  if (ret < 0)
    return berth_error_wrap (err, "spec");
  p = s->buf;
  end = s->buf + len;
  while (p < end)
    {
      char *rec_end = memchr (p, '\0', (size_t) (end - p));
      char *eq;
      if (rec_end == NULL)
        return berth_make_error (err, EINVAL, "spec: record not NUL-terminated");
      eq = strchr (p, '=');
      if (eq == NULL)
        return berth_make_error (err, EINVAL, "spec: record without `=`: `%s`", p);
      *eq = '\0';
      ret = set_field (s, p, eq + 1, err);
      if (ret < 0)
        return ret;
      p = rec_end + 1;
    }
  if (s->nargs == 0)
    return berth_make_error (err, EINVAL, "spec: no command (`arg`)");
  return 0;
}
