/* console.c: see console.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "console.h"
#include "utils.h"

int
console_resize (int master, int rows, int cols)
{
  struct winsize ws = { .ws_row = (unsigned short) rows, .ws_col = (unsigned short) cols };
  if (rows <= 0 || cols <= 0)
    return 0;
  return ioctl (master, TIOCSWINSZ, &ws);
}

int
console_open (int rows, int cols, int bind_console, int *master, int *slave, struct berth_error *err)
{
  char path[64];
  int unlock = 0, n = 0;
  cleanup_close int m = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  int s;

  if (m < 0)
    return berth_make_error (err, errno, "open /dev/ptmx");
  if (ioctl (m, TIOCSPTLCK, &unlock) < 0 || ioctl (m, TIOCGPTN, &n) < 0)
    return berth_make_error (err, errno, "unlock pty");
  snprintf (path, sizeof path, "/dev/pts/%d", n);
  s = open (path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0)
    return berth_make_error (err, errno, "open `%s`", path);
  console_resize (m, rows, cols);
  if (bind_console)
    {
      int fd = open ("/dev/console", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0)
        close (fd);
      if (mount (path, "/dev/console", NULL, MS_BIND, NULL) < 0)
        {
          close (s);
          return berth_make_error (err, errno, "bind `%s` on /dev/console", path);
        }
    }
  *master = m;
  m = -1;
  *slave = s;
  return 0;
}

int
console_make_ctty (int slave, struct berth_error *err)
{
  if (setsid () < 0)
    return berth_make_error (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return berth_make_error (err, errno, "set the controlling terminal");
  for (int fd = 0; fd < 3; fd++)
    if (dup2 (slave, fd) < 0)
      return berth_make_error (err, errno, "dup2 the terminal");
  if (slave > 2)
    close (slave);
  return 0;
}

int
console_send_fd (int sock, int fd, struct berth_error *err)
{
  char byte = 'T';
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  union { char buf[CMSG_SPACE (sizeof (int))]; struct cmsghdr align; } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c = CMSG_FIRSTHDR (&msg);

  memset (u.buf, 0, sizeof u.buf);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  if (TEMP_FAILURE_RETRY (sendmsg (sock, &msg, MSG_NOSIGNAL)) < 0)
    return berth_make_error (err, errno, "send the terminal to the monitor");
  return 0;
}

int
console_recv_fd (int sock, struct berth_error *err)
{
  char byte;
  struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
  union { char buf[CMSG_SPACE (sizeof (int))]; struct cmsghdr align; } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  struct cmsghdr *c;
  int fd;

  if (TEMP_FAILURE_RETRY (recvmsg (sock, &msg, MSG_CMSG_CLOEXEC)) <= 0)
    return berth_make_error (err, errno, "receive the container's terminal");
  c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    return berth_make_error (err, EBADMSG, "receive the container's terminal");
  memcpy (&fd, CMSG_DATA (c), sizeof fd);
  return fd;
}
