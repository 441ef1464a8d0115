/* path.c: see path.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "utils.h"

int
path_secure_join (const char *root, const char *unsafe, char *out, size_t outlen, struct berth_error *err)
{
  char rest[PATH_MAX], cur[PATH_MAX] = "", full[PATH_MAX * 2], target[PATH_MAX];
  int links = 0;

  if (snprintf (rest, sizeof rest, "%s", unsafe) >= (int) sizeof rest)
    return berth_make_error (err, ENAMETOOLONG, "path `%s`", unsafe);
  while (rest[0])
    {
      char *slash, comp[NAME_MAX + 1], cand[PATH_MAX];
      size_t clen;
      struct stat st;
      ssize_t tl;

      slash = strchr (rest, '/');
      clen = slash ? (size_t) (slash - rest) : strlen (rest);
      if (clen > NAME_MAX)
        return berth_make_error (err, ENAMETOOLONG, "path `%s`", unsafe);
      memcpy (comp, rest, clen);
      comp[clen] = '\0';
      memmove (rest, slash ? slash + 1 : rest + clen, strlen (slash ? slash + 1 : rest + clen) + 1);
      if (clen == 0 || strcmp (comp, ".") == 0)
        continue;
      if (strcmp (comp, "..") == 0)
        {
          char *last = strrchr (cur, '/');
          if (last)
            *last = '\0';
          else
            cur[0] = '\0';
          continue;
        }
      snprintf (cand, sizeof cand, "%s/%s", cur, comp);
      snprintf (full, sizeof full, "%s%s", root, cand);
      if (lstat (full, &st) < 0 || !S_ISLNK (st.st_mode))
        {
          memcpy (cur, cand, sizeof cur);
          continue;
        }
      if (++links > 40)
        return berth_make_error (err, ELOOP, "path `%s`", unsafe);
      tl = readlink (full, target, sizeof target - 1);
      if (tl < 0)
        return berth_make_error (err, errno, "readlink `%s`", full);
      target[tl] = '\0';
      if (target[0] == '/')
        cur[0] = '\0';
      /* the link target replaces the component; the rest of the path follows it */
      if (strlen (target) + 1 + strlen (rest) + 1 > sizeof rest)
        return berth_make_error (err, ENAMETOOLONG, "path `%s`", unsafe);
      {
        char tmp[PATH_MAX];
        snprintf (tmp, sizeof tmp, "%s/%s", target, rest);
        memcpy (rest, tmp, sizeof rest);
      }
    }
  if (snprintf (out, outlen, "%s%s", root, cur[0] ? cur : "/") >= (int) outlen)
    return berth_make_error (err, ENAMETOOLONG, "path `%s`", unsafe);
  return 0;
}

int
path_make_mountpoint (const char *path, int is_file, struct berth_error *err)
{
  char parent[PATH_MAX];
  char *slash;
  int fd;

  if (!is_file)
    return mkdir_p (path, 0755, err);
  snprintf (parent, sizeof parent, "%s", path);
  slash = strrchr (parent, '/');
  if (slash && slash != parent)
    {
      *slash = '\0';
      if (mkdir_p (parent, 0755, err) < 0)
        return -1;
    }
  fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0 && errno != EISDIR)
    return berth_make_error (err, errno, "create mount point `%s`", path);
  if (fd >= 0)
    close (fd);
  return 0;
}
