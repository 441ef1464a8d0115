/**
 * Volume records on disk: `<data-root>/volumes/<name>/volume.json` beside `_data/`, the
 * volume's content (Docker's layout, so `Mountpoint` reads the same).
 *
 * Crash safety: a volume appears and disappears with ONE rename. Create builds the whole
 * directory (record + _data) under a `.tmp-` name and renames it into place; remove renames it
 * to a `.tmp-` name first and deletes that afterwards. Start-up sweeps `.tmp-*`, which only
 * ever holds a volume that was never complete or was already being removed, so a crash half
 * way neither loses a volume nor leaves one that looks complete. A directory that has `_data`
 * but an unreadable record is kept (reported, never deleted): its data is the user's.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { atomicWriteJson, fsyncDir, readJsonIfExists, sweepTemps, TEMP_PREFIX } from './atomic';
import type { StorePaths } from './paths';
import { log } from '../log';
import { conflict } from '../errors';

export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  /** RFC 3339, as Docker's CreatedAt. */
  CreatedAt: string;
  Labels: Record<string, string>;
  /** The local driver's options (type, device, o), as given. */
  Options: Record<string, string>;
}

export const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

function parseRecord(v: unknown, name: string): VolumeRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<VolumeRecord>;
  if (r.Name !== name) return undefined;
  const strMap = (m: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    if (m && typeof m === 'object') for (const [k, x] of Object.entries(m)) if (typeof x === 'string') out[k] = x;
    return out;
  };
  return { Name: name, Driver: 'local', CreatedAt: typeof r.CreatedAt === 'string' ? r.CreatedAt : new Date(0).toISOString(), Labels: strMap(r.Labels), Options: strMap(r.Options) };
}

export class VolumeStore {
  constructor(private readonly paths: StorePaths) {}

  /** The directory holding every volume's directory. */
  get root(): string { return this.paths.volumes; }
  dir(name: string): string { return path.join(this.paths.volumes, name); }
  dataDir(name: string): string { return path.join(this.dir(name), '_data'); }

  async init(): Promise<void> {
    await fs.mkdir(this.paths.volumes, { recursive: true, mode: 0o701 });
    await sweepTemps(this.paths.volumes);
  }

  /** Every volume whose record parses; others are reported and left alone. */
  async loadAll(): Promise<VolumeRecord[]> {
    const out: VolumeRecord[] = [];
    for (const name of await fs.readdir(this.paths.volumes).catch(() => [] as string[])) {
      if (name.startsWith(TEMP_PREFIX) || !VOLUME_NAME.test(name)) continue;
      const raw = await readJsonIfExists(path.join(this.dir(name), 'volume.json')).catch(() => undefined);
      const rec = parseRecord(raw, name);
      if (rec) out.push(rec);
      else log.warn('skipping a volume directory without a readable record (left in place)', { name });
    }
    return out;
  }

  /** Creates the volume atomically; Conflict when the name is taken on disk. */
  async create(rec: VolumeRecord): Promise<void> {
    const tmp = path.join(this.paths.volumes, `${TEMP_PREFIX}${rec.Name}-${randomBytes(6).toString('hex')}`);
    try {
      await fs.mkdir(path.join(tmp, '_data'), { recursive: true, mode: 0o755 });
      await atomicWriteJson(path.join(tmp, 'volume.json'), rec);
      await fsyncDir(tmp);
      // rename(2) onto an existing non-empty directory fails (ENOTEMPTY/EEXIST): no overwrite.
      await fs.rename(tmp, this.dir(rec.Name));
      await fsyncDir(this.paths.volumes);
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true }).catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw conflict(`a volume directory named ${rec.Name} already exists under ${this.paths.volumes}`, err);
      throw err;
    }
  }

  /** Removes a volume: first out of sight with one rename, then its content. */
  async remove(name: string): Promise<void> {
    const gone = path.join(this.paths.volumes, `${TEMP_PREFIX}rm-${name}-${randomBytes(6).toString('hex')}`);
    await fs.rename(this.dir(name), gone);
    await fsyncDir(this.paths.volumes);
    await fs.rm(gone, { recursive: true, force: true });
  }

  /** Bytes used by a volume's content (system df), counting each inode once. */
  async size(name: string): Promise<number> {
    const seen = new Set<string>();
    let total = 0;
    const walk = async (dir: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const p = path.join(dir, e.name);
        const st = await fs.lstat(p).catch(() => undefined);
        if (!st) continue;
        const key = `${st.dev}:${st.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
        if (st.isDirectory()) await walk(p);
        else total += st.size;
      }
    };
    await walk(this.dataDir(name));
    return total;
  }
}
