/**
 * The manifest a push sends. When the image came from a registry and nothing changed, the
 * original manifest bytes (kept in the content store by pull) are sent again, so the pushed
 * digest equals the pulled one. Otherwise a Docker schema2 manifest is written the way dockerd
 * writes it (3-space indented JSON), or an OCI manifest when the layers are OCI media types.
 */
import { Digest } from '../oci/digest';
import { MediaType } from '../oci/types';
import { parseManifestDocument } from '../oci/validate';
import type { Stores } from '../store/stores';
import type { ImageRecord } from '../store/images';
import type { Blob } from './push-blob';

export interface BuiltManifest {
  bytes: Buffer;
  mediaType: string;
}

function sameLayers(a: { digest: string }[], b: Blob[]): boolean {
  return a.length === b.length && a.every((d, i) => d.digest === b[i]?.digest);
}

/** A stored manifest (or an index's stored child) describing exactly this config and these blobs. */
async function findOriginal(stores: Stores, record: ImageRecord, blobs: Blob[]): Promise<BuiltManifest | undefined> {
  const candidates: Digest[] = Object.values(record.repoDigests);
  for (let i = 0; i < candidates.length; i++) {
    const d = candidates[i] as Digest;
    if (!(await stores.content.has(d))) continue;
    let parsed;
    try {
      parsed = parseManifestDocument(await stores.content.read(d), undefined, `manifest ${d}`);
    } catch {
      continue;
    }
    if (parsed.kind === 'index') {
      candidates.push(...parsed.index.manifests.map((m) => m.digest).filter((x) => !candidates.includes(x)));
      continue;
    }
    if (parsed.manifest.config.digest === record.id && sameLayers(parsed.manifest.layers, blobs)) {
      return { bytes: await stores.content.read(d), mediaType: parsed.mediaType };
    }
  }
  return undefined;
}

export async function manifestFor(stores: Stores, record: ImageRecord, blobs: Blob[], configSize: number): Promise<BuiltManifest> {
  const original = await findOriginal(stores, record, blobs);
  if (original) return original;
  const oci = blobs.some((b) => b.mediaType.startsWith('application/vnd.oci.'));
  const mediaType = oci ? MediaType.OciManifest : MediaType.DockerManifest;
  const doc = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: oci ? MediaType.OciConfig : MediaType.DockerConfig, size: configSize, digest: record.id },
    layers: blobs.map((b) => ({ mediaType: b.mediaType, size: b.size, digest: b.digest })),
  };
  return { bytes: Buffer.from(JSON.stringify(doc, null, 3)), mediaType };
}
