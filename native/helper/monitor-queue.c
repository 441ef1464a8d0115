/* monitor-queue.c: the table of attach clients, their output queues and the slow-client policy.
 *
 * Policy. Output reaches the json-file log as soon as the monitor reads it, whatever the
 * clients do. Each attach client has a queue of frames its (non-blocking) socket has not
 * taken yet. While any client's queue holds more than CLIENT_HWM bytes the monitor stops
 * reading the container's output, so the container blocks on stdout/stderr as it does under
 * Docker with a slow attached client (berthd, in between, stops reading this socket while its
 * own client is slow, so the pressure reaches us instead of piling up in the daemon). A
 * client that has taken nothing for STALL_MS while bytes wait for it is dropped (its output
 * stays in the log), so a stuck client cannot hold the container forever. A queue never
 * exceeds max(REPLAY_MAX, CLIENT_HWM) plus one read and the exit frame, plus, after the
 * container's exit, what was left in its pipes (bounded by the pipe capacity: the log must
 * get it, so the monitor then reads regardless of clients). Once a client has all its bytes
 * and the exit frame, its socket is shut down for writing and kept until the peer closes (at
 * most SHUT_MS): closing at once would turn the peer's next write into EPIPE, and Node then
 * destroys the socket with our last frames still unread in it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <time.h>

#include "attach.h"
#include "monitor-queue.h"

/* buffers bigger than this (a replay) are freed once the client took them */
#define KEEP_CAP (128 * 1024)

long long
monitor_now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
monitor_accept_client (struct monitor *m)
{
  int fd = accept4 (m->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
  struct attach_client *c;
  if (fd < 0)
    return;
  if (m->nclients >= MONITOR_MAX_CLIENTS)
    {
      close (fd);
      return;
    }
  c = &m->clients[m->nclients++];
  c->fd = fd;
  c->flags = 0;
  c->used = 0;
  c->out = NULL;
  c->out_off = c->out_len = c->out_cap = 0;
  c->progress_ms = 0;
  c->closing = 0;
  c->shut_ms = 0;
}


void
monitor_drop_client (struct monitor *m, int i)
{
  close (m->clients[i].fd);
  free (m->clients[i].out);
  m->clients[i] = m->clients[--m->nclients];
}


size_t
monitor_client_pending (const struct attach_client *c)
{
  return c->out_len - c->out_off;
}

int
monitor_client_queue (struct attach_client *c, int type, const void *data, size_t len)
{
  size_t need;
  if (c->out_off == c->out_len)
    {
      c->out_off = c->out_len = 0;
      c->progress_ms = monitor_now_ms (); /* the stall clock starts with the first waiting byte */
    }
  else if (c->out_off >= KEEP_CAP / 2)
    {
      memmove (c->out, c->out + c->out_off, c->out_len - c->out_off);
      c->out_len -= c->out_off;
      c->out_off = 0;
    }
  need = c->out_len + FRAME_HEADER + len;
  if (need > c->out_cap)
    {
      size_t cap = c->out_cap * 2 > need ? c->out_cap * 2 : need;
      unsigned char *nb = realloc (c->out, cap);
      if (nb == NULL)
        return -1;
      c->out = nb;
      c->out_cap = cap;
    }
  frame_header (c->out + c->out_len, type, (uint32_t) len);
  if (len)
    memcpy (c->out + c->out_len + FRAME_HEADER, data, len);
  c->out_len = need;
  return 0;
}

int
monitor_client_flush (struct attach_client *c)
{
  while (c->out_off < c->out_len)
    {
      ssize_t n = send (c->fd, c->out + c->out_off, c->out_len - c->out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
      c->out_off += (size_t) n;
      c->progress_ms = monitor_now_ms ();
    }
  c->out_off = c->out_len = 0;
  if (c->out_cap > KEEP_CAP)
    {
      free (c->out);
      c->out = NULL;
      c->out_cap = 0;
    }
  return 0;
}

void
monitor_serve_client (struct monitor *m, int i)
{
  struct attach_client *c = &m->clients[i];
  if (monitor_client_flush (c) < 0)
    monitor_drop_client (m, i);
  else if (c->closing == 1 && monitor_client_pending (c) == 0)
    {
      /* everything is sent: end our side, let the peer close (see monitor.h) */
      shutdown (c->fd, SHUT_WR);
      c->closing = 2;
      c->shut_ms = monitor_now_ms ();
    }
}


int
monitor_output_blocked (const struct monitor *m)
{
  for (int i = 0; i < m->nclients; i++)
    if (monitor_client_pending (&m->clients[i]) > CLIENT_HWM)
      return 1;
  return 0;
}

/* Drops clients that took nothing for STALL_MS with bytes waiting, and shut-down clients
 * whose peer did not close within SHUT_MS. */
void
monitor_drop_stalled (struct monitor *m, long long now)
{
  for (int i = m->nclients - 1; i >= 0; i--)
    if (monitor_client_pending (&m->clients[i]) > 0 && now >= m->clients[i].progress_ms + STALL_MS)
      {
        fprintf (stderr, "berth-helper: dropping an attach client that took no output for %d s\n", STALL_MS / 1000);
        monitor_drop_client (m, i);
      }
    else if (m->clients[i].closing == 2 && now >= m->clients[i].shut_ms + SHUT_MS)
      monitor_drop_client (m, i);
}

/* The earliest time monitor_drop_stalled has something to do; 0 when nothing. */
long long
monitor_next_drop (const struct monitor *m)
{
  long long next = 0;
  for (int i = 0; i < m->nclients; i++)
    if (monitor_client_pending (&m->clients[i]) > 0 && (next == 0 || m->clients[i].progress_ms + STALL_MS < next))
      next = m->clients[i].progress_ms + STALL_MS;
  for (int i = 0; i < m->nclients; i++)
    if (m->clients[i].closing == 2 && (next == 0 || m->clients[i].shut_ms + SHUT_MS < next))
      next = m->clients[i].shut_ms + SHUT_MS;
  return next;
}
