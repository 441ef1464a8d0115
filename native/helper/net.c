/* net.c: see net.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "net.h"
#include "utils.h"

int
net_loopback_up (struct berth_error *err)
{
  struct ifreq ifr;
  cleanup_close int s = socket (AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

  if (s < 0)
    return berth_make_error (err, errno, "socket for loopback setup");
  memset (&ifr, 0, sizeof ifr);
  strncpy (ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (ioctl (s, SIOCGIFFLAGS, &ifr) < 0)
    return berth_make_error (err, errno, "read the flags of lo");
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  if (ioctl (s, SIOCSIFFLAGS, &ifr) < 0)
    return berth_make_error (err, errno, "bring lo up");
  return 0;
}

int
net_join (const char *path, struct berth_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return berth_make_error (err, errno, "open the network namespace `%s`", path);
  if (setns (fd, CLONE_NEWNET) < 0)
    return berth_make_error (err, errno, "join the network namespace `%s`", path);
  return 0;
}

int
net_sysctls (const char *const *kv, int n, struct berth_error *err)
{
  for (int i = 0; i < n; i++)
    {
      char file[512];
      const char *eq = strchr (kv[i], '=');
      size_t klen = eq ? (size_t) (eq - kv[i]) : 0;
      if (eq == NULL || klen == 0 || klen + sizeof "/proc/sys/" > sizeof file || memchr (kv[i], '/', klen) != NULL)
        return berth_make_error (err, EINVAL, "invalid sysctl `%s`", kv[i]);
      memcpy (file, "/proc/sys/", 10);
      for (size_t j = 0; j < klen; j++)
        file[10 + j] = kv[i][j] == '.' ? '/' : kv[i][j];
      file[10 + klen] = '\0';
      cleanup_close int fd = open (file, O_WRONLY | O_CLOEXEC);
      if (fd < 0)
        return berth_make_error (err, errno, "sysctl %.*s", (int) klen, kv[i]);
      size_t vlen = strlen (eq + 1);
      if (write_all (fd, eq + 1, vlen) < 0)
        return berth_make_error (err, errno, "sysctl %.*s=%s", (int) klen, kv[i], eq + 1);
    }
  return 0;
}
