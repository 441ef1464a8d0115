/* execve.h: the last step of every process berth starts (container init, --init's child, exec
 * sessions; not a subcommand, see cmd-exec.c for `berth-helper exec`): environment defaults, $PATH lookup
 * with the container's PATH, execve, and Docker-worded failures (127 not found, 126 not
 * executable). */
#ifndef BERTH_EXECVE_H
#define BERTH_EXECVE_H

#include "error.h"

/* Builds the final environment: env plus Docker's defaults (PATH, HOSTNAME, HOME, TERM with
 * a tty) for keys env lacks. Returns a malloc'd NULL-terminated array (strings may be shared). */
char **exec_build_env (const char *const *env, const char *hostname, const char *home, int tty);

/* Looks up args[0] and execs it. Only returns on failure. */
int exec_command (char *const *args, char *const *envp, struct berth_error *err);

#endif
