/* utils.c: I/O helpers, atomic file writes, /proc stat parsing, time and JSON formatting. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "utils.h"

int
write_all (int fd, const void *buf, size_t len)
{
  const char *p = buf;
  while (len > 0)
    {
      ssize_t n = TEMP_FAILURE_RETRY (write (fd, p, len));
      if (n < 0)
        return -1;
      p += n;
      len -= (size_t) n;
    }
  return 0;
}

ssize_t
read_all (int fd, void *buf, size_t len)
{
  size_t got = 0;
  while (got < len)
    {
      ssize_t n = TEMP_FAILURE_RETRY (read (fd, (char *) buf + got, len - got));
      if (n < 0)
        return -1;
      if (n == 0)
        break;
      got += (size_t) n;
    }
  return (ssize_t) got;
}

int
read_file (const char *path, char **out, size_t *len, struct berth_error *err)
{
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  cleanup_free char *buf = NULL;
  size_t cap = 4096, used = 0;

  if (fd < 0)
    return berth_make_error (err, errno, "open `%s`", path);
  buf = malloc (cap);
  if (buf == NULL)
    return berth_make_error (err, ENOMEM, "read `%s`", path);
  for (;;)
    {
      ssize_t n;
      if (used + 1 >= cap)
        {
          char *nb = realloc (buf, cap * 2);
          if (nb == NULL)
            return berth_make_error (err, ENOMEM, "read `%s`", path);
          buf = nb;
          cap *= 2;
        }
      n = TEMP_FAILURE_RETRY (read (fd, buf + used, cap - used - 1));
      if (n < 0)
        return berth_make_error (err, errno, "read `%s`", path);
      if (n == 0)
        break;
      used += (size_t) n;
    }
  buf[used] = '\0';
  *out = buf;
  buf = NULL;
  if (len)
    *len = used;
  return 0;
}

int
write_file_atomic (const char *path, const char *data, size_t len, struct berth_error *err)
{
  char tmp[4096];
  cleanup_close int fd = -1;

  snprintf (tmp, sizeof tmp, "%s.tmp", path);
  fd = open (tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return berth_make_error (err, errno, "create `%s`", tmp);
  if (write_all (fd, data, len) < 0)
    return berth_make_error (err, errno, "write `%s`", tmp);
  if (rename (tmp, path) < 0)
    return berth_make_error (err, errno, "rename `%s`", tmp);
  return 0;
}

int
mkdir_p (const char *path, mode_t mode, struct berth_error *err)
{
  char buf[4096];
  size_t len = strlen (path);
  if (len == 0 || len >= sizeof buf)
    return berth_make_error (err, ENAMETOOLONG, "mkdir `%s`", path);
  memcpy (buf, path, len + 1);
  for (char *p = buf + 1; *p; p++)
    {
      if (*p != '/')
        continue;
      *p = '\0';
      if (mkdir (buf, mode) < 0 && errno != EEXIST)
        return berth_make_error (err, errno, "mkdir `%s`", buf);
      *p = '/';
    }
  if (mkdir (buf, mode) < 0 && errno != EEXIST)
    return berth_make_error (err, errno, "mkdir `%s`", buf);
  return 0;
}

unsigned long long
proc_start_time (pid_t pid)
{
  char path[64], buf[1024];
  cleanup_close int fd = -1;
  ssize_t n;
  char *p;
  unsigned long long v = 0;

  snprintf (path, sizeof path, "/proc/%d/stat", pid);
  fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return 0;
  n = read_all (fd, buf, sizeof buf - 1);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  /* comm may contain spaces and parens: fields start after the last ')'. */
  p = strrchr (buf, ')');
  if (p == NULL)
    return 0;
  p++;
  /* after ')' come fields 3..; start time is field 22, i.e. the 20th after ')' */
  for (int field = 3; field <= 22 && p; field++)
    {
      while (*p == ' ')
        p++;
      if (field == 22)
        {
          v = strtoull (p, NULL, 10);
          break;
        }
      p = strchr (p, ' ');
    }
  return v;
}

void
now_rfc3339 (char *buf, size_t len)
{
  struct timespec ts;
  struct tm tm;
  char base[32];

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf (buf, len, "%s.%09ldZ", base, ts.tv_nsec);
}

size_t
json_escape (char *out, size_t cap, const char *s, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  size_t o = 0;
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) s[i];
      char esc[7];
      size_t elen = 0;
      switch (c)
        {
        case '"': memcpy (esc, "\\\"", 2); elen = 2; break;
        case '\\': memcpy (esc, "\\\\", 2); elen = 2; break;
        case '\n': memcpy (esc, "\\n", 2); elen = 2; break;
        case '\r': memcpy (esc, "\\r", 2); elen = 2; break;
        case '\t': memcpy (esc, "\\t", 2); elen = 2; break;
        default:
          if (c < 0x20 || c == 0x7f)
            {
              esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
              esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
              elen = 6;
            }
          else
            {
              esc[0] = (char) c;
              elen = 1;
            }
        }
      if (o + elen + 1 > cap)
        break;
      memcpy (out + o, esc, elen);
      o += elen;
    }
  if (cap > 0)
    out[o < cap ? o : cap - 1] = '\0';
  return o;
}

static char *title_start;
static size_t title_len;

void
proc_title_init (int argc, char **argv)
{
  if (argc < 1)
    return;
  title_start = argv[0];
  title_len = (size_t) (argv[argc - 1] + strlen (argv[argc - 1]) - argv[0]);
}

void
proc_set_title (const char *const *words)
{
  size_t off = 0;
  if (title_start == NULL || title_len == 0)
    return;
  memset (title_start, 0, title_len);
  for (; *words && off < title_len; words++)
    {
      size_t n = strlen (*words);
      if (off + n >= title_len)
        n = title_len - off - 1;
      memcpy (title_start + off, *words, n);
      off += n + 1;
    }
  prctl (PR_SET_NAME, (unsigned long) "berth-init", 0, 0, 0);
}
