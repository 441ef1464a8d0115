/**
 * `docker load`: an image archive (docker-archive or OCI layout; plain, gzip, bzip2 or xz)
 * from the request body into the stores. Layers stream straight into the content store as the
 * archive arrives (load-stream.ts); each is then checked against its diff id (an OCI blob
 * against its descriptor) and unpacked into the layer store, and only when every image of
 * the archive is complete are the image records written and the names set. A broken archive
 * registers nothing and moves no existing tag.
 */
import { Readable } from 'node:stream';
import { BerthError, invalid } from '../errors';
import { chainIds, Digest, shortId } from '../oci/digest';
import { MediaType } from '../oci/types';
import { StreamedArchive } from './load-stream';
import { parseReference, withDefaultTag } from '../oci/reference';
import { decompressor, detectCompression, looksLikeTar, plainStream } from '../layers/decompress';
// Unpacking runs on a worker thread so a big layer never blocks other API requests.
import { unpackLayerInWorker as unpackLayer } from '../layers/unpack-pool';
import type { Stores } from '../store/stores';
import { CONTENT_MISMATCH } from '../store/content';
import type { ImageLayerRef } from '../store/images';
import { diskFull, isDiskFull, LayerCode } from '../layers/errors';
import { registerImage } from './register';
import { ArchiveImage, ArchiveLayer, readArchive } from './load-archive';

export interface LoadedImage {
  id: Digest;
  tags: string[];
}

/** Finds or stores the blob of one layer, verified against what the archive says it is. */
async function layerBlob(stores: Stores, tree: StreamedArchive, layer: ArchiveLayer, diffId: Digest): Promise<NonNullable<ImageLayerRef['blob']>> {
  const corrupt = () => invalid(`layer ${shortId(diffId)} in the archive does not match its digest (the archive is corrupt)`);
  const stored = tree.blobOf(layer.entry);
  const size = layer.entry.size;
  if (layer.desc) {
    // OCI layout: the blob is what its descriptor names (compressed or not).
    if (stored && stored !== layer.desc.digest) throw corrupt();
    const digest = stored ?? (await stores.content.ingest(tree.openRead(layer.entry), { digest: layer.desc.digest }).catch(() => Promise.reject(corrupt()))).digest;
    return { digest, size, mediaType: layer.desc.mediaType };
  }
  if (stored === diffId) return { digest: diffId, size, mediaType: MediaType.DockerLayer };
  // A small (in-memory) or compressed docker-archive layer: store its plain tar by diff id.
  const compression = detectCompression(await tree.head(layer.entry, 6));
  const plain = tree.openRead(layer.entry).pipe(decompressor(compression));
  const r = await stores.content.ingest(plain, { digest: diffId }).catch((err: unknown) => {
    throw err instanceof BerthError && err.code === CONTENT_MISMATCH ? corrupt() : err;
  });
  return { digest: diffId, size: r.size, mediaType: MediaType.DockerLayer };
}

/** Stores one layer: its verified blob, then (when new) its files unpacked from that blob. */
async function storeLayer(stores: Stores, tree: StreamedArchive, layer: ArchiveLayer, diffId: Digest, chainId: Digest, parent: Digest | undefined): Promise<ImageLayerRef['blob']> {
  const blob = await layerBlob(stores, tree, layer, diffId);
  if (!(await stores.layers.has(chainId))) {
    await stores.layers.create(chainId, diffId, parent, async (dir) => {
      const r = await unpackLayer(stores.content.openRead(blob.digest), dir, { expectedDiffId: diffId, index: true }).catch((err: unknown) => {
        throw err instanceof BerthError && err.code === LayerCode.DiffIdMismatch ? invalid(`layer ${shortId(diffId)} in the archive does not match its diff id (the archive is corrupt)`) : err;
      });
      return { size: r.size, sealHint: r.index };
    });
  }
  return blob;
}

async function storeImage(stores: Stores, tree: StreamedArchive, img: ArchiveImage): Promise<(ImageLayerRef['blob'] | undefined)[]> {
  const chains = chainIds(img.diffIds);
  const blobs: (ImageLayerRef['blob'] | undefined)[] = [];
  for (const [i, layer] of img.layers.entries()) {
    blobs.push(await storeLayer(stores, tree, layer, img.diffIds[i] as Digest, chains[i] as Digest, i > 0 ? chains[i - 1] : undefined));
  }
  return blobs;
}

/** Reads the archive in one pass, layers straight into the content store. */
async function receiveArchive(stores: Stores, body: Readable): Promise<StreamedArchive> {
  const { head, stream } = await plainStream(body);
  if (!looksLikeTar(head)) {
    stream.resume();
    throw invalid('the input is not a valid tar archive');
  }
  try {
    return await StreamedArchive.receive(stores, stream);
  } catch (err) {
    if (err instanceof BerthError) throw err;
    // Writing the archive's blobs can fill the disk: say so, not that the input is bad.
    if (isDiskFull(err)) throw diskFull('loading the image', err);
    throw invalid(`the input is not a valid tar archive: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Keeps layers and blobs from garbage collection until released (GarbageCollector.hold). */
export type HoldFn = (digests: Iterable<Digest>) => () => void;

export async function loadImages(stores: Stores, body: Readable, hold: HoldFn = () => () => undefined): Promise<LoadedImage[]> {
  let release = () => undefined as void;
  try {
    const tree = await receiveArchive(stores, body);
    const images = await readArchive(tree);
    if (images.length === 0) throw invalid('the archive holds no images');
    // What this load stores must survive a concurrent prune until the records exist.
    release = hold(images.flatMap((img) => [...chainIds(img.diffIds), ...img.diffIds, ...img.layers.flatMap((l) => (l.desc ? [l.desc.digest] : []))]));
    const stored: { img: ArchiveImage; blobs: (ImageLayerRef['blob'] | undefined)[] }[] = [];
    for (const img of images) stored.push({ img, blobs: await storeImage(stores, tree, img) });
    const out: LoadedImage[] = [];
    for (const { img, blobs } of stored) {
      const record = await registerImage(stores, img.config, { blobs });
      out.push({ id: record.id, tags: img.tags });
    }
    for (const r of out) for (const t of r.tags) await stores.refs.set(withDefaultTag(parseReference(t)), r.id);
    return out;
  } catch (err) {
    // However far the load got, a full disk is named as such (and nothing was registered).
    if (!(err instanceof BerthError) && isDiskFull(err)) throw diskFull('loading the image', err);
    throw err;
  } finally {
    release();
  }
}
