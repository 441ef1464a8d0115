/* cmd-start.c: the `berth-helper start SPEC` subcommand. Daemonises the monitor with a double
 * fork and setsid (so it survives berthd and is nobody's controlling-terminal child), then waits for the
 * monitor's one-line report and prints it as JSON on stdout:
 *   {"pid":N,"startTime":T,"monitorPid":M,"monitorStartTime":U,"tty":B}   exit 0
 *   {"error":"...","exitCode":127}                                         exit 1 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "subcommands.h"
#include "utils.h"

int
helper_start (const char *spec_path)
{
  static struct spec spec;
  struct berth_error err = { 0 };
  char buf[4096];
  int rep[2], status;
  pid_t pid;
  ssize_t n;

  if (spec_load (spec_path, &spec, &err) < 0
      || ((spec.rootfs == NULL || spec.id == NULL || spec.rundir == NULL)
          && berth_make_error (&err, 0, "spec: `id`, `rootfs` and `rundir` are required") < 0)
      || mkdir_p (spec.rundir, 0700, &err) < 0)
    {
      char esc[2048];
      berth_error_print (&err);
      json_escape (esc, sizeof esc, err.msg, strlen (err.msg));
      printf ("{\"error\":\"%s\",\"exitCode\":125}\n", esc);
      return 125;
    }
  if (pipe2 (rep, O_CLOEXEC) < 0)
    {
      perror ("berth-helper: pipe");
      return 125;
    }
  pid = fork ();
  if (pid < 0)
    {
      perror ("berth-helper: fork");
      return 125;
    }
  if (pid == 0)
    {
      close (rep[0]);
      setsid ();
      pid = fork ();
      if (pid != 0)
        _exit (pid < 0 ? 1 : 0);
      monitor_main (&spec, rep[1]);
    }
  close (rep[1]);
  while (waitpid (pid, &status, 0) < 0 && errno == EINTR)
    ;
  n = read_all (rep[0], buf, sizeof buf - 1);
  if (n <= 1)
    {
      printf ("{\"error\":\"the container monitor exited before reporting\",\"exitCode\":125}\n");
      return 125;
    }
  buf[n] = '\0';
  fputs (buf + 1, stdout);
  return buf[0] == 'O' ? 0 : 1;
}
