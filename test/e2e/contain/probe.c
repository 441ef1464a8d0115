/* probe.c: tries what a contained process must not be able to do and prints one line per
 * attempt, "name=OK" or "name=<errno name>". Built static by test/e2e/contain.test.ts and run
 * inside containers; writes nothing outside its own new mount namespace.
 *   probe userns keys personality bpf perf fds euid
 * fds: the open descriptors (but the one reading /proc/self/fd) and a write to fd 300. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *
name (int e)
{
  switch (e)
    {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EINVAL: return "EINVAL";
    case ENOSYS: return "ENOSYS";
    case EFAULT: return "EFAULT";
    case ENOENT: return "ENOENT";
    case EDQUOT: return "EDQUOT";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    default: return strerrorname_np (e) ? strerrorname_np (e) : "other";
    }
}

static void
report (const char *what, long ret)
{
  if (ret < 0)
    printf ("%s=%s\n", what, name (errno));
  else
    printf ("%s=OK\n", what);
}

int
main (int argc, char **argv)
{
  for (int i = 1; i < argc; i++)
    {
      const char *t = argv[i];
      if (strcmp (t, "userns") == 0)
        {
          /* a user namespace gives back every capability, in it: then mount */
          long r = unshare (CLONE_NEWUSER | CLONE_NEWNS);
          report ("unshare", r);
          if (r == 0)
            report ("mount", mount ("none", "/tmp", "tmpfs", 0, "size=1m"));
        }
      else if (strcmp (t, "keys") == 0)
        {
          report ("add_key", syscall (SYS_add_key, "user", "berth-probe", "x", 1, -2 /* process keyring */));
          report ("keyctl", syscall (SYS_keyctl, 0 /* GET_KEYRING_ID */, -4 /* user keyring */, 0));
        }
      else if (strcmp (t, "personality") == 0)
        {
          int old = personality (0xffffffff);
          report ("personality", personality (READ_IMPLIES_EXEC));
          personality (old);
        }
      else if (strcmp (t, "bpf") == 0)
        /* an unknown command: EINVAL once the kernel looks at it */
        report ("bpf", syscall (SYS_bpf, 9999, NULL, 0));
      else if (strcmp (t, "perf") == 0)
        /* invalid flags: EINVAL once the kernel looks at them */
        report ("perf_event_open", syscall (SYS_perf_event_open, NULL, 0, -1, -1, ~0UL));
      else if (strcmp (t, "fds") == 0)
        {
          DIR *d = opendir ("/proc/self/fd");
          struct dirent *e;
          printf ("fds=");
          for (int n = 0; d && (e = readdir (d)) != NULL;)
            if (e->d_name[0] != '.' && atoi (e->d_name) != dirfd (d))
              printf ("%s%s", n++ ? "," : "", e->d_name);
          printf ("\n");
          if (d)
            closedir (d);
          report ("write300", write (300, "escaped\n", 8));
        }
      else if (strcmp (t, "euid") == 0)
        printf ("euid=%d\n", (int) geteuid ());
      else
        printf ("%s=unknown-probe\n", t);
    }
  return 0;
}
