/**
 * One datagram to a unix socket, for sd_notify(3) without libsystemd: systemd's
 * $NOTIFY_SOCKET is an AF_UNIX SOCK_DGRAM socket, which Node's net and dgram modules cannot
 * open, so socket(2)/sendto(2)/close(2) go through koffi. A name starting with '@' is in the
 * abstract namespace (leading NUL, no terminator counted in the address length).
 * Blocking is not a concern: a datagram send to a local socket either queues or fails at once
 * (MSG_DONTWAIT makes a full queue EAGAIN rather than a stall).
 */
import { libcFunctions } from './libc';
import { errnoError } from './errno';

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const MSG_NOSIGNAL = 0x4000;
const MSG_DONTWAIT = 0x40;
const SUN_PATH_MAX = 108;

const bind = libcFunctions({
  socket: 'int socket(int domain, int type, int protocol)',
  sendto: 'intptr_t sendto(int fd, const void *buf, size_t len, int flags, const void *addr, uint32_t addrlen)',
  close: 'int close(int fd)',
});

/** struct sockaddr_un for `name` and the length to pass with it. */
export function unixAddress(name: string): { addr: Buffer; len: number } {
  const abstract = name.startsWith('@');
  const path = Buffer.from(abstract ? name.slice(1) : name, 'utf8');
  if (path.length === 0 || path.length > SUN_PATH_MAX - 1) throw errnoError('sendto', 36, name);
  const addr = Buffer.alloc(2 + SUN_PATH_MAX);
  addr.writeUInt16LE(AF_UNIX, 0);
  path.copy(addr, abstract ? 3 : 2);
  // Abstract: family + NUL + name. Path: family + name + NUL.
  return { addr, len: 2 + 1 + path.length };
}

/** Sends `message` as one datagram to the unix socket `name` (a path or @abstract). Throws SyscallError. */
export function sendDatagram(name: string, message: string): void {
  const f = bind();
  const { addr, len } = unixAddress(name);
  const fd = f.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0) as number;
  if (fd < 0) throw errnoError('socket', f.errno(), 'AF_UNIX SOCK_DGRAM');
  try {
    const body = Buffer.from(message, 'utf8');
    const sent = Number(f.sendto(fd, body, body.length, MSG_NOSIGNAL | MSG_DONTWAIT, addr, len));
    if (sent < 0) throw errnoError('sendto', f.errno(), name);
  } finally {
    f.close(fd);
  }
}
