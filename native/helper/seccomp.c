/* seccomp.c: see seccomp.h. libseccomp is used only by the compile subcommand; loading a
 * compiled program is one seccomp(2) call. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "seccomp.h"
#include "utils.h"

#define MAX_CONDS 6 /* a syscall has at most six arguments */

static int
parse_action (const char *name, const char *errno_str, uint32_t *out)
{
  char *end;
  long e = strtol (errno_str, &end, 10);
  if (*errno_str == '\0' || *end != '\0' || e < 0 || e > 4095)
    return -1;
  if (strcmp (name, "allow") == 0)
    *out = SCMP_ACT_ALLOW;
  else if (strcmp (name, "errno") == 0)
    *out = SCMP_ACT_ERRNO ((uint16_t) e);
  else if (strcmp (name, "kill_thread") == 0)
    *out = SCMP_ACT_KILL_THREAD;
  else if (strcmp (name, "kill_process") == 0)
    *out = SCMP_ACT_KILL_PROCESS;
  else if (strcmp (name, "trap") == 0)
    *out = SCMP_ACT_TRAP;
  else if (strcmp (name, "log") == 0)
    *out = SCMP_ACT_LOG;
  else
    return -1;
  return 0;
}

static int
parse_op (const char *name, enum scmp_compare *out)
{
  static const struct { const char *name; enum scmp_compare op; } ops[] = {
    { "ne", SCMP_CMP_NE }, { "lt", SCMP_CMP_LT }, { "le", SCMP_CMP_LE }, { "eq", SCMP_CMP_EQ },
    { "ge", SCMP_CMP_GE }, { "gt", SCMP_CMP_GT }, { "masked_eq", SCMP_CMP_MASKED_EQ },
  };
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
    if (strcmp (name, ops[i].name) == 0)
      {
        *out = ops[i].op;
        return 0;
      }
  return -1;
}

static int
parse_u64 (const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  *out = strtoull (s, &end, 10);
  return errno != 0 || *s == '\0' || *end != '\0' ? -1 : 0;
}

/* One `syscall` line (already split into words). Names this libseccomp does not know are
 * skipped, as runc does: a profile names syscalls of every kernel and architecture. */
static int
add_syscall (scmp_filter_ctx ctx, char **w, int nw, int lineno, struct berth_error *err)
{
  struct scmp_arg_cmp conds[MAX_CONDS];
  unsigned ncond = 0;
  uint32_t action;
  int nr, ret;

  if (nw < 4 || (nw - 4) % 4 != 0 || (nw - 4) / 4 > MAX_CONDS || parse_action (w[2], w[3], &action) < 0)
    return berth_make_error (err, EINVAL, "seccomp rules line %d: malformed `syscall`", lineno);
  for (int i = 4; i < nw; i += 4)
    {
      uint64_t index;
      enum scmp_compare op;
      if (parse_u64 (w[i], &index) < 0 || index > 5 || parse_op (w[i + 1], &op) < 0
          || parse_u64 (w[i + 2], &conds[ncond].datum_a) < 0 || parse_u64 (w[i + 3], &conds[ncond].datum_b) < 0)
        return berth_make_error (err, EINVAL, "seccomp rules line %d: malformed condition", lineno);
      conds[ncond].arg = (unsigned) index;
      conds[ncond].op = op;
      ncond++;
    }
  nr = seccomp_syscall_resolve_name (w[1]);
  if (nr == __NR_SCMP_ERROR)
    return 0;
  ret = seccomp_rule_add_array (ctx, action, nr, ncond, conds);
  if (ret < 0)
    return berth_make_error (err, -ret, "seccomp rules line %d: add the rule for `%s`", lineno, w[1]);
  return 0;
}

static int
compile (char *rules, scmp_filter_ctx *out, struct berth_error *err)
{
  scmp_filter_ctx ctx = NULL;
  char *save = NULL;
  int lineno = 0;

  for (char *line = strtok_r (rules, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *w[4 + 4 * MAX_CONDS + 1], *wsave = NULL;
      int nw = 0, ret;
      lineno++;
      for (char *t = strtok_r (line, " ", &wsave); t && nw < (int) (sizeof w / sizeof w[0]); t = strtok_r (NULL, " ", &wsave))
        w[nw++] = t;
      if (nw == 0 || w[0][0] == '#')
        continue;
      if (strcmp (w[0], "default") == 0)
        {
          uint32_t action;
          if (ctx != NULL || nw != 3 || parse_action (w[1], w[2], &action) < 0)
            return berth_make_error (err, EINVAL, "seccomp rules line %d: malformed `default`", lineno);
          ctx = seccomp_init (action);
          if (ctx == NULL)
            return berth_make_error (err, ENOMEM, "seccomp_init");
          *out = ctx;
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
          /* a binary tree of syscall numbers: every syscall of the container runs the
           * filter, and a linear one walks hundreds of comparisons */
          seccomp_attr_set (ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif
          continue;
        }
      if (ctx == NULL)
        return berth_make_error (err, EINVAL, "seccomp rules line %d: `default` must come first", lineno);
      if (strcmp (w[0], "arch") == 0 && nw == 2)
        {
          uint32_t arch = seccomp_arch_resolve_name (w[1]);
          if (arch == 0)
            return berth_make_error (err, EINVAL, "seccomp rules line %d: unknown architecture `%s`", lineno, w[1]);
          ret = seccomp_arch_add (ctx, arch);
          if (ret < 0 && ret != -EEXIST)
            return berth_make_error (err, -ret, "seccomp: add architecture `%s`", w[1]);
          continue;
        }
      if (strcmp (w[0], "syscall") == 0)
        {
          if ((ret = add_syscall (ctx, w, nw, lineno, err)) < 0)
            return ret;
          continue;
        }
      return berth_make_error (err, EINVAL, "seccomp rules line %d: unknown directive `%s`", lineno, w[0]);
    }
  if (ctx == NULL)
    return berth_make_error (err, EINVAL, "seccomp rules: no `default` line");
  return 0;
}

int
helper_seccomp_compile (const char *rules_path, const char *out_path)
{
  struct berth_error err = { 0 };
  cleanup_free char *rules = NULL;
  cleanup_free char *tmp = NULL;
  scmp_filter_ctx ctx = NULL;
  size_t len;
  int fd = -1, ret;

  if (read_file (rules_path, &rules, &len, &err) < 0 || compile (rules, &ctx, &err) < 0)
    goto fail;
  if (asprintf (&tmp, "%s.%d.tmp", out_path, getpid ()) < 0)
    {
      berth_make_error (&err, ENOMEM, "seccomp: output path");
      goto fail;
    }
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      berth_make_error (&err, errno, "seccomp: create `%s`", tmp);
      goto fail;
    }
  ret = seccomp_export_bpf (ctx, fd);
  if (ret < 0 || fsync (fd) < 0 || close (fd) < 0)
    {
      berth_make_error (&err, ret < 0 ? -ret : errno, "seccomp: write the program to `%s`", tmp);
      unlink (tmp);
      goto fail;
    }
  /* rename: a start running concurrently sees the old program or the whole new one */
  if (rename (tmp, out_path) < 0)
    {
      berth_make_error (&err, errno, "seccomp: rename to `%s`", out_path);
      unlink (tmp);
      goto fail;
    }
  seccomp_release (ctx);
  return 0;

fail:
  if (ctx)
    seccomp_release (ctx);
  berth_error_print (&err);
  return 125;
}

int
seccomp_program_read (const char *path, struct seccomp_program *prog, struct berth_error *err)
{
  char *buf = NULL;
  size_t len = 0;

  prog->insns = NULL;
  prog->len = 0;
  if (path == NULL || *path == '\0')
    return 0;
  if (read_file (path, &buf, &len, err) < 0)
    return berth_error_wrap (err, "seccomp program");
  if (len == 0 || len % sizeof (struct sock_filter) != 0 || len / sizeof (struct sock_filter) > BPF_MAXINSNS)
    {
      free (buf);
      return berth_make_error (err, EINVAL, "seccomp program `%s`: not a BPF program (%zu bytes)", path, len);
    }
  prog->insns = buf;
  prog->len = len / sizeof (struct sock_filter);
  return 0;
}

int
seccomp_program_load (const struct seccomp_program *prog, struct berth_error *err)
{
  struct sock_fprog fprog;

  if (prog->insns == NULL)
    return 0;
  fprog.len = (unsigned short) prog->len;
  fprog.filter = prog->insns;
  if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) == 0)
    return 0;
  if (errno == ENOSYS && prctl (PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) == 0)
    return 0;
  return berth_make_error (err, errno, "load the seccomp filter");
}
