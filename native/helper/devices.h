/* devices.h: the container's /dev: Docker's minimal set of nodes, pts, shm, mqueue, links,
 * plus the devices the spec adds. */
#ifndef BERTH_DEVICES_H
#define BERTH_DEVICES_H

#include "error.h"
#include "spec.h"

/* Mounts a tmpfs on rootfs/dev and fills it. Runs before pivot_root. */
int devices_setup (const char *rootfs, const char *shm_opts, struct berth_error *err);

/* Makes the spec's `device` nodes (--device, --privileged's host devices) in the rootfs,
 * replacing what is there. Whether the container may open them is the device cgroup's call
 * (the daemon sets it up); this only gives them a name. Runs after devices_setup. */
int devices_add (const struct spec *spec, struct berth_error *err);

#endif
