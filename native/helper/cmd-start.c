/* cmd-start.c: the `berth-helper start SPEC` subcommand. Daemonises the monitor with a double
 * fork and setsid (so it survives berthd and is nobody's controlling-terminal child), then waits for the
 * monitor's one-line report and prints it as JSON on stdout:
 *   {"pid":N,"startTime":T,"monitorPid":M,"monitorStartTime":U,"tty":B}   exit 0
 *   {"step":"exec","errno":2,"exitCode":127,"message":"..."}               exit 1 (report.h) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "monitor.h"
#include "report.h"
#include "subcommands.h"
#include "utils.h"

/* Prints the error report on stdout (the daemon reads it) and the message on stderr. */
static int
start_failed (struct berth_error *err)
{
  char json[4096];
  report_error_json (err, json, sizeof json);
  printf ("%s\n", json);
  berth_error_print (err);
  return 125;
}

int
helper_start (const char *spec_path)
{
  static struct spec spec;
  struct berth_error err = { 0 };
  char buf[4300];
  int rep[2], status;
  pid_t pid;
  ssize_t n;

  berth_error_set_step ("spec");
  if (spec_load (spec_path, &spec, &err) < 0
      || ((spec.rootfs == NULL || spec.id == NULL || spec.rundir == NULL)
          && berth_make_error (&err, EINVAL, "spec: `id`, `rootfs` and `rundir` are required") < 0)
      || mkdir_p (spec.rundir, 0700, &err) < 0)
    return start_failed (&err);
  berth_error_set_step ("monitor");
  if (pipe2 (rep, O_CLOEXEC) < 0)
    return start_failed ((berth_make_error (&err, errno, "report pipe"), &err));
  pid = fork ();
  if (pid < 0)
    return start_failed ((berth_make_error (&err, errno, "fork the monitor"), &err));
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
    return start_failed ((berth_make_error (&err, n < 0 ? errno : 0, "the container monitor exited before reporting (see monitor.log in the run dir)"), &err));
  buf[n] = '\0';
  fputs (buf + 1, stdout);
  return buf[0] == 'O' ? 0 : 1;
}
