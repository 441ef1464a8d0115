/**
 * The file index of one unpacked layer: every entry of its `diff/` directory in tar order
 * (byte order of names, depth first, as layer-diff.ts writes layers), with type, mode,
 * owners, size, mtime, link target and, for regular files, the sha256 of the content.
 * Overlay whiteouts (char device 0/0) are recorded as `whiteout` entries and opaque
 * directories carry `opaque: true`, so the index says what the layer's tar said.
 *
 * Two users: `image explore` (sizes, changes, duplicates by content hash) and `system check`
 * (an index recorded when the layer was unpacked is the layer's checksum: the tree is walked
 * again and compared). Layers are immutable, so an index never goes stale.
 *
 * Synchronous on purpose: it runs on a worker thread (file-index-pool.ts), where thousands of
 * short blocking syscalls are faster than as many thread-pool round trips.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { isOpaqueDir } from './diff-attrs';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'hardlink' | 'char' | 'block' | 'fifo' | 'socket' | 'whiteout';

export interface IndexEntry {
  /** Relative path, `/`-separated, no leading slash. */
  path: string;
  kind: EntryKind;
  mode: number;
  uid: number;
  gid: number;
  /** Bytes of a regular file; 0 for everything else (a hard link's bytes count once, as in a tar). */
  size: number;
  /** Whole seconds. */
  mtime: number;
  /** Symlink target, or the path a hard link points at. */
  link?: string;
  /** Device number of char/block devices. */
  rdev?: number;
  /** sha256 (hex) of a regular file's content. */
  sha256?: string;
  /** A directory that hides everything below it in lower layers. */
  opaque?: true;
}

export const INDEX_VERSION = 1;

export interface LayerIndex {
  version: number;
  /** `unpack`: recorded when the layer was created (a checksum to verify against); `later`: built from the tree afterwards. */
  recorded: 'unpack' | 'later';
  /** sha256 over the canonical form of the entries (see indexDigest). */
  digest: string;
  entries: IndexEntry[];
}

const CHUNK = 1 << 20;
let readBuf: Buffer | undefined;

function hashFile(abs: string, size: number): string {
  const h = createHash('sha256');
  readBuf ??= Buffer.allocUnsafe(CHUNK);
  const fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, readBuf, 0, CHUNK, pos);
      if (n === 0) break;
      h.update(n === CHUNK ? readBuf : readBuf.subarray(0, n));
      pos += n;
    }
    if (pos !== size) h.update(`\0size-changed-while-read:${pos}`);
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

/** Byte order of UTF-8 names (what tar writers and layer-diff.ts use); plain sort when ASCII. */
export function sortNames(names: string[]): string[] {
  if (names.every(isAscii)) return names.sort();
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/**
 * Walks `root` (a layer's diff directory). With `hash: false` files get no sha256 (cheaper,
 * for callers that only need sizes). `known` gives hashes already taken of files by relative
 * path (the unpacker hashes each file's bytes as it writes them): those files are not read
 * again. Throws if the directory cannot be read.
 */
export function walkLayer(root: string, opts: { hash?: boolean; known?: ReadonlyMap<string, string> } = {}): IndexEntry[] {
  const hash = opts.hash ?? true;
  const known = opts.known;
  const out: IndexEntry[] = [];
  const links = new Map<string, string>();
  const visit = (absDir: string, relDir: string): void => {
    for (const name of sortNames(fs.readdirSync(absDir))) {
      const abs = `${absDir}/${name}`;
      const rel = relDir ? `${relDir}/${name}` : name;
      const st = fs.lstatSync(abs);
      const base = { path: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000) };
      if (st.isCharacterDevice() && st.rdev === 0) {
        out.push({ ...base, kind: 'whiteout' });
      } else if (st.isDirectory()) {
        const e: IndexEntry = { ...base, kind: 'dir' };
        if (isOpaqueDir(abs)) e.opaque = true;
        out.push(e);
        visit(abs, rel);
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          out.push({ ...base, kind: 'hardlink', link: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, rel);
        const e: IndexEntry = { ...base, kind: 'file', size: st.size };
        if (hash) e.sha256 = known?.get(rel) ?? hashFile(abs, st.size);
        out.push(e);
      } else if (st.isSymbolicLink()) {
        out.push({ ...base, kind: 'symlink', link: fs.readlinkSync(abs) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        out.push({ ...base, kind: st.isCharacterDevice() ? 'char' : 'block', rdev: st.rdev });
      } else if (st.isFIFO()) {
        out.push({ ...base, kind: 'fifo' });
      } else if (st.isSocket()) {
        out.push({ ...base, kind: 'socket' });
      }
    }
  };
  visit(root, '');
  return out;
}

/** sha256 (hex) of each named file below `root` (relative paths); unreadable ones are left out. */
export function hashFiles(root: string, paths: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of paths) {
    try {
      const abs = `${root}/${p}`;
      out[p] = hashFile(abs, fs.lstatSync(abs).size);
    } catch {
      // gone or unreadable: no hash, so no duplicate claim
    }
  }
  return out;
}

/** One line per entry, fields in a fixed order: the form the index digest is taken over. */
function canonicalLine(e: IndexEntry): string {
  return [e.path, e.kind, e.mode.toString(8), e.uid, e.gid, e.size, e.mtime, e.link ?? '', e.rdev ?? '', e.sha256 ?? '', e.opaque ? 'o' : ''].join('\0');
}

export function indexDigest(entries: IndexEntry[]): string {
  const h = createHash('sha256');
  for (const e of entries) h.update(canonicalLine(e) + '\n');
  return h.digest('hex');
}

export function makeIndex(entries: IndexEntry[], recorded: LayerIndex['recorded']): LayerIndex {
  return { version: INDEX_VERSION, recorded, digest: indexDigest(entries), entries };
}

/** What differs between a recorded index and the tree as it is now, one finding per path. */
export interface TreeDifference {
  path: string;
  problem: 'missing' | 'unexpected' | 'content changed' | 'metadata changed';
  detail?: string;
}

/** Compares two entry lists (recorded first). Empty when the tree is intact. */
export function compareEntries(recorded: IndexEntry[], now: IndexEntry[], limit = 1000): TreeDifference[] {
  const out: TreeDifference[] = [];
  const current = new Map(now.map((e) => [e.path, e]));
  for (const r of recorded) {
    if (out.length >= limit) return out;
    const c = current.get(r.path);
    current.delete(r.path);
    if (!c) {
      out.push({ path: r.path, problem: 'missing' });
      continue;
    }
    if (r.kind === 'file' && c.kind === 'file' && (r.sha256 !== c.sha256 || r.size !== c.size)) {
      out.push({ path: r.path, problem: 'content changed', detail: `size ${r.size} → ${c.size}` });
      continue;
    }
    const fields: (keyof IndexEntry)[] = ['kind', 'mode', 'uid', 'gid', 'mtime', 'link', 'rdev', 'opaque'];
    const changed = fields.filter((k) => r[k] !== c[k]);
    if (changed.length > 0) out.push({ path: r.path, problem: 'metadata changed', detail: changed.join(', ') });
  }
  for (const c of current.values()) {
    if (out.length >= limit) break;
    out.push({ path: c.path, problem: 'unexpected' });
  }
  return out;
}

/** Parses an index read from disk; undefined when it is not one (then it is rebuilt). */
export function parseIndex(v: unknown): LayerIndex | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<LayerIndex>;
  if (r.version !== INDEX_VERSION || (r.recorded !== 'unpack' && r.recorded !== 'later')) return undefined;
  if (typeof r.digest !== 'string' || !Array.isArray(r.entries)) return undefined;
  for (const e of r.entries as unknown[]) {
    const x = e as Partial<IndexEntry> | null;
    if (!x || typeof x.path !== 'string' || typeof x.kind !== 'string' || typeof x.size !== 'number') return undefined;
  }
  return r as LayerIndex;
}
