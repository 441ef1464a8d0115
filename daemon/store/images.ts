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
import { atomicWriteJson, sweepTemps } from './atomic';
import { RecentTexts } from './recent';
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
  /** Records read lately, as text (parsed anew for each caller, who may change its copy). */
  private readonly recent = new RecentTexts(128, 64 * 1024);
  /** Bumped at the start and end of every put and delete: a read that overlapped one is not kept. */
  private writes = 0;
  private writing = 0;

  constructor(private readonly paths: StorePaths) {}

  async init(): Promise<void> {
    await fs.mkdir(this.paths.images, { recursive: true });
    await sweepTemps(this.paths.images);
  }

  private fileOf(id: Digest): string {
    return path.join(this.paths.images, `${hexOf(id)}.json`);
  }

  async get(id: Digest): Promise<ImageRecord | undefined> {
    const text = this.recent.get(id) ?? (await this.readText(id));
    return text === undefined ? undefined : parseImageRecord(JSON.parse(text));
  }

  /** The record as on disk now, past what was read before (for the store check). */
  async readFromDisk(id: Digest): Promise<ImageRecord | undefined> {
    this.recent.delete(id);
    return this.get(id);
  }

  private async readText(id: Digest): Promise<string | undefined> {
    const writes = this.writes;
    let text: string;
    try {
      text = await fs.readFile(this.fileOf(id), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    JSON.parse(text); // a damaged record throws here, and is never kept
    if (writes === this.writes && this.writing === 0) this.recent.set(id, text);
    return text;
  }

  async require(id: Digest): Promise<ImageRecord> {
    const rec = await this.get(id);
    if (!rec) throw notFound(`No such image: ${id}`);
    return rec;
  }

  async put(rec: ImageRecord): Promise<void> {
    await this.changing(rec.id, () => atomicWriteJson(this.fileOf(rec.id), rec));
  }

  async delete(id: Digest): Promise<void> {
    await this.changing(id, () => fs.rm(this.fileOf(id), { force: true }));
  }

  private async changing(id: Digest, change: () => Promise<void>): Promise<void> {
    this.recent.delete(id);
    this.writes++;
    this.writing++;
    try {
      await change();
    } finally {
      this.writing--;
      this.writes++;
      this.recent.delete(id);
    }
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
