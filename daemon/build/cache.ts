/**
 * The build cache index (`<data-root>/build-cache.json`): (parent image, step key) → the
 * image that step produced. The step key is the step's history line after substitution (for
 * COPY/ADD it embeds the checksum of the copied files, for RUN the build args used), plus the
 * platform. A hit is used only if the image still exists, so rmi/prune never leave a hit
 * pointing at nothing. Written atomically, changes serialised; losing the file loses only
 * cache hits, never images.
 */
import * as path from 'node:path';
import { Digest, isDigest, sha256Of } from '../oci/digest';
import { atomicWriteJson, readJsonIfExists } from '../store/atomic';
import type { Stores } from '../store/stores';

export class BuildCache {
  private entries: Map<string, Digest> | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly stores: Pick<Stores, 'paths' | 'images'>) {}

  private get file(): string {
    return path.join(this.stores.paths.dataRoot, 'build-cache.json');
  }

  static keyOf(parent: Digest | undefined, step: string, platform: string): string {
    return sha256Of(`${parent ?? 'scratch'}\n${platform}\n${step}`).slice(7);
  }

  private async load(): Promise<Map<string, Digest>> {
    if (this.entries) return this.entries;
    const raw = await readJsonIfExists(this.file).catch(() => undefined);
    const m = new Map<string, Digest>();
    if (raw && typeof raw === 'object') {
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) if (typeof v === 'string' && isDigest(v)) m.set(k, v);
    }
    this.entries = m;
    return m;
  }

  /** The cached image for this step, if it still exists. */
  async lookup(key: string): Promise<Digest | undefined> {
    const id = (await this.load()).get(key);
    if (!id) return undefined;
    return (await this.stores.images.get(id)) ? id : undefined;
  }

  record(key: string, id: Digest): Promise<void> {
    const next = this.queue.then(async () => {
      const m = await this.load();
      m.set(key, id);
      // Drop entries whose image is gone so the file does not grow forever.
      const live = new Set(await this.stores.images.list());
      for (const [k, v] of m) if (!live.has(v)) m.delete(k);
      await atomicWriteJson(this.file, Object.fromEntries(m));
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
