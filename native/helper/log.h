/* log.h: Docker's json-file log format, one entry per line of output:
 *   {"log":"hi\n","stream":"stdout","time":"2026-11-23T13:01:25.123456789Z"}
 * Output is split at newlines like Docker's copier; a line longer than 16 KiB is written
 * in 16 KiB pieces without a trailing newline, as Docker does.
 *
 * Rotation (--log-opt max-size, max-file), with Docker's json-file rules: before an entry is
 * written, a file that has reached max_size is rotated: PATH.N-2 -> PATH.N-1 ... PATH -> PATH.1
 * and a new PATH is opened (max_files 1: PATH is truncated instead). Entries are never split
 * across files, so a reader that finishes the old file (by its descriptor) and goes on with the
 * next one loses nothing. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stddef.h>

#define LOG_MAX_LINE 16384

struct log_writer
{
  int fd;
  const char *path;    /* for rotation; NULL: never rotate */
  long long max_size;  /* 0: never rotate */
  int max_files;       /* files kept, PATH included */
  long long size;      /* bytes in the current file */
  char partial[3][LOG_MAX_LINE]; /* indexed by stream: 1 stdout, 2 stderr */
  size_t plen[3];
};

/* `fd`: the open log (or -1: no log). `path`, `max_size`, `max_files`: rotation (see above). */
void log_init (struct log_writer *lw, int fd, const char *path, long long max_size, int max_files);
void log_write (struct log_writer *lw, int stream, const char *data, size_t len);
/* Writes out any unterminated line (at container exit). */
void log_flush (struct log_writer *lw);

#endif
