/* error.h: crun-style error contract for the helper.
 *
 * A function that can fail takes `struct berth_error *err` as its last argument, returns a
 * value >= 0 on success and leaves err alone; on failure it fills err (errno + message) and
 * returns a negative value, so callers write `if (ret < 0) return ret;`. Messages are lower
 * case, name the thing, and gain context on the way out with berth_error_wrap().
 * The struct is fixed-size so it can cross the child->monitor error pipe as plain bytes. */
#ifndef BERTH_ERROR_H
#define BERTH_ERROR_H

#include <stddef.h>

struct berth_error
{
  int status;     /* errno of the failure, 0 if none */
  int exit_code;  /* Docker exit code this failure maps to: 125, 126 or 127 */
  char step[32];  /* the setup step that failed ("mounts", "user", "exec", ...): see below */
  char msg[1000];
};

/* The step the process is in; every error made from now on carries it. A process (the
 * monitor, the container's init before exec, an exec session) walks its setup in order and
 * names each step as it enters it, so an error says where it happened without every call
 * site passing it along. The daemon decides the error's kind from the step
 * (daemon/runtime/helper-error.ts): user/cwd/binds/devices/exec are the user's mistakes. */
void berth_error_set_step (const char *step);


/* Fills err with "<fmt>: <strerror(status)>" (status 0 omits the suffix); returns -1. */
int berth_make_error (struct berth_error *err, int status, const char *fmt, ...)
    __attribute__ ((format (printf, 3, 4)));

/* As berth_make_error but with an explicit exit code (126/127 for exec failures) and no
 * strerror suffix: the message is already in Docker's words. */
int berth_make_exec_error (struct berth_error *err, int status, int exit_code, const char *fmt, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Prefixes err->msg with "<context>: ", keeping status and exit code; returns -1. */
int berth_error_wrap (struct berth_error *err, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

/* Prints "berth-helper: <msg>" on stderr. */
void berth_error_print (const struct berth_error *err);

#endif
