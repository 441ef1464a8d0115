/**
 * The volumes service (the `local` driver): create, list with Docker's filters, inspect,
 * remove (refused while a container uses the volume), prune (anonymous volumes only unless
 * `all=true`, as Docker 23+), and what containers need: named volumes made on first use,
 * anonymous ones, and the mount a volume becomes. Records live in store/volumes.ts; which
 * containers use a volume is asked of the containers (injected `usersOf`). Throws BerthError
 * with Docker's messages; never touches HTTP.
 */
import { randomBytes } from 'node:crypto';
import { conflict, invalid, notFound } from '../errors';
import { labelsMatch, parseFilters } from '../filters';
import { log } from '../log';
import type { MountSpec } from '../runtime/types';
import { VOLUME_NAME, VolumeRecord, VolumeStore } from '../store/volumes';
import { KeyedMutex } from '../containers/mutex';
import { checkLocalOptions, localMount, tmpfsOptions } from './local-driver';
import { ActiveMounts } from './active-mounts';
import type { VolumeMounter } from '../runtime/volume-mount';
import { seedVolumes } from './seed';

/** Docker marks the volumes it makes for `-v /path` and image VOLUMEs with this label. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface VolumeView {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string>;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  UsageData?: { Size: number; RefCount: number };
}

export interface CreateVolumeRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

const strMap = (v: unknown, what: string): Record<string, string> => {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(`invalid ${what}: expected an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw invalid(`invalid ${what}: the value of "${k}" must be a string`);
    out[k] = x;
  }
  return out;
};

/** Docker's name rule and messages (a slash suggests the user meant a host path). */
export function checkVolumeName(name: string): void {
  if (name.length === 1 && /^[a-zA-Z0-9]$/.test(name)) throw invalid(`volume name is too short, names should be at least two alphanumeric characters`);
  if (!VOLUME_NAME.test(name)) {
    throw invalid(`create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

export class VolumeService {
  private readonly records = new Map<string, VolumeRecord>();
  private readonly locks = new KeyedMutex();

  constructor(
    readonly store: VolumeStore,
    /** Ids of the containers (any state) whose mounts name this volume. */
    private readonly usersOf: (name: string) => string[],
    private readonly events?: { emit(type: 'volume', action: string, id: string, attrs?: Record<string, string>): unknown },
    /** Mounts tmpfs volumes once for all their users; without it each container gets its own tmpfs. */
    mounter?: VolumeMounter,
  ) {
    this.active = mounter ? new ActiveMounts(mounter) : undefined;
  }

  private readonly active?: ActiveMounts;

  /** A volume with a filesystem of its own, mounted while containers use it (`-o type=tmpfs`). */
  private mountable(name: string): boolean {
    return !!this.active && this.records.get(name)?.Options.type === 'tmpfs';
  }

  /**
   * A container starts with these volumes: the tmpfs ones are mounted on their _data unless
   * another running container has them (then both share it). Idempotent per container.
   */
  async activate(containerId: string, names: readonly string[]): Promise<void> {
    const list = [...new Set(names)].filter((n) => this.mountable(n)).map((n) => ({ name: n, dataDir: this.store.dataDir(n), options: tmpfsOptions(this.get(n).Options) }));
    if (list.length) await this.active?.activate(containerId, list);
  }

  /** The container stopped: its tmpfs volumes that no other running container uses are unmounted. */
  async release(containerId: string): Promise<void> {
    await this.active?.release(containerId, (n) => this.store.dataDir(n));
  }

  /** After the containers' recovery: volume mounts no running container uses are removed. */
  async sweepMounts(): Promise<void> {
    await this.active?.sweep(this.store.root);
  }

  async init(): Promise<void> {
    await this.store.init();
    for (const rec of await this.store.loadAll()) this.records.set(rec.Name, rec);
  }

  private view(rec: VolumeRecord): VolumeView {
    return {
      CreatedAt: rec.CreatedAt, Driver: rec.Driver, Labels: rec.Labels, Mountpoint: this.store.dataDir(rec.Name),
      Name: rec.Name, Options: Object.keys(rec.Options).length ? rec.Options : null, Scope: 'local',
    };
  }

  get(name: string): VolumeRecord {
    const rec = this.records.get(name);
    if (!rec) throw notFound(`get ${name}: no such volume`);
    return rec;
  }

  has(name: string): boolean {
    return this.records.has(name);
  }

  inspect(name: string): VolumeView {
    return this.view(this.get(name));
  }

  /** POST /volumes/create. Idempotent for an existing name (Docker returns the volume). */
  async create(body: unknown): Promise<VolumeView> {
    const b = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const driver = b.Driver === undefined || b.Driver === null || b.Driver === '' ? 'local' : b.Driver;
    if (driver !== 'local') throw notFound(`create ${String(b.Name ?? '')}: error looking up volume plugin ${String(driver)}: plugin "${String(driver)}" not found`);
    if (b.Name !== undefined && b.Name !== null && typeof b.Name !== 'string') throw invalid('invalid Name: expected a string');
    const name = (b.Name as string | undefined) || undefined;
    const labels = strMap(b.Labels, 'Labels');
    const opts = checkLocalOptions(strMap(b.DriverOpts, 'DriverOpts'));
    const rec = await this.ensure(name, labels, opts);
    return this.view(rec);
  }

  /** The named volume, made now when it does not exist (`-v NAME:/path`, create). */
  async ensure(name: string | undefined, labels: Record<string, string> = {}, opts: Record<string, string> = {}): Promise<VolumeRecord> {
    const anonymous = !name;
    const volName = name ?? randomBytes(32).toString('hex');
    checkVolumeName(volName);
    opts = checkLocalOptions(opts);
    return this.locks.run(volName, async () => {
      const existing = this.records.get(volName);
      if (existing) return existing;
      const rec: VolumeRecord = {
        Name: volName, Driver: 'local', CreatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        Labels: anonymous ? { [ANONYMOUS_LABEL]: '', ...labels } : labels, Options: opts,
      };
      await this.store.create(rec);
      this.records.set(volName, rec);
      log.info('volume created', { name: volName });
      this.events?.emit('volume', 'create', volName, { driver: 'local' });
      return rec;
    });
  }

  dataDir(name: string): string {
    return this.store.dataDir(name);
  }

  /** Fills empty volumes from the image's content (containers call it at start). */
  seed(rootfs: string, mounts: readonly { source: string; destination: string }[]): Promise<void> {
    return seedVolumes(rootfs, mounts);
  }

  isAnonymous(name: string): boolean {
    const rec = this.records.get(name);
    return !!rec && Object.prototype.hasOwnProperty.call(rec.Labels, ANONYMOUS_LABEL);
  }

  /** The mount a container gets for this volume. */
  mountOf(name: string, destination: string, readonly: boolean, seed: boolean): MountSpec {
    const rec = this.get(name);
    return localMount(this.store.dataDir(name), rec.Options, destination, readonly, seed, this.mountable(name));
  }

  /** DELETE /volumes/{name}: refused while used, unless `force` (Docker: still refused when in use). */
  async remove(name: string, force: boolean): Promise<void> {
    await this.locks.run(name, async () => {
      if (!this.records.has(name)) {
        if (force) return;
        throw notFound(`get ${name}: no such volume`);
      }
      const users = this.usersOf(name);
      if (users.length) throw conflict(`remove ${name}: volume is in use - [${users.join(', ')}]`);
      if (this.mountable(name)) await this.active?.sweep(this.store.root); // a crash's leftover mount
      await this.store.remove(name);
      this.records.delete(name);
      log.info('volume removed', { name });
      this.events?.emit('volume', 'destroy', name, { driver: 'local' });
    });
  }

  /** GET /volumes with Docker's filters: dangling, name (substring), label, label!, driver. */
  list(rawFilters: unknown): { Volumes: VolumeView[]; Warnings: string[] } {
    const f = parseFilters(rawFilters).validate(['dangling', 'name', 'label', 'label!', 'driver']);
    const out: VolumeView[] = [];
    for (const rec of [...this.records.values()].sort((a, b) => a.Name.localeCompare(b.Name))) {
      if (f.has('dangling') && f.bool('dangling', false) !== (this.usersOf(rec.Name).length === 0)) continue;
      if (f.has('name') && !f.get('name').some((n) => rec.Name.includes(n))) continue;
      if (f.has('driver') && !f.get('driver').includes(rec.Driver)) continue;
      if (!labelsMatch(f, rec.Labels)) continue;
      out.push(this.view(rec));
    }
    return { Volumes: out, Warnings: [] };
  }

  /** POST /volumes/prune: unused anonymous volumes, or every unused one with `all=true`. */
  async prune(rawFilters: unknown): Promise<{ VolumesDeleted: string[]; SpaceReclaimed: number }> {
    const f = parseFilters(rawFilters).validate(['label', 'label!', 'all']);
    const all = f.bool('all', false);
    const deleted: string[] = [];
    let space = 0;
    for (const rec of [...this.records.values()]) {
      if (!all && !this.isAnonymous(rec.Name)) continue;
      if (!labelsMatch(f, rec.Labels) || this.usersOf(rec.Name).length) continue;
      const size = await this.store.size(rec.Name);
      try {
        await this.remove(rec.Name, false);
        deleted.push(rec.Name);
        space += size;
      } catch (err) {
        log.warn('prune could not remove a volume', { name: rec.Name, error: String(err) });
      }
    }
    if (deleted.length) this.events?.emit('volume', 'prune', '', { reclaimed: String(space) });
    return { VolumesDeleted: deleted, SpaceReclaimed: space };
  }

  /** The volumes half of GET /system/df. */
  async diskUsage(): Promise<VolumeView[]> {
    const out: VolumeView[] = [];
    for (const rec of this.records.values()) {
      out.push({ ...this.view(rec), UsageData: { Size: await this.store.size(rec.Name), RefCount: this.usersOf(rec.Name).length } });
    }
    return out;
  }
}
