/* caps.c: the container's capability sets (bounding, then effective/permitted) and
 * no_new_privs. The set itself is the daemon's decision (Docker's default set with
 * --cap-add/--cap-drop applied, or what berthd holds for --privileged), passed in the spec as
 * a mask; Docker's default set stays here for specs that carry none.
 * Raw capset/prctl: libcap would add a runtime dependency for three calls. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/capability.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"

static const int default_caps[] = {
  CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW, CAP_SETGID,
  CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT, CAP_KILL,
  CAP_AUDIT_WRITE,
};

/* The set caps_bound kept; caps_finish gives it to root. One process, one container: the
 * container's init (and its --init pid 1) or one exec session. */
static uint64_t kept;

uint64_t
caps_default_mask (void)
{
  uint64_t m = 0;
  for (size_t i = 0; i < sizeof default_caps / sizeof default_caps[0]; i++)
    m |= 1ULL << default_caps[i];
  return m;
}

int
caps_bound (uint64_t keep, struct berth_error *err)
{
  kept = keep;
  for (int cap = 0; cap <= 63; cap++)
    {
      if (keep & (1ULL << cap))
        continue;
      if (prctl (PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
        {
          if (errno == EINVAL) /* past the kernel's last capability */
            break;
          return berth_make_error (err, errno, "drop capability %d from the bounding set", cap);
        }
    }
  return 0;
}

int
caps_finish (int is_root, struct berth_error *err)
{
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
  struct __user_cap_data_struct data[2] = { 0 };
  uint64_t m = is_root ? kept : 0;

  data[0].effective = data[0].permitted = (uint32_t) m;
  data[1].effective = data[1].permitted = (uint32_t) (m >> 32);
  /* inheritable stays empty, as in Docker since CVE-2022-24769 */
  if (syscall (SYS_capset, &hdr, data) < 0)
    return berth_make_error (err, errno, "capset");
  return 0;
}

int
caps_no_new_privs (struct berth_error *err)
{
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return berth_make_error (err, errno, "set no_new_privs");
  return 0;
}
