/* net.h: network setup inside a new network namespace (loopback only for now). */
#ifndef BERTH_NET_H
#define BERTH_NET_H

#include "error.h"

/* Brings `lo` up (SIOCSIFFLAGS): a fresh netns starts with it down. */
int net_loopback_up (struct berth_error *err);

#endif
