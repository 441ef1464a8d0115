/**
 * The archive side of the images service: save (docker-archive + OCI layout), load and
 * import, over the stores. A thin facade so the API router depends on one narrow object.
 */
import { promises as fs } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import type { Digest } from '../oci/digest';
import type { EventBus } from '../events';
import type { Stores } from '../store/stores';
import { importImage, ImportOptions } from './import';
import { HoldFn, loadImages, LoadedImage } from './load';
import { planSave, writeSave } from './save';

export class ArchiveService {
  constructor(
    private readonly stores: Stores,
    private readonly events?: EventBus,
    /** The image GC's lease, so a prune running meanwhile keeps what a load stores. */
    private readonly hold?: HoldFn,
  ) {}

  async save(names: string[]): Promise<{ write(out: Writable): Promise<void>; close(): Promise<void> }> {
    const plan = await planSave(this.stores, names);
    return {
      write: async (out) => {
        await writeSave(plan, out);
        for (const img of plan.images) this.events?.emit('image', 'save', img.id, {});
      },
      close: () => fs.rm(plan.tmpDir, { recursive: true, force: true }),
    };
  }

  async load(body: Readable): Promise<LoadedImage[]> {
    const loaded = await loadImages(this.stores, body, this.hold);
    for (const img of loaded) this.events?.emit('image', 'load', img.id, {});
    return loaded;
  }

  async importImage(body: Readable, opts: ImportOptions): Promise<Digest> {
    const id = await importImage(this.stores, body, opts);
    this.events?.emit('image', 'import', id, {});
    return id;
  }
}
