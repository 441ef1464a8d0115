/**
 * File trees as text lines, shared by the table output and the interactive view: one row per
 * visible node with its permissions, owner, size and change mark, indented with box-drawing
 * branches. Collapsed directories and a depth limit stop the descent. Pure.
 */
import { humanSize } from '../format';
import type { TreeNode } from './types';

export interface TreeRow {
  /** Path from the root, `/`-separated, no leading slash. */
  path: string;
  node: TreeNode;
  depth: number;
  /** The branch drawing before the name ("│   ├── "). */
  prefix: string;
  /** A directory with children that are not shown. */
  folded: boolean;
}

const TYPE_CHAR: Record<string, string> = { dir: 'd', symlink: 'l', char: 'c', block: 'b', fifo: 'p', socket: 's', hardlink: 'h' };

export function modeString(node: TreeNode): string {
  if (node.Mode === undefined) return '-'.repeat(10);
  const m = node.Mode;
  const bits = 'rwxrwxrwx'.split('').map((c, i) => (m & (1 << (8 - i)) ? c : '-'));
  if (m & 0o4000) bits[2] = bits[2] === 'x' ? 's' : 'S';
  if (m & 0o2000) bits[5] = bits[5] === 'x' ? 's' : 'S';
  if (m & 0o1000) bits[8] = bits[8] === 'x' ? 't' : 'T';
  return (TYPE_CHAR[node.Type] ?? '-') + bits.join('');
}

/** Rows of the tree below `root` (the root itself is not a row). */
export function treeRows(root: TreeNode, opts: { collapsed?: Set<string>; maxDepth?: number } = {}): TreeRow[] {
  const rows: TreeRow[] = [];
  const visit = (node: TreeNode, path: string, depth: number, indent: string): void => {
    const kids = node.Children ?? [];
    kids.forEach((child, i) => {
      const last = i === kids.length - 1;
      const p = path ? `${path}/${child.Name}` : child.Name;
      const hasKids = (child.Children?.length ?? 0) > 0;
      const stop = (opts.maxDepth !== undefined && opts.maxDepth > 0 && depth + 1 >= opts.maxDepth) || !!opts.collapsed?.has(p);
      rows.push({ path: p, node: child, depth, prefix: indent + (last ? '└── ' : '├── '), folded: hasKids && stop });
      if (hasKids && !stop) visit(child, p, depth + 1, indent + (last ? '    ' : '│   '));
    });
  };
  visit(root, '', 0, '');
  return rows;
}

const MARK: Record<string, string> = { added: '+', modified: '~', removed: '-' };

/** One row as plain text: `drwxr-xr-x     0:0   1.2MB + ├── etc/ (12 files)`. */
export function rowText(r: TreeRow): string {
  const n = r.node;
  const owner = n.Uid === undefined ? '' : `${n.Uid}:${n.Gid ?? 0}`;
  let name = n.Name;
  if (n.Type === 'dir') name += '/';
  if (n.Link !== undefined) name += ` → ${n.Link}`;
  if (r.folded) name += ` ⊕ (${n.Files} files)`;
  return `${modeString(n)} ${owner.padStart(11)} ${humanSize(n.Size).padStart(9)} ${MARK[n.Change ?? ''] ?? ' '} ${r.prefix}${name}`;
}
