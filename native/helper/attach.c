/* attach.c: frame output for the attach protocol (see attach.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>

#include "attach.h"
#include "utils.h"

static int
send_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = TEMP_FAILURE_RETRY (send (fd, p, len, MSG_NOSIGNAL));
      if (n < 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

int
frame_send (int fd, int type, const void *data, size_t len)
{
  unsigned char h[FRAME_HEADER];
  frame_header (h, type, (uint32_t) len);
  if (send_all (fd, h, sizeof h) < 0)
    return -1;
  return len ? send_all (fd, data, len) : 0;
}
