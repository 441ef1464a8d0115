/* monitor.h: the per-container monitor (like conmon). It is the daemonised helper process
 * that clones the container, owns its stdio or pty, writes the json-file log, serves attach
 * clients on <rundir>/attach.sock, and records exit.json. It outlives berthd.
 *
 * The monitor's files depend on each other one way only (no circles):
 *   monitor.c (start-up) -> monitor-loop.c -> monitor-clients.c -> monitor-queue.c
 *   monitor.c, monitor-loop.c -> monitor-files.c (state.json, exit.json)
 *   monitor.c, monitor-loop.c -> monitor-oom.c (<rundir>/oom)
 * monitor-state.h holds the shared state; this header, the entry point. */
#ifndef BERTH_MONITOR_H
#define BERTH_MONITOR_H

#include "monitor-state.h"

/* Entry of the daemonised monitor; reports to report_fd ("O{json}" or "E{json}") and exits. */
void monitor_main (const struct spec *spec, int report_fd) __attribute__ ((noreturn));

#endif
