/**
 * The uncompressed tar of a stored layer, for `save`: the kept tar itself when the layer was
 * made here or loaded (its blob's digest is the diff id), else the pulled compressed blob
 * decompressed (the image's own, or one stored for the same diff id by another image), else
 * the layer dir archived again with layer-diff. Whatever the source, the
 * bytes must hash to the diff id — an archive whose layers do not match its config would be
 * rejected by every loader — so anything not already verified goes through a scratch file
 * and is checked before it is used.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { systemError } from '../errors';
import { Digest, shortId } from '../oci/digest';
import { layerDiffStream } from '../layers/diff';
import { decompressor, detectCompression } from '../layers/decompress';
import type { Stores } from '../store/stores';
import { HashingStream } from '../store/content';
import type { ImageLayerRef } from '../store/images';
import { storedBlobFor } from './layer-source';

export interface LayerFile {
  diffId: Digest;
  path: string;
  size: number;
}

async function verifiedCopy(source: Readable, diffId: Digest, tmpDir: string): Promise<LayerFile> {
  const file = path.join(tmpDir, `layer-${randomBytes(6).toString('hex')}.tar`);
  const hasher = new HashingStream();
  await pipeline(source, hasher, createWriteStream(file));
  if (hasher.digest() !== diffId) {
    await fs.rm(file, { force: true });
    throw systemError(`layer ${shortId(diffId)} cannot be exported: its stored content no longer matches its diff id`);
  }
  return { diffId, path: file, size: hasher.bytes };
}

async function decompressed(stores: Stores, blob: Digest): Promise<Readable> {
  const fh = await fs.open(stores.content.pathOf(blob), 'r');
  const head = Buffer.alloc(6);
  await fh.read(head, 0, 6, 0);
  await fh.close();
  const dec = decompressor(detectCompression(head));
  const src = createReadStream(stores.content.pathOf(blob));
  src.on('error', (e) => dec.destroy(e));
  return src.pipe(dec);
}

/** Finds or makes the uncompressed tar of a layer. Scratch files go to `tmpDir`. */
export async function layerFile(stores: Stores, layer: ImageLayerRef, tmpDir: string): Promise<LayerFile> {
  // The image's own blob, else one another image stored for the same diff id (layer-source.ts).
  const blob = await storedBlobFor(stores, layer.diffId, layer.blob);
  if (blob && blob.digest === layer.diffId && (await stores.content.has(blob.digest))) {
    return { diffId: layer.diffId, path: stores.content.pathOf(blob.digest), size: await stores.content.size(blob.digest) };
  }
  if (blob && (await stores.content.has(blob.digest))) {
    return verifiedCopy(await decompressed(stores, blob.digest), layer.diffId, tmpDir);
  }
  return verifiedCopy(layerDiffStream(stores.layers.diffDir(layer.chainId), { xattrs: true }), layer.diffId, tmpDir);
}
