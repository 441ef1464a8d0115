/**
 * A read-only view of an image's merged filesystem computed from its layer dirs, without
 * mounting anything: the top-most layer that has a path wins, overlay whiteouts (char device
 * 0/0) hide lower files, opaque directories (`trusted.overlay.opaque=y`) hide lower children.
 * The builder uses it for COPY --from, for "is the destination an existing directory?", for
 * the attributes of parent directories, and to read /etc/passwd for --chown. Lookups use
 * synchronous lstat: they are many, tiny and local, and a thread-pool hop each would dominate.
 */
import { createReadStream, promises as fs, Stats, lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { isOpaqueDir } from '../layers/diff-attrs';
import { SourceEntry, SourceTree } from '../layers/source-tree';

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/** An entry of a layer dir, with where its bytes are on the host. */
export interface HostEntry extends SourceEntry {
  hostPath: string;
}

function entryOf(p: string, hostPath: string, st: Stats): HostEntry {
  const kind = st.isDirectory() ? 'dir' : st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
  return {
    path: p, hostPath, kind, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtimeMs / 1000, size: st.size,
    linkTarget: kind === 'symlink' ? readlinkSync(hostPath) : undefined,
  };
}

export class RootfsView extends SourceTree {
  /** @param layers layer diff dirs, lowest first (an image's order). */
  constructor(private readonly layers: readonly string[]) {
    super();
  }

  async lookupLiteral(p: string): Promise<HostEntry | undefined> {
    const parts = path.posix.normalize('/' + p).split('/').filter(Boolean);
    const abs = '/' + parts.join('/');
    const single = this.layers.length === 1;
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const base = this.layers[i] as string;
      let hidden = false;
      let opaqueHere = false;
      // A whiteout, a non-directory, or an opaque dir on the way down hides lower layers.
      for (let k = 1; k < parts.length && !single; k++) {
        const dir = path.join(base, ...parts.slice(0, k));
        const st = lstatOrUndefined(dir);
        if (!st) continue;
        if (isWhiteout(st) || !st.isDirectory()) {
          hidden = true;
          break;
        }
        if (isOpaqueDir(dir)) opaqueHere = true;
      }
      if (hidden) return undefined;
      const hostPath = path.join(base, ...parts);
      const st = lstatOrUndefined(hostPath);
      if (st) return isWhiteout(st) ? undefined : entryOf(abs, hostPath, st);
      if (opaqueHere) return undefined;
    }
    return undefined;
  }

  async readdir(dir: string): Promise<string[]> {
    const resolved = await this.resolve(dir);
    const parts = resolved.split('/').filter(Boolean);
    const names = new Set<string>();
    const gone = new Set<string>();
    if ((await this.lookupLiteral(resolved))?.kind !== 'dir') return [];
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const hostDir = path.join(this.layers[i] as string, ...parts);
      const st = lstatOrUndefined(hostDir);
      if (!st) continue;
      if (!st.isDirectory()) break; // a whiteout or a file here hides everything below
      for (const d of readdirSync(hostDir, { withFileTypes: true })) {
        if (names.has(d.name) || gone.has(d.name)) continue;
        if (d.isCharacterDevice() && isWhiteout(lstatSync(path.join(hostDir, d.name)))) gone.add(d.name);
        else names.add(d.name);
      }
      if (this.layers.length > 1 && isOpaqueDir(hostDir)) break;
    }
    return [...names].sort();
  }

  openRead(e: SourceEntry): Readable {
    return createReadStream((e as HostEntry).hostPath);
  }

  readSmall(e: SourceEntry): Buffer {
    return readFileSync((e as HostEntry).hostPath);
  }

  async copyTo(e: SourceEntry, hostDest: string): Promise<void> {
    await fs.copyFile((e as HostEntry).hostPath, hostDest);
  }
}
