/* user.h: resolving a Docker user string ("", "name", "uid", "name:group", "uid:gid")
 * against the container's own /etc/passwd and /etc/group, read as files (never NSS: after
 * pivot_root glibc would load modules from the image). */
#ifndef BERTH_USER_H
#define BERTH_USER_H

#include <sys/types.h>

#include "error.h"

#define USER_MAX_GROUPS 64

struct user_ids
{
  uid_t uid;
  gid_t gid;
  gid_t groups[USER_MAX_GROUPS];
  int ngroups;
  char home[512];
};

/* Resolves `user` with files under `root` ("" when already pivoted). */
int user_resolve (const char *root, const char *user, struct user_ids *out, struct berth_error *err);

/* setgroups + setgid + setuid, in that order. */
int user_apply (const struct user_ids *ids, struct berth_error *err);

#endif
