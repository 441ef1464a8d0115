/* report.c: see report.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "report.h"
#include "utils.h"

void
report_error_complete (struct berth_error *err)
{
  err->step[sizeof err->step - 1] = '\0';
  err->msg[sizeof err->msg - 1] = '\0';
  if (err->step[0] == '\0')
    snprintf (err->step, sizeof err->step, "setup");
  if (err->msg[0] == '\0')
    snprintf (err->msg, sizeof err->msg, "container setup failed at step %s%s%s", err->step, err->status ? ": " : "",
              err->status ? strerror (err->status) : "");
  if (err->exit_code == 0)
    err->exit_code = 125;
}

void
report_error_json (const struct berth_error *in, char *out, size_t cap)
{
  struct berth_error err = *in;
  char esc[2 * sizeof err.msg];
  report_error_complete (&err);
  json_escape (esc, sizeof esc, err.msg, strlen (err.msg));
  snprintf (out, cap, "{\"step\":\"%s\",\"errno\":%d,\"exitCode\":%d,\"message\":\"%s\"}", err.step, err.status,
            err.exit_code, esc);
}
