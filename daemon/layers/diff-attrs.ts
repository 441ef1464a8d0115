/**
 * Overlay metadata of layer and upper directories, read without following symlinks: whether
 * a directory is opaque (`trusted.overlay.opaque=y`, or `user.overlay.opaque=y` in a user
 * namespace). The one place outside native/ffi that reads xattrs for the builder.
 */
import { getXattr } from '../../native/ffi/fsops-read';

export const OPAQUE_KEYS = ['trusted.overlay.opaque', 'user.overlay.opaque'];

/** True when `dir` is an opaque overlay directory; false when unknown or unsupported. */
export function isOpaqueDir(dir: string): boolean {
  try {
    return OPAQUE_KEYS.some((k) => getXattr(dir, k)?.toString() === 'y');
  } catch {
    return false;
  }
}
