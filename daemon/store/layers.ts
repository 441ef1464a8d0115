/**
 * The layer store: unpacked read-only layers keyed by chain id (`layers/<chainhex>/`), each
 * with `diff/` (the files, overlay whiteouts included) and `layer.json` (its record).
 * Contract:
 * - A layer directory exists only when complete: `create` fills a `.tmp-*` directory and
 *   renames it into place; start-up sweeps the leftovers of a crash.
 * - `create` is idempotent and deduplicated: concurrent creates of one chain id share one
 *   unpack, and an existing layer is returned as is (a shared base is stored once).
 * - Layers are immutable; the garbage collector deletes those no image or container needs.
 * - `seal(dir, hint)`, when given, runs on the filled temp directory before the rename (it
 *   records the layer's file index, layers/layer-indexes.ts; `hint` is what the fill handed
 *   over for it, the index the unpacker took as it wrote); if it fails, the layer is not kept.
 * - Durable before recorded: `sync(dir)`, when given, runs after the seal and before the
 *   rename (one syncfs of the layer's filesystem, not an fsync per file), so a layer directory
 *   that exists after a crash has its files on disk, not zero-length ones.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { notFound } from '../errors';
import { Digest, hexOf, isDigest } from '../oci/digest';
import { log } from '../log';
import { atomicWriteJson, fsyncDir, readJsonIfExists, sweepTemps, TEMP_PREFIX } from './atomic';
import { StorePaths } from './paths';

export interface LayerRecord {
  chainId: Digest;
  diffId: Digest;
  parent?: Digest;
  /** Bytes of the unpacked files (Docker's layer "Size"). */
  size: number;
}

function parseLayerRecord(v: unknown): LayerRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Record<string, unknown>;
  if (typeof r.chainId !== 'string' || !isDigest(r.chainId)) return undefined;
  if (typeof r.diffId !== 'string' || !isDigest(r.diffId)) return undefined;
  if (typeof r.size !== 'number') return undefined;
  const parent = typeof r.parent === 'string' && isDigest(r.parent) ? r.parent : undefined;
  return { chainId: r.chainId, diffId: r.diffId, parent, size: r.size };
}

/** What a fill reports: the files' total size, and what it hands to the seal step. */
export type Filled = number | { size: number; sealHint?: unknown };

export interface LayerStoreHooks {
  seal?: (dir: string, hint: unknown) => Promise<void>;
  sync?: (dir: string) => Promise<void>;
}

const ms = (x: number) => Math.round(x);

export class LayerStore {
  private readonly inFlight = new Map<Digest, Promise<LayerRecord>>();

  constructor(
    private readonly paths: StorePaths,
    private readonly opts: LayerStoreHooks = {},
  ) {}

  async init(): Promise<void> {
    await fs.mkdir(this.paths.layers, { recursive: true });
    await sweepTemps(this.paths.layers);
  }

  dirOf(chainId: Digest): string {
    return path.join(this.paths.layers, hexOf(chainId));
  }

  /** The directory holding the layer's files: an overlay lowerdir. */
  diffDir(chainId: Digest): string {
    return path.join(this.dirOf(chainId), 'diff');
  }

  async get(chainId: Digest): Promise<LayerRecord | undefined> {
    return parseLayerRecord(await readJsonIfExists(path.join(this.dirOf(chainId), 'layer.json')));
  }

  async require(chainId: Digest): Promise<LayerRecord> {
    const rec = await this.get(chainId);
    if (!rec) throw notFound(`layer ${chainId} not found`);
    return rec;
  }

  async has(chainId: Digest): Promise<boolean> {
    return (await this.get(chainId)) !== undefined;
  }

  /**
   * Creates the layer unless it exists. `fill(dir)` writes the layer's files into an empty
   * directory and returns their total size in bytes (and a hint for the seal step); if it
   * throws, nothing is kept.
   */
  create(chainId: Digest, diffId: Digest, parent: Digest | undefined, fill: (dir: string) => Promise<Filled>): Promise<LayerRecord> {
    const running = this.inFlight.get(chainId);
    if (running) return running;
    const work = this.doCreate(chainId, diffId, parent, fill).finally(() => this.inFlight.delete(chainId));
    this.inFlight.set(chainId, work);
    return work;
  }

  private async doCreate(chainId: Digest, diffId: Digest, parent: Digest | undefined, fill: (dir: string) => Promise<Filled>): Promise<LayerRecord> {
    const existing = await this.get(chainId);
    if (existing) return existing;
    const tmp = path.join(this.paths.layers, `${TEMP_PREFIX}${hexOf(chainId)}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(path.join(tmp, 'diff'), { recursive: true });
    try {
      const t0 = performance.now();
      const filled = await fill(path.join(tmp, 'diff'));
      const t1 = performance.now();
      const size = typeof filled === 'number' ? filled : filled.size;
      const record: LayerRecord = { chainId, diffId, parent, size };
      await atomicWriteJson(path.join(tmp, 'layer.json'), record);
      await this.opts.seal?.(tmp, typeof filled === 'number' ? undefined : filled.sealHint);
      const t2 = performance.now();
      await this.opts.sync?.(tmp);
      const t3 = performance.now();
      await fs.rename(tmp, this.dirOf(chainId));
      await fsyncDir(this.paths.layers);
      // Where a layer's time goes (bench/pull.sh and bench/load.sh read these at debug level).
      log.debug('layer stored', { chainId, fillMs: ms(t1 - t0), sealMs: ms(t2 - t1), syncMs: ms(t3 - t2), commitMs: ms(performance.now() - t3) });
      return record;
    } catch (err) {
      await fs.rm(tmp, { recursive: true, force: true });
      throw err;
    }
  }

  async list(): Promise<Digest[]> {
    const names = await fs.readdir(this.paths.layers).catch(() => [] as string[]);
    return names.filter((n) => !n.startsWith(TEMP_PREFIX)).map((n) => `sha256:${n}`).filter(isDigest);
  }

  /** Removes a layer. The directory is renamed away first so a crash never leaves half a layer. */
  async delete(chainId: Digest): Promise<void> {
    const dir = this.dirOf(chainId);
    const doomed = path.join(this.paths.layers, `${TEMP_PREFIX}rm-${hexOf(chainId)}-${randomBytes(4).toString('hex')}`);
    try {
      await fs.rename(dir, doomed);
    } catch {
      return;
    }
    await fs.rm(doomed, { recursive: true, force: true });
  }
}
