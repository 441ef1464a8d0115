/**
 * The layer unpacker's guard against writing outside its directory. Entry names are cleaned
 * (leading `/` stripped, `.` dropped, `..` resolved; a `..` that climbs above the root is an
 * error), and every path the unpacker creates is remembered with its kind. Because a layer is
 * unpacked into a fresh, empty directory that only the unpacker writes, this in-memory tree is
 * the truth: a parent that is not a directory we made (a symlink, a file) stops the entry,
 * so no write ever goes through a symlink, and nothing is ever resolved on disk.
 */
import { invalid } from '../errors';

export type NodeKind = 'dir' | 'file' | 'symlink' | 'other';

/** Cleans a tar entry name into a relative path (`""` is the root). Throws when it escapes. */
export function cleanEntryPath(name: string, what = 'entry'): string {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) throw invalid(`layer tar ${what} "${name}" points outside the layer`);
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

  get(rel: string): NodeKind | undefined {
    return this.nodes.get(rel);
  }

  set(rel: string, kind: NodeKind): void {
    this.nodes.set(rel, kind);
  }

  /** Forgets `rel` and, for a directory, everything under it. */
  remove(rel: string): void {
    const kind = this.nodes.get(rel);
    this.nodes.delete(rel);
    if (kind === 'dir') {
      const prefix = `${rel}/`;
      for (const k of [...this.nodes.keys()]) if (k.startsWith(prefix)) this.nodes.delete(k);
    }
  }

  /**
   * The ancestors of `rel` that do not exist yet (outermost first), after checking that every
   * existing one is a directory we made. Throws when an ancestor is a symlink or a file.
   */
  missingParents(rel: string, name: string): string[] {
    const missing: string[] = [];
    let p = parentOf(rel);
    while (p !== '') {
      const kind = this.nodes.get(p);
      if (kind === 'dir') break;
      if (kind === 'symlink') throw invalid(`layer tar entry "${name}" goes through the symlink "${p}", which could point outside the layer`);
      if (kind !== undefined) throw invalid(`layer tar entry "${name}" needs "${p}" to be a directory, but it is not`);
      missing.push(p);
      p = parentOf(p);
    }
    return missing.reverse();
  }
}
