/* log.h: Docker's json-file log format, one entry per line of output:
 *   {"log":"hi\n","stream":"stdout","time":"2026-11-23T13:01:25.123456789Z"}
 * Output is split at newlines like Docker's copier; a line longer than 16 KiB is written
 * in 16 KiB pieces without a trailing newline, as Docker does. */
#ifndef BERTH_LOG_H
#define BERTH_LOG_H

#include <stddef.h>

#define LOG_MAX_LINE 16384

struct log_writer
{
  int fd;
  char partial[3][LOG_MAX_LINE]; /* indexed by stream: 1 stdout, 2 stderr */
  size_t plen[3];
};

void log_init (struct log_writer *lw, int fd);
void log_write (struct log_writer *lw, int stream, const char *data, size_t len);
/* Writes out any unterminated line (at container exit). */
void log_flush (struct log_writer *lw);

#endif
