/* cmd-exec.c: the `berth-helper exec SPEC` subcommand (docker exec): run a new process in a
 * running container. The final execve itself is execve.c, shared with the container's init.
 *
 * Opens every /proc/<pid>/ns/<type> fd first (after joining the mount namespace /proc would be
 * the container's), joins the container's cgroups, setns()es ipc, uts, net, pid, mnt, then
 * forks (the pid namespace applies to children only). The child sets the bounding set,
 * [no_new_privs], the container's seccomp filter, the user, caps, cwd, marks every inherited
 * fd >= 3 close-on-exec and execs (the same order as a container's init, container.c). stdio: without a tty the child inherits ours; with a tty a
 * pty is opened in the container's devpts and proxied to our stdin/stdout.
 *
 * fd 3, when open, is the control channel (a socket from the daemon):
 *   helper -> daemon: {"pid":N}\n once running, or an error report (report.h)\n
 *   daemon -> helper: "resize ROWS COLS\n"
 * Exit status: the process's (128+signal when killed), or 125/126/127 for setup errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "console.h"
#include "execve.h"
#include "fds.h"
#include "report.h"
#include "rlimits.h"
#include "seccomp.h"
#include "spec.h"
#include "subcommands.h"
#include "user.h"
#include "utils.h"

static const struct { const char *name; int type; } namespaces[] = {
  { "ipc", CLONE_NEWIPC }, { "uts", CLONE_NEWUTS }, { "net", CLONE_NEWNET }, { "pid", CLONE_NEWPID }, { "mnt", CLONE_NEWNS },
};
#define NNS (sizeof namespaces / sizeof namespaces[0])

static int
join_container (const struct spec *s, struct berth_error *err)
{
  int fds[NNS];
  char path[4096];

  for (size_t i = 0; i < NNS; i++)
    {
      snprintf (path, sizeof path, "/proc/%d/ns/%s", s->pid, namespaces[i].name);
      fds[i] = open (path, O_RDONLY | O_CLOEXEC);
      if (fds[i] < 0)
        return berth_make_error (err, errno, "open `%s`", path);
    }
  if (cgroup_join (s, getpid (), err) < 0)
    return -1;
  for (size_t i = 0; i < NNS; i++)
    {
      if (setns (fds[i], namespaces[i].type) < 0)
        return berth_make_error (err, errno, "join the %s namespace", namespaces[i].name);
      close (fds[i]);
    }
  return 0;
}

static void __attribute__ ((noreturn))
child (const struct spec *s, const struct seccomp_program *filter, int slave, int errfd)
{
  struct berth_error err = { 0 };
  struct user_ids ids;
  char **envp;
  int ret;
  sigset_t none;

  sigemptyset (&none);
  sigprocmask (SIG_SETMASK, &none, NULL);
  if (slave >= 0)
    ret = console_make_ctty (slave, &err);
  else
    ret = setsid () < 0 ? berth_make_error (&err, errno, "setsid") : 0;
  berth_error_set_step ("user");
  if (ret == 0)
    ret = user_resolve ("", s->user, &ids, &err);
  berth_error_set_step ("cwd");
  if (ret == 0 && chdir (s->cwd) < 0)
    ret = berth_make_exec_error (&err, errno, 126, "chdir to cwd (\"%s\") set in config.json failed: %s", s->cwd, strerror (errno));
  berth_error_set_step ("caps");
  if (ret == 0)
    {
      envp = exec_build_env (s->env, NULL, ids.home, s->tty);
      if ((ret = caps_bound (s->caps, &err)) == 0 && (!s->nnp || (ret = caps_no_new_privs (&err)) == 0)
          && (ret = seccomp_program_load (filter, &err)) == 0 && (ret = user_apply (&ids, &err)) == 0
          && (ret = caps_finish (ids.uid == 0, &err)) == 0 && (ret = fds_cloexec_from (3)) == 0)
        exec_command ((char *const *) s->args, envp, &err);
    }
  write_all (errfd, &err, sizeof err);
  _exit (err.exit_code ? err.exit_code : 125);
}

static void
ctl_send (int ctl, const char *json)
{
  if (ctl >= 0)
    {
      write_all (ctl, json, strlen (json));
      write_all (ctl, "\n", 1);
    }
}

static void
ctl_read (int *ctl, int master)
{
  char buf[256];
  ssize_t n = TEMP_FAILURE_RETRY (read (*ctl, buf, sizeof buf - 1));
  int rows, cols;
  if (n <= 0)
    {
      close (*ctl);
      *ctl = -1;
      return;
    }
  buf[n] = '\0';
  for (char *save = NULL, *l = strtok_r (buf, "\n", &save); l; l = strtok_r (NULL, "\n", &save))
    if (sscanf (l, "resize %d %d", &rows, &cols) == 2 && master >= 0)
      console_resize (master, rows, cols);
}

static int
copy (int from, int to)
{
  char buf[32768];
  ssize_t n = TEMP_FAILURE_RETRY (read (from, buf, sizeof buf));
  if (n <= 0)
    return -1;
  return write_all (to, buf, (size_t) n);
}

/* Proxies stdin/pty/control until the process exits; returns its exit code. */
static int
supervise (pid_t pid, int master, int ctl, int sigfd)
{
  int in = master >= 0 ? 0 : -1, code = -1;
  for (;;)
    {
      struct pollfd p[4] = {
        { .fd = sigfd, .events = POLLIN }, { .fd = ctl, .events = POLLIN },
        { .fd = in, .events = POLLIN },    { .fd = master, .events = POLLIN },
      };
      if (code >= 0 && master < 0)
        return code;
      if (poll (p, 4, code >= 0 ? 200 : -1) == 0 && code >= 0)
        return code; /* exited, and the pty stayed quiet: whoever holds it is not ours */
      if (p[0].revents)
        {
          struct signalfd_siginfo si;
          int status;
          if (read (sigfd, &si, sizeof si) < 0)
            continue;
          if (waitpid (pid, &status, WNOHANG) == pid)
            code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
        }
      if (p[1].revents)
        ctl_read (&ctl, master);
      if (p[2].revents && copy (0, master) < 0)
        in = -1;
      if (p[3].revents && copy (master, 1) < 0)
        {
          close (master);
          master = -1;
        }
    }
}

int
helper_exec (const char *spec_path)
{
  static struct spec spec;
  struct berth_error err = { 0 };
  struct seccomp_program filter = { 0 };
  int ctl = fcntl (3, F_GETFD) >= 0 ? 3 : -1, errp[2], master = -1, slave = -1, sigfd;
  char json[4096];
  sigset_t mask;
  pid_t pid;
  ssize_t n;

  if (ctl >= 0)
    fcntl (ctl, F_SETFD, FD_CLOEXEC);
  berth_error_set_step ("spec");
  if (spec_load (spec_path, &spec, &err) < 0
      || (spec.pid <= 0 && berth_make_error (&err, EINVAL, "spec: `pid` of the container is required") < 0))
    goto fail;
  berth_error_set_step ("seccomp");
  if (seccomp_program_read (spec.seccomp, &filter, &err) < 0) /* before setns(mnt) */
    goto fail;
  berth_error_set_step ("join");
  /* The session's limits are the container's: prlimit names the pid in this process's own pid
   * namespace, which setns leaves as it was (only children enter the container's). */
  if (join_container (&spec, &err) < 0 || rlimits_copy_from (spec.pid, &err) < 0)
    goto fail;
  berth_error_set_step ("console");
  if (spec.tty && console_open (spec.rows, spec.cols, 0, &master, &slave, &err) < 0)
    goto fail;
  berth_error_set_step ("exec-session");
  if (pipe2 (errp, O_CLOEXEC) < 0)
    {
      berth_make_error (&err, errno, "error pipe");
      goto fail;
    }
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&mask);
  sigaddset (&mask, SIGCHLD);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  /* without it the process's exit would go unseen and we would proxy forever */
  sigfd = signalfd (-1, &mask, SFD_CLOEXEC);
  if (sigfd < 0)
    {
      berth_make_error (&err, errno, "signalfd");
      goto fail;
    }
  pid = fork ();
  if (pid < 0)
    {
      berth_make_error (&err, errno, "fork");
      goto fail;
    }
  if (pid == 0)
    child (&spec, &filter, slave, errp[1]);
  close (errp[1]);
  if (slave >= 0)
    close (slave);
  n = read_all (errp[0], &err, sizeof err);
  close (errp[0]);
  if (n != 0)
    {
      if (n < 0)
        berth_make_error (&err, errno, "read the process's setup report");
      else if (n < (ssize_t) sizeof err)
        berth_make_error (&err, EPIPE, "the process's setup report was cut short");
      kill (pid, SIGKILL);
      waitpid (pid, NULL, 0);
      goto fail;
    }
  snprintf (json, sizeof json, "{\"pid\":%d}", pid);
  ctl_send (ctl, json);
  return supervise (pid, master, ctl, sigfd);

fail:
  report_error_complete (&err);
  report_error_json (&err, json, sizeof json);
  ctl_send (ctl, json);
  berth_error_print (&err);
  return err.exit_code;
}
