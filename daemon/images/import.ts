/**
 * `docker import`: a filesystem tarball (request body or a downloaded URL; plain, gzip, zstd,
 * bzip2 or xz) becomes a one-layer image, `--change` instructions applied, optionally tagged.
 * The tar is stored as is (its digest is the diff id) and unpacked into the layer store; the
 * image record and the tag come last, so a bad tarball registers nothing.
 */
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid } from '../errors';
import { Digest } from '../oci/digest';
import { hostPlatform, parsePlatform } from '../oci/platform';
import { parseReference, Reference, withDefaultTag } from '../oci/reference';
import { ImageConfig, MediaType } from '../oci/types';
import { decompressor, detectCompression } from '../layers/decompress';
// Unpacking runs on a worker thread so a big layer never blocks other API requests.
import { unpackLayerInWorker as unpackLayer } from '../layers/unpack-pool';
import type { Stores } from '../store/stores';
import { applyChanges } from './changes';
import { registerImage } from './register';
import { download } from './url-download';

export interface ImportOptions {
  /** `-` for the body, else an http(s) URL to download. */
  src: string;
  repo?: string;
  tag?: string;
  changes: string[];
  message?: string;
  platform?: string;
}

function tarStream(file: string, head: Buffer): Readable {
  const src = createReadStream(file);
  const dec = decompressor(detectCompression(head));
  src.on('error', (e) => dec.destroy(e));
  return src.pipe(dec);
}

async function fetchTo(url: string, file: string): Promise<void> {
  await download(url, file);
}

function targetRef(opts: ImportOptions): Reference | undefined {
  if (!opts.repo) return undefined;
  const ref = parseReference(opts.tag ? `${opts.repo}:${opts.tag}` : opts.repo);
  if (ref.digest) throw invalid('cannot import to a digest reference');
  return withDefaultTag(ref);
}

export async function importImage(stores: Stores, body: Readable, opts: ImportOptions): Promise<Digest> {
  const ref = targetRef(opts);
  const cc = applyChanges({}, opts.changes);
  const platform = opts.platform ? parsePlatform(opts.platform) : hostPlatform();
  const file = path.join(stores.paths.tmp, `import-${randomBytes(6).toString('hex')}`);
  try {
    if (opts.src === '-') await pipeline(body, createWriteStream(file));
    else if (/^https?:\/\//i.test(opts.src)) await fetchTo(opts.src, file);
    else throw invalid(`cannot import from "${opts.src}": give - (the request body) or an http(s) URL`);
    const fh = await fs.open(file, 'r');
    const head = Buffer.alloc(512);
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    await fh.close();
    if (bytesRead === 0) throw invalid('the tarball to import is empty');
    const { digest: diffId, size } = await stores.content.ingest(tarStream(file, head.subarray(0, bytesRead)));
    await stores.layers.create(diffId, diffId, undefined, async (dir) => {
      try {
        const res = await unpackLayer(stores.content.openRead(diffId), dir, { expectedDiffId: diffId, index: true });
        return { size: res.size, sealHint: res.index };
      } catch (err) {
        throw invalid(`the input is not a valid tar archive: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    const created = new Date().toISOString();
    const msg = opts.message || `Imported from ${opts.src}`;
    const config: ImageConfig = {
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      comment: msg,
      config: cc,
      created,
      history: [{ created, comment: msg }],
      os: platform.os,
      rootfs: { type: 'layers', diff_ids: [diffId] },
    };
    const record = await registerImage(stores, config, { blobs: [{ digest: diffId, size, mediaType: MediaType.DockerLayer }] });
    if (ref) await stores.refs.set(ref, record.id);
    return record.id;
  } finally {
    await fs.rm(file, { force: true });
  }
}
