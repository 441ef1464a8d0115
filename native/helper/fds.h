/* fds.h: file descriptors a container must not inherit.
 *
 * berthd may itself have inherited descriptors (from a shell, systemd, a test harness) that
 * are not close-on-exec; posix_spawn passes them to the helper, and from there they would
 * reach the monitor and every container or exec session. Nothing but the descriptors the
 * protocol names crosses: 0-2 (and 3, the control socket, for `exec`). */
#ifndef BERTH_FDS_H
#define BERTH_FDS_H

/* Closes every descriptor >= from. At the helper's entry, before it opens anything. */
void fds_close_from (int from);

/* Marks every descriptor >= from close-on-exec, so the error pipe still reports a failed
 * execve while nothing else survives a successful one. Right before exec. */
int fds_cloexec_from (int from);

#endif
