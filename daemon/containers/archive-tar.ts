/**
 * GET /containers/{id}/archive's tar: what one container path names, walked on the host
 * without ever following a symlink (they go in the tar as symlinks), entries named from the
 * path's base as Docker names them (`name`, `name/child`; `.` and `./child` for `dir/.`).
 * For a stopped container, the walk steps into the volumes and binds mounted below the path
 * (RootView.mounts), as the container would see them. Sockets are left out, as in Docker.
 */
import { createReadStream, promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { dataPadding, encodeHeader, END_OF_ARCHIVE, type TarEntry } from '../layers/diff-tar';
import type { RootView } from '../layers/in-root';

function entryOf(name: string, st: Stats, linkname?: string): TarEntry | undefined {
  const base = { mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: Math.floor(st.mtimeMs / 1000), size: 0 };
  if (st.isDirectory()) return { ...base, path: name.endsWith('/') ? name : name + '/', type: 'dir' };
  if (st.isSymbolicLink()) return { ...base, path: name, type: 'symlink', linkname };
  if (st.isFile()) return { ...base, path: name, type: 'file', size: st.size };
  if (st.isFIFO()) return { ...base, path: name, type: 'fifo' };
  const dev = { devmajor: Math.floor(st.rdev / 256) & 0xfff, devminor: (st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00) };
  if (st.isCharacterDevice()) return { ...base, path: name, type: 'char', ...dev };
  if (st.isBlockDevice()) return { ...base, path: name, type: 'block', ...dev };
  return undefined;
}

/** Exactly `size` bytes of the file (a file that changed meanwhile is cut or zero-filled). */
async function* fileBody(host: string, size: number): AsyncGenerator<Buffer> {
  let sent = 0;
  if (size > 0) {
    for await (const chunk of createReadStream(host, { end: size - 1 })) {
      const b = chunk as Buffer;
      sent += b.length;
      yield b;
    }
  }
  if (sent < size) yield Buffer.alloc(size - sent);
  yield dataPadding(size);
}

function mountAt(view: RootView, ctr: string): string | undefined {
  return view.mounts?.find((m) => path.posix.normalize(m.destination) === ctr)?.source;
}

async function* walk(view: RootView, host: string, ctr: string, name: string, st: Stats): AsyncGenerator<Buffer> {
  const link = st.isSymbolicLink() ? await fs.readlink(host) : undefined;
  const e = entryOf(name, st, link);
  if (!e) return;
  yield encodeHeader(e);
  if (e.type === 'file') yield* fileBody(host, e.size);
  if (e.type !== 'dir') return;
  const names = (await fs.readdir(host).catch(() => [] as string[])).sort();
  for (const child of names) {
    const childCtr = path.posix.join(ctr, child);
    const childHost = mountAt(view, childCtr) ?? path.join(host, child);
    const cst = await fs.lstat(childHost).catch(() => undefined);
    if (cst) yield* walk(view, childHost, childCtr, `${e.path}${child}`, cst);
  }
}

/** The tar stream of `host` (container path `ctr`), its top entry named `name`. */
export function archiveStream(view: RootView, host: string, ctr: string, name: string, st: Stats): Readable {
  return Readable.from((async function* () {
    yield* walk(view, host, ctr, name, st);
    yield END_OF_ARCHIVE;
  })(), { objectMode: false });
}
