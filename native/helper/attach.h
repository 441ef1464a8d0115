/* attach.h: the framed protocol on <rundir>/attach.sock (full description in README.md).
 * Every message is an 8-byte header [type, 0, 0, 0, length as big-endian u32] and a payload.
 * The header is Docker's stdcopy header, so stdout/stderr frames pass through unchanged. */
#ifndef BERTH_ATTACH_H
#define BERTH_ATTACH_H

#include <stddef.h>
#include <stdint.h>

enum attach_frame
{
  FRAME_STDIN = 0,       /* client -> monitor: bytes for the container's stdin */
  FRAME_STDOUT = 1,      /* monitor -> client */
  FRAME_STDERR = 2,      /* monitor -> client */
  FRAME_EXIT = 3,        /* monitor -> client: decimal exit code; the monitor then closes */
  FRAME_RESIZE = 4,      /* client -> monitor: rows, cols as big-endian u16 each */
  FRAME_CLOSE_STDIN = 5, /* client -> monitor: close the container's stdin */
  FRAME_HELLO = 6,       /* client -> monitor, first: one byte of ATTACH_* flags */
};

#define ATTACH_STDIN 1
#define ATTACH_STDOUT 2
#define ATTACH_STDERR 4
#define ATTACH_REPLAY 8 /* first receive all output since start (up to REPLAY_MAX) */

#define FRAME_HEADER 8
#define FRAME_MAX_PAYLOAD 65536
#define REPLAY_MAX (1024 * 1024)

static inline void
frame_header (unsigned char *h, int type, uint32_t len)
{
  h[0] = (unsigned char) type;
  h[1] = h[2] = h[3] = 0;
  h[4] = (unsigned char) (len >> 24);
  h[5] = (unsigned char) (len >> 16);
  h[6] = (unsigned char) (len >> 8);
  h[7] = (unsigned char) len;
}

static inline uint32_t
frame_length (const unsigned char *h)
{
  return ((uint32_t) h[4] << 24) | ((uint32_t) h[5] << 16) | ((uint32_t) h[6] << 8) | h[7];
}

#endif
