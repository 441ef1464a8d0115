/* devices.c: see devices.h. Nodes are made with mknod (we are real root with CAP_MKNOD);
 * when that is refused for the minimal set the host node is bind-mounted instead. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "devices.h"
#include "path.h"
#include "utils.h"

static const struct { const char *name; unsigned maj, min; } nodes[] = {
  { "null", 1, 3 }, { "zero", 1, 5 }, { "full", 1, 7 }, { "random", 1, 8 }, { "urandom", 1, 9 }, { "tty", 5, 0 },
};

static const struct { const char *target, *name; } links[] = {
  { "/proc/self/fd", "fd" }, { "/proc/self/fd/0", "stdin" }, { "/proc/self/fd/1", "stdout" },
  { "/proc/self/fd/2", "stderr" }, { "pts/ptmx", "ptmx" }, { "/proc/kcore", "core" },
};

static int
make_node (const char *dev, const char *name, unsigned maj, unsigned min, struct berth_error *err)
{
  char path[PATH_MAX], host[64];
  int fd;
  snprintf (path, sizeof path, "%s/%s", dev, name);
  if (mknod (path, S_IFCHR | 0666, makedev (maj, min)) == 0)
    return chmod (path, 0666) < 0 ? berth_make_error (err, errno, "chmod `/dev/%s`", name) : 0;
  fd = open (path, O_WRONLY | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0)
    return berth_make_error (err, errno, "create `/dev/%s`", name);
  close (fd);
  snprintf (host, sizeof host, "/dev/%s", name);
  if (mount (host, path, NULL, MS_BIND, NULL) < 0)
    return berth_make_error (err, errno, "bind `%s`", host);
  return 0;
}

static int
mount_sub (const char *dev, const char *name, const char *fstype, unsigned long flags, const char *data,
           struct berth_error *err)
{
  char path[PATH_MAX];
  snprintf (path, sizeof path, "%s/%s", dev, name);
  if (mkdir (path, 0755) < 0 && errno != EEXIST)
    return berth_make_error (err, errno, "mkdir `/dev/%s`", name);
  if (mount (fstype, path, fstype, flags, data) < 0)
    return berth_make_error (err, errno, "mount `/dev/%s`", name);
  return 0;
}

int
devices_setup (const char *rootfs, const char *shm_opts, struct berth_error *err)
{
  char dev[PATH_MAX];
  int ret;

  char shm[128];
  /* "none": --ipc none, or a /dev/shm the daemon binds in later (shareable, container:, host) */
  bool own_shm = !(shm_opts && strcmp (shm_opts, "none") == 0);
  snprintf (shm, sizeof shm, "mode=1777,%s", shm_opts && *shm_opts ? shm_opts : "size=65536k");
  shm_opts = shm;
  snprintf (dev, sizeof dev, "%s/dev", rootfs);
  if ((ret = mkdir_p (dev, 0755, err)) < 0)
    return ret;
  if (mount ("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k") < 0)
    return berth_make_error (err, errno, "mount /dev");
  for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++)
    if ((ret = make_node (dev, nodes[i].name, nodes[i].maj, nodes[i].min, err)) < 0)
      return ret;
  if ((ret = mount_sub (dev, "pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5", err)) < 0)
    return ret;
  if (own_shm && (ret = mount_sub (dev, "shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm_opts, err)) < 0)
    return ret;
  /* mqueue needs the new ipc namespace; not fatal when the kernel lacks it */
  if (mount_sub (dev, "mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0 && err->status != ENODEV)
    return -1;
  for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
    {
      char path[PATH_MAX];
      snprintf (path, sizeof path, "%s/%s", dev, links[i].name);
      if (symlink (links[i].target, path) < 0 && errno != EEXIST)
        return berth_make_error (err, errno, "symlink `/dev/%s`", links[i].name);
    }
  return 0;
}

/* One `device` record: "TYPE MAJOR MINOR MODE UID GID PATH", MODE in octal. */
static int
add_device (const char *rootfs, const char *rec, struct berth_error *err)
{
  char type, path[PATH_MAX], parent[PATH_MAX], *slash;
  unsigned maj, min, mode, uid, gid;
  int off = -1, ret;

  if (sscanf (rec, "%c %u %u %o %u %u %n", &type, &maj, &min, &mode, &uid, &gid, &off) != 6 || off < 0
      || (type != 'b' && type != 'c') || rec[off] != '/')
    return berth_make_error (err, EINVAL, "spec: invalid device `%s`", rec);
  if ((ret = path_secure_join (rootfs, rec + off, path, sizeof path, err)) < 0)
    return ret;
  snprintf (parent, sizeof parent, "%s", path);
  slash = strrchr (parent, '/');
  if (slash && slash != parent)
    {
      *slash = '\0';
      if ((ret = mkdir_p (parent, 0755, err)) < 0)
        return berth_error_wrap (err, "device `%s`", rec + off);
    }
  if (unlink (path) < 0 && errno != ENOENT)
    return berth_make_error (err, errno, "replace `%s` with a device", rec + off);
  if (mknod (path, (type == 'b' ? S_IFBLK : S_IFCHR) | (mode & 07777), makedev (maj, min)) < 0)
    return berth_make_error (err, errno, "mknod `%s`", rec + off);
  if (chown (path, uid, gid) < 0 || chmod (path, mode & 07777) < 0)
    return berth_make_error (err, errno, "set the owner and mode of `%s`", rec + off);
  return 0;
}

int
devices_add (const struct spec *s, struct berth_error *err)
{
  for (int i = 0; i < s->ndevices; i++)
    {
      int ret = add_device (s->rootfs, s->devices[i], err);
      if (ret < 0)
        return ret;
    }
  return 0;
}
