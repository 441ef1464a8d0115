/* monitor-loop.c: the monitor's poll loop: container output -> log + attach clients,
 * attach clients -> stdin / resize / close-stdin, SIGCHLD -> exit status.
 *
 * Exit sequence: when init dies, keep reading output until every output fd reaches EOF
 * (the pid namespace is torn down, so writers vanish) or DRAIN_MS passes; then flush the
 * log, write exit.json, send FRAME_EXIT to clients. With await_attach, linger until one
 * client has attached with ATTACH_REPLAY (or LINGER_MS) so a `docker run` that attaches
 * just after start still gets all output of a short-lived container. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "attach.h"
#include "console.h"
#include "monitor-internal.h"
#include "utils.h"

#define DRAIN_MS 2000
#define LINGER_MS 60000

static long long
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
read_output (struct monitor *m, int stream)
{
  char buf[32768];
  ssize_t n = TEMP_FAILURE_RETRY (read (m->out_fd[stream], buf, sizeof buf));
  if (n < 0 && errno == EAGAIN)
    return;
  if (n <= 0)
    {
      /* EOF on a pipe, EIO on a pty master once every slave is closed */
      if (m->in_fd == m->out_fd[stream])
        m->in_fd = -1;
      close (m->out_fd[stream]);
      m->out_fd[stream] = -1;
      return;
    }
  log_write (&m->log, stream, buf, (size_t) n);
  monitor_replay_append (m, stream, buf, (size_t) n);
  for (int i = m->nclients - 1; i >= 0; i--)
    if (monitor_wants (m->clients[i].flags, stream) && frame_send (m->clients[i].fd, stream, buf, (size_t) n) < 0)
      monitor_drop_client (m, i);
}

static void
reap (struct monitor *m)
{
  int status;
  if (!m->exited && waitpid (m->init_pid, &status, WNOHANG) == m->init_pid)
    {
      m->exited = 1;
      m->exit_code = WIFEXITED (status) ? WEXITSTATUS (status) : 128 + WTERMSIG (status);
    }
}

static void
finish (struct monitor *m)
{
  char code[16];
  int n = snprintf (code, sizeof code, "%d", m->exit_code);
  log_flush (&m->log);
  monitor_write_exit (m->spec, m->init_pid, m->exit_code, NULL);
  for (int i = m->nclients - 1; i >= 0; i--)
    {
      if (m->clients[i].flags)
        frame_send (m->clients[i].fd, FRAME_EXIT, code, (size_t) n);
      monitor_drop_client (m, i);
    }
  m->finished = 1;
}

void
monitor_loop (struct monitor *m)
{
  long long deadline = 0;
  for (;;)
    {
      struct pollfd pfd[8 + MONITOR_MAX_CLIENTS];
      int np = 0, timeout = -1, ci;

      if (m->exited && !m->finished)
        {
          if (deadline == 0)
            deadline = now_ms () + DRAIN_MS;
          if ((m->out_fd[1] < 0 && m->out_fd[2] < 0) || now_ms () >= deadline)
            {
              finish (m);
              deadline = now_ms () + LINGER_MS;
            }
        }
      if (m->finished)
        {
          if (!m->spec->await_attach || m->replay_served || now_ms () >= deadline)
            return;
        }
      if (deadline)
        timeout = (int) (deadline - now_ms () > 0 ? deadline - now_ms () : 0);

      pfd[np++] = (struct pollfd){ .fd = m->sig_fd, .events = POLLIN };
      pfd[np++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
      pfd[np++] = (struct pollfd){ .fd = m->out_fd[1], .events = POLLIN };
      pfd[np++] = (struct pollfd){ .fd = m->out_fd[2], .events = POLLIN };
      pfd[np++] = (struct pollfd){ .fd = m->pending_len ? m->in_fd : -1, .events = POLLOUT };
      ci = np;
      for (int i = 0; i < m->nclients; i++)
        pfd[np++] = (struct pollfd){ .fd = m->clients[i].fd, .events = m->pending_len ? 0 : POLLIN };
      if (poll (pfd, (nfds_t) np, timeout) < 0)
        {
          if (errno == EINTR)
            continue;
          perror ("berth-helper: poll");
          return;
        }
      if (pfd[0].revents)
        {
          struct signalfd_siginfo si;
          if (read (m->sig_fd, &si, sizeof si) < 0 && errno != EAGAIN)
            perror ("berth-helper: signalfd");
          reap (m);
        }
      for (int s = 1; s <= 2; s++)
        if (pfd[1 + s].fd >= 0 && pfd[1 + s].revents && m->out_fd[s] == pfd[1 + s].fd)
          read_output (m, s);
      if (pfd[4].fd >= 0 && pfd[4].revents)
        monitor_flush_stdin (m);
      /* clients: walk backwards so drop_client's swap does not skip one */
      for (int i = m->nclients - 1; i >= 0; i--)
        if (ci + i < np && pfd[ci + i].fd == m->clients[i].fd && pfd[ci + i].revents
            && monitor_read_client (m, &m->clients[i]) < 0)
          monitor_drop_client (m, i);
      monitor_flush_stdin (m);
      if (pfd[1].revents)
        monitor_accept_client (m);
    }
}
