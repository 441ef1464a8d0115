/**
 * errno values from the kernel: their names and messages (Node's own table, the one lookup
 * of the project: native/ffi, the helper's reports and Node's errors all name errnos the
 * same way) and the SyscallError a failed call becomes, whose kind comes from the daemon's
 * one errno → kind table (daemon/errors.ts kindOfErrno). Kept apart from koffi so the fake
 * and unit tests share it.
 */
import { getSystemErrorMap } from 'node:util';
import { BerthError, kindOfErrno } from '../../daemon/errors';
import { asErrorCode } from '../../daemon/errors/codes';

let table: Map<number, [string, string]> | undefined;
const entry = (errno: number) => (table ??= getSystemErrorMap()).get(-Math.abs(errno));

/** Hints where the bare message misleads (a mount of an unknown filesystem type says "no such device"). */
const HINTS: Record<string, string> = { ENODEV: ' (is the filesystem supported by this kernel?)' };

/** ENOENT for 2; "errno N" for a number the platform does not know. */
export function errnoName(errno: number): string {
  return entry(errno)?.[0] ?? `errno ${errno}`;
}

/** "no such file or directory" for 2. */
export function errnoMessage(errno: number): string {
  const e = entry(errno);
  return e ? `${e[1]}${HINTS[e[0]] ?? ''}` : `errno ${errno}`;
}

export class SyscallError extends BerthError {
  constructor(
    readonly call: string,
    readonly errno: number,
    what: string,
  ) {
    super(kindOfErrno(errnoName(errno)), `${call} ${what}: ${errnoMessage(errno)} (${errnoName(errno)})`, { code: asErrorCode(errnoName(errno)) });
    this.name = 'SyscallError';
  }
}

/** Builds the error for a failed call, e.g. errnoError('umount2', 16, '/x') → "umount2 /x: device or resource busy (EBUSY)". */
export function errnoError(call: string, errno: number, what: string): SyscallError {
  return new SyscallError(call, errno, what);
}
