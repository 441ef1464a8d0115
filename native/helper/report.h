/* report.h: the helper's error report as the daemon reads it (daemon/runtime/helper-error.ts):
 * the `start` report line, the `exec` control message, built from a struct berth_error. */
#ifndef BERTH_REPORT_H
#define BERTH_REPORT_H

#include <stddef.h>

#include "error.h"

/* The helper's error report, one JSON object:
 *   {"step":"exec","errno":2,"exitCode":127,"message":"exec: \"foo\": executable file not found in $PATH"}
 * exitCode 0 becomes 125; an empty message says which step failed rather than nothing. */
void report_error_json (const struct berth_error *err, char *out, size_t cap);

/* Makes an error read from another process safe and complete: strings terminated, the step
 * named, and a message that says at least which step failed. */
void report_error_complete (struct berth_error *err);

#endif
