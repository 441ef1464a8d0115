/**
 * Stacking an image's layer indexes the way overlayfs shows them, one layer at a time, and
 * saying what each layer did to the tree: which paths it added, modified (a path that existed
 * below) and removed (whiteouts, opaque directories, a file replacing a directory), with the
 * bytes involved; which stored bytes end up hidden (overwritten or deleted by a later layer).
 * Pure: works on entry lists, no I/O.
 */
import type { IndexEntry } from '../layers/file-index';
import type { Change } from '../wire/explore';

export type { Change } from '../wire/explore';

/** One path of the stacked tree. `entry` is undefined for the root. */
export class StackNode {
  children: Map<string, StackNode> | undefined;
  /** Set on the nodes the layer being applied touched (see `applyLayer`). */
  change: Change | undefined;
  constructor(
    readonly name: string,
    public entry: IndexEntry | undefined,
    public layer: number,
  ) {
    if (!entry || entry.kind === 'dir') this.children = new Map();
  }

  get isDir(): boolean {
    return this.children !== undefined;
  }
}

/** A stored file that is not visible in the final image. */
export interface HiddenFile {
  path: string;
  layer: number;
  size: number;
  by: number;
  how: 'overwritten' | 'deleted';
}

export interface Tally {
  files: number;
  bytes: number;
}

export interface LayerChanges {
  added: Tally;
  modified: Tally;
  removed: Tally;
  /** Removed nodes (whiteouts, opaque-hidden children, replaced directories), for the views. */
  removedNodes: { path: string; node: StackNode }[];
}

const tally = (): Tally => ({ files: 0, bytes: 0 });

/** Sum of file bytes and count of non-directory entries below (and at) a node. */
export function subtreeTotals(node: StackNode): Tally {
  const t = tally();
  const visit = (n: StackNode): void => {
    if (n.entry && n.entry.kind !== 'dir') {
      t.files++;
      t.bytes += n.entry.size;
    }
    if (n.children) for (const c of n.children.values()) visit(c);
  };
  visit(node);
  return t;
}

function forEachFile(node: StackNode, prefix: string, fn: (path: string, n: StackNode) => void): void {
  if (node.entry && node.entry.kind !== 'dir') fn(prefix, node);
  if (node.children) for (const [name, c] of node.children) forEachFile(c, prefix ? `${prefix}/${name}` : name, fn);
}

export class Stack {
  readonly root = new StackNode('', undefined, -1);
  /** Files hidden so far by later layers, in the order found. */
  readonly hidden: HiddenFile[] = [];

  /** The node at `path` (relative, `/`-separated), or undefined. */
  find(path: string): StackNode | undefined {
    let n: StackNode | undefined = this.root;
    for (const part of path.split('/')) {
      n = n?.children?.get(part);
      if (!n) return undefined;
    }
    return n;
  }

  private parentOf(path: string): { parent: StackNode; name: string } {
    const parts = path.split('/');
    const name = parts.pop() as string;
    let n = this.root;
    for (const part of parts) {
      let next = n.children?.get(part);
      if (!next || !next.children) {
        // A layer always lists its parent directories; a stray file in the way is replaced.
        next = new StackNode(part, undefined, n.layer);
        n.children?.set(part, next);
      }
      n = next;
    }
    return { parent: n, name };
  }

  private hide(node: StackNode, path: string, by: number, how: HiddenFile['how'], into: LayerChanges): void {
    forEachFile(node, path, (p, f) => {
      const size = f.entry?.size ?? 0;
      into.removed.files++;
      into.removed.bytes += size;
      if (size > 0) this.hidden.push({ path: p, layer: f.layer, size, by, how });
    });
  }

  /**
   * Applies layer `index` (its entries in walk order: parents before children). Removals
   * (whiteouts, opaque directories) act on the layers below and go first, then the layer's
   * own entries are added. Returns what the layer changed.
   */
  applyLayer(index: number, entries: IndexEntry[]): LayerChanges {
    const out: LayerChanges = { added: tally(), modified: tally(), removed: tally(), removedNodes: [] };
    for (const e of entries) {
      if (e.kind === 'whiteout') {
        const { parent, name } = this.parentOf(e.path);
        const gone = parent.children?.get(name);
        if (!gone) continue;
        parent.children?.delete(name);
        this.hide(gone, e.path, index, 'deleted', out);
        out.removedNodes.push({ path: e.path, node: gone });
      } else if (e.opaque) {
        const dir = this.find(e.path);
        if (!dir?.children) continue;
        for (const [name, child] of dir.children) {
          const p = `${e.path}/${name}`;
          this.hide(child, p, index, 'deleted', out);
          out.removedNodes.push({ path: p, node: child });
        }
        dir.children.clear();
      }
    }
    for (const e of entries) {
      if (e.kind === 'whiteout') continue;
      const { parent, name } = this.parentOf(e.path);
      const old = parent.children?.get(name);
      const isDir = e.kind === 'dir';
      if (old && old.isDir && isDir) {
        // A directory listed again: the same directory, its children stay.
        const before = old.entry;
        old.entry = e;
        old.layer = index;
        const metaChanged = !before || before.mode !== e.mode || before.uid !== e.uid || before.gid !== e.gid;
        if (metaChanged) old.change = 'modified';
        continue;
      }
      const node = new StackNode(name, e, index);
      if (old) {
        this.hide(old, e.path, index, 'overwritten', out);
        // The file count moved from "removed" to "modified" for a plain overwrite.
        if (!old.isDir && !isDir) {
          out.removed.files--;
          out.removed.bytes -= old.entry?.size ?? 0;
        } else {
          out.removedNodes.push({ path: e.path, node: old });
        }
        node.change = 'modified';
        if (!isDir) {
          out.modified.files++;
          out.modified.bytes += e.size;
        }
      } else {
        node.change = 'added';
        if (!isDir) {
          out.added.files++;
          out.added.bytes += e.size;
        }
      }
      parent.children?.set(name, node);
    }
    return out;
  }

  /** Clears the change marks left by the last applied layer. */
  clearMarks(): void {
    const visit = (n: StackNode): void => {
      n.change = undefined;
      if (n.children) for (const c of n.children.values()) visit(c);
    };
    visit(this.root);
  }

  /** Every visible regular file: path, entry, layer. */
  visibleFiles(): { path: string; entry: IndexEntry; layer: number }[] {
    const out: { path: string; entry: IndexEntry; layer: number }[] = [];
    forEachFile(this.root, '', (p, n) => {
      if (n.entry?.kind === 'file') out.push({ path: p, entry: n.entry, layer: n.layer });
    });
    return out;
  }
}
