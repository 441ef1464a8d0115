/* container.c: the container's setup sequence, in order:
 *   reset signals -> wait for "go" -> / rprivate -> [join netns] -> lo up -> sysctls -> mounts ->
 *   pivot_root -> masks, read-only paths -> hostname -> stdio/tty -> user -> cwd ->
 *   [netwait: wait for "network ready"; before the sysctls when there are any] -> bounding set -> [no_new_privs] -> seccomp -> [--init: fork, pid 1 stays] -> setuid ->
 *   capabilities -> inherited fds close-on-exec -> exec.
 * seccomp goes in before the user switch, as runc does without no_new_privs: loading a filter
 * then needs CAP_SYS_ADMIN, which a non-root user or the default set no longer has; what runs
 * after it (fork, setgroups/setuid, capset, close_range, execve) is allowed by every profile
 * a container can run with. pid 1 of --init is filtered too.
 * Any failure goes to the monitor as a struct berth_error over the CLOEXEC error pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "caps.h"
#include "console.h"
#include "container.h"
#include "rlimits.h"
#include "execve.h"
#include "fds.h"
#include "init.h"
#include "mounts.h"
#include "net.h"
#include "seccomp.h"
#include "user.h"
#include "utils.h"

int
container_clone_flags (const struct spec *spec)
{
  int flags = CLONE_NEWNS | CLONE_NEWUTS;
  if (strcmp (spec->network, "host") != 0 && spec->netns[0] == '\0')
    flags |= CLONE_NEWNET;
  if (spec->ipcns[0] == '\0')
    flags |= CLONE_NEWIPC;
  if (spec->pidns[0] == '\0')
    flags |= CLONE_NEWPID;
  return flags;
}

static int
join_ns (const char *path, int type, const char *what, struct berth_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return berth_make_error (err, errno, "open the %s namespace `%s`", what, path);
  if (setns (fd, type) < 0)
    return berth_make_error (err, errno, "join the %s namespace `%s`", what, path);
  return 0;
}

int
container_join_pid_ns (const struct spec *spec, struct berth_error *err)
{
  if (spec->pidns[0] == '\0' || strcmp (spec->pidns, "host") == 0)
    return 0;
  return join_ns (spec->pidns, CLONE_NEWPID, "PID", err);
}

static void
reset_signals (void)
{
  sigset_t none;
  sigemptyset (&none);
  for (int sig = 1; sig < NSIG; sig++)
    signal (sig, SIG_DFL);
  sigprocmask (SIG_SETMASK, &none, NULL);
}

/* Docker's OomScoreAdj: the container's processes inherit it from the first one. */
static int
write_oom_score_adj (int value, struct berth_error *err)
{
  char buf[16];
  int len = snprintf (buf, sizeof buf, "%d", value);
  int fd = open ("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return berth_make_error (err, errno, "open /proc/self/oom_score_adj");
  if (write (fd, buf, (size_t) len) != len)
    {
      int e = errno;
      close (fd);
      return berth_make_error (err, e, "write %s to /proc/self/oom_score_adj", buf);
    }
  close (fd);
  return 0;
}

static int
setup_stdio (struct container_ctx *c, struct berth_error *err)
{
  const struct spec *s = c->spec;
  if (s->tty)
    {
      int master, slave, ret;
      ret = console_open (s->rows, s->cols, 1, &master, &slave, err);
      if (ret < 0)
        return ret;
      ret = console_send_fd (c->console_fd, master, err);
      close (master);
      close (c->console_fd);
      if (ret < 0)
        return ret;
      return console_make_ctty (slave, err);
    }
  if (setsid () < 0)
    return berth_make_error (err, errno, "setsid");
  for (int fd = 0; fd < 3; fd++)
    {
      int src = c->stdio[fd];
      if (src < 0)
        src = open ("/dev/null", O_RDWR | O_CLOEXEC);
      if (src < 0 || dup2 (src, fd) < 0)
        return berth_make_error (err, errno, "set up stdio");
    }
  return 0;
}

/* The second byte on the sync pipe: the monitor writes "N" once the daemon's network setup
 * of the joined namespace is done (spec `netwait`), or closes the pipe when it failed. */
static int
await_network (struct container_ctx *c, struct berth_error *err)
{
  char ready;
  berth_error_set_step ("network");
  if (read_all (c->sync_fd, &ready, 1) != 1)
    return berth_make_error (err, ECANCELED, "the container's network could not be set up");
  close (c->sync_fd);
  c->sync_fd = -1;
  return 0;
}

static int
setup (struct container_ctx *c, struct berth_error *err)
{
  const struct spec *s = c->spec;
  struct user_ids ids;
  cleanup_free char **envp = NULL;
  struct seccomp_program filter;
  char go;
  int ret;

  berth_error_set_step ("sync");
  close (c->sync_peer);
  close (c->err_peer);
  close (c->report_peer);
  if (read_all (c->sync_fd, &go, 1) != 1)
    return berth_make_error (err, EPIPE, "the monitor went away before the start");
  if (!s->netwait)
    {
      close (c->sync_fd);
      c->sync_fd = -1;
    }
  /* netwait: sysctls may name the interfaces the daemon is still setting up */
  if (s->netwait && s->nsysctls > 0 && (ret = await_network (c, err)) < 0)
    return ret;

  berth_error_set_step ("oom_score_adj");
  /* while still privileged (a negative value needs CAP_SYS_RESOURCE); inherited by every
   * process the container starts, as runc does for the init process */
  if (s->oom_given && (ret = write_oom_score_adj (s->oom_score_adj, err)) < 0)
    return ret;
  berth_error_set_step ("seccomp");
  /* read while the exec-root is visible (before pivot_root) */
  if ((ret = seccomp_program_read (s->seccomp, &filter, err)) < 0)
    return ret;
  berth_error_set_step ("mounts");
  if (mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
    return berth_make_error (err, errno, "make / rprivate");
  berth_error_set_step ("network");
  if (s->netns[0] && (ret = net_join (s->netns, err)) < 0)
    return ret;
  if (s->ipcns[0] && strcmp (s->ipcns, "host") != 0 && (ret = join_ns (s->ipcns, CLONE_NEWIPC, "IPC", err)) < 0)
    return ret;
  if (strcmp (s->network, "host") != 0 && (ret = net_loopback_up (err)) < 0)
    return ret;
  if ((ret = net_sysctls (s->sysctls, s->nsysctls, err)) < 0)
    return ret;
  berth_error_set_step ("mounts");
  if ((ret = mounts_setup (s, err)) < 0)
    return ret;
  berth_error_set_step ("pivot_root");
  if ((ret = mounts_pivot (s->rootfs, err)) < 0)
    return ret;
  berth_error_set_step ("masks");
  if ((ret = mounts_finish (s, err)) < 0)
    return ret;
  berth_error_set_step ("hostname");
  if (s->hostname[0] && sethostname (s->hostname, strlen (s->hostname)) < 0)
    return berth_make_error (err, errno, "sethostname `%s`", s->hostname);
  berth_error_set_step ("stdio");
  if ((ret = setup_stdio (c, err)) < 0)
    return ret;
  berth_error_set_step ("user");
  if ((ret = user_resolve ("", s->user, &ids, err)) < 0)
    return ret;
  berth_error_set_step ("cwd");
  if (chdir (s->cwd) < 0)
    return berth_make_error (err, errno, "chdir to `%s`", s->cwd);
  berth_error_set_step ("exec");
  envp = exec_build_env (s->env, s->hostname, ids.home, s->tty);
  if (envp == NULL)
    return berth_make_error (err, ENOMEM, "environment");
  berth_error_set_step ("rlimits");
  if ((ret = rlimits_apply (s->rlimits, s->nrlimits, err)) < 0)
    return ret;
  /* netwait: everything above overlapped the daemon's network setup; nothing of the user's
   * runs before the network is there */
  if (s->netwait && c->sync_fd >= 0 && (ret = await_network (c, err)) < 0)
    return ret;
  berth_error_set_step ("caps");
  if ((ret = caps_bound (s->caps, err)) < 0)
    return ret;
  if (s->nnp && (ret = caps_no_new_privs (err)) < 0)
    return ret;
  berth_error_set_step ("seccomp");
  if ((ret = seccomp_program_load (&filter, err)) < 0)
    return ret;
  berth_error_set_step ("init");
  if (s->init && (ret = init_fork (s->tty, s->args, c->err_fd, err)) < 0)
    return ret;
  berth_error_set_step ("user");
  if ((ret = user_apply (&ids, err)) < 0)
    return ret;
  berth_error_set_step ("caps");
  if ((ret = caps_finish (ids.uid == 0, err)) < 0)
    return ret;
  fds_cloexec_from (3);
  return exec_command ((char *const *) s->args, envp, err);
}

int
container_main (void *arg)
{
  struct container_ctx *c = arg;
  struct berth_error err = { 0 };

  reset_signals ();
  setup (c, &err);
  /* only reached on failure */
  write_all (c->err_fd, &err, sizeof err);
  _exit (err.exit_code ? err.exit_code : 125);
}
