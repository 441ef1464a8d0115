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
#include "monitor.h"
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
drop_client (struct monitor *m, int i)
{
  close (m->clients[i].fd);
  m->clients[i] = m->clients[--m->nclients];
}

static int
wants (int flags, int stream)
{
  return (stream == FRAME_STDOUT && (flags & ATTACH_STDOUT)) || (stream == FRAME_STDERR && (flags & ATTACH_STDERR));
}

static void
replay_append (struct monitor *m, int stream, const char *data, size_t len)
{
  unsigned char *nb;
  if (m->replay_len + FRAME_HEADER + len > REPLAY_MAX)
    return;
  nb = realloc (m->replay, m->replay_len + FRAME_HEADER + len);
  if (nb == NULL)
    return;
  m->replay = nb;
  frame_header (m->replay + m->replay_len, stream, (uint32_t) len);
  memcpy (m->replay + m->replay_len + FRAME_HEADER, data, len);
  m->replay_len += FRAME_HEADER + len;
}

static void
send_replay (struct monitor *m, struct attach_client *c)
{
  size_t off = 0;
  while (off + FRAME_HEADER <= m->replay_len)
    {
      uint32_t len = frame_length (m->replay + off);
      int stream = m->replay[off];
      if (wants (c->flags, stream))
        frame_send (c->fd, stream, m->replay + off + FRAME_HEADER, len);
      off += FRAME_HEADER + len;
    }
  m->replay_served = 1;
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
  replay_append (m, stream, buf, (size_t) n);
  for (int i = m->nclients - 1; i >= 0; i--)
    if (wants (m->clients[i].flags, stream) && frame_send (m->clients[i].fd, stream, buf, (size_t) n) < 0)
      drop_client (m, i);
}

static void
close_stdin (struct monitor *m)
{
  /* with a tty the master is also the output: closing it would end the output */
  if (m->in_fd >= 0 && !m->spec->tty)
    {
      close (m->in_fd);
      m->in_fd = -1;
    }
  free (m->pending_in);
  m->pending_in = NULL;
  m->pending_len = 0;
  m->close_stdin_pending = 0;
}

static void
write_stdin (struct monitor *m, const unsigned char *data, size_t len)
{
  unsigned char *nb;
  if (m->in_fd < 0 || len == 0)
    return;
  nb = realloc (m->pending_in, m->pending_len + len);
  if (nb == NULL)
    return;
  memcpy (nb + m->pending_len, data, len);
  m->pending_in = nb;
  m->pending_len += len;
}

static void
flush_stdin (struct monitor *m)
{
  ssize_t n;
  if (m->in_fd < 0 || m->pending_len == 0)
    return;
  n = TEMP_FAILURE_RETRY (write (m->in_fd, m->pending_in, m->pending_len));
  if (n < 0)
    {
      if (errno != EAGAIN)
        close_stdin (m); /* EPIPE: nobody reads stdin any more */
      return;
    }
  memmove (m->pending_in, m->pending_in + n, m->pending_len - (size_t) n);
  m->pending_len -= (size_t) n;
  if (m->pending_len == 0 && m->close_stdin_pending)
    close_stdin (m);
}

/* Handles one complete frame from a client; returns -1 to drop the client. */
static int
client_frame (struct monitor *m, struct attach_client *c, int type, const unsigned char *p, uint32_t len)
{
  if (c->flags == 0 && type != FRAME_HELLO)
    return -1;
  switch (type)
    {
    case FRAME_HELLO:
      c->flags = len > 0 ? (p[0] | 0x100) : 0x100; /* 0x100: hello seen */
      if (c->flags & ATTACH_REPLAY)
        send_replay (m, c);
      if (m->finished)
        {
          char code[16];
          int n = snprintf (code, sizeof code, "%d", m->exit_code);
          frame_send (c->fd, FRAME_EXIT, code, (size_t) n);
          return -1;
        }
      return 0;
    case FRAME_STDIN:
      if (c->flags & ATTACH_STDIN)
        write_stdin (m, p, len);
      return 0;
    case FRAME_CLOSE_STDIN:
      /* after the bytes that came before it */
      m->close_stdin_pending = 1;
      if (m->pending_len == 0)
        close_stdin (m);
      return 0;
    case FRAME_RESIZE:
      if (len >= 4 && m->spec->tty && m->out_fd[1] >= 0)
        console_resize (m->out_fd[1], (p[0] << 8) | p[1], (p[2] << 8) | p[3]);
      return 0;
    default:
      return -1;
    }
}

static int
read_client (struct monitor *m, struct attach_client *c)
{
  ssize_t n = TEMP_FAILURE_RETRY (read (c->fd, c->buf + c->used, sizeof c->buf - c->used));
  size_t off = 0;
  if (n <= 0)
    return -1;
  c->used += (size_t) n;
  while (c->used - off >= FRAME_HEADER)
    {
      uint32_t len = frame_length (c->buf + off);
      if (len > FRAME_MAX_PAYLOAD)
        return -1;
      if (c->used - off < FRAME_HEADER + len)
        break;
      if (client_frame (m, c, c->buf[off], c->buf + off + FRAME_HEADER, len) < 0)
        return -1;
      off += FRAME_HEADER + len;
    }
  memmove (c->buf, c->buf + off, c->used - off);
  c->used -= off;
  return 0;
}

static void
accept_client (struct monitor *m)
{
  int fd = accept4 (m->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (fd < 0)
    return;
  if (m->nclients >= MONITOR_MAX_CLIENTS)
    {
      close (fd);
      return;
    }
  m->clients[m->nclients].fd = fd;
  m->clients[m->nclients].flags = 0;
  m->clients[m->nclients].used = 0;
  m->nclients++;
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
      drop_client (m, i);
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
        flush_stdin (m);
      /* clients: walk backwards so drop_client's swap does not skip one */
      for (int i = m->nclients - 1; i >= 0; i--)
        if (ci + i < np && pfd[ci + i].fd == m->clients[i].fd && pfd[ci + i].revents
            && read_client (m, &m->clients[i]) < 0)
          drop_client (m, i);
      flush_stdin (m);
      if (pfd[1].revents)
        accept_client (m);
    }
}
