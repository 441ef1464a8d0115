/**
 * The narrow set of kernel calls the daemon itself makes (DESIGN.md §3): mounting and
 * unmounting overlay root filesystems. Everything that creates or joins namespaces lives in
 * the C helper, never here. Only daemon/runtime/ may import native/ffi.
 *
 * Errors are BerthErrors (see errno.ts) whose message names the call and the path.
 */

export interface OverlayOptions {
  /** Read-only layer directories, LOWEST first (the order images list them). */
  lower: string[];
  upper: string;
  work: string;
  target: string;
}

export interface Syscalls {
  /** mount(2). Synchronous: a plain mount does not sync anything and takes ~0.1 ms. */
  mount(source: string | null, target: string, fstype: string | null, flags: number, data: string | null): void;
  /**
   * umount2(2) on the libuv threadpool: an overlay unmount syncs the upper dir and can take
   * hundreds of ms, which must never block the event loop. Resolves when done.
   */
  umount(target: string, flags?: number): Promise<void>;
  /**
   * Mounts an overlay with the new mount API (fsopen, fsconfig "lowerdir+" per layer,
   * fsmount, move_mount), so any number of layers fits; falls back to mount(2) with a data
   * string when the kernel lacks the new API (then ~37 long layer paths at most).
   */
  mountOverlay(opts: OverlayOptions): void;
}

export const MS_RDONLY = 1;
export const MS_NOSUID = 2;
export const MS_NODEV = 4;
export const MS_NOEXEC = 8;
export const MS_BIND = 4096;
export const MS_REC = 16384;
export const MS_PRIVATE = 1 << 18;
export const MNT_DETACH = 2;

/** The legacy mount(2) data string for an overlay: lowerdir lists the TOP layer first. */
export function overlayData(opts: OverlayOptions): string {
  const lower = [...opts.lower].reverse().join(':');
  return `lowerdir=${lower},upperdir=${opts.upper},workdir=${opts.work}`;
}
