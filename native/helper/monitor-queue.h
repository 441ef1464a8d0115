/* monitor-queue.h: the monitor's table of attach clients and their output queues (accept,
 * drop, non-blocking sends) and the slow-client policy, described in monitor-queue.c.
 * Depends on nothing but the monitor's state: the protocol side is monitor-clients.c. */
#ifndef BERTH_MONITOR_QUEUE_H
#define BERTH_MONITOR_QUEUE_H

#include "monitor-state.h"

#define CLIENT_HWM (256 * 1024)
#define STALL_MS 30000
#define SHUT_MS 2000

long long monitor_now_ms (void);
/* Accepts one connection from the listen socket (non-blocking) into the table. */
void monitor_accept_client (struct monitor *m);
/* Closes client i and removes it (the last entry takes its place). */
void monitor_drop_client (struct monitor *m, int i);
size_t monitor_client_pending (const struct attach_client *c);
/* Appends one frame; -1 when out of memory (drop the client). */
int monitor_client_queue (struct attach_client *c, int type, const void *data, size_t len);
/* Sends what the socket takes without blocking; -1 when the client is gone. */
int monitor_client_flush (struct attach_client *c);
/* Flushes a client's queue; drops it on error, or shuts it down once its exit frame went out. */
void monitor_serve_client (struct monitor *m, int i);
/* Whether some client's queue is over CLIENT_HWM (stop reading the container's output). */
int monitor_output_blocked (const struct monitor *m);
/* Drops stalled clients (the policy above) and shut-down clients whose peer lingers. */
void monitor_drop_stalled (struct monitor *m, long long now);
/* The earliest time monitor_drop_stalled has something to do; 0 when nothing. */
long long monitor_next_drop (const struct monitor *m);

#endif
