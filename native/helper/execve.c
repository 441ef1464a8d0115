/* execve.c: see execve.h. The lookup runs before execve so "not found" is told apart from
 * "found but not executable" exactly as Docker (runc) words it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "execve.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *
env_get (char *const *envp, const char *key)
{
  size_t klen = strlen (key);
  for (; *envp; envp++)
    if (strncmp (*envp, key, klen) == 0 && (*envp)[klen] == '=')
      return *envp + klen + 1;
  return NULL;
}

char **
exec_build_env (const char *const *env, const char *hostname, const char *home, int tty)
{
  size_t n = 0;
  char **out;
  char *extra[4];
  int nextra = 0;

  while (env[n])
    n++;
  out = calloc (n + 5, sizeof *out);
  if (out == NULL)
    return NULL;
  for (size_t i = 0; i < n; i++)
    out[i] = (char *) env[i];
  if (!env_get (out, "PATH"))
    extra[nextra++] = strdup ("PATH=" DEFAULT_PATH);
  if (hostname && *hostname && !env_get (out, "HOSTNAME") && asprintf (&extra[nextra], "HOSTNAME=%s", hostname) > 0)
    nextra++;
  if (!env_get (out, "HOME") && asprintf (&extra[nextra], "HOME=%s", home && *home ? home : "/") > 0)
    nextra++;
  if (tty && !env_get (out, "TERM"))
    extra[nextra++] = strdup ("TERM=xterm");
  for (int i = 0; i < nextra; i++)
    out[n++] = extra[i];
  out[n] = NULL;
  return out;
}

static int
is_executable_file (const char *path)
{
  struct stat st;
  return stat (path, &st) == 0 && S_ISREG (st.st_mode) && access (path, X_OK) == 0;
}

static int
exec_error (const char *cmd, int e, struct berth_error *err)
{
  if (e == ENOENT)
    {
      if (strchr (cmd, '/'))
        return berth_make_exec_error (err, e, 127, "exec: \"%s\": stat %s: no such file or directory", cmd, cmd);
      return berth_make_exec_error (err, e, 127, "exec: \"%s\": executable file not found in $PATH", cmd);
    }
  if (e == EACCES || e == EISDIR || e == ENOEXEC || e == EPERM)
    return berth_make_exec_error (err, e, 126, "exec: \"%s\": permission denied", cmd);
  return berth_make_exec_error (err, e, 126, "exec: \"%s\": %s", cmd, strerror (e));
}

int
exec_command (char *const *args, char *const *envp, struct berth_error *err)
{
  const char *cmd = args[0];
  const char *path;
  char buf[4096];

  berth_error_set_step ("exec");
  if (cmd[0] == '\0')
    return exec_error (cmd, ENOENT, err);
  if (strchr (cmd, '/'))
    {
      execve (cmd, args, envp);
      return exec_error (cmd, errno, err);
    }
  path = env_get (envp, "PATH");
  if (path == NULL)
    path = DEFAULT_PATH;
  for (;;)
    {
      const char *sep = strchr (path, ':');
      size_t len = sep ? (size_t) (sep - path) : strlen (path);
      if (len == 0)
        snprintf (buf, sizeof buf, "./%s", cmd);
      else
        snprintf (buf, sizeof buf, "%.*s/%s", (int) len, path, cmd);
      if (is_executable_file (buf))
        {
          execve (buf, args, envp);
          return exec_error (cmd, errno, err);
        }
      if (sep == NULL)
        break;
      path = sep + 1;
    }
  /* like Go's LookPath (and so Docker), a non-executable match is still "not found" */
  return exec_error (cmd, ENOENT, err);
}
