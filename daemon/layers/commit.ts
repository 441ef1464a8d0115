/**
 * Turning a directory of changes into a stored layer: the directory is archived with
 * layer-diff (deterministic, overlay whiteouts → OCI whiteouts), the tar goes into the content
 * store (its digest is the diff id; the uncompressed tar is kept so save and push can send the
 * exact bytes), and the files become the layer dir `layers/<chainid>/diff` — moved when the
 * caller hands the directory over, else unpacked from the stored tar (layer-unpack).
 * Used by build steps, commit and import. Idempotent: an existing chain id is reused.
 */
import { promises as fs } from 'node:fs';
import { Digest, sha256Of } from '../oci/digest';
import { MediaType } from '../oci/types';
import { isMountPlaceholder, layerDiffStream } from './diff';
// Unpacking runs on a worker thread so a big layer never blocks other API requests.
import { unpackLayerInWorker as unpackLayer } from './unpack-pool';
import type { Stores } from '../store/stores';
import type { ImageLayerRef } from '../store/images';

export interface StoredLayer extends ImageLayerRef {
  /** Bytes of the files in the layer. */
  size: number;
}

export interface CommitDirOptions {
  /** The directory may be moved into the layer store (it is then gone). */
  move: boolean;
  /** Read xattrs and opaque markers (overlay upper dirs); off for dirs berth wrote itself. */
  xattrs: boolean;
  /** Leave out a container's mount placeholders (commit, RUN). */
  skipPlaceholders?: boolean;
}

export function chainOf(parentChain: Digest | undefined, diffId: Digest): Digest {
  return parentChain ? sha256Of(`${parentChain} ${diffId}`) : diffId;
}

async function treeSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await fs.readdir(dir)) {
    const p = `${dir}/${name}`;
    const st = await fs.lstat(p);
    if (st.isDirectory()) total += await treeSize(p);
    else if (st.isFile()) total += st.size;
  }
  return total;
}

export async function commitDirAsLayer(stores: Stores, dir: string, parentChain: Digest | undefined, opts: CommitDirOptions): Promise<StoredLayer> {
  const exclude = opts.skipPlaceholders ? isMountPlaceholder : undefined;
  const { digest: diffId, size: tarSize } = await stores.content.ingest(layerDiffStream(dir, { xattrs: opts.xattrs, exclude }));
  const chainId = chainOf(parentChain, diffId);
  const record = await stores.layers.create(chainId, diffId, parentChain, async (target) => {
    if (!opts.move) {
      // Unpacking the stored tar (rather than copying the dir) makes the layer dir hold
      // exactly what the diff id says, whiteouts converted back to overlay form.
      const res = await unpackLayer(stores.content.openRead(diffId), target, { expectedDiffId: diffId, index: true });
      return { size: res.size, sealHint: res.index };
    }
    const size = await treeSize(dir);
    await fs.rmdir(target);
    await fs.rename(dir, target);
    return size;
  });
  return { diffId, chainId, size: record.size, blob: { digest: diffId, size: tarSize, mediaType: MediaType.DockerLayer } };
}
