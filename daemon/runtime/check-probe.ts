/**
 * The host side of `system check` (store/check.ts's RuntimeChecks): mount points under the
 * data root, container cgroups with no process left, network namespace files, and removing
 * them. Mounts are detached lazily (MNT_DETACH) so a busy leftover never wedges the check.
 * A cgroup named like a container that this store does not know is only taken for a leftover
 * after `FOREIGN_GRACE_MS` (another engine on the host, or a start in the middle of joining
 * its first process, must never lose its cgroup).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { KoffiSyscalls, MNT_DETACH, type Syscalls } from '../../native/ffi';
import type { StorePaths } from '../store/paths';
import { detectCgroups } from './cgroups';
import { readMountinfo } from './mountinfo';

const CGROUP_ROOT = '/sys/fs/cgroup';
const V1_CONTROLLERS = ['freezer', 'memory', 'pids', 'cpu', 'devices'];
const ID = /^[a-f0-9]{64}$/;
export const FOREIGN_GRACE_MS = 10 * 60 * 1000;

async function cgroupDirs(root: string): Promise<string[]> {
  const v2 = path.join(root, 'berth');
  const parents = [v2, ...V1_CONTROLLERS.map((c) => path.join(root, c, 'berth'))];
  const out: string[] = [];
  for (const p of parents) {
    for (const name of await fs.readdir(p).catch(() => [] as string[])) if (ID.test(name)) out.push(path.join(p, name));
  }
  return out;
}

export class HostCheckProbe {
  constructor(
    private readonly paths: StorePaths,
    private readonly sys: Syscalls = new KoffiSyscalls(),
    private readonly cgroupRoot = CGROUP_ROOT,
  ) {}

  async mountsUnder(dir: string): Promise<string[]> {
    const root = path.resolve(dir);
    // Deepest first, so nested mounts come off before the ones they sit on.
    return (await readMountinfo())
      .map((m) => m.mountPoint)
      .filter((p) => p === root || p.startsWith(root + '/'))
      .sort((a, b) => b.length - a.length);
  }

  async unmount(mountPoint: string): Promise<void> {
    await this.sys.umount(mountPoint, MNT_DETACH);
  }

  async idleCgroups(): Promise<string[]> {
    const known = new Set(await fs.readdir(this.paths.containers).catch(() => [] as string[]));
    const idle = new Set<string>();
    const busy = new Set<string>();
    for (const dir of await cgroupDirs(this.cgroupRoot)) {
      const id = path.basename(dir);
      const procs = await fs.readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
      if (procs.trim()) busy.add(id);
      if (!known.has(id)) {
        const st = await fs.stat(dir).catch(() => undefined);
        if (!st || Date.now() - st.ctimeMs < FOREIGN_GRACE_MS) busy.add(id);
      }
      idle.add(id);
    }
    return [...idle].filter((id) => !busy.has(id)).sort();
  }

  async removeCgroup(id: string): Promise<void> {
    // only berth's own parent is swept (cgroupDirs): a container under a --cgroup-parent is
    // cleaned at its removal, from the place its run directory recorded
    const cgroups = await detectCgroups(this.cgroupRoot);
    await cgroups.remove(await cgroups.place(id));
  }

  /** Files under <exec-root>/netns/ (bind-mounted namespaces), named by container id. */
  async netnsFiles(): Promise<{ id: string; file: string }[]> {
    const dir = path.join(this.paths.execRoot, 'netns');
    return (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => ID.test(n)).map((n) => ({ id: n, file: path.join(dir, n) }));
  }

  async removeNetns(file: string): Promise<void> {
    await Promise.resolve(this.sys.umount(file, MNT_DETACH)).catch(() => undefined);
    await fs.rm(file, { force: true });
  }
}
