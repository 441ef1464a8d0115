/* mounts.h: the container's filesystem view, built inside its new mount namespace:
 * rprivate /, rootfs bind, /proc, /sys, /dev (devices.c), -v binds, --tmpfs, the /etc
 * files berth writes, pivot_root, masked and read-only paths, read-only rootfs. */
#ifndef BERTH_MOUNTS_H
#define BERTH_MOUNTS_H

#include "error.h"
#include "spec.h"

/* Everything that needs host paths: runs before pivot_root. */
int mounts_setup (const struct spec *spec, struct berth_error *err);

/* pivot_root into the rootfs (chroot when pivot_root is refused). */
int mounts_pivot (const char *rootfs, struct berth_error *err);

/* After pivot: masked paths, read-only paths, read-only rootfs. */
int mounts_finish (const struct spec *spec, struct berth_error *err);

/* Re-mounts an existing bind mount read-only, keeping its other flags. */
int mounts_remount_ro (const char *path, struct berth_error *err);

#endif
