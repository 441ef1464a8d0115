/**
 * The daemon's one streaming tar reader: layers (unpack.ts), ADDed archives, build contexts
 * (build/context-tar.ts indexes them) and `docker load` archives (images/load-stream.ts).
 * Written for what layer unpacking needs and node-tar's parser does not give: raw bytes of pax records (a security.capability
 * value is binary; node-tar decodes pax headers as UTF-8 and mangles it), and sparse files in
 * every GNU format (old GNU `S` entries with their extension blocks, and PAX 0.0, 0.1, 1.0),
 * which node-tar skips or hands over as a wrong file.
 *
 * Formats: ustar (with prefix), GNU (long names `L`/`K`, base-256 numbers), pax (`x` per
 * entry, `g` global). Header-only types (links, devices, dirs, FIFOs) have no body whatever
 * their size field says, as Go's archive/tar (and so Docker) reads them. Checksums are
 * verified. Synchronous push parser: write(chunk) calls the handler for each entry and hands
 * body bytes to the sink it returns, in order, without copying; any error is thrown from
 * write()/end() with a stable layer error code.
 */
import { layerError, LayerCode } from './errors';

export type EntryKind = 'file' | 'hardlink' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo' | 'other';

/** Where a sparse file's data goes: segments in file order; the body holds their bytes back to back. */
export interface SparseInfo {
  realSize: number;
  /** [offset, length] pairs; undefined for PAX 1.0, whose map opens the body. */
  map?: [number, number][];
}

export interface TarHeader {
  kind: EntryKind;
  /** The raw typeflag character (for messages about unsupported types). */
  typeflag: string;
  path: string;
  linkpath: string;
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of body that follow (for a sparse file: the stored data, not the real size). */
  size: number;
  mtime: Date;
  atime?: Date;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* records, values as raw bytes. */
  xattrs: [string, Buffer][];
  sparse?: SparseInfo;
}

export interface BodySink {
  data(chunk: Buffer): void;
  end(): void;
}

/** Returns where the body goes, or undefined to skip it. */
export type EntryHandler = (h: TarHeader) => BodySink | undefined;

const BLOCK = 512;
/** Pax or long-name bodies larger than this are refused (node-tar's limit too). */
const MAX_META = 1 << 20;
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
const KINDS: Record<string, EntryKind> = { '0': 'file', '\0': 'file', '7': 'file', '1': 'hardlink', '2': 'symlink', '3': 'char', '4': 'block', '5': 'dir', '6': 'fifo', D: 'dir', S: 'file' };

const bad = (msg: string) => layerError('InvalidParameter', LayerCode.NotTar, `not a valid tar archive: ${msg}`);

function str(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

/** An octal field (spaces and NULs around it), or GNU base-256 when the top bit is set. */
function num(b: Buffer, off: number, len: number, what: string): number {
  const first = b[off] as number;
  if (first & 0x80) {
    if (first === 0xff) throw bad(`negative ${what} in a tar header`);
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (b[off + i] as number);
    if (!Number.isSafeInteger(v)) throw bad(`${what} too large in a tar header`);
    return v;
  }
  const text = b.toString('latin1', off, off + len).replace(/\0.*$/s, '').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw bad(`invalid ${what} "${text}" in a tar header`);
  return parseInt(text, 8);
}

function checksumOk(b: Buffer): boolean {
  const want = num(b, 148, 8, 'checksum');
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : (b[i] as number);
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  return want === unsigned || want === signed;
}

/** Pax records, `LEN KEY=VALUE\n`, counted in bytes; values stay raw. */
function paxRecords(body: Buffer): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  let pos = 0;
  while (pos < body.length) {
    if (body[pos] === 0) break; // NUL padding after the last record
    const sp = body.indexOf(0x20, pos);
    const len = sp < 0 ? NaN : Number(body.toString('latin1', pos, sp));
    if (!Number.isInteger(len) || len <= 0 || pos + len > body.length || body[pos + len - 1] !== 0x0a) throw bad('malformed pax header record');
    const rec = body.subarray(sp + 1, pos + len - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw bad('malformed pax header record');
    out.push([rec.toString('utf8', 0, eq), Buffer.from(rec.subarray(eq + 1))]);
    pos += len;
  }
  return out;
}

function paxNumber(v: Buffer, key: string): number {
  const n = Number(v.toString('latin1'));
  if (!Number.isFinite(n) || n < 0) throw bad(`invalid pax ${key} "${v.toString('latin1')}"`);
  return n;
}

type State = 'header' | 'body' | 'meta' | 'ext' | 'padding' | 'eof';

export class TarReader {
  private state: State = 'header';
  /** Bytes consumed so far: while the handler runs, where the entry's body starts. */
  private consumed = 0;
  private readonly block = Buffer.alloc(BLOCK);
  private have = 0;
  /** Body bytes left of the current entry, then padding bytes left. */
  private left = 0;
  private pad = 0;
  private sink: BodySink | undefined;
  private meta: { type: string; chunks: Buffer[] } | undefined;
  private zeroBlocks = 0;
  /** Records of the next entry (`x`, `L`, `K`), and of every entry (`g`). */
  private local: [string, Buffer][] = [];
  private global: [string, Buffer][] = [];
  private longPath: string | undefined;
  private longLink: string | undefined;
  /** An old-GNU sparse header waiting for its extension blocks. */
  private pendingSparse: { h: TarHeader; map: [number, number][] } | undefined;

  constructor(private readonly onEntry: EntryHandler) {}

  /** The archive offset of the current entry's body, for the handler (an index of a kept tar). */
  get offset(): number {
    return this.consumed;
  }

  write(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case 'eof':
          return; // padding after the end-of-archive blocks
        case 'header':
        case 'ext': {
          const n = Math.min(BLOCK - this.have, chunk.length - pos);
          chunk.copy(this.block, this.have, pos, pos + n);
          this.have += n;
          pos += n;
          this.consumed += n;
          if (this.have === BLOCK) {
            this.have = 0;
            if (this.state === 'header') this.header(this.block);
            else this.extension(this.block);
          }
          break;
        }
        case 'body':
        case 'meta': {
          const n = Math.min(this.left, chunk.length - pos);
          const part = chunk.subarray(pos, pos + n);
          if (this.state === 'meta') this.meta?.chunks.push(Buffer.from(part));
          else this.sink?.data(part);
          this.left -= n;
          pos += n;
          this.consumed += n;
          if (this.left === 0) this.bodyDone();
          break;
        }
        case 'padding': {
          const n = Math.min(this.pad, chunk.length - pos);
          this.pad -= n;
          pos += n;
          this.consumed += n;
          if (this.pad === 0) this.state = 'header';
          break;
        }
      }
    }
  }

  /** The input ended: throws when it ended inside an entry. */
  end(): void {
    if (this.state === 'eof' || (this.state === 'header' && this.have === 0 && !this.meta && this.local.length === 0 && !this.longPath && !this.longLink)) return;
    if (this.state === 'padding' && this.have === 0) return; // a last entry without its padding
    throw layerError('InvalidParameter', LayerCode.Corrupt, 'the tar archive is truncated: it ends in the middle of an entry');
  }

  private startBody(size: number): void {
    this.left = size;
    this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.bodyDone();
  }

  private bodyDone(): void {
    if (this.state === 'meta' && this.meta) {
      const { type, chunks } = this.meta;
      this.meta = undefined;
      this.applyMeta(type, Buffer.concat(chunks));
    } else {
      const sink = this.sink;
      this.sink = undefined;
      sink?.end();
    }
    this.state = this.pad > 0 ? 'padding' : 'header';
  }

  private applyMeta(type: string, body: Buffer): void {
    if (type === 'x' || type === 'X') this.local.push(...paxRecords(body));
    else if (type === 'g') this.global.push(...paxRecords(body));
    else if (type === 'L') this.longPath = str(body, 0, body.length);
    else if (type === 'K') this.longLink = str(body, 0, body.length);
  }

  private header(b: Buffer): void {
    if (b.every((x) => x === 0)) {
      // Two zero blocks end the archive; a lone one is tolerated, as GNU tar does.
      if (++this.zeroBlocks >= 2) this.state = 'eof';
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumOk(b)) throw bad('a header checksum does not match');
    const typeflag = String.fromCharCode(b[156] as number);
    const size = num(b, 124, 12, 'size');
    if (typeflag === 'x' || typeflag === 'X' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
      if (size > MAX_META) throw bad(`a ${typeflag} header of ${size} bytes is too large`);
      this.meta = { type: typeflag, chunks: [] };
      this.state = 'meta';
      this.startBody(size);
      return;
    }
    const h = this.decode(b, typeflag, size);
    if (typeflag === 'S') {
      const map = oldGnuSparse(b, 386, 4);
      h.sparse = { realSize: num(b, 483, 12, 'sparse real size'), map };
      if (b[482]) {
        this.pendingSparse = { h, map };
        this.state = 'ext';
        return;
      }
    }
    this.emit(h);
  }

  private extension(b: Buffer): void {
    const p = this.pendingSparse as { h: TarHeader; map: [number, number][] };
    p.map.push(...oldGnuSparse(b, 0, 21));
    if (b[504]) return; // more extension blocks follow
    this.pendingSparse = undefined;
    this.state = 'header';
    this.emit(p.h);
  }

  private emit(h: TarHeader): void {
    this.sink = this.onEntry(h);
    this.state = 'body';
    this.startBody(h.size);
  }

  /** The entry's header with its long names and pax records applied (they are then spent). */
  private decode(b: Buffer, typeflag: string, rawSize: number): TarHeader {
    const magic = b.toString('latin1', 257, 263);
    let name = str(b, 0, 100);
    if (magic === 'ustar\0') {
      const prefix = str(b, 345, 155);
      if (prefix) name = `${prefix}/${name}`;
    }
    let kind: EntryKind = KINDS[typeflag] ?? 'other';
    if ((typeflag === '0' || typeflag === '\0') && name.endsWith('/')) kind = 'dir';
    const h: TarHeader = {
      kind,
      typeflag,
      path: this.longPath ?? name,
      linkpath: this.longLink ?? str(b, 157, 100),
      mode: num(b, 100, 8, 'mode'),
      uid: num(b, 108, 8, 'uid'),
      gid: num(b, 116, 8, 'gid'),
      size: rawSize,
      mtime: new Date(num(b, 136, 12, 'mtime') * 1000),
      devmajor: kind === 'char' || kind === 'block' ? num(b, 329, 8, 'device major') : 0,
      devminor: kind === 'char' || kind === 'block' ? num(b, 337, 8, 'device minor') : 0,
      xattrs: [],
    };
    this.longPath = undefined;
    this.longLink = undefined;
    const records = [...this.global.filter(([k]) => k !== 'path' && k !== 'linkpath'), ...this.local];
    this.local = [];
    const sparse: Record<string, Buffer> = {};
    const pairs: number[] = [];
    for (const [key, value] of records) {
      if (key === 'path') h.path = value.toString('utf8');
      else if (key === 'linkpath') h.linkpath = value.toString('utf8');
      else if (key === 'size') h.size = paxNumber(value, key);
      else if (key === 'uid') h.uid = paxNumber(value, key);
      else if (key === 'gid') h.gid = paxNumber(value, key);
      else if (key === 'mtime') h.mtime = new Date(paxNumber(value, key) * 1000);
      else if (key === 'atime') h.atime = new Date(paxNumber(value, key) * 1000);
      else if (key.startsWith('SCHILY.xattr.')) h.xattrs.push([key.slice('SCHILY.xattr.'.length), value]);
      else if (key === 'GNU.sparse.offset' || key === 'GNU.sparse.numbytes') pairs.push(paxNumber(value, key));
      else if (key.startsWith('GNU.sparse.')) sparse[key.slice('GNU.sparse.'.length)] = value;
    }
    if (HEADER_ONLY.has(typeflag)) h.size = 0;
    if (Object.keys(sparse).length > 0 || pairs.length > 0) h.sparse = paxSparse(sparse, pairs, h);
    return h;
  }
}

/** `count` old-GNU sparse entries (offset, numbytes: 12 octal bytes each) from `off`. */
function oldGnuSparse(b: Buffer, off: number, count: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const at = off + i * 24;
    if (b[at] === 0) break;
    out.push([num(b, at, 12, 'sparse offset'), num(b, at + 12, 12, 'sparse length')]);
  }
  return out;
}

/** GNU's PAX sparse formats: 0.0 (offset/numbytes records), 0.1 (map), 1.0 (map in the body). */
function paxSparse(rec: Record<string, Buffer>, pairs: number[], h: TarHeader): SparseInfo {
  const text = (k: string) => rec[k]?.toString('utf8');
  const name = text('name');
  if (name !== undefined) h.path = name;
  if (text('major') === '1') {
    if (text('minor') !== '0') throw layerError('InvalidParameter', LayerCode.Unsupported, `layer tar entry "${h.path}" uses GNU sparse format 1.${text('minor')}, which berth cannot extract`);
    return { realSize: paxNumber(rec.realsize ?? Buffer.from('x'), 'GNU.sparse.realsize') };
  }
  let numbers = pairs;
  const mapText = text('map');
  if (mapText !== undefined) numbers = mapText === '' ? [] : mapText.split(',').map((n) => paxNumber(Buffer.from(n), 'GNU.sparse.map'));
  if (numbers.length % 2 !== 0) throw bad(`the sparse map of "${h.path}" has an odd number of values`);
  const map: [number, number][] = [];
  for (let i = 0; i < numbers.length; i += 2) map.push([numbers[i] as number, numbers[i + 1] as number]);
  const real = rec.size ?? rec.realsize;
  if (!real) throw bad(`the sparse file "${h.path}" has no real size`);
  return { realSize: paxNumber(real, 'GNU.sparse.size'), map };
}
