/**
 * The content-addressed blob store (`blobs/sha256/<hex>`). Contract:
 * - A blob path exists only if its bytes hash to its name: writers stream into `ingest/`
 *   while hashing, and rename into place only when digest (and size, when known) match.
 * - Writes are idempotent: committing a blob that already exists is a no-op.
 * - Deletion is the garbage collector's job (store/gc.ts); nothing else removes blobs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform, TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, invalid, notFound } from '../errors';
import { Digest, hexOf, isDigest, sha256Of } from '../oci/digest';
import { fsyncDir } from './atomic';
import { StorePaths } from './paths';
import { RecentTexts } from './recent';

/** BerthError.code of ingest(): the bytes are not what the digest or size promised. */
export const CONTENT_MISMATCH = 'CONTENT_MISMATCH';

export interface Expected {
  digest?: Digest;
  size?: number;
}

/** A Transform that hashes and counts what passes through it. */
export class HashingStream extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    cb(null, chunk);
  }

  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

export class ContentStore {
  /**
   * Small JSON blobs read lately (image configs: every cached build step reads its image's).
   * A blob's bytes never change under its digest (verified before the rename into place).
   */
  private readonly recentJson = new RecentTexts(64, 256 * 1024);

  constructor(private readonly paths: StorePaths) {}

  async init(): Promise<void> {
    await fs.mkdir(this.paths.blobs, { recursive: true });
    await fs.rm(this.paths.ingest, { recursive: true, force: true });
    await fs.mkdir(this.paths.ingest, { recursive: true });
  }

  pathOf(d: Digest): string {
    return path.join(this.paths.blobs, hexOf(d));
  }

  async has(d: Digest): Promise<boolean> {
    try {
      await fs.access(this.pathOf(d));
      return true;
    } catch {
      return false;
    }
  }

  async size(d: Digest): Promise<number> {
    try {
      return (await fs.stat(this.pathOf(d))).size;
    } catch {
      throw notFound(`blob ${d} not found`);
    }
  }

  async read(d: Digest): Promise<Buffer> {
    try {
      return await fs.readFile(this.pathOf(d));
    } catch {
      throw notFound(`blob ${d} not found`);
    }
  }

  /** Reads a JSON blob. The caller validates the shape. */
  async readJson(d: Digest): Promise<unknown> {
    const known = this.recentJson.get(d);
    if (known !== undefined) return JSON.parse(known);
    const text = (await this.read(d)).toString('utf8');
    const parsed = JSON.parse(text) as unknown;
    this.recentJson.set(d, text);
    return parsed;
  }

  /** Drops what readJson kept of a blob whose file was moved away (the store check). */
  forget(d: Digest): void {
    this.recentJson.delete(d);
  }

  openRead(d: Digest): Readable {
    return createReadStream(this.pathOf(d));
  }

  /** Stores a small in-memory blob and returns its digest. */
  async put(data: Buffer | string): Promise<Digest> {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    const d = sha256Of(buf);
    if (await this.has(d)) return d;
    const tmp = this.ingestPath();
    await fs.writeFile(tmp, buf);
    await this.commitFile(tmp, d);
    return d;
  }

  /**
   * Streams `source` into the store, verifying the expected digest and size. Returns the
   * digest. On mismatch or a broken stream nothing is stored and InvalidParameter (code
   * CONTENT_MISMATCH) or the stream's error is thrown. `onBytes` reports progress.
   */
  async ingest(source: Readable, expected: Expected = {}, onBytes?: (n: number) => void): Promise<{ digest: Digest; size: number }> {
    const tmp = this.ingestPath();
    const hasher = new HashingStream();
    if (onBytes) hasher.on('data', () => onBytes(hasher.bytes));
    try {
      await pipeline(source, hasher, createWriteStream(tmp));
      const digest = hasher.digest();
      if (expected.size !== undefined && hasher.bytes !== expected.size) {
        throw new BerthError('InvalidParameter', `size mismatch for ${expected.digest ?? digest}: expected ${expected.size} bytes, got ${hasher.bytes}`, { code: CONTENT_MISMATCH });
      }
      if (expected.digest && digest !== expected.digest) {
        throw new BerthError('InvalidParameter', `digest mismatch: expected ${expected.digest}, got ${digest}`, { code: CONTENT_MISMATCH });
      }
      await this.commitFile(tmp, digest);
      return { digest, size: hasher.bytes };
    } finally {
      await fs.rm(tmp, { force: true });
    }
  }

  /** Lists every stored digest (for garbage collection). */
  async list(): Promise<Digest[]> {
    const names = await fs.readdir(this.paths.blobs).catch(() => [] as string[]);
    return names.map((n) => `sha256:${n}`).filter(isDigest);
  }

  async delete(d: Digest): Promise<void> {
    this.recentJson.delete(d);
    await fs.rm(this.pathOf(d), { force: true });
    this.recentJson.delete(d);
  }

  private ingestPath(): string {
    return path.join(this.paths.ingest, randomBytes(8).toString('hex'));
  }

  private async commitFile(tmp: string, d: Digest): Promise<void> {
    const handle = await fs.open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, this.pathOf(d));
    await fsyncDir(this.paths.blobs);
  }
}
