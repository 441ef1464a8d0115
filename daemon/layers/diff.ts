/**
 * A directory of layer changes (an overlay upper dir, or a layer dir a build step filled) →
 * an OCI layer tar. Overlay whiteouts become OCI whiteouts: a char device 0/0 named `x` is
 * written as an empty `.wh.x`, and a directory with `trusted.overlay.opaque=y` (or
 * `user.overlay.opaque=y`) gets a `.wh..wh..opq` entry first. Entries come in byte order of
 * their names, depth first, with integer-second mtimes and no user/group names, so the same
 * content always gives the same bytes and the same diff id. Hard links inside the directory
 * stay hard links. Sockets are skipped (tar cannot carry them).
 */
import { promises as fs, Stats } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { FsCalls, nativeFsCalls } from './fs-calls';
import { isOpaqueDir } from './diff-attrs';
import { dataPadding, encodeHeader, END_OF_ARCHIVE, TarEntry } from './diff-tar';
import { systemError } from '../errors';

export interface LayerDiffOptions {
  /** Read xattrs (needs the FFI); off for directories berth filled itself with plain files. */
  xattrs?: boolean;
  /** Entries to leave out (and not descend into), e.g. a container's mount placeholders. */
  exclude?: (rel: string, st: Stats) => boolean;
  /** mknod/xattr calls (the recording fake in unit tests). */
  fsCalls?: FsCalls;
}

const PLACEHOLDER_FILES = new Set(['etc/hosts', 'etc/hostname', 'etc/resolv.conf', '.dockerenv']);
const PLACEHOLDER_DIRS = new Set(['proc', 'sys', 'dev', 'dev/pts', 'dev/shm', 'dev/mqueue']);

/**
 * What a container's runtime creates in its upper dir only to mount over (empty /etc/hosts,
 * empty /proc, /dev ...): Docker keeps these in a separate init layer, so they never reach a
 * commit or a RUN step's layer. Files or directories with content are real changes and stay.
 */
export function isMountPlaceholder(rel: string, st: Stats): boolean {
  if (st.isFile()) return st.size === 0 && PLACEHOLDER_FILES.has(rel);
  return st.isDirectory() && PLACEHOLDER_DIRS.has(rel) && st.nlink <= 2;
}

const CHUNK = 1 << 20;

function isOverlayKey(k: string): boolean {
  return k.startsWith('trusted.overlay.') || k.startsWith('user.overlay.');
}

function baseEntry(rel: string, st: Stats): Omit<TarEntry, 'type'> {
  return { path: rel, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: 0, mtime: Math.floor(st.mtimeMs / 1000) };
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function* fileData(abs: string, size: number): AsyncGenerator<Buffer> {
  const fh = await fs.open(abs, 'r');
  try {
    let left = size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, left));
      const { bytesRead } = await fh.read(buf, 0, buf.length, size - left);
      if (bytesRead === 0) throw systemError(`${abs} shrank while it was being archived`);
      left -= bytesRead;
      yield bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}

async function* walk(root: string, opts: LayerDiffOptions): AsyncGenerator<Buffer> {
  const links = new Map<string, string>();
  const fsCalls = opts.fsCalls ?? nativeFsCalls;
  const xattrsOf = (abs: string): [string, Buffer][] => {
    if (!opts.xattrs) return [];
    return fsCalls
      .llistxattr(abs)
      .filter((k) => !isOverlayKey(k))
      .sort(byteOrder)
      .map((k): [string, Buffer] => [k, fsCalls.lgetxattr(abs, k) ?? Buffer.alloc(0)]);
  };

  async function* dir(absDir: string, relDir: string): AsyncGenerator<Buffer> {
    const names = (await fs.readdir(absDir)).sort(byteOrder);
    for (const name of names) {
      const abs = path.join(absDir, name);
      const rel = relDir + name;
      const st = await fs.lstat(abs);
      if (opts.exclude?.(rel, st)) continue;
      if (st.isCharacterDevice() && st.rdev === 0) {
        // An overlay whiteout: the lower file is deleted in this layer.
        yield encodeHeader({ ...baseEntry(relDir + '.wh.' + name, st), type: 'file', mode: 0 });
      } else if (st.isDirectory()) {
        yield encodeHeader({ ...baseEntry(rel + '/', st), type: 'dir', xattrs: xattrsOf(abs) });
        if (opts.xattrs && isOpaqueDir(abs, fsCalls)) {
          yield encodeHeader({ ...baseEntry(rel + '/.wh..wh..opq', st), type: 'file', mode: 0 });
        }
        yield* dir(abs, rel + '/');
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? links.get(key) : undefined;
        if (first !== undefined) {
          yield encodeHeader({ ...baseEntry(rel, st), type: 'hardlink', linkname: first });
          continue;
        }
        if (st.nlink > 1) links.set(key, rel);
        yield encodeHeader({ ...baseEntry(rel, st), type: 'file', size: st.size, xattrs: xattrsOf(abs) });
        yield* fileData(abs, st.size);
        yield dataPadding(st.size);
      } else if (st.isSymbolicLink()) {
        yield encodeHeader({ ...baseEntry(rel, st), type: 'symlink', linkname: await fs.readlink(abs), xattrs: xattrsOf(abs) });
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        const major = Math.floor(st.rdev / 256) & 0xfff;
        const minor = (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00);
        yield encodeHeader({ ...baseEntry(rel, st), type: st.isCharacterDevice() ? 'char' : 'block', devmajor: major, devminor: minor });
      } else if (st.isFIFO()) {
        yield encodeHeader({ ...baseEntry(rel, st), type: 'fifo' });
      }
    }
  }

  yield* dir(root, '');
  yield END_OF_ARCHIVE;
}

/** Streams the layer tar of `dir`. The directory must not change while it is read. */
export function layerDiffStream(dir: string, opts: LayerDiffOptions = {}): Readable {
  return Readable.from(walk(dir, opts), { objectMode: false });
}
