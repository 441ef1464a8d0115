/* monitor-loop.c: the monitor's poll loop: container output -> log + attach clients,
 * attach clients -> stdin / resize / close-stdin, SIGCHLD -> exit status, OOM kills in the
 * container's memory cgroup -> <rundir>/oom (monitor-oom.c).
 *
 * Output to clients is queued and sent without blocking; a slow client pauses the reading of
 * the container's output (see monitor-queue.c for the policy and its bounds).
 *
 * Exit sequence: when init dies, keep reading output until every output fd reaches EOF (the
 * pid namespace is torn down, so writers vanish) or DRAIN_MS passes. Then serve clients that
 * connected but have not sent their hello yet (accept the backlog, wait up to HELLO_MS for
 * their hellos: they get their replay like everyone else), flush the log, write exit.json,
 * queue FRAME_EXIT to every client and close each once it has taken all of its bytes. With
 * await_attach, also linger until one client has attached with ATTACH_REPLAY (or LINGER_MS),
 * so a `docker run` that attaches just after start still gets all output of a short-lived
 * container; until that client came, output beyond the replay buffer is not read (up to
 * AWAIT_ATTACH_MS), so the replay and the live stream join without a gap. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attach.h"
#include "console.h"
#include "monitor-clients.h"
#include "monitor-files.h"
#include "monitor-loop.h"
#include "monitor-queue.h"
#include "utils.h"

#define DRAIN_MS 2000
#define HELLO_MS 2000
#define LINGER_MS 60000
#define AWAIT_ATTACH_MS 10000
#define READ_CHUNK 32768

static void
read_output (struct monitor *m, int stream)
{
  char buf[READ_CHUNK];
  ssize_t n = TEMP_FAILURE_RETRY (read (m->out_fd[stream], buf, sizeof buf));
  if (n < 0 && errno == EAGAIN)
    return;
  if (n <= 0)
    {
      /* EOF on a pipe, EIO on a pty master once every slave is closed */
      if (m->in_fd == m->out_fd[stream])
        {
          /* the master is stdin too: stdin is gone, and so is any stdin still pending
           * (else clients' input stays gated behind it and late hellos go unread) */
          m->in_fd = -1;
          monitor_close_stdin (m);
        }
      close (m->out_fd[stream]);
      m->out_fd[stream] = -1;
      return;
    }
  log_write (&m->log, stream, buf, (size_t) n);
  monitor_replay_append (m, stream, buf, (size_t) n);
  for (int i = m->nclients - 1; i >= 0; i--)
    if (monitor_wants (m->clients[i].flags, stream) && !m->clients[i].closing)
      {
        if (monitor_client_queue (&m->clients[i], stream, buf, (size_t) n) < 0)
          monitor_drop_client (m, i);
        else
          monitor_serve_client (m, i);
      }
}

/* Whether to leave the container's output unread for now (the container then blocks). */
static int
output_held (const struct monitor *m, long long now)
{
  if (m->exited)
    return 0; /* what is left is bounded by the pipe capacity, and the log must get it */
  if (monitor_output_blocked (m))
    return 1;
  return m->spec->await_attach && !m->replay_served && m->replay_len + FRAME_HEADER + READ_CHUNK > REPLAY_MAX
         && now < m->started_ms + AWAIT_ATTACH_MS;
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

static int
hello_pending (const struct monitor *m)
{
  for (int i = 0; i < m->nclients; i++)
    if (m->clients[i].flags == 0)
      return 1;
  return 0;
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
      struct attach_client *c = &m->clients[i];
      if (c->flags == 0 || monitor_client_queue (c, FRAME_EXIT, code, (size_t) n) < 0)
        {
          monitor_drop_client (m, i);
          continue;
        }
      c->closing = 1;
      monitor_serve_client (m, i);
    }
  m->finished = 1;
}

static long long
earliest (long long a, long long b)
{
  return a == 0 || (b != 0 && b < a) ? b : a;
}

void
monitor_loop (struct monitor *m)
{
  long long drain_deadline = 0, hello_deadline = 0, linger_deadline = 0;
  m->started_ms = monitor_now_ms ();
  /* accepting must never block: the backlog is drained at the exit */
  fcntl (m->listen_fd, F_SETFL, fcntl (m->listen_fd, F_GETFL) | O_NONBLOCK);
  for (;;)
    {
      struct pollfd pfd[8 + MONITOR_MAX_CLIENTS];
      int np = 0, timeout = -1, ci, held;
      long long now = monitor_now_ms (), wake = 0;

      monitor_drop_stalled (m, now);
      if (m->exited && !m->finished)
        {
          if (drain_deadline == 0)
            drain_deadline = now + DRAIN_MS;
          if ((m->out_fd[1] < 0 && m->out_fd[2] < 0) || now >= drain_deadline)
            {
              if (hello_deadline == 0)
                {
                  hello_deadline = now + HELLO_MS;
                  for (int k = 0; k < MONITOR_MAX_CLIENTS; k++)
                    monitor_accept_client (m); /* the backlog: connected, not yet accepted */
                }
              if (!hello_pending (m) || now >= hello_deadline)
                {
                  finish (m);
                  linger_deadline = now + LINGER_MS;
                }
              else
                wake = hello_deadline;
            }
          else
            wake = drain_deadline;
        }
      if (m->finished)
        {
          int busy = 0;
          for (int i = 0; i < m->nclients; i++)
            busy |= m->clients[i].flags != 0;
          if (!busy && (!m->spec->await_attach || m->replay_served || now >= linger_deadline))
            return;
          if (m->spec->await_attach && !m->replay_served)
            wake = earliest (wake, linger_deadline);
        }
      held = output_held (m, now);
      if (held && !monitor_output_blocked (m))
        wake = earliest (wake, m->started_ms + AWAIT_ATTACH_MS);
      wake = earliest (wake, monitor_next_drop (m));
      if (wake)
        timeout = (int) (wake - now > 0 ? wake - now : 0);

      pfd[np++] = (struct pollfd){ .fd = m->sig_fd, .events = POLLIN };
      pfd[np++] = (struct pollfd){ .fd = m->listen_fd, .events = POLLIN };
      pfd[np++] = (struct pollfd){ .fd = held ? -1 : m->out_fd[1], .events = POLLIN };
      pfd[np++] = (struct pollfd){ .fd = held ? -1 : m->out_fd[2], .events = POLLIN };
      pfd[np++] = (struct pollfd){ .fd = m->pending_len ? m->in_fd : -1, .events = POLLOUT };
      /* not after the exit: a v1 eventfd also fires when its cgroup is removed */
      pfd[np++] = (struct pollfd){ .fd = m->exited ? -1 : m->oom.fd, .events = POLLIN };
      ci = np;
      for (int i = 0; i < m->nclients; i++)
        pfd[np++] = (struct pollfd){ .fd = m->clients[i].fd,
                                     .events = (short) ((m->pending_len ? 0 : POLLIN)
                                                        | (monitor_client_pending (&m->clients[i]) ? POLLOUT : 0)) };
      if (poll (pfd, (nfds_t) np, timeout) < 0)
        {
          if (errno == EINTR)
            continue;
          perror ("berth-helper: poll");
          return;
        }
      /* before the exit: the kill comes first, and berthd announces it before the death */
      if (pfd[5].fd >= 0 && pfd[5].revents)
        oom_watch_ready (m->spec, &m->oom);
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
      /* clients: walk backwards so drop_client's swap does not skip one. pfd[ci + i] still
       * matches clients[i] for every i not yet visited (drops only move later entries). */
      for (int i = m->nclients - 1; i >= 0; i--)
        {
          short rev = ci + i < np && pfd[ci + i].fd == m->clients[i].fd ? pfd[ci + i].revents : 0;
          if ((rev & (POLLIN | POLLHUP | POLLERR)) && monitor_read_client (m, &m->clients[i]) < 0)
            monitor_drop_client (m, i);
          else if (monitor_client_pending (&m->clients[i]) > 0 || m->clients[i].closing == 1)
            monitor_serve_client (m, i);
        }
      monitor_flush_stdin (m);
      if (pfd[1].revents)
        monitor_accept_client (m);
    }
}
