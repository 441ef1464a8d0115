/**
 * Which stored blob holds a layer's bytes. An image records, per layer, the blob it came in
 * (its own source: the registry it was pulled from, the archive it was loaded from). When
 * that blob is not stored — a layer that "Already exists" because another image, pulled from
 * another registry, brought the same diff id as different bytes (gzip vs plain tar) — any
 * stored blob recorded for the same diff id holds the same files: the diff id is the hash of
 * the uncompressed tar, and every blob was verified against it when it was unpacked or ingested.
 * Found here so pull can record it (and so keep it from the garbage collector) and save/push
 * can fall back on it for records written before.
 */
import type { Digest } from '../oci/digest';
import { MediaType } from '../oci/types';
import type { ImageLayerRef } from '../store/images';
import type { Stores } from '../store/stores';

export type LayerBlob = NonNullable<ImageLayerRef['blob']>;

/** A stored blob whose uncompressed bytes are the layer `diffId`, or undefined. */
export async function storedBlobFor(stores: Pick<Stores, 'content' | 'images'>, diffId: Digest, prefer?: LayerBlob): Promise<LayerBlob | undefined> {
  if (prefer && (await stores.content.has(prefer.digest))) return prefer;
  for (const id of await stores.images.list()) {
    const rec = await stores.images.get(id);
    for (const l of rec?.layers ?? []) {
      if (l.diffId === diffId && l.blob && (await stores.content.has(l.blob.digest))) return l.blob;
    }
  }
  // The uncompressed tar itself, kept under its diff id (build, commit, import, load).
  if (await stores.content.has(diffId)) return { digest: diffId, size: await stores.content.size(diffId), mediaType: MediaType.DockerLayer };
  return undefined;
}
