/**
 * `docker load`: an image archive (docker-archive or OCI layout, plain or gzip-compressed)
 * from the request body into the stores. The archive is unpacked into `<data-root>/tmp`, every
 * layer is verified against its diff id (and an OCI blob against its descriptor) while it is
 * stored, layers are unpacked into the layer store, and only when every image of the archive
 * is complete are the image records written and the names set. A broken archive registers
 * nothing and moves no existing tag.
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { BerthError, invalid } from '../errors';
import { chainIds, Digest, shortId } from '../oci/digest';
import { MediaType } from '../oci/types';
import { parseReference, withDefaultTag } from '../oci/reference';
import { decompressor, detectCompression } from '../runtime/unpack-decompress';
import { unpackLayer } from '../runtime/layer-unpack';
import type { Stores } from '../services';
import type { ImageLayerRef } from '../store/images';
import { registerImage } from './register';
import { ArchiveImage, ArchiveLayer, readArchive } from './load-archive';

export interface LoadedImage {
  id: Digest;
  tags: string[];
}

async function headOf(file: string): Promise<Buffer> {
  const fh = await fs.open(file, 'r');
  try {
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return b.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** Stores one layer's bytes (verified) and returns the blob reference kept with the image. */
async function storeLayer(stores: Stores, layer: ArchiveLayer, diffId: Digest): Promise<ImageLayerRef['blob']> {
  const compression = detectCompression(await headOf(layer.file));
  if (layer.desc && compression !== 'none') {
    // A compressed OCI blob: keep it as is (checked against its descriptor); the diff id is
    // checked when the layer is unpacked.
    const { digest, size } = await stores.content.ingest(createReadStream(layer.file), { digest: layer.desc.digest });
    return { digest, size, mediaType: layer.desc.mediaType };
  }
  const src = createReadStream(layer.file).pipe(decompressor(compression));
  const { digest, size } = await stores.content.ingest(src, { digest: diffId }).catch((err: unknown) => {
    if (err instanceof BerthError && /mismatch/.test(err.message)) {
      throw invalid(`layer ${shortId(diffId)} in the archive does not match its diff id (the archive is corrupt)`);
    }
    throw err;
  });
  return { digest, size, mediaType: MediaType.DockerLayer };
}

async function storeImage(stores: Stores, img: ArchiveImage): Promise<(ImageLayerRef['blob'] | undefined)[]> {
  const chains = chainIds(img.diffIds);
  const blobs: (ImageLayerRef['blob'] | undefined)[] = [];
  for (const [i, layer] of img.layers.entries()) {
    const diffId = img.diffIds[i] as Digest;
    const chainId = chains[i] as Digest;
    const blob = await storeLayer(stores, layer, diffId);
    blobs.push(blob);
    if (await stores.layers.has(chainId)) continue;
    await stores.layers.create(chainId, diffId, i > 0 ? chains[i - 1] : undefined, async (dir) => {
      const res = await unpackLayer(stores.content.openRead((blob as NonNullable<typeof blob>).digest), dir, { expectedDiffId: diffId });
      return res.size;
    });
  }
  return blobs;
}

async function unpackArchive(body: Readable, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  try {
    await pipeline(body, tar.x({ cwd: dir, strict: true, preserveOwner: false }));
  } catch (err) {
    throw invalid(`the input is not a valid tar archive: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Loads every image of the archive; `onLoaded` is told each name (or id) once all are stored. */
export async function loadImages(stores: Stores, body: Readable): Promise<LoadedImage[]> {
  const dir = path.join(stores.paths.tmp, `load-${randomBytes(6).toString('hex')}`);
  try {
    await unpackArchive(body, dir);
    const images = await readArchive(dir);
    if (images.length === 0) throw invalid('the archive holds no images');
    const stored: { img: ArchiveImage; blobs: (ImageLayerRef['blob'] | undefined)[] }[] = [];
    for (const img of images) stored.push({ img, blobs: await storeImage(stores, img) });
    const out: LoadedImage[] = [];
    for (const { img, blobs } of stored) {
      const record = await registerImage(stores, img.config, { blobs });
      out.push({ id: record.id, tags: img.tags });
    }
    for (const r of out) for (const t of r.tags) await stores.refs.set(withDefaultTag(parseReference(t)), r.id);
    return out;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
