/* devices.h: the container's minimal /dev (Docker's set of nodes, pts, shm, mqueue, links). */
#ifndef BERTH_DEVICES_H
#define BERTH_DEVICES_H

#include "error.h"

/* Mounts a tmpfs on rootfs/dev and fills it. Runs before pivot_root. */
int devices_setup (const char *rootfs, struct berth_error *err);

#endif
