/* init.h: the tiny init of `--init`. The container's first process forks; the child goes
 * on to exec the command and the parent stays as pid 1, forwarding signals and reaping
 * orphans (tini's job), exiting with the command's status. No re-exec is needed, so the
 * helper binary need not be visible inside the rootfs. */
#ifndef BERTH_INIT_H
#define BERTH_INIT_H

#include "error.h"

/* Returns 0 in the child (which continues towards exec, signal mask restored) and never
 * returns in pid 1. Returns -1 with err filled if fork fails. err_fd is the error pipe to
 * the monitor: pid 1 reports its own setup failure there (then kills the child) rather than
 * dying silently with 125. */
int init_fork (int tty, const char *const *args, int err_fd, struct berth_error *err);

#endif
