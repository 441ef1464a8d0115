/**
 * The file trees of `image explore`, in the API's JSON shape: a layer's own changes, or the
 * image as it stands after a layer, each directory carrying the totals of what is shown below
 * it. Pure: reads a Stack right after the layer in question was applied.
 */
import { sortNames } from '../layers/file-index';
import type { LayerChanges, Stack, StackNode } from './explore-stack';
import type { TreeNode } from '../wire/explore';

export type { TreeNode } from '../wire/explore';
import { subtreeTotals } from './explore-stack';

export type TreeView = 'layer' | 'image';

export interface TreeOptions {
  view: TreeView;
  /** Only what the layer added, modified or removed (and the directories leading there). */
  changesOnly?: boolean;
}

/**
 * Builds the tree after layer `layer` was applied to `stack`, with `changes` what applying it
 * returned. `view: layer` keeps only the layer's own entries; `view: image` the whole image.
 */
export function buildTree(stack: Stack, layer: number, changes: LayerChanges, opts: TreeOptions): TreeNode {
  const removedAt = new Map<string, StackNode[]>();
  for (const r of changes.removedNodes) {
    const cut = r.path.lastIndexOf('/');
    const parent = cut < 0 ? '' : r.path.slice(0, cut);
    const list = removedAt.get(parent) ?? [];
    list.push(r.node);
    removedAt.set(parent, list);
  }
  const keep = (n: StackNode): boolean => {
    if (opts.changesOnly) return n.change !== undefined && n.layer === layer;
    return opts.view === 'image' || n.layer === layer;
  };

  const removedNode = (n: StackNode): TreeNode => {
    const t = subtreeTotals(n);
    const out: TreeNode = { Name: n.name, Type: n.isDir ? 'dir' : n.entry?.kind ?? 'file', Size: t.bytes, Files: t.files, Change: 'removed', Layer: n.layer };
    if (n.entry) Object.assign(out, { Mode: n.entry.mode, Uid: n.entry.uid, Gid: n.entry.gid });
    return out;
  };

  const build = (n: StackNode, path: string): TreeNode | undefined => {
    const children: TreeNode[] = [];
    if (n.children) {
      const byName = new Map<string, TreeNode>();
      for (const [name, c] of n.children) {
        const t = build(c, path ? `${path}/${name}` : name);
        if (t) byName.set(name, t);
      }
      for (const r of removedAt.get(path) ?? []) byName.set(r.name, removedNode(r));
      for (const name of sortNames([...byName.keys()])) children.push(byName.get(name) as TreeNode);
    }
    const self = n.entry !== undefined && keep(n);
    if (!self && children.length === 0 && n !== stack.root) return undefined;
    const e = n.entry;
    const node: TreeNode = { Name: n.name, Type: e?.kind ?? 'dir', Size: 0, Files: 0 };
    if (e && self) {
      if (n.change) node.Change = n.change;
      node.Mode = e.mode;
      node.Uid = e.uid;
      node.Gid = e.gid;
      if (e.link !== undefined) node.Link = e.link;
      node.Layer = n.layer;
    }
    if (n.isDir) {
      for (const c of children) {
        if (c.Change === 'removed') continue;
        node.Size += c.Size;
        node.Files += c.Files;
      }
      node.Children = children;
    } else {
      node.Size = e?.size ?? 0;
      node.Files = 1;
    }
    return node;
  };
  return build(stack.root, '') as TreeNode;
}
