/* monitor-loop.h: the monitor's poll loop once the container runs (monitor-loop.c). */
#ifndef BERTH_MONITOR_LOOP_H
#define BERTH_MONITOR_LOOP_H

#include "monitor-state.h"

/* Runs until the container exited, exit.json is written and clients are served. */
void monitor_loop (struct monitor *m);

#endif
