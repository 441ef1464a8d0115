// Test fixtures: a real on-disk store in a temp dir with images made of plain-file layers,
// registered through the same registerImage() pull and build use. No root needed.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Digest, chainIds, sha256Of } from '../../../daemon/oci/digest';
import { parseReference } from '../../../daemon/oci/reference';
import { ImageConfig } from '../../../daemon/oci/types';
import { openStores, Stores } from '../../../daemon/store/stores';
import { registerImage } from '../../../daemon/images/register';
import type { ImageRecord } from '../../../daemon/store/images';

export async function tempStores(prefix = 'berth-images-'): Promise<{ root: string; stores: Stores }> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const stores = await openStores({ dataRoot: path.join(root, 'data'), execRoot: path.join(root, 'run') });
  return { root, stores };
}

export interface LayerSpec {
  /** File name → contents. The layer's diff id is derived from these. */
  files: Record<string, string>;
  createdBy?: string;
}

export interface ImageSpec {
  layers: LayerSpec[];
  tags?: string[];
  created?: string;
  labels?: Record<string, string>;
  parent?: Digest;
  /** Extra history entries without a layer (like CMD), appended at the end. */
  emptyHistory?: string[];
  /** A manifest blob to store and record as this image's repo digest: name → true. */
  repoDigestFor?: string;
}

function diffIdOf(files: Record<string, string>): Digest {
  return sha256Of(JSON.stringify(Object.entries(files).sort()));
}

/** Creates the layers (shared chains are created once) and registers the image. */
export async function makeImage(stores: Stores, spec: ImageSpec): Promise<ImageRecord> {
  const diffIds = spec.layers.map((l) => diffIdOf(l.files));
  const chains = chainIds(diffIds);
  for (let i = 0; i < spec.layers.length; i++) {
    const layer = spec.layers[i] as LayerSpec;
    await stores.layers.create(chains[i] as Digest, diffIds[i] as Digest, i > 0 ? chains[i - 1] : undefined, async (dir) => {
      let size = 0;
      for (const [name, content] of Object.entries(layer.files)) {
        await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true });
        await fs.writeFile(path.join(dir, name), content);
        size += Buffer.byteLength(content);
      }
      return size;
    });
  }
  const created = spec.created ?? '2026-01-01T00:00:00Z';
  const history = spec.layers.map((l) => ({ created, created_by: l.createdBy ?? '/bin/sh -c #(nop) ADD file' }));
  for (const h of spec.emptyHistory ?? []) history.push({ created, created_by: h, empty_layer: true } as (typeof history)[number]);
  const config: ImageConfig = {
    architecture: 'amd64',
    os: 'linux',
    created,
    config: { Cmd: ['sh'], Labels: spec.labels ?? null, Env: ['PATH=/usr/bin:/bin'] },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
  // A layer blob per layer (fake compressed bytes), so the GC has blobs to keep or drop.
  const blobs = [];
  for (const l of spec.layers) {
    const data = Buffer.from(`blob:${JSON.stringify(l.files)}`);
    blobs.push({ digest: await stores.content.put(data), size: data.length, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' });
  }
  let repoDigests: Record<string, Digest> | undefined;
  if (spec.repoDigestFor) {
    const cfgDigest = sha256Of(JSON.stringify(config));
    const manifest = { schemaVersion: 2, config: { digest: cfgDigest }, layers: blobs.map((b) => ({ digest: b.digest, size: b.size })) };
    repoDigests = { [spec.repoDigestFor]: await stores.content.put(JSON.stringify(manifest)) };
  }
  const rec = await registerImage(stores, config, { blobs, parent: spec.parent, repoDigests });
  for (const t of spec.tags ?? []) await stores.refs.set(parseReference(t.includes(':', t.lastIndexOf('/') + 1) ? t : `${t}:latest`), rec.id);
  return rec;
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
