/* utils.h: scope-based cleanup (crun's cleanup_* attributes), EINTR retry, and small I/O
 * helpers shared by every subcommand. */
#ifndef BERTH_UTILS_H
#define BERTH_UTILS_H

#include <errno.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "error.h"

#ifndef TEMP_FAILURE_RETRY
#define TEMP_FAILURE_RETRY(expr)                                                                  \
  ({                                                                                              \
    long _r;                                                                                      \
    do                                                                                            \
      _r = (long) (expr);                                                                         \
    while (_r == -1L && errno == EINTR);                                                          \
    _r;                                                                                           \
  })
#endif

static inline void
cleanup_freep (void *p)
{
  free (*(void **) p);
}

static inline void
cleanup_closep (int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close (*fd);
      errno = saved;
    }
}

#define cleanup_free __attribute__ ((cleanup (cleanup_freep)))
#define cleanup_close __attribute__ ((cleanup (cleanup_closep)))

/* Writes all of buf, retrying short writes and EINTR. Returns 0 or -1 with errno set. */
int write_all (int fd, const void *buf, size_t len);

/* Reads up to len bytes, stopping only at EOF. Returns bytes read or -1. */
ssize_t read_all (int fd, void *buf, size_t len);

/* Reads a whole (small) file into a NUL-terminated malloc'd buffer. */
int read_file (const char *path, char **out, size_t *len, struct berth_error *err);

/* Writes data to dir/name atomically (name.tmp + rename) so readers never see a torn file. */
int write_file_atomic (const char *path, const char *data, size_t len, struct berth_error *err);

/* mkdir -p; mode for created components. */
int mkdir_p (const char *path, mode_t mode, struct berth_error *err);

/* Start time of a process in clock ticks since boot (field 22 of /proc/<pid>/stat), 0 on error.
 * Stored with a pid so a reused pid is never mistaken for the container. */
unsigned long long proc_start_time (pid_t pid);

/* RFC 3339 UTC time with nanoseconds, as Docker writes it ("2026-11-23T13:01:25.123456789Z"). */
void now_rfc3339 (char *buf, size_t len);

/* Remembers main()'s argv so proc_set_title can reuse its memory. */
void proc_title_init (int argc, char **argv);

/* Rewrites what ps shows for this process (/proc/self/cmdline and comm), e.g. pid 1 of
 * --init shows "berth-init -- sh" rather than the helper's own command line. */
void proc_set_title (const char *const *words);

/* Appends s to out as a JSON string body (no quotes), escaping what JSON requires. */
size_t json_escape (char *out, size_t cap, const char *s, size_t len);

#endif
