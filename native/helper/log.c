/* log.c: see log.h. A failing log write or rotation must never stop the container, so errors
 * are reported once on the monitor's stderr and otherwise ignored (a rotation that fails
 * keeps writing to the file it has). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "utils.h"

void
log_init (struct log_writer *lw, int fd, const char *path, long long max_size, int max_files)
{
  struct stat st;
  lw->fd = fd;
  lw->path = path;
  lw->max_size = path ? max_size : 0;
  lw->max_files = max_files < 1 ? 1 : max_files;
  lw->size = fd >= 0 && fstat (fd, &st) == 0 ? (long long) st.st_size : 0;
  lw->plen[0] = lw->plen[1] = lw->plen[2] = 0;
}

static void
report_once (const char *what)
{
  static int reported;
  if (!reported)
    {
      reported = 1;
      perror (what);
    }
}

/* PATH.N-2 -> PATH.N-1, ..., PATH -> PATH.1, then a fresh PATH (or PATH truncated when only
 * one file is kept). The old descriptor is closed only once the new one is open. */
static void
rotate (struct log_writer *lw)
{
  char from[4096], to[4096];
  int fd;
  if (lw->max_files <= 1)
    {
      if (ftruncate (lw->fd, 0) < 0)
        {
          report_once ("berth-helper: truncate the container log");
          return;
        }
      lw->size = 0;
      return;
    }
  for (int i = lw->max_files - 1; i >= 1; i--)
    {
      if (i == 1)
        snprintf (from, sizeof from, "%s", lw->path);
      else
        snprintf (from, sizeof from, "%s.%d", lw->path, i - 1);
      snprintf (to, sizeof to, "%s.%d", lw->path, i);
      if (rename (from, to) < 0 && errno != ENOENT)
        {
          report_once ("berth-helper: rotate the container log");
          return;
        }
    }
  fd = open (lw->path, O_WRONLY | O_CREAT | O_APPEND | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0)
    {
      report_once ("berth-helper: open the rotated container log");
      return;
    }
  close (lw->fd);
  lw->fd = fd;
  lw->size = 0;
}

static void
emit (struct log_writer *lw, int stream, const char *data, size_t len)
{
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
  if (lw->max_size > 0 && lw->size >= lw->max_size)
    rotate (lw);
  if (write_all (lw->fd, line, n) < 0)
    report_once ("berth-helper: write the container log");
  else
    lw->size += (long long) n;
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
