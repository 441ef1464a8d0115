/**
 * The build context read straight from its tar, never unpacked: the tar is kept whole and
 * its headers are indexed as it streams in (layers/tar-reader.ts, the layers' own reader:
 * ustar, PAX and GNU long names, checksums; hard links point at their file's bytes), so
 * looking a path up, hashing a file or copying it reads just that byte range. Creating files
 * is what makes unpacking slow; a context up to MEMORY_LIMIT stays in memory (it is scratch
 * that dies with the build, nothing to make durable), a larger one spills to one sequential
 * file. A fully cached rebuild of a small context then touches the disk not at all
 * (bench/RESULTS.md, "cached rebuild"). Entry names are normalised; `..` is refused, so
 * nothing names a path outside the context. Directories that are only implied by their
 * children are synthesised.
 */
import { createReadStream, createWriteStream, closeSync, openSync, readSync, writeFileSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BerthError, invalid } from '../errors';
import { SMALL_FILE, SourceEntry, SourceTree } from '../layers/source-tree';
import { TarHeader, TarReader } from '../layers/tar-reader';

interface TarNode extends SourceEntry {
  /** Byte offset of the data in the tar file. */
  offset: number;
}

/** Contexts up to this size are kept in memory; past it the whole tar goes to its file. */
export const MEMORY_LIMIT = 16 << 20;

/**
 * Keeps what it is given in memory until more than `limit` bytes came, then writes it all to
 * `file` (created) and streams the rest there. `memory()` is the whole input when it fit.
 */
class SpillSink extends Writable {
  private chunks: Buffer[] = [];
  private size = 0;
  private handle: fsp.FileHandle | undefined;
  private whole: Buffer | undefined;
  spilled = false;

  constructor(private readonly file: string, private readonly limit: number) {
    super();
  }

  /** After the end: the whole input when it fit in memory (pipeline destroys us after that). */
  memory(): Buffer | undefined {
    return this.whole;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    if (!this.spilled && this.size + chunk.length <= this.limit) {
      this.chunks.push(chunk);
      this.size += chunk.length;
      done();
      return;
    }
    this.spill(chunk).then(() => done(), done);
  }

  private async spill(chunk: Buffer): Promise<void> {
    if (!this.handle) {
      this.spilled = true;
      await fsp.mkdir(path.dirname(this.file), { recursive: true });
      this.handle = await fsp.open(this.file, 'wx');
      for (const c of this.chunks) await this.handle.write(c);
      this.chunks = [];
    }
    await this.handle.write(chunk);
  }

  override _final(done: (err?: Error | null) => void): void {
    if (!this.handle) {
      this.whole = Buffer.concat(this.chunks, this.size);
      this.chunks = [];
      return done();
    }
    const h = this.handle;
    this.handle = undefined;
    h.close().then(() => done(), done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.chunks = [];
    if (!this.handle) return done(err);
    this.handle.close().then(() => done(err), () => done(err));
  }
}

function clean(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`the build context contains a path outside it: ${name}`);
  return '/' + parts.join('/');
}


export class ContextTar extends SourceTree {
  private readonly nodes = new Map<string, TarNode>();
  private readonly children = new Map<string, Set<string>>();
  /** The whole tar when it fit in memory; otherwise it is in `file`. */
  private mem: Buffer | undefined;

  private constructor(private readonly file: string) {
    super();
    this.nodes.set('/', { path: '/', kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0, offset: 0 });
  }

  /**
   * Keeps `source` (a plain tar stream) in memory, or in `file` when it is larger than
   * `memoryLimit`, indexing its headers as they pass.
   */
  static async receive(source: Readable, file: string, memoryLimit = MEMORY_LIMIT): Promise<ContextTar> {
    const t = new ContextTar(file);
    const reader: TarReader = new TarReader((h): undefined => t.onEntry(h, reader.offset));
    const index = new Transform({
      transform(chunk: Buffer, _enc, done) {
        try {
          reader.write(chunk);
          done(null, chunk);
        } catch (err) {
          done(err as Error);
        }
      },
      flush(done) {
        try {
          reader.end();
          done();
        } catch (err) {
          done(err as Error);
        }
      },
    });
    const sink = new SpillSink(file, memoryLimit);
    await pipeline(source, index, sink).catch((err: unknown) => {
      // A context that is not a readable tar is the user's input: one sentence, 400.
      throw err instanceof BerthError && err.code !== undefined ? invalid(`the build context: ${err.message}`, err) : err;
    });
    t.mem = sink.memory();
    return t;
  }

  private onEntry(h: TarHeader, offset: number): undefined {
    const base = { path: clean(h.path), mode: h.mode & 0o7777, uid: 0, gid: 0, mtime: h.mtime.getTime() / 1000, offset };
    if (h.sparse) throw invalid(`the build context holds "${h.path}" as a sparse file, which berth cannot copy`);
    if (h.kind === 'hardlink') {
      const target = this.nodes.get(clean(h.linkpath));
      if (target?.kind === 'file') this.add({ ...base, kind: 'file', size: target.size, offset: target.offset });
      return undefined;
    }
    const kind: SourceEntry['kind'] = h.kind === 'file' || h.kind === 'symlink' || h.kind === 'dir' ? h.kind : 'other';
    this.add({ ...base, kind, size: kind === 'file' ? h.size : 0, linkTarget: kind === 'symlink' ? h.linkpath : undefined });
    // The body stays in the kept file; nothing to read now.
    return undefined;
  }

  private add(node: TarNode): void {
    if (node.path === '/') return;
    const parent = path.posix.dirname(node.path);
    if (!this.nodes.has(parent) || this.nodes.get(parent)?.kind !== 'dir') {
      this.add({ path: parent, kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0, offset: 0 });
    }
    let kids = this.children.get(parent);
    if (!kids) this.children.set(parent, (kids = new Set()));
    kids.add(path.posix.basename(node.path));
    this.nodes.set(node.path, node);
  }

  async lookupLiteral(p: string): Promise<SourceEntry | undefined> {
    return this.nodes.get(path.posix.normalize('/' + p).replace(/(.)\/$/, '$1'));
  }

  async readdir(dir: string): Promise<string[]> {
    const resolved = await this.resolve(dir);
    return [...(this.children.get(resolved) ?? [])].sort();
  }

  openRead(e: SourceEntry): Readable {
    const n = e as TarNode;
    if (n.size === 0) return Readable.from([]);
    if (this.mem) return Readable.from([this.mem.subarray(n.offset, n.offset + n.size)]);
    return createReadStream(this.file, { start: n.offset, end: n.offset + n.size - 1 });
  }

  /** The file's bytes (a view of the kept tar when it is in memory: read-only for callers). */
  readSmall(e: SourceEntry): Buffer {
    const n = e as TarNode;
    if (this.mem) return this.mem.subarray(n.offset, n.offset + n.size);
    const buf = Buffer.alloc(n.size);
    const fd = openSync(this.file, 'r');
    try {
      readSync(fd, buf, 0, n.size, n.offset);
    } finally {
      closeSync(fd);
    }
    return buf;
  }

  async copyTo(e: SourceEntry, hostDest: string): Promise<void> {
    const n = e as TarNode;
    if (n.size < SMALL_FILE) {
      // Small files: one synchronous read and write beat two streams.
      writeFileSync(hostDest, this.readSmall(n), { flag: 'wx' });
      return;
    }
    await pipeline(this.openRead(e), createWriteStream(hostDest, { flags: 'wx' }));
  }
}
