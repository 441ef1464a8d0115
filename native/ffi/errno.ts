/**
 * errno values from the kernel → BerthError kinds with a one-sentence message that names
 * the call and the path. Kept apart from koffi so the fake and unit tests share it.
 */
import { BerthError, type ErrorKind } from '../../daemon/errors';

const NAMES: Record<number, [string, string]> = {
  1: ['EPERM', 'operation not permitted'],
  2: ['ENOENT', 'no such file or directory'],
  5: ['EIO', 'input/output error'],
  12: ['ENOMEM', 'out of memory'],
  13: ['EACCES', 'permission denied'],
  16: ['EBUSY', 'device or resource busy'],
  17: ['EEXIST', 'file exists'],
  19: ['ENODEV', 'no such device (is the filesystem supported by this kernel?)'],
  20: ['ENOTDIR', 'not a directory'],
  22: ['EINVAL', 'invalid argument'],
  28: ['ENOSPC', 'no space left on device'],
  36: ['ENAMETOOLONG', 'file name too long'],
  38: ['ENOSYS', 'function not implemented'],
  95: ['EOPNOTSUPP', 'operation not supported'],
};

const KIND: Record<number, ErrorKind> = {
  1: 'Forbidden',
  13: 'Forbidden',
  2: 'NotFound',
  16: 'Conflict',
  17: 'Conflict',
  22: 'InvalidParameter',
  20: 'InvalidParameter',
  36: 'InvalidParameter',
};

export function errnoName(errno: number): string {
  return NAMES[errno]?.[0] ?? `errno ${errno}`;
}

export class SyscallError extends BerthError {
  constructor(
    readonly call: string,
    readonly errno: number,
    what: string,
  ) {
    super(KIND[errno] ?? 'System', `${call} ${what}: ${NAMES[errno]?.[1] ?? `errno ${errno}`} (${errnoName(errno)})`);
    this.name = 'SyscallError';
  }
}

/** Builds the error for a failed call, e.g. errnoError('umount2', 16, '/x') → "umount2 /x: device or resource busy (EBUSY)". */
export function errnoError(call: string, errno: number, what: string): SyscallError {
  return new SyscallError(call, errno, what);
}
