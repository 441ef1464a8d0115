/**
 * A read-only view of an image's merged filesystem computed from its layer dirs, without
 * mounting anything: the top-most layer that has a path wins, overlay whiteouts (char device
 * 0/0) hide lower files, opaque directories (`trusted.overlay.opaque=y`) hide lower children.
 * Symlinks in the middle of a path are followed inside the view (never out to the host).
 * The builder uses it for COPY --from, for "is the destination an existing directory?",
 * for the attributes of parent directories, and to read /etc/passwd for --chown.
 */
import { promises as fs, Stats } from 'node:fs';
import * as path from 'node:path';
import { isOpaqueDir } from '../runtime/layer-diff-attrs';

export interface Found {
  /** Absolute host path of the entry in the layer that provides it. */
  hostPath: string;
  stat: Stats;
}

function isWhiteout(st: Stats): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

const isOpaque = isOpaqueDir;

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(p);
  } catch {
    return undefined;
  }
}

export class RootfsView {
  /** @param layers layer diff dirs, lowest first (an image's order). */
  constructor(private readonly layers: readonly string[]) {}

  /** Looks a path up literally (no symlink following), returns the providing layer's entry. */
  async lookupLiteral(p: string): Promise<Found | undefined> {
    const parts = path.posix.normalize('/' + p).split('/').filter(Boolean);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const base = this.layers[i] as string;
      let hidden = false;
      let opaqueHere = false;
      // A whiteout, a non-directory, or an opaque dir on the way down hides lower layers.
      for (let k = 1; k < parts.length; k++) {
        const st = await lstatOrUndefined(path.join(base, ...parts.slice(0, k)));
        if (!st) continue;
        if (isWhiteout(st) || !st.isDirectory()) {
          hidden = true;
          break;
        }
        if (isOpaque(path.join(base, ...parts.slice(0, k)))) opaqueHere = true;
      }
      if (hidden) return undefined;
      const hostPath = path.join(base, ...parts);
      const st = await lstatOrUndefined(hostPath);
      if (st) return isWhiteout(st) ? undefined : { hostPath, stat: st };
      if (opaqueHere) return undefined;
    }
    return undefined;
  }

  /**
   * Resolves symlinks in a path (all components, or all but the last when `followLast` is
   * false) inside the view. Returns the resolved absolute path in the view.
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
      if (found?.stat.isSymbolicLink()) {
        if (++hops > 40) throw new Error(`too many levels of symbolic links in ${p}`);
        const target = await fs.readlink(found.hostPath);
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
  async lookup(p: string, followLast = true): Promise<Found | undefined> {
    return this.lookupLiteral(await this.resolve(p, followLast));
  }

  /** Merged directory listing (names sorted), whiteouts and opaque dirs applied. */
  async readdir(dir: string): Promise<string[]> {
    const resolved = await this.resolve(dir);
    const parts = resolved.split('/').filter(Boolean);
    const names = new Set<string>();
    const gone = new Set<string>();
    if (!(await this.lookupLiteral(resolved))?.stat.isDirectory()) return [];
    for (let i = this.layers.length - 1; i >= 0; i--) {
      const hostDir = path.join(this.layers[i] as string, ...parts);
      const st = await lstatOrUndefined(hostDir);
      if (!st) continue;
      if (!st.isDirectory()) break; // a whiteout or a file here hides everything below
      for (const name of await fs.readdir(hostDir)) {
        if (names.has(name) || gone.has(name)) continue;
        const cst = await lstatOrUndefined(path.join(hostDir, name));
        if (cst && isWhiteout(cst)) gone.add(name);
        else names.add(name);
      }
      if (isOpaque(hostDir)) break;
    }
    return [...names].sort();
  }

  /** Reads a whole file through the view, or undefined when absent. */
  async readFile(p: string): Promise<Buffer | undefined> {
    const found = await this.lookup(p);
    if (!found || !found.stat.isFile()) return undefined;
    return fs.readFile(found.hostPath);
  }
}
