/**
 * The one error type of berth. Every failure that reaches a user is a BerthError with a kind
 * and a stable code (codes.ts beside it); the kind decides the HTTP status (in exactly one table,
 * below) and the CLI's exit code. Services throw these and never touch HTTP; api/write-error.ts
 * turns them into Docker's `{"message": "..."}` body, on express responses and hijacked
 * sockets alike. Anything else thrown becomes a System error there (toBerthError).
 */
import { asErrorCode, type ErrorCode } from './codes';

export type ErrorKind =
  | 'InvalidParameter'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'Conflict'
  | 'NotModified'
  | 'NotImplemented'
  | 'TooLarge'
  | 'UnsupportedMediaType'
  | 'Unavailable'
  | 'System';

const STATUS_BY_KIND: Record<ErrorKind, number> = {
  InvalidParameter: 400,
  Unauthorized: 401,
  Forbidden: 403,
  NotFound: 404,
  Conflict: 409,
  NotModified: 304,
  NotImplemented: 501,
  TooLarge: 413,
  UnsupportedMediaType: 415,
  Unavailable: 503,
  System: 500,
};

const CODE_BY_KIND: Record<ErrorKind, ErrorCode> = {
  InvalidParameter: 'INVALID_PARAMETER',
  Unauthorized: 'UNAUTHORIZED',
  Forbidden: 'FORBIDDEN',
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  NotModified: 'NOT_MODIFIED',
  NotImplemented: 'NOT_IMPLEMENTED',
  TooLarge: 'TOO_LARGE',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  Unavailable: 'UNAVAILABLE',
  System: 'SYSTEM',
};

export class BerthError extends Error {
  /**
   * A stable name for this particular failure (e.g. LAYER_DIFF_ID_MISMATCH), for code that must
   * tell failures of one kind apart without reading messages; it survives wrap() and the
   * worker-thread boundary. The kind's generic code (NOT_FOUND, ...) when the kind says enough.
   */
  readonly code: ErrorCode;

  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: { cause?: unknown; code?: ErrorCode },
  ) {
    super(message, options);
    this.name = 'BerthError';
    this.code = options?.code ?? CODE_BY_KIND[kind];
  }

  get status(): number {
    return STATUS_BY_KIND[this.kind];
  }
}

export const invalid = (msg: string, cause?: unknown) => new BerthError('InvalidParameter', msg, { cause });
export const notFound = (msg: string, cause?: unknown) => new BerthError('NotFound', msg, { cause });
export const conflict = (msg: string, cause?: unknown) => new BerthError('Conflict', msg, { cause });
export const unavailable = (msg: string, cause?: unknown) => new BerthError('Unavailable', msg, { cause });
export const systemError = (msg: string, cause?: unknown) => new BerthError('System', msg, { cause });
export const notImplemented = (msg: string) => new BerthError('NotImplemented', msg);
export const notModified = (msg = 'not modified') => new BerthError('NotModified', msg);

/**
 * The one errno → kind table, by errno name (ENOENT ...) as native/ffi (errnoName) and Node's
 * errors name them. Unlisted errnos are System errors.
 */
const KIND_BY_ERRNO: Record<string, ErrorKind> = {
  EPERM: 'Forbidden',
  EACCES: 'Forbidden',
  ENOENT: 'NotFound',
  EBUSY: 'Conflict',
  EEXIST: 'Conflict',
  EINVAL: 'InvalidParameter',
  ENOTDIR: 'InvalidParameter',
  ENAMETOOLONG: 'InvalidParameter',
};

export function kindOfErrno(name: string | undefined): ErrorKind {
  return (name !== undefined && KIND_BY_ERRNO[name]) || 'System';
}

export function statusOfKind(kind: ErrorKind): number {
  return STATUS_BY_KIND[kind];
}

/**
 * Adds context to an error while keeping its kind and code: `wrap(e, 'pulling busybox')` gives
 * "pulling busybox: <original message>". Unknown errors become System errors; a Node errno
 * error (ENOSPC ...) keeps its errno name as the stable code.
 */
export function wrap(err: unknown, context: string): BerthError {
  if (err instanceof BerthError) return new BerthError(err.kind, `${context}: ${err.message}`, { cause: err, code: err.code });
  return new BerthError('System', `${context}: ${describe(err)}`, { cause: err, code: asErrorCode(errnoCode(err)) });
}

/** Any thrown value as a BerthError: BerthErrors as they are, anything else a System error. */
export function toBerthError(err: unknown): BerthError {
  return err instanceof BerthError ? err : new BerthError('System', describe(err), { cause: err });
}

/** A one-line description of any thrown value, for messages and logs. */
export function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Node's errno errors carry a `code` such as ENOENT; this reads it safely. */
export function errnoCode(err: unknown): string | undefined {
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code: unknown }).code;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
