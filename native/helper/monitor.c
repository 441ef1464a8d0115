/* monitor.c: the monitor's start-up (see monitor.h): stdio, attach socket, clone of the
 * container, cgroup join, the "go" byte, the setup result, state.json, the report. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "console.h"
#include "container.h"
#include "monitor-files.h"
#include "monitor-loop.h"
#include "monitor.h"
#include "report.h"
#include "utils.h"

#define CLONE_STACK (1024 * 1024)

static void
report (int fd, char kind, const char *json)
{
  char buf[4200];
  int n = snprintf (buf, sizeof buf, "%c%s\n", kind, json);
  write_all (fd, buf, (size_t) n);
}

static void __attribute__ ((noreturn))
fail (int report_fd, struct berth_error *err)
{
  char json[4096];
  report_error_json (err, json, sizeof json);
  report (report_fd, 'E', json);
  berth_error_print (err);
  unlink ("attach.sock");
  _exit (1);
}

static int
listen_attach (struct berth_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return berth_make_error (err, errno, "attach socket");
  /* relative to the run dir (our cwd): the absolute path may exceed sun_path */
  strcpy (addr.sun_path, "attach.sock");
  unlink (addr.sun_path);
  if (bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (fd, 16) < 0)
    {
      close (fd);
      return berth_make_error (err, errno, "listen on attach.sock");
    }
  chmod (addr.sun_path, 0600);
  return fd;
}

/* Opens the container's stdio: a console socketpair with a tty, pipes otherwise. */
static int
open_stdio (struct monitor *m, struct container_ctx *c, int *console_peer, struct berth_error *err)
{
  int p[2];
  if (m->spec->tty)
    {
      if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p) < 0)
        return berth_make_error (err, errno, "console socketpair");
      *console_peer = p[0];
      c->console_fd = p[1];
      return 0;
    }
  if (m->spec->open_stdin)
    {
      if (pipe2 (p, O_CLOEXEC) < 0)
        return berth_make_error (err, errno, "stdin pipe");
      c->stdio[0] = p[0];
      m->in_fd = p[1];
      fcntl (m->in_fd, F_SETFL, O_NONBLOCK);
    }
  for (int s = 1; s <= 2; s++)
    {
      if (pipe2 (p, O_CLOEXEC) < 0)
        return berth_make_error (err, errno, "output pipe");
      m->out_fd[s] = p[0];
      c->stdio[s] = p[1];
    }
  return 0;
}

/* netwait: the daemon's "network ready" byte arrives on the helper's stdin; keep a copy of it
 * before stdio goes to /dev/null */
static int
keep_netwait_fd (const struct spec *s)
{
  return s->netwait ? fcntl (0, F_DUPFD_CLOEXEC, 3) : -1;
}

/* Holds the container (on its sync pipe, after "G") until the daemon says its network is
 * set up: 'g' on the netwait descriptor; anything else, or EOF, means the setup failed. */
static int
await_network (int netwait_fd, int sync_fd, struct berth_error *err)
{
  char go = 0;
  if (netwait_fd < 0)
    return berth_make_error (err, EBADF, "no descriptor to wait for the network on");
  if (read_all (netwait_fd, &go, 1) != 1 || go != 'g')
    return berth_make_error (err, ECANCELED, "the container's network could not be set up");
  write_all (sync_fd, "N", 1);
  return 0;
}

static void
redirect_own_stdio (const struct spec *s)
{
  char path[4096];
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC), log;
  snprintf (path, sizeof path, "%s/monitor.log", s->rundir);
  log = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  dup2 (null, 0);
  dup2 (null, 1);
  dup2 (log >= 0 ? log : null, 2);
  if (null > 2)
    close (null);
  if (log > 2)
    close (log);
}

void
monitor_main (const struct spec *s, int report_fd)
{
  static struct monitor m;
  struct container_ctx c = { .spec = s, .console_fd = -1, .stdio = { -1, -1, -1 } };
  struct berth_error err = { 0 }, cerr = { 0 };
  int sync[2], errp[2], console_peer = -1, logfd, ret, netwait_fd;
  char *stack, json[256];
  sigset_t mask;
  ssize_t n;

  m.spec = s;
  m.in_fd = m.out_fd[0] = m.out_fd[1] = m.out_fd[2] = -1;
  m.oom.fd = m.oom.aux_fd = -1;
  berth_error_set_step ("monitor");
  netwait_fd = keep_netwait_fd (s);
  redirect_own_stdio (s);
  if (chdir (s->rundir) < 0)
    fail (report_fd, (berth_make_error (&err, errno, "chdir `%s`", s->rundir), &err));
  signal (SIGPIPE, SIG_IGN);
  sigemptyset (&mask);
  sigaddset (&mask, SIGCHLD);
  sigprocmask (SIG_BLOCK, &mask, NULL);
  m.sig_fd = signalfd (-1, &mask, SFD_CLOEXEC);
  /* without it the container's exit would go unseen and the monitor would wait forever */
  if (m.sig_fd < 0)
    fail (report_fd, (berth_make_error (&err, errno, "signalfd"), &err));
  if ((m.listen_fd = listen_attach (&err)) < 0 || open_stdio (&m, &c, &console_peer, &err) < 0)
    fail (report_fd, &err);
  logfd = s->log && s->log[0] ? open (s->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640) : -1;
  if (s->log && s->log[0] && logfd < 0)
    fail (report_fd, (berth_make_error (&err, errno, "open the log file `%s`", s->log), &err));
  log_init (&m.log, logfd, s->log, s->log_max_size, s->log_max_files);
  if (pipe2 (sync, O_CLOEXEC) < 0 || pipe2 (errp, O_CLOEXEC) < 0)
    fail (report_fd, (berth_make_error (&err, errno, "pipe"), &err));
  c.sync_fd = sync[0];
  c.err_fd = errp[1];
  c.sync_peer = sync[1];
  c.err_peer = errp[0];
  c.report_peer = report_fd;

  berth_error_set_step ("clone");
  stack = malloc (CLONE_STACK);
  if (stack == NULL)
    fail (report_fd, (berth_make_error (&err, ENOMEM, "clone stack"), &err));
  if (container_join_pid_ns (s, &err) < 0)
    fail (report_fd, &err);
  m.init_pid = clone (container_main, stack + CLONE_STACK, container_clone_flags (s) | SIGCHLD, &c);
  if (m.init_pid < 0)
    fail (report_fd, (berth_make_error (&err, errno, "clone the container"), &err));
  close (sync[0]);
  close (errp[1]);
  for (int i = 0; i < 3; i++)
    if (c.stdio[i] >= 0)
      close (c.stdio[i]);
  if (c.console_fd >= 0)
    close (c.console_fd);

  berth_error_set_step ("cgroup");
  ret = cgroup_join (s, m.init_pid, &err);
  if (ret == 0)
    write_all (sync[1], "G", 1);
  if (ret == 0 && s->netwait)
    {
      berth_error_set_step ("network");
      ret = await_network (netwait_fd, sync[1], &err);
    }
  if (netwait_fd >= 0)
    close (netwait_fd);
  close (sync[1]);
  berth_error_set_step ("console");
  if (ret == 0 && s->tty)
    {
      int master = console_recv_fd (console_peer, &err);
      if (master >= 0)
        {
          m.out_fd[1] = m.in_fd = master;
          fcntl (master, F_SETFL, O_NONBLOCK);
        }
    }
  if (console_peer >= 0)
    close (console_peer);
  /* the container's verdict: a struct berth_error, or EOF once it exec'd */
  n = read_all (errp[0], &cerr, sizeof cerr);
  close (errp[0]);
  if (n < 0)
    berth_make_error (&cerr, errno, "read the container's setup report");
  else if (n > 0 && n < (ssize_t) sizeof cerr)
    n = berth_make_error (&cerr, EPIPE, "the container's setup report was cut short");
  if (ret < 0 || n != 0)
    {
      int status;
      /* the container's own account of its failure says more than ours, except when we
       * never let it start (a cgroup we could not join, a network the daemon could not set
       * up): then it only saw us go away */
      if (n != 0 && !(ret < 0 && (strcmp (err.step, "cgroup") == 0 || strcmp (err.step, "network") == 0)))
        err = cerr;
      kill (m.init_pid, SIGKILL);
      waitpid (m.init_pid, &status, 0);
      report_error_complete (&err);
      monitor_write_exit (s, m.init_pid, err.exit_code, err.msg);
      fail (report_fd, &err);
    }

  snprintf (json, sizeof json, "{\"pid\":%d,\"startTime\":%llu,\"monitorPid\":%d,\"monitorStartTime\":%llu,\"tty\":%s}",
            m.init_pid, proc_start_time (m.init_pid), getpid (), proc_start_time (getpid ()), s->tty ? "true" : "false");
  monitor_write_state (s, json);
  oom_watch_open (s, &m.oom);
  report (report_fd, 'O', json);
  close (report_fd);
  monitor_loop (&m);
  unlink ("attach.sock");
  _exit (0);
}
