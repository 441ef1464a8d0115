/**
 * Turning a directory of changes into a stored layer: the directory is archived with
 * layer-diff (deterministic, overlay whiteouts → OCI whiteouts), the tar goes into the content
 * store (its digest is the diff id; the uncompressed tar is kept so save and push can send the
 * exact bytes), and the files become the layer dir `layers/<chainid>/diff` — moved when the
 * caller hands the directory over, copied (`cp -a`, keeping xattrs and device nodes) otherwise.
 * Used by build steps, commit and import. Idempotent: an existing chain id is reused.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { Digest, sha256Of } from '../oci/digest';
import { MediaType } from '../oci/types';
import { layerDiffStream } from '../runtime/layer-diff';
import { systemError } from '../errors';
import type { Stores } from '../services';
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

function copyTree(from: string, to: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const cp = spawn('cp', ['-a', '--', `${from}/.`, `${to}/`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    cp.stderr.on('data', (d: Buffer) => (err += d.toString()));
    cp.on('error', reject);
    cp.on('close', (code) => (code === 0 ? resolve() : reject(systemError(`copying the layer files failed: ${err.trim()}`))));
  });
}

export async function commitDirAsLayer(stores: Stores, dir: string, parentChain: Digest | undefined, opts: CommitDirOptions): Promise<StoredLayer> {
  const { digest: diffId, size: tarSize } = await stores.content.ingest(layerDiffStream(dir, { xattrs: opts.xattrs }));
  const chainId = chainOf(parentChain, diffId);
  const record = await stores.layers.create(chainId, diffId, parentChain, async (target) => {
    const size = await treeSize(dir);
    if (opts.move) {
      await fs.rmdir(target);
      await fs.rename(dir, target);
    } else {
      await copyTree(dir, target);
    }
    return size;
  });
  return { diffId, chainId, size: record.size, blob: { digest: diffId, size: tarSize, mediaType: MediaType.DockerLayer } };
}
