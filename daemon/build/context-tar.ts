/**
 * The build context read straight from its tar, never unpacked: the tar is kept as one file
 * and its headers are indexed (ustar, PAX and GNU long names, hard links), so looking a path
 * up, hashing a file or copying it reads just that byte range. A cached rebuild then costs one
 * sequential write of the context, however many files it has — creating files is what makes
 * unpacking slow. Entry names are normalised; `..` is refused, so nothing names a path
 * outside the context. Directories that are only implied by their children are synthesised.
 */
import { createReadStream, createWriteStream, promises as fs, closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid } from '../errors';
import { SMALL_FILE, SourceEntry, SourceTree } from '../layers/source-tree';

interface TarNode extends SourceEntry {
  /** Byte offset of the data in the tar file. */
  offset: number;
}

function str(b: Buffer, start: number, len: number): string {
  const s = b.subarray(start, start + len);
  const nul = s.indexOf(0);
  return s.subarray(0, nul < 0 ? s.length : nul).toString('utf8');
}

function num(b: Buffer, start: number, len: number): number {
  if ((b[start] as number) & 0x80) {
    let v = 0;
    for (let i = start + 1; i < start + len; i++) v = v * 256 + (b[i] as number);
    return v;
  }
  const s = str(b, start, len).trim();
  return s === '' ? 0 : parseInt(s, 8);
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = parseInt(data.subarray(pos, sp).toString('ascii'), 10);
    if (!(len > 0)) break;
    const rec = data.subarray(sp + 1, pos + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0) out.set(rec.slice(0, eq), rec.slice(eq + 1));
    pos += len;
  }
  return out;
}

function clean(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`the build context contains a path outside it: ${name}`);
  return '/' + parts.join('/');
}

const KINDS: Record<string, SourceEntry['kind']> = { '0': 'file', '\0': 'file', '7': 'file', '2': 'symlink', '5': 'dir' };

export class ContextTar extends SourceTree {
  private readonly nodes = new Map<string, TarNode>();
  private readonly children = new Map<string, Set<string>>();

  private constructor(private readonly file: string) {
    super();
    this.nodes.set('/', { path: '/', kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0, offset: 0 });
  }

  /** Stores `source` (a plain tar stream) as `file` and indexes it. */
  static async receive(source: Readable, file: string): Promise<ContextTar> {
    await pipeline(source, createWriteStream(file));
    const t = new ContextTar(file);
    t.index((await fs.stat(file)).size);
    return t;
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

  private index(total: number): void {
    const fd = openSync(this.file, 'r');
    try {
      const header = Buffer.alloc(512);
      let pos = 0;
      let pax = new Map<string, string>();
      let longName: string | undefined;
      let longLink: string | undefined;
      const read = (at: number, n: number) => {
        const b = Buffer.alloc(n);
        readSync(fd, b, 0, n, at);
        return b;
      };
      while (pos + 512 <= total) {
        readSync(fd, header, 0, 512, pos);
        if (header.every((x) => x === 0)) break;
        const type = String.fromCharCode(header[156] as number);
        const size = pax.has('size') ? Number(pax.get('size')) : num(header, 124, 12);
        const dataAt = pos + 512;
        pos = dataAt + Math.ceil(size / 512) * 512;
        if (type === 'x') {
          pax = parsePax(read(dataAt, size));
          continue;
        }
        if (type === 'L' || type === 'K') {
          const v = read(dataAt, size).toString('utf8').replace(/\0+$/, '');
          if (type === 'L') longName = v;
          else longLink = v;
          continue;
        }
        if (type === 'g') continue;
        const prefix = header.subarray(257, 262).toString('latin1') === 'ustar' ? str(header, 345, 155) : '';
        const name = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${str(header, 0, 100)}` : str(header, 0, 100));
        const linkTarget = pax.get('linkpath') ?? longLink ?? str(header, 157, 100);
        const base = {
          path: clean(name), mode: num(header, 100, 8) & 0o7777, uid: 0, gid: 0,
          mtime: pax.has('mtime') ? Number(pax.get('mtime')) : num(header, 136, 12), size, offset: dataAt,
        };
        pax = new Map();
        longName = longLink = undefined;
        if (type === '1') {
          const target = this.nodes.get(clean(linkTarget));
          if (target?.kind === 'file') this.add({ ...base, kind: 'file', size: target.size, offset: target.offset });
          continue;
        }
        const kind = KINDS[type] ?? 'other';
        this.add({ ...base, kind, size: kind === 'file' ? size : 0, linkTarget: kind === 'symlink' ? linkTarget : undefined });
      }
    } finally {
      closeSync(fd);
    }
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
    return createReadStream(this.file, { start: n.offset, end: n.offset + n.size - 1 });
  }

  readSmall(e: SourceEntry): Buffer {
    const n = e as TarNode;
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
