/* mounts.c: see mounts.h. Paths under the rootfs are resolved with path_secure_join so
 * an image's symlinks cannot redirect a mount onto the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "devices.h"
#include "mounts.h"
#include "path.h"
#include "utils.h"

static const char *const masked_paths[] = {
  "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
  "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
  "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap", NULL,
};

static const char *const readonly_paths[] = {
  "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

int
mounts_remount_ro (const char *path, struct berth_error *err)
{
  struct statvfs sv;
  unsigned long flags = MS_BIND | MS_REMOUNT | MS_RDONLY;
  if (statvfs (path, &sv) < 0)
    return berth_make_error (err, errno, "statvfs `%s`", path);
  /* keep the flags the mount already has, or the remount is refused */
  if (sv.f_flag & ST_NOSUID) flags |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV) flags |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME) flags |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME) flags |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME) flags |= MS_RELATIME;
  if (mount (NULL, path, NULL, flags, NULL) < 0)
    return berth_make_error (err, errno, "remount `%s` read-only", path);
  return 0;
}

/* Splits Docker tmpfs options ("size=64m,mode=1777,noexec") into mount flags and data. */
static void
tmpfs_options (const char *opt, unsigned long *flags, char *data, size_t len)
{
  char buf[1024];
  char *save = NULL;
  size_t used = 0;
  static const struct { const char *name; unsigned long set, clear; } words[] = {
    { "ro", MS_RDONLY, 0 }, { "rw", 0, MS_RDONLY }, { "nosuid", MS_NOSUID, 0 }, { "suid", 0, MS_NOSUID },
    { "nodev", MS_NODEV, 0 }, { "dev", 0, MS_NODEV }, { "noexec", MS_NOEXEC, 0 }, { "exec", 0, MS_NOEXEC },
    { "noatime", MS_NOATIME, 0 }, { "relatime", MS_RELATIME, 0 }, { "strictatime", MS_STRICTATIME, 0 },
  };
  *flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
  data[0] = '\0';
  snprintf (buf, sizeof buf, "%s", opt ? opt : "");
  for (char *w = strtok_r (buf, ",", &save); w; w = strtok_r (NULL, ",", &save))
    {
      size_t i;
      for (i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcmp (w, words[i].name) == 0)
          {
            *flags = (*flags | words[i].set) & ~words[i].clear;
            break;
          }
      if (i < sizeof words / sizeof words[0])
        continue;
      used += (size_t) snprintf (data + used, used < len ? len - used : 0, "%s%s", used ? "," : "", w);
    }
}

static int
user_mount (const char *rootfs, const struct spec_mount *m, struct berth_error *err)
{
  char dst[PATH_MAX];
  int ret = path_secure_join (rootfs, m->dst, dst, sizeof dst, err);
  if (ret < 0)
    return ret;
  if (strcmp (m->type, "tmpfs") == 0)
    {
      unsigned long flags;
      char data[1024];
      tmpfs_options (m->opt, &flags, data, sizeof data);
      ret = path_make_mountpoint (dst, 0, err);
      if (ret < 0)
        return ret;
      if (mount ("tmpfs", dst, "tmpfs", flags, data) < 0)
        return berth_make_error (err, errno, "mount tmpfs on `%s`", m->dst);
      return 0;
    }
  {
    struct stat st;
    if (stat (m->src, &st) < 0)
      return berth_make_error (err, errno, "bind mount source `%s`", m->src);
    ret = path_make_mountpoint (dst, !S_ISDIR (st.st_mode), err);
    if (ret < 0)
      return ret;
    if (mount (m->src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
      return berth_make_error (err, errno, "bind mount `%s` on `%s`", m->src, m->dst);
    if (m->ro)
      return mounts_remount_ro (dst, err);
  }
  return 0;
}

/* The container's own cgroups at /sys/fs/cgroup, read-only, as Docker shows them: v2 binds
 * the container's directory there; v1 puts a tmpfs there with one bind per hierarchy (the
 * tmpfs turns read-only once they are in). The directories were made by the daemon. */
static int
cgroup_views (const struct spec *s, struct berth_error *err)
{
  char base[PATH_MAX], p[PATH_MAX];
  int ret;

  if (s->ncgviews == 0)
    return 0;
  snprintf (base, sizeof base, "%s/sys/fs/cgroup", s->rootfs);
  if (s->ncgviews == 1 && s->cgviews[0][0] == ':')
    {
      if (mount (s->cgviews[0] + 1, base, NULL, MS_BIND, NULL) < 0)
        return berth_make_error (err, errno, "bind the container's cgroup `%s`", s->cgviews[0] + 1);
      return mounts_remount_ro (base, err);
    }
  if (mount ("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=755") < 0)
    return berth_make_error (err, errno, "mount a tmpfs on /sys/fs/cgroup");
  for (int i = 0; i < s->ncgviews; i++)
    {
      const char *colon = strchr (s->cgviews[i], ':');
      snprintf (p, sizeof p, "%s/%.*s", base, (int) (colon - s->cgviews[i]), s->cgviews[i]);
      if (mkdir (p, 0755) < 0 && errno != EEXIST)
        return berth_make_error (err, errno, "mkdir `%s`", p);
      if (mount (colon + 1, p, NULL, MS_BIND, NULL) < 0)
        return berth_make_error (err, errno, "bind the container's cgroup `%s`", colon + 1);
      if ((ret = mounts_remount_ro (p, err)) < 0)
        return ret;
    }
  return mounts_remount_ro (base, err);
}

static int
bind_etc_file (const char *rootfs, const char *src, const char *ctr_path, struct berth_error *err)
{
  struct spec_mount m = { .type = "bind", .src = src, .dst = ctr_path, .opt = "" };
  if (src == NULL || src[0] == '\0')
    return 0;
  return user_mount (rootfs, &m, err);
}

int
mounts_setup (const struct spec *s, struct berth_error *err)
{
  char p[PATH_MAX];
  int ret;

  /* bind the rootfs onto itself: pivot_root needs a mount point (it is one when the
   * daemon mounted the overlay there, but a plain directory works this way too) */
  if (mount (s->rootfs, s->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return berth_make_error (err, errno, "bind rootfs `%s`", s->rootfs);

  snprintf (p, sizeof p, "%s/proc", s->rootfs);
  if ((ret = path_make_mountpoint (p, 0, err)) < 0)
    return ret;
  if (mount ("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
    return berth_make_error (err, errno, "mount /proc");

  snprintf (p, sizeof p, "%s/sys", s->rootfs);
  if ((ret = path_make_mountpoint (p, 0, err)) < 0)
    return ret;
  if (mount ("sysfs", p, "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | (s->privileged ? 0 : MS_RDONLY), NULL) < 0)
    {
      /* sysfs of the host netns cannot be mounted fresh everywhere: bind it (read-only) */
      if (mount ("/sys", p, NULL, MS_BIND | MS_REC, NULL) < 0)
        return berth_make_error (err, errno, "mount /sys");
      if (!s->privileged && (ret = mounts_remount_ro (p, err)) < 0)
        return ret;
    }

  if ((ret = cgroup_views (s, err)) < 0)
    return ret;

  if ((ret = devices_setup (s->rootfs, s->shm, err)) < 0)
    return ret;
  berth_error_set_step ("devices");
  if ((ret = devices_add (s, err)) < 0)
    return ret;
  berth_error_set_step ("mounts");

  if ((ret = bind_etc_file (s->rootfs, s->hosts, "/etc/hosts", err)) < 0
      || (ret = bind_etc_file (s->rootfs, s->hostname_file, "/etc/hostname", err)) < 0
      || (ret = bind_etc_file (s->rootfs, s->resolv, "/etc/resolv.conf", err)) < 0)
    return ret;

  berth_error_set_step ("binds");
  for (int i = 0; i < s->nmounts; i++)
    if ((ret = user_mount (s->rootfs, &s->mounts[i], err)) < 0)
      return ret;
  berth_error_set_step ("cwd");

  /* the working directory exists before the rootfs may turn read-only (Docker creates it) */
  if ((ret = path_secure_join (s->rootfs, s->cwd, p, sizeof p, err)) < 0)
    return ret;
  if ((ret = mkdir_p (p, 0755, err)) < 0)
    return berth_error_wrap (err, "working directory");
  return 0;
}

int
mounts_pivot (const char *rootfs, struct berth_error *err)
{
  if (chdir (rootfs) < 0)
    return berth_make_error (err, errno, "chdir `%s`", rootfs);
  /* pivot_root(".", ".") stacks the old root on the new one; detaching it leaves only the
   * container's mounts, so the host's mount table is invisible inside */
  if (syscall (SYS_pivot_root, ".", ".") == 0)
    {
      if (umount2 (".", MNT_DETACH) < 0)
        return berth_make_error (err, errno, "detach the old root");
    }
  else if (chroot (".") < 0)
    return berth_make_error (err, errno, "chroot `%s`", rootfs);
  if (chdir ("/") < 0)
    return berth_make_error (err, errno, "chdir /");
  return 0;
}

int
mounts_finish (const struct spec *s, struct berth_error *err)
{
  struct stat st;
  int ret;

  const char *const *masked = s->masked_given ? s->masked : masked_paths;
  const char *const *ropaths = s->ropaths_given ? s->ropaths : readonly_paths;

  if (s->privileged) /* Docker masks nothing for --privileged */
    goto rootfs;
  for (const char *const *m = masked; *m; m++)
    {
      if (stat (*m, &st) < 0)
        continue;
      if (S_ISDIR (st.st_mode))
        ret = mount ("tmpfs", *m, "tmpfs", MS_RDONLY, NULL);
      else
        ret = mount ("/dev/null", *m, NULL, MS_BIND, NULL);
      if (ret < 0)
        return berth_make_error (err, errno, "mask `%s`", *m);
    }
  for (const char *const *r = ropaths; *r; r++)
    {
      if (stat (*r, &st) < 0)
        continue;
      if (mount (*r, *r, NULL, MS_BIND | MS_REC, NULL) < 0)
        return berth_make_error (err, errno, "bind `%s`", *r);
      if ((ret = mounts_remount_ro (*r, err)) < 0)
        return ret;
    }
rootfs:
  if (s->readonly && (ret = mounts_remount_ro ("/", err)) < 0)
    return berth_error_wrap (err, "read-only rootfs");
  return 0;
}
