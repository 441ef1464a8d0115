/* path.h: resolving a container path under the rootfs the way the container would see it
 * (symlinks resolved relative to the rootfs, `..` clamped at it), so a malicious image
 * cannot make a mount land on the host (the securejoin idea of runc). */
#ifndef BERTH_PATH_H
#define BERTH_PATH_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* out = root + the resolved form of unsafe. Missing components are kept as they are. */
int path_secure_join (const char *root, const char *unsafe, char *out, size_t outlen, struct berth_error *err);

/* Creates the mount point out (a directory, or an empty file when is_file), parents too. */
int path_make_mountpoint (const char *path, int is_file, struct berth_error *err);

#endif
