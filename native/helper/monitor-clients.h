/* monitor-clients.h: the attach protocol on the monitor's side (hello, stdin with
 * back-pressure, close-stdin, resize, replay). Sends go through monitor-queue.h. */
#ifndef BERTH_MONITOR_CLIENTS_H
#define BERTH_MONITOR_CLIENTS_H

#include "monitor-state.h"

int monitor_wants (int flags, int stream);
void monitor_replay_append (struct monitor *m, int stream, const char *data, size_t len);
void monitor_send_replay (struct monitor *m, struct attach_client *c);
void monitor_close_stdin (struct monitor *m);
void monitor_write_stdin (struct monitor *m, const unsigned char *data, size_t len);
void monitor_flush_stdin (struct monitor *m);
/* Reads and handles a client's frames; returns -1 to drop the client. */
int monitor_read_client (struct monitor *m, struct attach_client *c);

#endif
