/**
 * The layer half of `system check` (store/check.ts's LayerChecks): a layer's tree compared
 * with the file index recorded when it was unpacked, its tar regenerated from the tree and
 * hashed (the fallback for layers stored before indexes existed: it matches the diff id of
 * layers berth wrote itself, as builds and commits do), and a damaged layer unpacked again
 * from its compressed blob through the normal LayerStore.create path (which records a fresh
 * index).
 */
import { createHash } from 'node:crypto';
import type { Digest } from '../oci/digest';
import type { Stores } from '../store/stores';
import { layerDiffStream } from './diff';
import type { LayerIndexes } from './layer-indexes';
import { unpackLayerInWorker } from './unpack-pool';

export class LayerChecker {
  constructor(
    private readonly stores: Pick<Stores, 'layers' | 'content'>,
    private readonly indexes: LayerIndexes,
  ) {}

  async verify(chainId: Digest): Promise<{ against: 'unpack' | 'later' | 'none'; problems: string[] }> {
    const v = await this.indexes.verify(chainId);
    return { against: v.against, problems: v.differences.map((d) => `${d.problem} /${d.path}${d.detail ? ` (${d.detail})` : ''}`) };
  }

  async regeneratedDiffId(chainId: Digest): Promise<Digest> {
    const h = createHash('sha256');
    for await (const chunk of layerDiffStream(this.stores.layers.diffDir(chainId), { xattrs: true })) h.update(chunk as Buffer);
    return `sha256:${h.digest('hex')}`;
  }

  async recordVerified(chainId: Digest): Promise<void> {
    const v = await this.indexes.verify(chainId);
    await this.indexes.store(chainId, v.entries, 'unpack');
  }

  async restoreFromBlob(chainId: Digest, diffId: Digest, parent: Digest | undefined, blob: Digest): Promise<void> {
    this.indexes.forget(chainId);
    await this.stores.layers.create(chainId, diffId, parent, async (dir) => {
      const res = await unpackLayerInWorker(this.stores.content.openRead(blob), dir, { expectedDiffId: diffId, index: true });
      return { size: res.size, sealHint: res.index };
    });
  }

  forget(chainId: Digest): void {
    this.indexes.forget(chainId);
  }
}
