/**
 * The stable codes of layer failures (BerthError.code), so callers tell them apart without
 * reading messages, on either side of the unpacking worker thread; and the one translation of
 * low-level errors met while unpacking (zlib, Node's errno errors) into BerthErrors.
 */
import { BerthError, describe, errnoCode } from '../errors';

export const LayerCode = {
  /** Compressed data is corrupt or ends early. */
  Corrupt: 'LAYER_CORRUPT',
  /** The (decompressed) bytes are not a tar archive. */
  NotTar: 'LAYER_NOT_TAR',
  /** The uncompressed tar does not hash to the expected diff id. */
  DiffIdMismatch: 'LAYER_DIFF_ID_MISMATCH',
  /** An entry would write outside the layer, or needs what the layer does not hold. */
  UnsafeEntry: 'LAYER_UNSAFE_ENTRY',
  /** An extended attribute the kernel refuses (e.g. a malformed security.capability). */
  BadXattr: 'LAYER_BAD_XATTR',
  /** A tar feature berth does not extract (refused rather than dropped). */
  Unsupported: 'LAYER_UNSUPPORTED',
  /** The disk holding the data root is full. */
  DiskFull: 'DISK_FULL',
  /** A decompression program is missing on the host. */
  NoDecompressor: 'DECOMPRESSOR_UNAVAILABLE',
  /** The unpacking thread died. */
  WorkerDied: 'LAYER_WORKER_DIED',
} as const;

export type LayerCode = (typeof LayerCode)[keyof typeof LayerCode];

export const layerError = (kind: BerthError['kind'], code: LayerCode, message: string, cause?: unknown) =>
  new BerthError(kind, message, { code, cause });

/** ENOSPC/EDQUOT anywhere while writing: the disk, not the input, is the problem. */
export function isDiskFull(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export function diskFull(what: string, cause: unknown): BerthError {
  return layerError('System', LayerCode.DiskFull, `${what}: no space left on device`, cause);
}

/** Errors of a corrupt stream name the layer problem in one sentence; BerthErrors pass through. */
export function asLayerError(err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const code = errnoCode(err) ?? '';
  const msg = describe(err);
  if (isDiskFull(err)) return diskFull('writing the layer', err);
  if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') return layerError('InvalidParameter', LayerCode.Corrupt, `layer data is corrupt or truncated: ${msg}`, err);
  // Other errno errors stay System errors; the errno name is in the message and the cause.
  return new BerthError('System', `unpacking a layer: ${msg}`, { cause: err });
}
