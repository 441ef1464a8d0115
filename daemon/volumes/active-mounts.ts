/**
 * Which running containers use each volume that has a filesystem of its own (`-o type=tmpfs`):
 * the first user mounts it on the volume's _data, the last one to go unmounts it, as Docker's
 * local driver counts active mounts, so containers running together share the volume's data
 * and it is empty again once none runs. The count lives in memory: after a berthd restart the
 * containers service re-activates its running containers, then sweep() unmounts the rest.
 */
import * as path from 'node:path';
import { KeyedMutex } from '../containers/mutex';
import { log } from '../log';
import type { VolumeMounter } from '../runtime/volume-mount';

export interface MountableVolume {
  name: string;
  dataDir: string;
  /** mount(8)'s -o list for the tmpfs. */
  options: string;
}

export class ActiveMounts {
  private readonly users = new Map<string, Set<string>>();
  private readonly byContainer = new Map<string, string[]>();
  private readonly locks = new KeyedMutex();

  constructor(private readonly mounter: VolumeMounter) {}

  /** The container starts with these volumes: each is mounted unless another user has it. */
  async activate(containerId: string, volumes: readonly MountableVolume[]): Promise<void> {
    const done: string[] = [];
    try {
      for (const v of volumes) {
        await this.locks.run(v.name, async () => {
          const set = this.users.get(v.name) ?? new Set<string>();
          if (set.size === 0) await this.mounter.mountTmpfs(v.dataDir, v.options);
          set.add(containerId);
          this.users.set(v.name, set);
        });
        done.push(v.name);
        this.byContainer.set(containerId, [...(this.byContainer.get(containerId) ?? []).filter((n) => n !== v.name), v.name]);
      }
    } catch (err) {
      await this.release(containerId, (name) => volumes.find((v) => v.name === name)?.dataDir);
      throw err;
    }
  }

  /** The container stopped (or never started): the volumes nobody else uses are unmounted. */
  async release(containerId: string, dataDirOf: (name: string) => string | undefined): Promise<void> {
    const names = this.byContainer.get(containerId) ?? [];
    this.byContainer.delete(containerId);
    for (const name of names) {
      await this.locks.run(name, async () => {
        const set = this.users.get(name);
        set?.delete(containerId);
        if (set && set.size > 0) return;
        this.users.delete(name);
        const dir = dataDirOf(name);
        if (dir) await this.mounter.unmount(dir).catch((err) => log.warn('unmounting a volume failed', { name, error: String(err) }));
      });
    }
  }

  inUse(name: string): boolean {
    return (this.users.get(name)?.size ?? 0) > 0;
  }

  /** After recovery: every volume filesystem under root that no running container uses goes. */
  async sweep(root: string): Promise<void> {
    for (const mp of await this.mounter.mountedUnder(root)) {
      const rel = path.relative(root, mp).split(path.sep);
      if (rel.length !== 2 || rel[1] !== '_data' || this.inUse(rel[0] as string)) continue;
      await this.mounter.unmount(mp).catch((err) => log.warn('unmounting a leftover volume mount failed', { mountPoint: mp, error: String(err) }));
    }
  }
}
