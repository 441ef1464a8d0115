/**
 * Garbage collection of the image store: mark and sweep.
 *
 * Mark: everything an image record needs — its config blob (the id), every layer of its chain
 * (and their parents), its compressed layer blobs, its manifests (and what those manifests and
 * indexes name) — plus the layers containers use (asked through `GcUsers`) and anything held
 * by a lease. Sweep: unmarked layers and blobs are deleted; reference-store entries that point
 * at missing images are dropped.
 *
 * Contract:
 * - Nothing another image, tag or container needs is ever removed.
 * - `candidates` scopes a sweep to what the caller just released (rmi, prune), so work in
 *   flight elsewhere is never touched; a full sweep is for start-up and `system prune`.
 * - Operations that store layers/blobs before their image record exists (pull, load, build,
 *   commit) should `hold()` them until the record is written: a lease makes them marked.
 * - Collections run one at a time.
 */
import { Digest, isDigest } from '../oci/digest';
import type { ContentStore } from './content';
import type { ImageRecord, ImageStore } from './images';
import type { LayerStore } from './layers';
import type { ReferenceStore } from './references';

export interface GcUsers {
  /** Chain ids of image layers containers rely on (the top one suffices: parents are kept). */
  layersInUse(): Promise<Digest[]>;
}

export const NO_GC_USERS: GcUsers = { layersInUse: async () => [] };

export interface GcStores {
  content: ContentStore;
  layers: LayerStore;
  images: ImageStore;
  refs: ReferenceStore;
}

export interface GcResult {
  /** Deleted layers with their unpacked size. */
  layers: { chainId: Digest; size: number }[];
  blobs: Digest[];
  /** Reference keys dropped because their image is gone. */
  refs: string[];
}

export class GarbageCollector {
  private readonly held = new Map<Digest, number>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly stores: GcStores,
    private users: GcUsers = NO_GC_USERS,
  ) {}

  setUsers(users: GcUsers): void {
    this.users = users;
  }

  /** Protects layers (chain ids) and blobs from collection until the returned release runs. */
  hold(digests: Iterable<Digest>): () => void {
    const list = [...digests];
    for (const d of list) this.held.set(d, (this.held.get(d) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const d of list) {
        const n = (this.held.get(d) ?? 1) - 1;
        if (n <= 0) this.held.delete(d);
        else this.held.set(d, n);
      }
    };
  }

  /** Runs one collection; with `candidates`, only those digests may be deleted. */
  collect(opts: { candidates?: Iterable<Digest> } = {}): Promise<GcResult> {
    const candidates = opts.candidates ? new Set(opts.candidates) : undefined;
    return this.exclusive(() => this.run(candidates));
  }

  /**
   * Runs `fn` while no collection runs (collections and exclusive sections take turns): what
   * `system check` uses to look at the whole store without a sweep changing it underfoot.
   * `fn` must not call `collect` (it would wait for itself); it may call `sweepNow`.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Layers and blobs nothing marks (no image, tag, container or lease), without deleting. Call inside `exclusive`. */
  async unreferenced(): Promise<{ layers: Digest[]; blobs: Digest[] }> {
    // An unreadable image record marks nothing here: the check reports (and quarantines) it.
    const marked = await this.mark(false, true);
    return {
      layers: (await this.stores.layers.list()).filter((d) => !marked.marked.has(d)),
      blobs: (await this.stores.content.list()).filter((d) => !marked.marked.has(d)),
    };
  }

  /** A collection limited to `candidates`, for use inside `exclusive`. */
  sweepNow(candidates: Iterable<Digest>): Promise<GcResult> {
    return this.run(new Set(candidates));
  }

  private async mark(dropRefs: boolean, skipUnreadable = false): Promise<{ marked: Set<Digest>; dropped: string[] }> {
    const { images, refs } = this.stores;
    const marked = new Set<Digest>(this.held.keys());
    const liveImages = new Set<Digest>();
    const layerRoots: Digest[] = [];
    const manifests: Digest[] = [];
    for (const id of await images.list()) {
      const rec = skipUnreadable ? await images.get(id).catch(() => undefined) : await images.get(id);
      if (!rec) continue;
      liveImages.add(id);
      marked.add(id);
      if (rec.parent) marked.add(rec.parent);
      for (const l of rec.layers) {
        layerRoots.push(l.chainId);
        if (l.blob && isDigest(l.blob.digest)) marked.add(l.blob.digest);
      }
      for (const d of Object.values(rec.repoDigests)) if (isDigest(d)) manifests.push(d);
    }
    const dropped: string[] = [];
    for (const [key, id] of refs.entries()) {
      if (!liveImages.has(id)) {
        if (dropRefs) {
          await refs.deleteKey(key);
          dropped.push(key);
        }
        continue;
      }
      const at = key.indexOf('@');
      const d = at >= 0 ? key.slice(at + 1) : '';
      if (isDigest(d)) manifests.push(d);
    }
    for (const m of manifests) await this.markManifest(m, marked);
    layerRoots.push(...(await this.users.layersInUse()), ...[...this.held.keys()]);
    for (const chain of layerRoots) await this.markLayerChain(chain, marked);
    return { marked, dropped };
  }

  private async run(candidates: Set<Digest> | undefined): Promise<GcResult> {
    const { content, layers } = this.stores;
    const { marked, dropped } = await this.mark(true);
    const result: GcResult = { layers: [], blobs: [], refs: dropped };
    const mayDelete = (d: Digest) => !marked.has(d) && (!candidates || candidates.has(d));
    for (const chain of await layers.list()) {
      if (!mayDelete(chain)) continue;
      const rec = await layers.get(chain);
      await layers.delete(chain);
      result.layers.push({ chainId: chain, size: rec?.size ?? 0 });
    }
    for (const blob of await content.list()) {
      if (!mayDelete(blob)) continue;
      await content.delete(blob);
      result.blobs.push(blob);
    }
    return result;
  }

  /**
   * Everything an image record names (config, layers, blobs, manifests and what they name):
   * the candidates to collect once that image is deleted.
   */
  async digestsOf(rec: ImageRecord, extraManifests: Digest[] = []): Promise<Set<Digest>> {
    const out = new Set<Digest>([rec.id]);
    for (const l of rec.layers) {
      out.add(l.chainId);
      if (l.blob && isDigest(l.blob.digest)) out.add(l.blob.digest);
    }
    for (const d of [...Object.values(rec.repoDigests), ...extraManifests]) if (isDigest(d)) await this.markManifest(d, out);
    return out;
  }

  /** Marks a layer and its parents, following layer.json. */
  private async markLayerChain(chain: Digest, marked: Set<Digest>): Promise<void> {
    let cur: Digest | undefined = chain;
    const seen = new Set<Digest>();
    while (cur && !seen.has(cur)) {
      seen.add(cur);
      marked.add(cur);
      cur = (await this.stores.layers.get(cur))?.parent;
    }
  }

  /** Marks a manifest or index blob and the blobs it names (one level of index nesting). */
  private async markManifest(d: Digest, marked: Set<Digest>, depth = 0): Promise<void> {
    marked.add(d);
    if (depth > 2 || !(await this.stores.content.has(d))) return;
    let doc: unknown;
    try {
      doc = await this.stores.content.readJson(d);
    } catch {
      return;
    }
    if (!doc || typeof doc !== 'object') return;
    const m = doc as { config?: { digest?: unknown }; layers?: { digest?: unknown }[]; manifests?: { digest?: unknown }[] };
    const named = [m.config, ...(Array.isArray(m.layers) ? m.layers : [])];
    for (const desc of named) if (desc && typeof desc.digest === 'string' && isDigest(desc.digest)) marked.add(desc.digest);
    for (const child of Array.isArray(m.manifests) ? m.manifests : []) {
      if (child && typeof child.digest === 'string' && isDigest(child.digest)) await this.markManifest(child.digest, marked, depth + 1);
    }
  }
}
