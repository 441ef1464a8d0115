/**
 * The file indexes of the stored layers (`layers/<chainhex>/index.json`, see file-index.ts).
 * Contract:
 * - `record(layerDir)` is called on a layer's temp directory before it is renamed into place
 *   (LayerStore.create's seal step): the index is then the layer's checksum, `recorded: unpack`.
 * - `get(chainId)` returns the index, building it from the tree once (`recorded: later`) for
 *   layers stored before indexes existed, and caching it on disk and in memory. Layers are
 *   immutable, so a cached index stays right; a write that fails (disk full) only costs a
 *   rebuild next time.
 *   Such a later index is built without content hashes (walking 20,000 files is quick,
 *   hashing 200 MB is not); `fillHashes` adds the ones a caller needs and saves them.
 * - `verify(chainId)` walks and hashes the tree again and compares it with the index recorded
 *   at unpack; a later index proves nothing (it was taken from the tree as it was then).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { atomicWriteJson, readJsonIfExists } from '../store/atomic';
import type { Digest } from '../oci/digest';
import { compareEntries, IndexEntry, LayerIndex, makeIndex, parseIndex, TreeDifference } from './file-index';
import { hashFilesInWorker, walkLayerInWorker } from './file-index-pool';

export const INDEX_FILE = 'index.json';
const MEMORY_SLOTS = 16;

export interface VerifyResult {
  /** What the comparison was against; `none` when no index was ever recorded. */
  against: LayerIndex['recorded'] | 'none';
  differences: TreeDifference[];
  /** The entries as they are now (so a caller can record them). */
  entries: IndexEntry[];
}

/** An index handed over by the unpacker (it crossed a thread boundary: check its shape). */
function isEntryList(v: unknown): v is IndexEntry[] {
  return Array.isArray(v) && v.every((e) => typeof (e as IndexEntry)?.path === 'string' && typeof (e as IndexEntry).kind === 'string');
}

export class LayerIndexes {
  private readonly memory = new Map<Digest, Promise<LayerIndex>>();

  /** `dirOf(chainId)` is the layer's directory (holding diff/ and layer.json). */
  constructor(private readonly dirOf: (chainId: Digest) => string) {}

  /**
   * Indexes a freshly filled layer directory (`<dir>/diff`) and writes `<dir>/index.json`.
   * `taken` is the index the unpacker took right after writing the tree (unpack.ts `index`:
   * the same walk, content hashes from the bytes as they were written); without it the tree
   * is walked and hashed here.
   */
  async record(layerDir: string, taken?: unknown): Promise<void> {
    const entries = isEntryList(taken) ? taken : await walkLayerInWorker(path.join(layerDir, 'diff'));
    await atomicWriteJson(path.join(layerDir, INDEX_FILE), makeIndex(entries, 'unpack'));
  }

  /** The recorded index on disk, if any (not built). */
  async recorded(chainId: Digest): Promise<LayerIndex | undefined> {
    return parseIndex(await readJsonIfExists(path.join(this.dirOf(chainId), INDEX_FILE)).catch(() => undefined));
  }

  get(chainId: Digest): Promise<LayerIndex> {
    const hit = this.memory.get(chainId);
    if (hit) {
      this.memory.delete(chainId);
      this.memory.set(chainId, hit);
      return hit;
    }
    const work = this.load(chainId);
    this.memory.set(chainId, work);
    work.catch(() => this.memory.delete(chainId));
    while (this.memory.size > MEMORY_SLOTS) {
      const oldest = this.memory.keys().next().value as Digest;
      this.memory.delete(oldest);
    }
    return work;
  }

  /** Forgets a layer (after it was deleted or quarantined). */
  forget(chainId: Digest): void {
    this.memory.delete(chainId);
  }

  private async load(chainId: Digest): Promise<LayerIndex> {
    const onDisk = await this.recorded(chainId);
    if (onDisk) return onDisk;
    const entries = await walkLayerInWorker(path.join(this.dirOf(chainId), 'diff'), { hash: false });
    const index = makeIndex(entries, 'later');
    await atomicWriteJson(path.join(this.dirOf(chainId), INDEX_FILE), index).catch(() => undefined);
    return index;
  }

  /** Re-walks the tree and compares it with the recorded index. */
  async verify(chainId: Digest): Promise<VerifyResult> {
    const rec = await this.recorded(chainId);
    const entries = await walkLayerInWorker(path.join(this.dirOf(chainId), 'diff'));
    if (!rec) return { against: 'none', differences: [], entries };
    if (rec.recorded !== 'unpack') return { against: rec.recorded, differences: [], entries };
    return { against: rec.recorded, differences: compareEntries(rec.entries, entries), entries };
  }

  /**
   * Adds content hashes to the entries at `paths` of a cached index that lacks them (a later
   * index), and saves the index. Mutates the entries: callers share the cached object.
   */
  async fillHashes(chainId: Digest, index: LayerIndex, paths: Set<string>): Promise<void> {
    const missing = index.entries.filter((e) => e.kind === 'file' && !e.sha256 && paths.has(e.path));
    if (missing.length === 0) return;
    const hashes = await hashFilesInWorker(path.join(this.dirOf(chainId), 'diff'), missing.map((e) => e.path));
    for (const e of missing) {
      const h = hashes[e.path];
      if (h) e.sha256 = h;
    }
    const updated = makeIndex(index.entries, index.recorded);
    index.digest = updated.digest;
    await atomicWriteJson(path.join(this.dirOf(chainId), INDEX_FILE), updated).catch(() => undefined);
  }

  /** Records an index for a layer that has none (after it was verified some other way). */
  async store(chainId: Digest, entries: IndexEntry[], recorded: LayerIndex['recorded']): Promise<void> {
    this.memory.delete(chainId);
    await atomicWriteJson(path.join(this.dirOf(chainId), INDEX_FILE), makeIndex(entries, recorded));
  }

  /** Whether the layer directory still has its diff/ (for callers that must tell "gone" apart). */
  async exists(chainId: Digest): Promise<boolean> {
    return fs.stat(path.join(this.dirOf(chainId), 'diff')).then((s) => s.isDirectory(), () => false);
  }
}
