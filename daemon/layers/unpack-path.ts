/**
 * The layer unpacker's guard against writing outside its directory. Entry names are cleaned
 * (leading `/` stripped, `.` dropped, `..` resolved; a `..` that climbs above the root is an
 * error), and every path the unpacker creates is remembered with its kind (and a symlink's
 * target). Because a layer is unpacked into a fresh, empty directory that only the unpacker
 * writes, this in-memory tree is the truth. A symlink among an entry's parents (`lib -> usr/lib`
 * then `lib/x`, common in real images) is resolved in memory as if the layer root were `/`
 * (Docker unpacks in a chroot, with the same effect): absolute targets restart at the root and
 * `..` stops there, so the resolved path is always inside the layer and made only of
 * directories we created. No write ever goes through a symlink on disk.
 */
import { layerError, LayerCode } from './errors';

const unsafe = (msg: string) => layerError('InvalidParameter', LayerCode.UnsafeEntry, msg);

export type NodeKind = 'dir' | 'file' | 'symlink' | 'other';

/** Cleans a tar entry name into a relative path (`""` is the root). Throws when it escapes. */
export function cleanEntryPath(name: string, what = 'entry'): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw unsafe(`layer tar ${what} "${name}" points outside the layer`);
      out.pop();
      continue;
    }
    out.push(part);
  }
  return out.join('/');
}

export function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

export function baseOf(rel: string): string {
  return rel.slice(rel.lastIndexOf('/') + 1);
}

/** What the unpacker has created so far, by relative path. The root is a directory. */
export class Tree {
  private readonly nodes = new Map<string, NodeKind>([['', 'dir']]);
  private readonly links = new Map<string, string>();

  get(rel: string): NodeKind | undefined {
    return this.nodes.get(rel);
  }

  /** Records what now sits at `rel`; `linkTarget` is a symlink's target as written in the tar. */
  set(rel: string, kind: NodeKind, linkTarget?: string): void {
    this.nodes.set(rel, kind);
    if (kind === 'symlink') this.links.set(rel, linkTarget ?? '');
    else this.links.delete(rel);
  }

  /** A symlink's target as written in the tar (for a hardlink to that symlink). */
  linkOf(rel: string): string | undefined {
    return this.links.get(rel);
  }

  /**
   * `rel` with every symlink among its parents resolved inside the layer (the last component
   * is not followed: an entry replaces whatever sits at its own name). Throws when a parent is
   * a file or the links loop.
   */
  resolve(rel: string, name: string): string {
    if (rel === '') return rel;
    const dir = this.resolveDir(parentOf(rel).split('/'), name);
    return dir === '' ? baseOf(rel) : `${dir}/${baseOf(rel)}`;
  }

  private resolveDir(parts: string[], name: string): string {
    const cur: string[] = [];
    const queue = [...parts];
    let hops = 0;
    for (let part = queue.shift(); part !== undefined; part = queue.shift()) {
      if (part === '' || part === '.') continue;
      if (part === '..') {
        cur.pop(); // at the root `..` stays at the root, as in a chroot
        continue;
      }
      const p = cur.length === 0 ? part : `${cur.join('/')}/${part}`;
      const kind = this.nodes.get(p);
      if (kind === 'symlink') {
        // 40 is Linux's MAXSYMLINKS.
        if (++hops > 40) throw unsafe(`layer tar entry "${name}" goes through too many levels of symbolic links`);
        const target = this.links.get(p) ?? '';
        if (target.startsWith('/')) cur.length = 0;
        queue.unshift(...target.split('/'));
        continue;
      }
      if (kind !== undefined && kind !== 'dir') throw unsafe(`layer tar entry "${name}" needs "${p}" to be a directory, but it is not`);
      cur.push(part);
    }
    return cur.join('/');
  }

  /** Forgets `rel` and, for a directory, everything under it. */
  remove(rel: string): void {
    const kind = this.nodes.get(rel);
    this.nodes.delete(rel);
    this.links.delete(rel);
    if (kind === 'dir') {
      const prefix = `${rel}/`;
      for (const k of [...this.nodes.keys()]) {
        if (k.startsWith(prefix)) {
          this.nodes.delete(k);
          this.links.delete(k);
        }
      }
    }
  }

  /**
   * The ancestors of `rel` (already resolve()d) that do not exist yet (outermost first), after
   * checking that every existing one is a directory we made. Throws when an ancestor is a
   * symlink or a file (a safety net: resolve() leaves no symlink among the parents).
   */
  missingParents(rel: string, name: string): string[] {
    const missing: string[] = [];
    let p = parentOf(rel);
    while (p !== '') {
      const kind = this.nodes.get(p);
      if (kind === 'dir') break;
      if (kind === 'symlink') throw unsafe(`layer tar entry "${name}" goes through the symlink "${p}", which could point outside the layer`);
      if (kind !== undefined) throw unsafe(`layer tar entry "${name}" needs "${p}" to be a directory, but it is not`);
      missing.push(p);
      p = parentOf(p);
    }
    return missing.reverse();
  }
}
