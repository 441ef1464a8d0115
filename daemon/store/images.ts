/**
 * Image records (`images/<idhex>.json`). An image's id is the digest of its config blob,
 * which lives in the content store; the record adds what the config does not say: where
 * it came from (manifest digest), its layers' chain ids and compressed blobs (for push and
 * save), its parent (for the build cache) and when it was made here.
 * Contract: records are written atomically; `put` is idempotent per id.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { notFound } from '../errors';
import { Digest, hexOf, isDigest } from '../oci/digest';
import { atomicWriteJson, readJsonIfExists, sweepTemps } from './atomic';
import { StorePaths } from './paths';

export interface ImageLayerRef {
  diffId: Digest;
  chainId: Digest;
  /** The compressed blob this layer came in, when we have it in the content store. */
  blob?: { digest: Digest; size: number; mediaType: string };
}

export interface ImageRecord {
  id: Digest;
  layers: ImageLayerRef[];
  /** Manifest digests this image was pulled or pushed as, per repository (`name` → digest). */
  repoDigests: Record<string, Digest>;
  /** The image a build step or commit started from (`""` for pulled images). */
  parent?: Digest;
  /** When this image record was first created on this host (ISO 8601). */
  addedAt: string;
}

function parseImageRecord(v: unknown): ImageRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<ImageRecord>;
  if (typeof r.id !== 'string' || !isDigest(r.id) || !Array.isArray(r.layers)) return undefined;
  return {
    id: r.id,
    layers: r.layers,
    repoDigests: r.repoDigests && typeof r.repoDigests === 'object' ? r.repoDigests : {},
    parent: typeof r.parent === 'string' && isDigest(r.parent) ? r.parent : undefined,
    addedAt: typeof r.addedAt === 'string' ? r.addedAt : new Date(0).toISOString(),
  };
}

export class ImageStore {
  constructor(private readonly paths: StorePaths) {}

  async init(): Promise<void> {
    await fs.mkdir(this.paths.images, { recursive: true });
    await sweepTemps(this.paths.images);
  }

  private fileOf(id: Digest): string {
    return path.join(this.paths.images, `${hexOf(id)}.json`);
  }

  async get(id: Digest): Promise<ImageRecord | undefined> {
    return parseImageRecord(await readJsonIfExists(this.fileOf(id)));
  }

  async require(id: Digest): Promise<ImageRecord> {
    const rec = await this.get(id);
    if (!rec) throw notFound(`No such image: ${id}`);
    return rec;
  }

  async put(rec: ImageRecord): Promise<void> {
    await atomicWriteJson(this.fileOf(rec.id), rec);
  }

  async delete(id: Digest): Promise<void> {
    await fs.rm(this.fileOf(id), { force: true });
  }

  async list(): Promise<Digest[]> {
    const names = await fs.readdir(this.paths.images).catch(() => [] as string[]);
    return names
      .filter((n) => n.endsWith('.json'))
      .map((n) => `sha256:${n.slice(0, -'.json'.length)}`)
      .filter(isDigest);
  }

  /** Finds the image ids starting with a hex prefix (`sha256:` optional). */
  async matchPrefix(prefix: string): Promise<Digest[]> {
    const hex = prefix.startsWith('sha256:') ? prefix.slice(7) : prefix;
    return (await this.list()).filter((id) => hexOf(id).startsWith(hex));
  }
}
