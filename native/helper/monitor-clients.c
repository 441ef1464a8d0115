/* monitor-clients.c: the monitor's side of attach clients: hello, stdin with back-pressure,
 * close-stdin, resize, replay of early output, and dropping clients that went away. Output to
 * clients goes through their queues (monitor-queue.c), never a blocking write; the client
 * table itself (accept, drop) is monitor-queue.c's too. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attach.h"
#include "console.h"
#include "monitor-clients.h"
#include "monitor-queue.h"
#include "utils.h"

int
monitor_wants (int flags, int stream)
{
  return (stream == FRAME_STDOUT && (flags & ATTACH_STDOUT)) || (stream == FRAME_STDERR && (flags & ATTACH_STDERR));
}

void
monitor_replay_append (struct monitor *m, int stream, const char *data, size_t len)
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

void
monitor_send_replay (struct monitor *m, struct attach_client *c)
{
  size_t off = 0;
  while (off + FRAME_HEADER <= m->replay_len)
    {
      uint32_t len = frame_length (m->replay + off);
      int stream = m->replay[off];
      if (monitor_wants (c->flags, stream))
        monitor_client_queue (c, stream, m->replay + off + FRAME_HEADER, len);
      off += FRAME_HEADER + len;
    }
  m->replay_served = 1;
}

void
monitor_close_stdin (struct monitor *m)
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

void
monitor_write_stdin (struct monitor *m, const unsigned char *data, size_t len)
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

void
monitor_flush_stdin (struct monitor *m)
{
  ssize_t n;
  if (m->in_fd < 0 || m->pending_len == 0)
    return;
  n = TEMP_FAILURE_RETRY (write (m->in_fd, m->pending_in, m->pending_len));
  if (n < 0)
    {
      if (errno != EAGAIN)
        monitor_close_stdin (m); /* EPIPE: nobody reads stdin any more */
      return;
    }
  memmove (m->pending_in, m->pending_in + n, m->pending_len - (size_t) n);
  m->pending_len -= (size_t) n;
  if (m->pending_len == 0 && m->close_stdin_pending)
    monitor_close_stdin (m);
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
        monitor_send_replay (m, c);
      if (m->finished)
        {
          /* a late client (await_attach): replay, then the exit, then close once sent */
          char code[16];
          int n = snprintf (code, sizeof code, "%d", m->exit_code);
          if (monitor_client_queue (c, FRAME_EXIT, code, (size_t) n) < 0)
            return -1;
          c->closing = 1;
        }
      return 0;
    case FRAME_STDIN:
      if (c->flags & ATTACH_STDIN)
        monitor_write_stdin (m, p, len);
      return 0;
    case FRAME_CLOSE_STDIN:
      /* after the bytes that came before it */
      m->close_stdin_pending = 1;
      if (m->pending_len == 0)
        monitor_close_stdin (m);
      return 0;
    case FRAME_RESIZE:
      if (len >= 4 && m->spec->tty && m->out_fd[1] >= 0)
        console_resize (m->out_fd[1], (p[0] << 8) | p[1], (p[2] << 8) | p[3]);
      return 0;
    default:
      return -1;
    }
}

int
monitor_read_client (struct monitor *m, struct attach_client *c)
{
  ssize_t n = TEMP_FAILURE_RETRY (read (c->fd, c->buf + c->used, sizeof c->buf - c->used));
  size_t off = 0;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    return 0;
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
