/* monitor-state.h: the monitor's state, shared by its files (monitor.c, monitor-loop.c,
 * monitor-clients.c, monitor-queue.c, described in monitor.h). Types only. */
#ifndef BERTH_MONITOR_STATE_H
#define BERTH_MONITOR_STATE_H

#include <sys/types.h>

#include "log.h"
#include "monitor-oom.h"
#include "spec.h"

#define MONITOR_MAX_CLIENTS 64

struct attach_client
{
  int fd;    /* non-blocking */
  int flags; /* ATTACH_* from the hello frame; 0 until it arrived */
  unsigned char buf[8 + 65536];
  size_t used;
  /* output not yet taken by the client's socket (monitor-queue.c) */
  unsigned char *out;
  size_t out_off, out_len, out_cap;
  long long progress_ms; /* last time the queue shrank, or became non-empty */
  /* 1: FRAME_EXIT is queued; 2: all sent and our side shut down, waiting (up to SHUT_MS,
   * from shut_ms) for the peer to close, so its late writes never meet a closed socket
   * (Node destroys a socket on EPIPE and drops what it had not read yet) */
  int closing;
  long long shut_ms;
};

struct monitor
{
  const struct spec *spec;
  pid_t init_pid;
  int listen_fd;
  int out_fd[3]; /* [1] stdout pipe or pty master, [2] stderr pipe; -1 once at EOF */
  int in_fd;     /* stdin pipe write end or pty master; -1 when none or closed */
  int sig_fd;
  int exited, exit_code, finished;
  struct attach_client clients[MONITOR_MAX_CLIENTS];
  int nclients;
  struct log_writer log;
  unsigned char *replay; /* stdout/stderr frames since start, for ATTACH_REPLAY */
  size_t replay_len;
  int replay_served;
  long long started_ms; /* when the loop began: bounds the await_attach hold on output */
  unsigned char *pending_in; /* stdin bytes the container has not read yet */
  size_t pending_len;
  int close_stdin_pending; /* a client closed stdin: close once pending_in is written */
  struct oom_watch oom;    /* the memory cgroup's OOM kills, for berthd's `oom` event */
};

#endif
