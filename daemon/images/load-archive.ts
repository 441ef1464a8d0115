/**
 * Reading an image archive (indexed in place, never unpacked — see build/context-tar.ts):
 * what images it holds, their config bytes, their layer entries and names. Understands
 * docker-archive (`manifest.json`; both the old `<id>/layer.tar` layout, symlinked duplicates
 * included, and the Docker ≥ 25 `blobs/sha256/...` one) and the OCI image layout
 * (`index.json`, nested indexes resolved to this host's platform). Paths are resolved inside
 * the archive only. Validates shapes; touches no store.
 */
import * as path from 'node:path';
import { invalid } from '../errors';
import type { SourceEntry, SourceTree } from '../layers/source-tree';
import { Digest, hexOf, isDigest } from '../oci/digest';
import { hostPlatform, requireLinuxImage, selectManifest } from '../oci/platform';
import { formatReference, parseReference, withDefaultTag } from '../oci/reference';
import { Descriptor, MediaType } from '../oci/types';

export interface ArchiveLayer {
  entry: SourceEntry;
  /** For OCI layouts: the blob's descriptor (digest of the possibly compressed bytes). */
  desc?: Descriptor;
}

export interface ArchiveImage {
  config: Buffer;
  diffIds: Digest[];
  layers: ArchiveLayer[];
  /** Familiar names (`x:tag`). */
  tags: string[];
}

async function entryOf(tree: SourceTree, rel: string): Promise<SourceEntry> {
  const e = await tree.lookup(rel);
  if (!e || e.kind !== 'file') throw invalid(`the archive is incomplete: ${rel} is missing`);
  return e;
}

async function readBytes(tree: SourceTree, rel: string): Promise<Buffer> {
  return tree.readSmall(await entryOf(tree, rel));
}

async function readJson(tree: SourceTree, rel: string): Promise<unknown> {
  try {
    return JSON.parse((await readBytes(tree, rel)).toString('utf8'));
  } catch (err) {
    if (err instanceof SyntaxError) throw invalid(`the archive's ${rel} is not valid JSON`);
    throw err;
  }
}

function parseConfig(bytes: Buffer, where: string): Digest[] {
  let c: unknown;
  try {
    c = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalid(`the image config ${where} is not valid JSON`);
  }
  requireLinuxImage((c as { os?: unknown } | null)?.os, `the image config ${where}`);
  const diffIds = (c as { rootfs?: { diff_ids?: unknown } })?.rootfs?.diff_ids;
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === 'string' && isDigest(d))) {
    throw invalid(`the image config ${where} has no valid rootfs.diff_ids`);
  }
  return diffIds as Digest[];
}

async function dockerArchive(root: SourceTree): Promise<ArchiveImage[]> {
  const manifest = await readJson(root, 'manifest.json');
  if (!Array.isArray(manifest)) throw invalid('the archive\'s manifest.json is not a list');
  const out: ArchiveImage[] = [];
  for (const entry of manifest as Record<string, unknown>[]) {
    if (!entry || typeof entry.Config !== 'string' || !Array.isArray(entry.Layers)) throw invalid('the archive\'s manifest.json has an entry without Config or Layers');
    const config = await readBytes(root, entry.Config);
    const diffIds = parseConfig(config, entry.Config);
    if (diffIds.length !== entry.Layers.length) {
      throw invalid(`the archive is inconsistent: ${entry.Config} lists ${diffIds.length} layers but manifest.json ${entry.Layers.length}`);
    }
    const layers: ArchiveLayer[] = [];
    for (const l of entry.Layers) {
      if (typeof l !== 'string') throw invalid('the archive\'s manifest.json has a layer that is not a path');
      layers.push({ entry: await entryOf(root, l) });
    }
    const tags = Array.isArray(entry.RepoTags) ? entry.RepoTags.filter((t): t is string => typeof t === 'string') : [];
    out.push({ config, diffIds, layers, tags: tags.map((t) => formatReference(withDefaultTag(parseReference(t)))) });
  }
  return out;
}

function blobPath(d: Digest): string {
  return path.join('blobs', 'sha256', hexOf(d));
}

function descriptor(v: unknown, what: string): Descriptor {
  const d = v as Descriptor;
  if (!d || typeof d.digest !== 'string' || !isDigest(d.digest) || typeof d.mediaType !== 'string') throw invalid(`the archive's ${what} has an invalid descriptor`);
  return d;
}

/** The name an OCI index entry carries, if it is a usable image reference. */
function nameOf(desc: Descriptor): string | undefined {
  const a = desc.annotations ?? {};
  const candidates = [a['io.containerd.image.name'], a['org.opencontainers.image.ref.name']];
  for (const c of candidates) {
    if (!c || !/[/:]/.test(c)) continue;
    try {
      return formatReference(withDefaultTag(parseReference(c)));
    } catch {
      // not a reference (e.g. a bare tag): unnamed
    }
  }
  return undefined;
}

async function ociLayout(root: SourceTree): Promise<ArchiveImage[]> {
  const index = (await readJson(root, 'index.json')) as { manifests?: unknown };
  if (!index || !Array.isArray(index.manifests)) throw invalid('the archive\'s index.json has no manifests');
  const byConfig = new Map<string, ArchiveImage>();
  for (const raw of index.manifests) {
    let desc = descriptor(raw, 'index.json');
    const name = nameOf(desc);
    if (desc.mediaType === MediaType.OciIndex || desc.mediaType === MediaType.DockerManifestList) {
      const nested = (await readJson(root, blobPath(desc.digest))) as { manifests?: unknown[] };
      desc = selectManifest((nested.manifests ?? []).map((m) => descriptor(m, 'nested index')), hostPlatform());
    }
    const m = (await readJson(root, blobPath(desc.digest))) as { config?: unknown; layers?: unknown };
    const cfgDesc = descriptor(m.config, `manifest ${desc.digest}`);
    if (!Array.isArray(m.layers)) throw invalid(`the archive's manifest ${desc.digest} has no layers`);
    const config = await readBytes(root, blobPath(cfgDesc.digest));
    const diffIds = parseConfig(config, cfgDesc.digest);
    if (diffIds.length !== m.layers.length) throw invalid(`the archive is inconsistent: manifest ${desc.digest} and its config disagree on the number of layers`);
    const existing = byConfig.get(cfgDesc.digest);
    if (existing) {
      if (name && !existing.tags.includes(name)) existing.tags.push(name);
      continue;
    }
    const layers: ArchiveLayer[] = [];
    for (const l of m.layers) {
      const ld = descriptor(l, `manifest ${desc.digest}`);
      layers.push({ entry: await entryOf(root, blobPath(ld.digest)), desc: ld });
    }
    byConfig.set(cfgDesc.digest, { config, diffIds, layers, tags: name ? [name] : [] });
  }
  return [...byConfig.values()];
}

/** Reads the images of an archive; prefers manifest.json when both layouts exist. */
export async function readArchive(root: SourceTree): Promise<ArchiveImage[]> {
  if (await root.lookup('manifest.json')) return dockerArchive(root);
  if (await root.lookup('index.json')) return ociLayout(root);
  throw invalid('the input is not an image archive: it has neither manifest.json (docker-archive) nor index.json (OCI layout)');
}
