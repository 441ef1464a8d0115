/**
 * The compressed blob a layer is pushed as. Pulled layers keep the blob they came in; layers
 * made here (build, commit, import) keep their uncompressed tar (digest = diff id), which is
 * gzipped once on first push, stored in the content store, and recorded on the image so every
 * later push sends the same bytes (same digests).
 */
import { createGzip } from 'node:zlib';
import { BerthError } from '../errors';
import { shortId } from '../oci/digest';
import { MediaType } from '../oci/types';
import type { Stores } from '../store/stores';
import type { ImageLayerRef, ImageRecord } from '../store/images';
import { storedBlobFor } from './layer-source';

export type Blob = NonNullable<ImageLayerRef['blob']>;

const UNCOMPRESSED: readonly string[] = [MediaType.DockerLayer, MediaType.OciLayer];

/** Gzips an uncompressed layer tar from the content store into a new blob. */
async function gzipLayer(stores: Stores, tar: Blob): Promise<Blob> {
  const gz = createGzip({ level: 6, chunkSize: 128 * 1024 });
  const src = stores.content.openRead(tar.digest);
  src.on('error', (err) => gz.destroy(err));
  const { digest, size } = await stores.content.ingest(src.pipe(gz));
  return { digest, size, mediaType: tar.mediaType === MediaType.OciLayer ? MediaType.OciLayerGzip : MediaType.DockerLayerGzip };
}

/**
 * The blob of every layer, compressing where needed; updates the image record when it did.
 * Throws when a layer has no stored bytes at all (e.g. its blob was never kept).
 */
export async function layerBlobs(stores: Stores, record: ImageRecord): Promise<Blob[]> {
  const out: Blob[] = [];
  let changed = false;
  const layers = record.layers.map((l) => ({ ...l }));
  for (const layer of layers) {
    // The image's own blob; else another stored blob of the same diff id (a shared layer first
    // stored from another registry's bytes), or the uncompressed tar a layer made here kept.
    let blob = await storedBlobFor(stores, layer.diffId, layer.blob);
    if (!blob) throw new BerthError('NotFound', `layer ${shortId(layer.diffId)} of image ${shortId(record.id)} has no stored data to push (pull the image again to restore it)`);
    if (blob !== layer.blob) {
      layer.blob = blob;
      changed = true;
    }
    if (UNCOMPRESSED.includes(blob.mediaType)) {
      blob = await gzipLayer(stores, blob);
      layer.blob = blob;
      changed = true;
    }
    out.push(blob);
  }
  if (changed) await stores.images.put({ ...record, layers });
  return out;
}
