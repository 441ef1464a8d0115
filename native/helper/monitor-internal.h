/* monitor-internal.h: what monitor-loop.c and monitor-clients.c share. */
#ifndef BERTH_MONITOR_INTERNAL_H
#define BERTH_MONITOR_INTERNAL_H

#include "monitor.h"

void monitor_drop_client (struct monitor *m, int i);
int monitor_wants (int flags, int stream);
void monitor_replay_append (struct monitor *m, int stream, const char *data, size_t len);
void monitor_send_replay (struct monitor *m, struct attach_client *c);
void monitor_close_stdin (struct monitor *m);
void monitor_write_stdin (struct monitor *m, const unsigned char *data, size_t len);
void monitor_flush_stdin (struct monitor *m);
/* Reads and handles a client's frames; returns -1 to drop the client. */
int monitor_read_client (struct monitor *m, struct attach_client *c);
void monitor_accept_client (struct monitor *m);
/* Flushes a client's queue; drops it on error, or once its exit frame went out. */
void monitor_serve_client (struct monitor *m, int i);

/* monitor-queue.c: output queues and the slow-client policy (described there) */
#define CLIENT_HWM (256 * 1024)
#define STALL_MS 30000
#define SHUT_MS 2000
long long monitor_now_ms (void);
size_t monitor_client_pending (const struct attach_client *c);
/* Appends one frame; -1 when out of memory (drop the client). */
int monitor_client_queue (struct attach_client *c, int type, const void *data, size_t len);
/* Sends what the socket takes without blocking; -1 when the client is gone. */
int monitor_client_flush (struct attach_client *c);
/* Whether some client's queue is over CLIENT_HWM (stop reading the container's output). */
int monitor_output_blocked (const struct monitor *m);
/* Drops stalled clients (the policy above) and shut-down clients whose peer lingers. */
void monitor_drop_stalled (struct monitor *m, long long now);
/* The earliest time monitor_drop_stalled has something to do; 0 when nothing. */
long long monitor_next_drop (const struct monitor *m);

#endif
