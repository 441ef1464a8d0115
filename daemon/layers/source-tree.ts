/**
 * What COPY/ADD read from: a tree of entries with paths, kinds, modes, owners, mtimes and
 * content. Two kinds exist: an image's merged layers (rootfs-view.ts) and the build context
 * read straight from its tar (context-tar.ts, no extraction). Symlinks inside a path are
 * resolved here, the same way for both, and never lead out of the tree.
 */
import { Readable } from 'node:stream';
import * as path from 'node:path';
import { invalid } from '../errors';

export interface SourceEntry {
  /** Absolute path inside the tree. */
  path: string;
  kind: 'file' | 'dir' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  /** Seconds since the epoch (may have a fraction). */
  mtime: number;
  size: number;
  linkTarget?: string;
}

/** Files up to this size are read synchronously in one go; larger ones are streamed. */
export const SMALL_FILE = 1 << 20;

export abstract class SourceTree {
  /** Looks a path up literally (no symlink following). */
  abstract lookupLiteral(p: string): Promise<SourceEntry | undefined>;
  /** Sorted names in a directory (after symlink resolution); [] when not a directory. */
  abstract readdir(dir: string): Promise<string[]>;
  /** The bytes of a file entry. */
  abstract openRead(e: SourceEntry): Readable;
  /** The bytes of a small file entry, read synchronously (hashing many small files). */
  abstract readSmall(e: SourceEntry): Buffer;
  /** Writes a file entry's bytes to a new host file. */
  abstract copyTo(e: SourceEntry, hostDest: string): Promise<void>;

  /**
   * Resolves symlinks in a path (all components, or all but the last when `followLast` is
   * false) inside the tree. Returns the resolved absolute path.
   */
  async resolve(p: string, followLast = true): Promise<string> {
    let pending = path.posix.normalize('/' + p).split('/').filter(Boolean);
    let done: string[] = [];
    let hops = 0;
    while (pending.length > 0) {
      const name = pending.shift() as string;
      const candidate = [...done, name];
      const isLast = pending.length === 0;
      const found = isLast && !followLast ? undefined : await this.lookupLiteral(candidate.join('/'));
      if (found?.kind === 'symlink') {
        if (++hops > 40) throw invalid(`too many levels of symbolic links in ${p}`);
        const target = found.linkTarget ?? '';
        const joined = target.startsWith('/') ? target : [...done, target].join('/');
        pending = path.posix.normalize('/' + [joined, ...pending].join('/')).split('/').filter(Boolean);
        done = [];
        continue;
      }
      done = candidate;
    }
    return '/' + done.join('/');
  }

  /** Follows symlinks, then looks up. */
  async lookup(p: string, followLast = true): Promise<SourceEntry | undefined> {
    return this.lookupLiteral(await this.resolve(p, followLast));
  }

  /** Reads a whole file through the tree, or undefined when absent. */
  async readFile(p: string): Promise<Buffer | undefined> {
    const e = await this.lookup(p);
    if (!e || e.kind !== 'file') return undefined;
    const chunks: Buffer[] = [];
    for await (const c of this.openRead(e)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** The first bytes of a file (to sniff archives). */
  async head(e: SourceEntry, n: number): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let len = 0;
    const stream = this.openRead(e);
    for await (const c of stream) {
      chunks.push(c as Buffer);
      len += (c as Buffer).length;
      if (len >= n) break;
    }
    stream.destroy();
    return Buffer.concat(chunks).subarray(0, n);
  }
}
