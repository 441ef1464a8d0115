/**
 * Overlay metadata of layer and upper directories, read without following symlinks: whether
 * a directory is opaque (`trusted.overlay.opaque=y`, or `user.overlay.opaque=y` in a user
 * namespace). Shared by the builder's rootfs view, export and layer diffs.
 */
import { FsCalls, nativeFsCalls } from './fs-calls';

export const OPAQUE_KEYS = ['trusted.overlay.opaque', 'user.overlay.opaque'];

/** True when `dir` is an opaque overlay directory; false when unknown or unsupported. */
export function isOpaqueDir(dir: string, fsCalls: FsCalls = nativeFsCalls): boolean {
  try {
    return OPAQUE_KEYS.some((k) => fsCalls.lgetxattr(dir, k)?.toString() === 'y');
  } catch {
    return false;
  }
}
