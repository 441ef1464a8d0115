/* console.h: terminals. A container's pty is opened INSIDE the container (its own devpts
 * instance, so `tty` and ttyname work there) and the master is passed to the monitor over
 * a unix socket with SCM_RIGHTS, as crun's console socket does. */
#ifndef BERTH_CONSOLE_H
#define BERTH_CONSOLE_H

#include "error.h"

/* Opens /dev/ptmx (of the current mount namespace) and its slave, sets the size.
 * bind_console: also bind the slave onto /dev/console. */
int console_open (int rows, int cols, int bind_console, int *master, int *slave, struct berth_error *err);

/* Makes slave the controlling terminal of a new session and stdin/stdout/stderr. */
int console_make_ctty (int slave, struct berth_error *err);

int console_send_fd (int sock, int fd, struct berth_error *err);

/* Returns the received fd, or -1 with err filled (the peer exited without sending one). */
int console_recv_fd (int sock, struct berth_error *err);

int console_resize (int master, int rows, int cols);

#endif
