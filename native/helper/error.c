/* error.c: filling and formatting struct berth_error (see error.h for the contract). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static const char *current_step = "setup";

void
berth_error_set_step (const char *step)
{
  current_step = step;
}

static void
stamp (struct berth_error *err)
{
  snprintf (err->step, sizeof err->step, "%s", current_step);
}

int
berth_make_error (struct berth_error *err, int status, const char *fmt, ...)
{
  va_list ap;
  int n;

  va_start (ap, fmt);
  n = vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  va_end (ap);
  if (status != 0 && n >= 0 && (size_t) n < sizeof err->msg)
    snprintf (err->msg + n, sizeof err->msg - n, ": %s", strerror (status));
  err->status = status;
  err->exit_code = 125;
  stamp (err);
  return -1;
}

int
berth_make_exec_error (struct berth_error *err, int status, int exit_code, const char *fmt, ...)
{
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (err->msg, sizeof err->msg, fmt, ap);
  va_end (ap);
  err->status = status;
  err->exit_code = exit_code;
  stamp (err);
  return -1;
}

int
berth_error_wrap (struct berth_error *err, const char *fmt, ...)
{
  char prefix[256];
  char old[sizeof err->msg];
  va_list ap;

  va_start (ap, fmt);
  vsnprintf (prefix, sizeof prefix, fmt, ap);
  va_end (ap);
  memcpy (old, err->msg, sizeof old);
  snprintf (err->msg, sizeof err->msg, "%s: %s", prefix, old);
  return -1;
}

void
berth_error_print (const struct berth_error *err)
{
  fprintf (stderr, "berth-helper: %s\n", err->msg);
}
