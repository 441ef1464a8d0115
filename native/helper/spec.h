/* spec.h: the container / exec spec the daemon writes for the helper.
 *
 * File format (documented in README.md): a sequence of NUL-terminated records `key=value`.
 * Keys never contain '='; values may contain anything but NUL (newlines included). Repeated
 * keys (arg, env, cgroup, device) append in order; `mount=<type>` starts a new mount whose fields
 * follow as mount.src / mount.dst / mount.ro / mount.opt. Unknown keys are rejected so a
 * daemon/helper version skew fails loudly. */
#ifndef BERTH_SPEC_H
#define BERTH_SPEC_H

#include <stdint.h>

#include "error.h"

#define SPEC_MAX_LIST 4096
#define SPEC_MAX_MOUNTS 256
#define SPEC_MAX_PATHS 256
#define SPEC_MAX_RLIMITS 16
#define SPEC_MAX_SYSCTLS 256

struct spec_mount
{
  const char *type; /* "bind" or "tmpfs" */
  const char *src;
  const char *dst;
  const char *opt;
  int ro;
};

struct spec
{
  char *buf; /* the file contents; every string below points into it */

  /* start */
  const char *id, *rootfs, *rundir, *hostname, *log;
  const char *hosts, *hostname_file, *resolv;
  const char *network; /* none | host | private */
  const char *netns;   /* "" or a network namespace file to join (the daemon set it up) */
  const char *ipcns, *pidns; /* "" (new), "host" (the host's), or a namespace file to join */
  int tty, open_stdin, readonly, init, await_attach;
  /* start: `netwait=1` — the daemon sets up the joined netns (`netns`) while the container is
   * being set up: its process waits before it runs anything of the user's for one byte the
   * daemon writes on the helper's stdin ('g': network ready; EOF: it failed, abort) */
  int netwait;
  /* json-file rotation: at `log_max_size` bytes (0: never), keeping `log_max_files` files */
  long long log_max_size;
  int log_max_files;
  /* exec */
  int pid;
  /* both */
  const char *cwd, *user;
  int rows, cols;
  /* security: capability mask (`caps`, hex; Docker's default set when absent), compiled
   * seccomp program (`seccomp`, a path; none when absent), `nnp` no_new_privs */
  uint64_t caps;
  const char *seccomp;
  int nnp;
  /* --privileged (start): /sys read-write, no masked or read-only /proc paths, as Docker */
  int privileged;
  /* start: /proc/self/oom_score_adj before exec (Docker's OomScoreAdj), when `oom_given` */
  int oom_score_adj, oom_given;
  /* start: repeated `masked=PATH` / `ropath=PATH` (an empty value stands for an empty list);
   * Docker's default lists (mounts.c) when the key never appears */
  const char *masked[SPEC_MAX_PATHS + 1];
  int nmasked, masked_given;
  const char *ropaths[SPEC_MAX_PATHS + 1];
  int nropaths, ropaths_given;

  const char *args[SPEC_MAX_LIST + 1];
  int nargs;
  const char *env[SPEC_MAX_LIST + 1];
  int nenv;
  const char *cgroups[16];
  int ncgroups;
  /* `device=TYPE MAJOR MINOR MODE UID GID PATH` (MODE octal): nodes to make (devices.c) */
  const char *devices[SPEC_MAX_LIST + 1];
  int ndevices;
  const char *rlimits[SPEC_MAX_RLIMITS]; /* "name:soft:hard", see rlimits.h */
  int nrlimits;
  struct spec_mount mounts[SPEC_MAX_MOUNTS];
  int nmounts;
  const char *sysctls[SPEC_MAX_SYSCTLS + 1]; /* "net.ipv4.x=1", written in the new namespaces */
  int nsysctls;
  /* start: `cgview=NAME:DIR` — the container's own cgroup directories shown read-only at
   * /sys/fs/cgroup/NAME (v1, one per hierarchy, on a tmpfs) or, with an empty NAME, at
   * /sys/fs/cgroup itself (v2) */
  const char *cgviews[16];
  int ncgviews;
  /* start: tmpfs options of /dev/shm (`shm`, e.g. "size=67108864"); 64 MiB when absent; "none": no tmpfs (--ipc none, or the daemon binds one) */
  const char *shm;
};

/* Reads and validates a spec file. On success the caller owns spec->buf. */
int spec_load (const char *path, struct spec *spec, struct berth_error *err);

#endif
