/* log.c: see log.h. A failing log write must never stop the container, so errors are
 * reported once on the monitor's stderr and otherwise ignored. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "utils.h"

void
log_init (struct log_writer *lw, int fd)
{
  lw->fd = fd;
  lw->plen[0] = lw->plen[1] = lw->plen[2] = 0;
}

static void
emit (struct log_writer *lw, int stream, const char *data, size_t len)
{
  static int reported;
  char when[64];
  size_t cap = len * 6 + 128, n;
  char *line;

  if (lw->fd < 0 || len == 0)
    return;
  line = malloc (cap);
  if (line == NULL)
    return;
  now_rfc3339 (when, sizeof when);
  memcpy (line, "{\"log\":\"", 8);
  n = 8 + json_escape (line + 8, cap - 8, data, len);
  n += (size_t) snprintf (line + n, cap - n, "\",\"stream\":\"%s\",\"time\":\"%s\"}\n",
                          stream == 2 ? "stderr" : "stdout", when);
  if (write_all (lw->fd, line, n) < 0 && !reported)
    {
      reported = 1;
      perror ("berth-helper: write the container log");
    }
  free (line);
}

void
log_write (struct log_writer *lw, int stream, const char *data, size_t len)
{
  char *buf = lw->partial[stream];
  while (len > 0)
    {
      const char *nl = memchr (data, '\n', len);
      size_t take = nl ? (size_t) (nl - data) + 1 : len;
      if (take > LOG_MAX_LINE - lw->plen[stream])
        take = LOG_MAX_LINE - lw->plen[stream];
      memcpy (buf + lw->plen[stream], data, take);
      lw->plen[stream] += take;
      data += take;
      len -= take;
      if (buf[lw->plen[stream] - 1] == '\n' || lw->plen[stream] == LOG_MAX_LINE)
        {
          emit (lw, stream, buf, lw->plen[stream]);
          lw->plen[stream] = 0;
        }
    }
}

void
log_flush (struct log_writer *lw)
{
  for (int s = 1; s <= 2; s++)
    if (lw->plen[s])
      {
        emit (lw, s, lw->partial[s], lw->plen[s]);
        lw->plen[s] = 0;
      }
}
