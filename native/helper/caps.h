/* caps.h: bounding the container's capabilities to the set the daemon chose. */
#ifndef BERTH_CAPS_H
#define BERTH_CAPS_H

#include <stdint.h>

#include "error.h"

/* Docker's default set as a mask (bit n = capability n). */
uint64_t caps_default_mask (void);

/* Drops every capability outside `keep` from the bounding set and remembers `keep` for
 * caps_finish. Must run while still root with CAP_SETPCAP, i.e. before switching user. */
int caps_bound (uint64_t keep, struct berth_error *err);

/* Sets effective/permitted to the kept set (root) or leaves them empty (non-root: setuid
 * already cleared them); inheritable stays empty. */
int caps_finish (int is_root, struct berth_error *err);

/* no_new_privs: only with --security-opt no-new-privileges, as in Docker (off by default so
 * setuid programs such as su and ping work). */
int caps_no_new_privs (struct berth_error *err);

#endif
