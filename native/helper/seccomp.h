/* seccomp.h: the container's syscall filter.
 *
 * The daemon resolves a Docker seccomp profile (capabilities, arch, kernel version) into a
 * flat rule list and asks `berth-helper seccomp-compile RULES OUT` once per distinct list to
 * turn it into a classic BPF program with libseccomp; the program is cached under the
 * exec-root. A start or exec then only reads that file and hands it to the kernel, which costs
 * microseconds instead of libseccomp's compile on every start.
 *
 * Rule list (text, one directive per line, fields separated by single spaces):
 *   default ACTION ERRNO
 *   arch NAME                                   (libseccomp names: x86_64, x86, x32, ...)
 *   syscall NAME ACTION ERRNO [INDEX OP A B]... (conditions are ANDed)
 * ACTION: allow | errno | kill_thread | kill_process | trap | log. ERRNO is used by `errno`.
 * OP: ne | lt | le | eq | ge | gt | masked_eq (A is the mask, B the value, as libseccomp's). */
#ifndef BERTH_SECCOMP_H
#define BERTH_SECCOMP_H

#include <stddef.h>

#include "error.h"

struct seccomp_program
{
  void *insns; /* struct sock_filter[], malloc'd; NULL when no filter is to be loaded */
  size_t len;  /* number of instructions */
};

/* `berth-helper seccomp-compile RULES OUT`: compiles RULES into a BPF program at OUT. */
int helper_seccomp_compile (const char *rules_path, const char *out_path);

/* Reads a compiled program. Done before pivot_root/setns while the host path is visible. */
int seccomp_program_read (const char *path, struct seccomp_program *prog, struct berth_error *err);

/* Installs the program on the calling thread (a no-op for an empty program). Needs
 * no_new_privs or CAP_SYS_ADMIN in the effective set, so it runs before the user switch. */
int seccomp_program_load (const struct seccomp_program *prog, struct berth_error *err);

#endif
