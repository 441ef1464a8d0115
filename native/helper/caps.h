/* caps.h: bounding the container's capabilities to Docker's default set. */
#ifndef BERTH_CAPS_H
#define BERTH_CAPS_H

#include "error.h"

/* Drops every capability outside Docker's default set from the bounding set. Must run
 * while still root with CAP_SETPCAP, i.e. before switching user. */
int caps_bound (struct berth_error *err);

/* Sets effective/permitted/inheritable to the default set (root) or leaves them empty
 * (non-root: setuid already cleared them), then sets no_new_privs. */
int caps_finish (int is_root, struct berth_error *err);

#endif
