/**
 * The filesystems of `local` volumes created with a type (`-o type=tmpfs`), mounted on the
 * volume's _data directory at its first use and unmounted at its last release, as Docker's
 * local driver does (volume/local: Mount/Unmount with an active count), so every container
 * using the volume at once shares one filesystem. The volumes service keeps the count; this
 * only mounts, unmounts and lists, through native/ffi.
 */
import * as path from 'node:path';
import { invalid } from '../errors';
import { KoffiSyscalls, MNT_DETACH, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, type Syscalls } from '../../native/ffi';
import { readMountinfo, type MountEntry } from './mountinfo';

export interface VolumeMounter {
  /** Mounts a tmpfs with `options` (mount(8)'s -o list) on dir; nothing if one is there. */
  mountTmpfs(dir: string, options: string): Promise<void>;
  /** Unmounts dir (lazily when busy); nothing if nothing is mounted there. */
  unmount(dir: string): Promise<void>;
  /** The mount points below root (deepest first). */
  mountedUnder(root: string): Promise<string[]>;
}

const FLAGS: Record<string, number> = { ro: MS_RDONLY, nosuid: MS_NOSUID, nodev: MS_NODEV, noexec: MS_NOEXEC };
const CLEARS = new Set(['rw', 'suid', 'dev', 'exec', 'defaults']);

/** mount(8)'s -o list as mount(2) flags and the data string the filesystem parses. */
export function splitMountOptions(options: string): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const o of options.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (o.includes('\0')) throw invalid('invalid volume mount option: it contains a NUL byte');
    if (FLAGS[o] !== undefined) flags |= FLAGS[o] as number;
    else if (!CLEARS.has(o)) data.push(o);
  }
  return { flags, data: data.join(',') };
}

export function createVolumeMounter(sys: Syscalls = new KoffiSyscalls(), mounts: () => Promise<MountEntry[]> = readMountinfo): VolumeMounter {
  const isMounted = async (dir: string) => (await mounts()).some((m) => m.mountPoint === dir);
  return {
    async mountTmpfs(dir, options) {
      const target = path.resolve(dir);
      if (await isMounted(target)) return;
      const { flags, data } = splitMountOptions(options);
      sys.mount('tmpfs', target, 'tmpfs', flags, data || null);
    },
    async unmount(dir) {
      const target = path.resolve(dir);
      if (!(await isMounted(target))) return;
      // a process of the host may still have a file open there: detach, as docker does at rm -f
      await sys.umount(target).catch(() => sys.umount(target, MNT_DETACH));
    },
    async mountedUnder(root) {
      const r = path.resolve(root) + path.sep;
      return (await mounts()).map((m) => m.mountPoint).filter((p) => p.startsWith(r)).sort((a, b) => b.length - a.length);
    },
  };
}
