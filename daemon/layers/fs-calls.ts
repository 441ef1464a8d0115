/**
 * FsCalls: the kernel calls layer code needs beyond Node's fs — mknod (overlay whiteouts,
 * device nodes, FIFOs) and extended attributes (opaque directories, security.capability,
 * user.*), none of them following a final symlink. Layer code takes an FsCalls instead of
 * calling native/ffi, so its unit tests run without root against the recording fake
 * (fs-calls-fake.ts); `nativeFsCalls` is the real one.
 *
 * Contract: every call is synchronous and acts on exactly one path; a failure throws an Error
 * with Node's errno `code` (EPERM, ENOTSUP, EINVAL ...) and touches nothing else.
 */
import { lgetxattr, llistxattr, lsetxattr, mknod, S_IFBLK, S_IFCHR, S_IFIFO, syncfs } from '../../native/ffi/fsops';

export type NodeType = 'char' | 'block' | 'fifo';

export interface FsCalls {
  /** Makes a device node or FIFO with permission bits `perm`. */
  mknod(path: string, type: NodeType, perm: number, major: number, minor: number): void;
  lsetxattr(path: string, name: string, value: Buffer): void;
  /** The value, or undefined when unset or unsupported by the filesystem. */
  lgetxattr(path: string, name: string): Buffer | undefined;
  /** Attribute names; empty when none or unsupported. */
  llistxattr(path: string): string[];
}

const TYPE_BITS: Record<NodeType, number> = { char: S_IFCHR, block: S_IFBLK, fifo: S_IFIFO };

export const nativeFsCalls: FsCalls = {
  mknod: (path, type, perm, major, minor) => mknod(path, TYPE_BITS[type], perm, major, minor),
  lsetxattr: (path, name, value) => lsetxattr(path, name, value),
  lgetxattr: (path, name) => lgetxattr(path, name),
  llistxattr: (path) => llistxattr(path),
};

/**
 * Makes everything written below `dir` durable with one syncfs(2) of its filesystem (the
 * layer store's sync step: a layer's files reach the disk before the layer is recorded).
 */
export function syncFilesystem(dir: string): Promise<void> {
  return syncfs(dir);
}
