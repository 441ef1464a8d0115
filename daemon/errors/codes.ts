/**
 * The catalogue of BerthError codes (containerd errdefs style): the one list of stable names a
 * failure can carry, so code tells failures apart by `err.code`, never by reading messages.
 * Every BerthError has a code: a specific one from this list, or the generic code of its kind.
 * Codes cross the worker-thread boundary as strings and are parsed back with asErrorCode.
 * test/unit/daemon/error-codes.test.ts keeps the catalogue complete: every code used in
 * daemon/ is listed here, and every entry is used.
 */

export const ERROR_CODES = {
  // The generic code of each kind (errors.ts): what a failure carries when its kind says enough.
  INVALID_PARAMETER: 'the request or its input is wrong (400)',
  UNAUTHORIZED: 'credentials are missing or refused (401)',
  FORBIDDEN: 'the operation is not allowed (403)',
  NOT_FOUND: 'the named thing does not exist (404)',
  CONFLICT: 'the thing is in the wrong state, or the name is taken (409)',
  NOT_MODIFIED: 'nothing to do: already in the asked state (304)',
  NOT_IMPLEMENTED: 'berth does not do this (501)',
  UNAVAILABLE: 'a dependency (registry, host program) cannot be reached (503)',
  SYSTEM: 'an unexpected failure inside berth or the host (500)',
  TOO_LARGE: 'a request body is over the route\'s limit (413)',
  UNSUPPORTED_MEDIA_TYPE: 'a request body\'s charset or encoding is not one berth reads (415)',

  // Requests.
  INVALID_JSON: 'a request body is not valid JSON',
  BODY_UNREADABLE: 'a request body ended early or did not match its Content-Length',

  // Content store.
  CONTENT_MISMATCH: 'stored or received bytes do not match their digest or size',

  // Layers (daemon/layers/errors.ts).
  LAYER_CORRUPT: 'compressed layer data is corrupt or ends early',
  LAYER_NOT_TAR: 'the decompressed layer is not a tar archive',
  LAYER_DIFF_ID_MISMATCH: 'the uncompressed layer does not hash to its diff id',
  LAYER_UNSAFE_ENTRY: 'a layer entry would write outside the layer',
  LAYER_BAD_XATTR: 'the kernel refuses an extended attribute of a layer entry',
  LAYER_UNSUPPORTED: 'a tar feature berth does not extract',
  LAYER_WORKER_DIED: 'the layer unpacking thread died',
  DISK_FULL: 'the disk holding the data root is full',
  DECOMPRESSOR_UNAVAILABLE: 'a decompression program is missing on the host',

  // Build.
  BUILD_STEP_FAILED: 'a RUN step exited non-zero',
  DOCKERFILE_LINE: 'a Dockerfile error that already names its line',
} as const;

/**
 * Two families of codes are named by closed sets kept elsewhere, so they are not listed here:
 * an errno's name (ENOENT, EBUSY ...: SyscallError, SpawnError, wrapped Node errno errors, the
 * kind from errors.ts's errno → kind table) and the failing step of the C helper
 * (HELPER_MOUNT_PROC ...: runtime/helper-error.ts, the steps of native/helper/report.c).
 */
export type ErrnoCode = `E${string}`;
export type HelperCode = `HELPER_${string}`;
export type ErrorCode = keyof typeof ERROR_CODES | ErrnoCode | HelperCode;

const ERRNO_NAME = /^E[A-Z0-9]+$/;
const HELPER_STEP = /^HELPER_[A-Z0-9_]+$/;

/** A code read from outside (a worker's message, an errno name); undefined if not a code. */
export function asErrorCode(v: unknown): ErrorCode | undefined {
  if (typeof v !== 'string') return undefined;
  if (Object.prototype.hasOwnProperty.call(ERROR_CODES, v)) return v as ErrorCode;
  if (ERRNO_NAME.test(v)) return v as ErrnoCode;
  if (HELPER_STEP.test(v)) return v as HelperCode;
  return undefined;
}
