/**
 * The container's root filesystem: an overlay of the image layers and the container's
 * writable layer, mounted by the daemon through FFI in the host mount namespace (DESIGN.md
 * §3; rationale in native/helper/README.md). Unmounting goes through the threadpool.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MNT_DETACH, SyscallError, type Syscalls } from '../../native/ffi';
import { isMountPoint } from './mountinfo';
import type { ContainerSpec } from './types';

const EINVAL = 22;
const EBUSY = 16;
const ENOENT = 2;

/** Mounts spec.rootfs unless it already is a mount point. `emptyLower` backs an image without layers. */
export async function mountRootfs(
  sys: Syscalls,
  spec: ContainerSpec,
  emptyLower: string,
  isMounted: (p: string) => Promise<boolean> = isMountPoint,
): Promise<void> {
  if (await isMounted(spec.rootfs)) return;
  let lower = spec.layers.lower;
  if (lower.length === 0) {
    // overlayfs needs at least one lower layer: an empty one stands in for FROM scratch
    await fs.mkdir(emptyLower, { recursive: true });
    lower = [emptyLower];
  }
  await fs.mkdir(spec.rootfs, { recursive: true });
  sys.mountOverlay({ lower, upper: spec.layers.upper, work: spec.layers.work, target: spec.rootfs });
}

/**
 * Unmounts every mount stacked on rootfs. Idempotent: a path that is not (or no longer) a
 * mount point is fine. A busy mount is detached lazily so cleanup never wedges.
 */
export async function unmountRootfs(sys: Syscalls, rootfs: string): Promise<void> {
  const target = path.resolve(rootfs);
  // umount2 itself answers "not a mount point" (EINVAL): cheaper than parsing the host's whole
  // mount table before and after each unmount (1-2 ms a read on a busy host)
  for (let i = 0; i < 16; i++) {
    try {
      await sys.umount(target, 0);
    } catch (err) {
      if (!(err instanceof SyscallError)) throw err;
      if (err.errno === EINVAL || err.errno === ENOENT) return;
      if (err.errno !== EBUSY) throw err;
      await sys.umount(target, MNT_DETACH);
    }
  }
}
