/**
 * Registering a new image from a config and its (already stored) layers: store the config
 * blob, write the image record. Used by pull, load, import, commit and build. The layers must
 * already be in the layer store; the record is written last, so an interrupted operation
 * leaves no image that looks complete (only unreferenced blobs/layers for the GC).
 */
import { Digest, chainIds } from '../oci/digest';
import { ImageConfig } from '../oci/types';
import type { Stores } from '../store/stores';
import type { ImageLayerRef, ImageRecord } from '../store/images';
import { invalid } from '../errors';

export interface RegisterOptions {
  /** Compressed blobs per layer index, when known (pull, load). */
  blobs?: (ImageLayerRef['blob'] | undefined)[];
  parent?: Digest;
  /** A manifest digest per repository name (pull). */
  repoDigests?: Record<string, Digest>;
}

/** Serialises a config the way berth stores new ones (stable, compact JSON). */
export function configBytes(config: ImageConfig): Buffer {
  return Buffer.from(JSON.stringify(config));
}

export async function registerImage(stores: Stores, config: ImageConfig | Buffer, opts: RegisterOptions = {}): Promise<ImageRecord> {
  const bytes = Buffer.isBuffer(config) ? config : configBytes(config);
  const parsed = (Buffer.isBuffer(config) ? JSON.parse(bytes.toString('utf8')) : config) as ImageConfig;
  const diffIds = parsed.rootfs?.diff_ids ?? [];
  const chains = chainIds(diffIds);
  for (const chain of chains) {
    if (!(await stores.layers.has(chain))) throw invalid(`layer ${chain} is missing from the layer store`);
  }
  const id = await stores.content.put(bytes);
  const existing = await stores.images.get(id);
  const layers: ImageLayerRef[] = diffIds.map((diffId, i) => ({
    diffId,
    chainId: chains[i] as Digest,
    blob: opts.blobs?.[i] ?? existing?.layers[i]?.blob,
  }));
  const record: ImageRecord = {
    id,
    layers,
    repoDigests: { ...existing?.repoDigests, ...opts.repoDigests },
    parent: opts.parent ?? existing?.parent,
    addedAt: existing?.addedAt ?? new Date().toISOString(),
  };
  await stores.images.put(record);
  return record;
}
