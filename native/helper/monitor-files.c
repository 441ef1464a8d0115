/* monitor-files.c: see monitor-files.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "monitor-files.h"
#include "utils.h"

void
monitor_write_exit (const struct spec *spec, pid_t pid, int exit_code, const char *error)
{
  char when[64], esc[2048], buf[4096], path[4096];
  struct berth_error err;
  int n;

  now_rfc3339 (when, sizeof when);
  n = snprintf (buf, sizeof buf, "{\"exitCode\":%d,\"finishedAt\":\"%s\",\"pid\":%d", exit_code, when, pid);
  if (error)
    {
      json_escape (esc, sizeof esc, error, strlen (error));
      n += snprintf (buf + n, sizeof buf - (size_t) n, ",\"error\":\"%s\"", esc);
    }
  n += snprintf (buf + n, sizeof buf - (size_t) n, "}\n");
  snprintf (path, sizeof path, "%s/exit.json", spec->rundir);
  if (write_file_atomic (path, buf, (size_t) n, &err) < 0)
    berth_error_print (&err);
}


void
monitor_write_state (const struct spec *spec, const char *json)
{
  char path[4096];
  struct berth_error err;
  snprintf (path, sizeof path, "%s/state.json", spec->rundir);
  if (write_file_atomic (path, json, strlen (json), &err) < 0)
    berth_error_print (&err);
}
