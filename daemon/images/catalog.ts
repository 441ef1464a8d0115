/**
 * A consistent in-memory view of every local image for one request: record, config, size,
 * tags and digest references, children. List, prune, remove, history and /system/df all work
 * from this view, so "which images need this layer" and "which image is a parent" are answered
 * the same way everywhere. Built from the stores; never written back.
 */
import { BerthError } from '../errors';
import { Digest, isDigest } from '../oci/digest';
import { Reference, formatReference, fullName, parseReference } from '../oci/reference';
import { ImageConfig } from '../oci/types';
import type { Stores } from '../store/stores';
import type { ImageRecord } from '../store/images';

export interface ImageEntry {
  id: Digest;
  record: ImageRecord;
  config: ImageConfig;
  /** Sum of the image's unpacked layer sizes (Docker's image Size). */
  size: number;
  /** Tag references (`name:tag`), sorted by their familiar form. */
  tags: Reference[];
  /** Digest references (`name@sha256:...`), from the reference store and the record. */
  digests: Reference[];
  /** Images whose parent is this one. */
  children: Digest[];
  /** config.created in unix seconds (0 when absent or unparsable). */
  created: number;
}

export interface Catalog {
  images: Map<Digest, ImageEntry>;
  /** Unpacked size of each stored layer, by chain id. */
  layerSizes: Map<Digest, number>;
}

/** Parses a reference-store key or a record's repository name; undefined when it is not one. */
export function parseKey(key: string): Reference | undefined {
  try {
    return parseReference(key);
  } catch (err) {
    if (err instanceof BerthError) return undefined;
    throw err;
  }
}

export function isTagged(ref: Reference): boolean {
  return ref.digest === undefined;
}

/** Docker's familiar string of a reference (`busybox:latest`). */
export const familiar = formatReference;

/** Image config created time as unix seconds. */
export function createdSeconds(config: ImageConfig): number {
  const t = config.created ? Date.parse(config.created) : NaN;
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

/** The references pointing at `id`, split into tags and digests, both deduplicated and sorted. */
export function referencesOf(stores: Pick<Stores, 'refs'>, record: ImageRecord): { tags: Reference[]; digests: Reference[] } {
  const tags = new Map<string, Reference>();
  const digests = new Map<string, Reference>();
  for (const key of stores.refs.keysFor(record.id)) {
    const ref = parseKey(key);
    if (!ref) continue;
    (ref.digest ? digests : tags).set(familiar(ref), ref);
  }
  for (const [name, digest] of Object.entries(record.repoDigests)) {
    if (!isDigest(digest)) continue;
    const ref = parseKey(name);
    if (!ref) continue;
    const canonical: Reference = { domain: ref.domain, path: ref.path, digest };
    digests.set(familiar(canonical), canonical);
  }
  const sorted = (m: Map<string, Reference>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  return { tags: sorted(tags), digests: sorted(digests) };
}

/** Reads every image (skipping records whose config blob is gone: those are GC leftovers). */
export async function loadCatalog(stores: Pick<Stores, 'images' | 'content' | 'layers' | 'refs'>): Promise<Catalog> {
  const layerSizes = new Map<Digest, number>();
  const images = new Map<Digest, ImageEntry>();
  for (const id of await stores.images.list()) {
    const record = await stores.images.get(id);
    if (!record) continue;
    let config: ImageConfig;
    try {
      config = (await stores.content.readJson(id)) as ImageConfig;
    } catch {
      continue;
    }
    let size = 0;
    for (const layer of record.layers) {
      let s = layerSizes.get(layer.chainId);
      if (s === undefined) {
        s = (await stores.layers.get(layer.chainId))?.size ?? 0;
        layerSizes.set(layer.chainId, s);
      }
      size += s;
    }
    const { tags, digests } = referencesOf(stores, record);
    images.set(id, { id, record, config, size, tags, digests, children: [], created: createdSeconds(config) });
  }
  for (const entry of images.values()) {
    const parent = entry.record.parent;
    if (parent) images.get(parent)?.children.push(entry.id);
  }
  return { images, layerSizes };
}

/** Chain ids needed by the images in `ids`. */
export function chainsOf(catalog: Catalog, ids: Iterable<Digest>): Set<Digest> {
  const out = new Set<Digest>();
  for (const id of ids) for (const l of catalog.images.get(id)?.record.layers ?? []) out.add(l.chainId);
  return out;
}

/** The repository name of a reference, fully qualified (`docker.io/library/busybox`). */
export function repoOf(ref: Reference): string {
  return fullName(ref);
}
