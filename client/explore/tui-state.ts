/**
 * The interactive explorer's state and what each key does to it. Pure: the terminal side
 * (tui.ts) feeds keys in, fetches the tree the state asks for, and draws (tui-render.ts).
 *
 * Keys: ↑/↓ or k/j move, PgUp/PgDn page, Tab switches between the layers and the tree,
 * space/enter fold or unfold a directory, ←/h fold (or go to the parent), →/l unfold,
 * a shows the layer's own changes or the whole image up to the layer, c shows only what the
 * layer changed, q or ctrl-c quits.
 */
import { treeRows, type TreeRow } from './tree-text';
import type { ExploreReport, TreeNode } from './types';

export type Key = 'up' | 'down' | 'left' | 'right' | 'pageup' | 'pagedown' | 'home' | 'end' | 'tab' | 'toggle' | 'view' | 'changes' | 'quit';

export interface State {
  image: string;
  report: ExploreReport;
  layer: number;
  focus: 'layers' | 'tree';
  view: 'layer' | 'image';
  changesOnly: boolean;
  /** The tree for (layer, view, changesOnly); undefined while it is being fetched. */
  tree: TreeNode | undefined;
  collapsed: Set<string>;
  cursor: number;
  top: number;
  /** Rows of the tree pane (set from the terminal size). */
  pageRows: number;
}

export function initialState(image: string, report: ExploreReport): State {
  return { image, report, layer: 0, focus: 'layers', view: 'layer', changesOnly: false, tree: undefined, collapsed: new Set(), cursor: 0, top: 0, pageRows: 20 };
}

/** Which tree the state shows: the key of the fetch that fills `tree`. */
export function treeKey(s: State): string {
  return `${s.layer}/${s.view}/${s.changesOnly ? 1 : 0}`;
}

export function visibleRows(s: State): TreeRow[] {
  return s.tree ? treeRows(s.tree, { collapsed: s.collapsed }) : [];
}

/** Byte sequences of a keypress chunk → keys (a chunk may hold several presses). */
export function parseKeys(data: string): Key[] {
  const keys: Key[] = [];
  const table: [string, Key][] = [
    ['\x1b[A', 'up'], ['\x1bOA', 'up'], ['\x1b[B', 'down'], ['\x1bOB', 'down'], ['\x1b[C', 'right'], ['\x1bOC', 'right'],
    ['\x1b[D', 'left'], ['\x1bOD', 'left'], ['\x1b[5~', 'pageup'], ['\x1b[6~', 'pagedown'], ['\x1b[H', 'home'], ['\x1b[F', 'end'],
    ['\t', 'tab'], ['\r', 'toggle'], ['\n', 'toggle'], [' ', 'toggle'], ['k', 'up'], ['j', 'down'], ['h', 'left'], ['l', 'right'],
    ['a', 'view'], ['c', 'changes'], ['q', 'quit'], ['\x03', 'quit'],
  ];
  let i = 0;
  outer: while (i < data.length) {
    for (const [seq, key] of table) {
      if (data.startsWith(seq, i)) {
        keys.push(key);
        i += seq.length;
        continue outer;
      }
    }
    i++; // an unknown byte: ignored
  }
  return keys;
}

function clampCursor(s: State): State {
  const n = visibleRows(s).length;
  const cursor = Math.max(0, Math.min(s.cursor, n - 1));
  let top = s.top;
  if (cursor < top) top = cursor;
  if (cursor >= top + s.pageRows) top = cursor - s.pageRows + 1;
  return { ...s, cursor: Math.max(0, cursor), top: Math.max(0, top) };
}

/** A new tree replaces the old one: cursor back to the top. */
export function withTree(s: State, tree: TreeNode): State {
  return clampCursor({ ...s, tree, cursor: 0, top: 0, collapsed: new Set() });
}

export interface Step {
  state: State;
  /** The tree must be (re)fetched. */
  fetch: boolean;
  quit: boolean;
}

export function press(s: State, key: Key): Step {
  const same = (state: State): Step => ({ state, fetch: false, quit: false });
  const refetch = (state: State): Step => ({ state: { ...state, tree: undefined }, fetch: true, quit: false });
  const layers = s.report.Layers.length;
  switch (key) {
    case 'quit':
      return { state: s, fetch: false, quit: true };
    case 'tab':
      return same({ ...s, focus: s.focus === 'layers' ? 'tree' : 'layers' });
    case 'view':
      return refetch({ ...s, view: s.view === 'layer' ? 'image' : 'layer' });
    case 'changes':
      return refetch({ ...s, changesOnly: !s.changesOnly });
    default:
  }
  if (s.focus === 'layers') {
    const move = (to: number): Step => {
      const layer = Math.max(0, Math.min(layers - 1, to));
      return layer === s.layer ? same(s) : refetch({ ...s, layer });
    };
    if (key === 'up') return move(s.layer - 1);
    if (key === 'down') return move(s.layer + 1);
    if (key === 'pageup' || key === 'home') return move(0);
    if (key === 'pagedown' || key === 'end') return move(layers - 1);
    if (key === 'right' || key === 'toggle') return same({ ...s, focus: 'tree' });
    return same(s);
  }
  const rows = visibleRows(s);
  const row = rows[s.cursor];
  const fold = (path: string, folded: boolean): State => {
    const collapsed = new Set(s.collapsed);
    if (folded) collapsed.add(path);
    else collapsed.delete(path);
    return { ...s, collapsed };
  };
  switch (key) {
    case 'up':
      return same(clampCursor({ ...s, cursor: s.cursor - 1 }));
    case 'down':
      return same(clampCursor({ ...s, cursor: s.cursor + 1 }));
    case 'pageup':
      return same(clampCursor({ ...s, cursor: s.cursor - s.pageRows }));
    case 'pagedown':
      return same(clampCursor({ ...s, cursor: s.cursor + s.pageRows }));
    case 'home':
      return same(clampCursor({ ...s, cursor: 0 }));
    case 'end':
      return same(clampCursor({ ...s, cursor: rows.length - 1 }));
    case 'toggle':
      if (!row || !(row.node.Children?.length)) return same(s);
      return same(clampCursor(fold(row.path, !s.collapsed.has(row.path))));
    case 'right':
      if (!row || !s.collapsed.has(row.path)) return same(s);
      return same(clampCursor(fold(row.path, false)));
    case 'left': {
      if (!row) return same(s);
      if (row.node.Children?.length && !s.collapsed.has(row.path)) return same(clampCursor(fold(row.path, true)));
      const parent = row.path.includes('/') ? row.path.slice(0, row.path.lastIndexOf('/')) : undefined;
      const at = parent === undefined ? -1 : rows.findIndex((r) => r.path === parent);
      return at < 0 ? same(s) : same(clampCursor({ ...s, cursor: at }));
    }
    default:
      return same(s);
  }
}
