/* user.c: Docker's user resolution (see user.h) and switching to the resolved ids. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "user.h"
#include "utils.h"

static int
parse_id (const char *s, unsigned long *out)
{
  char *end;
  if (*s == '\0')
    return -1;
  errno = 0;
  *out = strtoul (s, &end, 10);
  return (errno == 0 && *end == '\0' && *out <= 0x7fffffffUL) ? 0 : -1;
}

/* Splits a line of a colon-separated database into at most max fields (in place). */
static int
split_fields (char *line, char **f, int max)
{
  int n = 0;
  f[n++] = line;
  for (char *p = line; *p && n < max; p++)
    if (*p == ':')
      {
        *p = '\0';
        f[n++] = p + 1;
      }
  return n;
}

/* Calls fn for every line of root/file; fn returns 1 to stop. Missing file = no entries. */
static void
for_each_line (const char *root, const char *file, int (*fn) (char **f, int n, void *ctx), int nf, void *ctx)
{
  char path[4096];
  cleanup_free char *buf = NULL;
  struct berth_error ignored;
  char *save = NULL;

  snprintf (path, sizeof path, "%s%s", root, file);
  if (read_file (path, &buf, NULL, &ignored) < 0)
    return;
  for (char *line = strtok_r (buf, "\n", &save); line; line = strtok_r (NULL, "\n", &save))
    {
      char *f[8];
      int n;
      if (line[0] == '#' || line[0] == '\0')
        continue;
      n = split_fields (line, f, nf);
      if (fn (f, n, ctx))
        return;
    }
}

struct pw_query { const char *name; unsigned long uid; int by_uid, found; struct user_ids *ids; };

static int
pw_match (char **f, int n, void *ctx)
{
  struct pw_query *q = ctx;
  unsigned long uid, gid;
  if (n < 7 || parse_id (f[2], &uid) < 0 || parse_id (f[3], &gid) < 0)
    return 0;
  if (q->by_uid ? uid != q->uid : strcmp (f[0], q->name) != 0)
    return 0;
  q->found = 1;
  q->ids->uid = (uid_t) uid;
  q->ids->gid = (gid_t) gid;
  snprintf (q->ids->home, sizeof q->ids->home, "%s", f[5]);
  q->name = NULL;
  return 1;
}

struct gr_query { const char *name; unsigned long gid; int found; const char *member; struct user_ids *ids; };

static int
gr_match (char **f, int n, void *ctx)
{
  struct gr_query *q = ctx;
  unsigned long gid;
  if (n < 4 || parse_id (f[2], &gid) < 0)
    return 0;
  if (q->name)
    {
      if (strcmp (f[0], q->name) == 0)
        {
          q->gid = gid;
          q->found = 1;
          return 1;
        }
      return 0;
    }
  /* supplementary groups: every group listing the user as a member */
  for (char *save = NULL, *m = strtok_r (f[3], ",", &save); m; m = strtok_r (NULL, ",", &save))
    if (strcmp (m, q->member) == 0 && q->ids->ngroups < USER_MAX_GROUPS)
      q->ids->groups[q->ids->ngroups++] = (gid_t) gid;
  return 0;
}

int
user_resolve (const char *root, const char *user, struct user_ids *out, struct berth_error *err)
{
  char ubuf[256], username[256] = "";
  char *group = NULL;
  unsigned long id;
  struct pw_query pq = { .ids = out };

  memset (out, 0, sizeof *out);
  snprintf (out->home, sizeof out->home, "/");
  snprintf (ubuf, sizeof ubuf, "%s", user);
  group = strchr (ubuf, ':');
  if (group)
    *group++ = '\0';

  if (ubuf[0] == '\0' || parse_id (ubuf, &id) == 0)
    {
      pq.by_uid = 1;
      pq.uid = ubuf[0] == '\0' ? 0 : id;
      out->uid = (uid_t) pq.uid;
    }
  else
    pq.name = ubuf;
  for_each_line (root, "/etc/passwd", pw_match, 7, &pq);
  if (!pq.by_uid && !pq.found)
    return berth_make_exec_error (err, ENOENT, 125, "unable to find user %s: no matching entries in passwd file", ubuf);

  /* name of the user, for supplementary group membership */
  if (!pq.by_uid)
    snprintf (username, sizeof username, "%s", ubuf);
  else if (pq.found || pq.uid == 0)
    {
      /* find the name by uid again: pw_match does not keep it */
      char path[4096];
      cleanup_free char *buf = NULL;
      struct berth_error ignored;
      snprintf (path, sizeof path, "%s/etc/passwd", root);
      if (read_file (path, &buf, NULL, &ignored) == 0)
        for (char *save = NULL, *l = strtok_r (buf, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
          {
            char *f[8];
            unsigned long uid;
            if (split_fields (l, f, 7) >= 7 && parse_id (f[2], &uid) == 0 && uid == pq.uid)
              {
                snprintf (username, sizeof username, "%s", f[0]);
                break;
              }
          }
    }

  if (group && *group)
    {
      struct gr_query gq = { .ids = out };
      if (parse_id (group, &id) == 0)
        out->gid = (gid_t) id;
      else
        {
          gq.name = group;
          for_each_line (root, "/etc/group", gr_match, 4, &gq);
          if (!gq.found)
            return berth_make_exec_error (err, ENOENT, 125, "unable to find group %s: no matching entries in group file", group);
          out->gid = (gid_t) gq.gid;
        }
    }
  else if (username[0])
    {
      /* Docker adds the groups that list the user as a member, only when no group was given */
      struct gr_query gq = { .ids = out, .member = username };
      for_each_line (root, "/etc/group", gr_match, 4, &gq);
    }
  return 0;
}

int
user_apply (const struct user_ids *ids, struct berth_error *err)
{
  /* Docker always lists the primary gid first among the supplementary groups
     (`id` shows groups=1000 for -u 1000:1000), then the user's member groups. */
  gid_t groups[USER_MAX_GROUPS + 1];
  size_t n = 0;
  groups[n++] = ids->gid;
  for (int i = 0; i < ids->ngroups; i++)
    if (ids->groups[i] != ids->gid)
      groups[n++] = ids->groups[i];
  if (setgroups (n, groups) < 0)
    return berth_make_error (err, errno, "setgroups");
  if (setgid (ids->gid) < 0)
    return berth_make_error (err, errno, "setgid %u", ids->gid);
  if (setuid (ids->uid) < 0)
    return berth_make_error (err, errno, "setuid %u", ids->uid);
  return 0;
}
