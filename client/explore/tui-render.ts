/**
 * Drawing the interactive explorer as lines of text with ANSI colours: a header with the
 * image's figures, the layers pane on the left (with the selected layer's details and the
 * image's waste below it), the file tree on the right, and the keys on the last line.
 * Added entries are green, modified yellow, removed red. Pure: state and size in, lines out.
 */
import { humanSize } from '../format';
import { rowText } from './tree-text';
import { visibleRows, type State } from './tui-state';
import { instruction } from './types';

const ESC = '\x1b[';
const COLOR: Record<string, string> = { added: `${ESC}32m`, modified: `${ESC}33m`, removed: `${ESC}31m` };
const RESET = `${ESC}0m`;
const INVERSE = `${ESC}7m`;
const BOLD = `${ESC}1m`;

/** Cuts or pads plain text to exactly `width` characters. */
function fit(text: string, width: number): string {
  const chars = [...text];
  if (chars.length > width) return chars.slice(0, Math.max(0, width - 1)).join('') + (width > 0 ? '…' : '');
  return text + ' '.repeat(width - chars.length);
}

function wrap(text: string, width: number, maxLines: number): string[] {
  const out: string[] = [];
  let rest = text.replace(/\s+/g, ' ').trim();
  while (rest && out.length < maxLines) {
    out.push(rest.slice(0, width));
    rest = rest.slice(width);
  }
  return out;
}

const pct = (v: number) => `${(v * 100).toFixed(2)} %`;

function leftPane(s: State, width: number, height: number): string[] {
  const r = s.report;
  const lines: string[] = [];
  const head = `${s.focus === 'layers' ? BOLD : ''}${fit(' Layers', width)}${RESET}`;
  lines.push(head);
  const listRows = Math.max(3, Math.min(r.Layers.length, Math.floor(height / 2)));
  const first = Math.max(0, Math.min(s.layer - Math.floor(listRows / 2), r.Layers.length - listRows));
  for (let i = first; i < Math.min(r.Layers.length, first + listRows); i++) {
    const l = r.Layers[i];
    if (!l) continue;
    const text = fit(` ${String(i).padStart(2)} ${humanSize(l.Size).padStart(8)}  ${instruction(l.CreatedBy)}`, width);
    lines.push(i === s.layer ? `${s.focus === 'layers' ? INVERSE : BOLD}${text}${RESET}` : text);
  }
  const l = r.Layers[s.layer];
  if (l) {
    lines.push(fit('', width), `${BOLD}${fit(` Layer ${l.Index}`, width)}${RESET}`);
    for (const w of wrap(instruction(l.CreatedBy), width - 2, 3)) lines.push(fit(`  ${w}`, width));
    lines.push(fit(`  Size ${humanSize(l.Size)}  Digest ${l.DiffID.slice(7, 19)}`, width));
    lines.push(`${COLOR.added}${fit(`  Added    ${l.Added.Files} files  ${humanSize(l.Added.Bytes)}`, width)}${RESET}`);
    lines.push(`${COLOR.modified}${fit(`  Modified ${l.Modified.Files} files  ${humanSize(l.Modified.Bytes)}`, width)}${RESET}`);
    lines.push(`${COLOR.removed}${fit(`  Removed  ${l.Removed.Files} files  ${humanSize(l.Removed.Bytes)}`, width)}${RESET}`);
  }
  lines.push(fit('', width), `${BOLD}${fit(' Image', width)}${RESET}`);
  lines.push(fit(`  Size ${humanSize(r.Size)}  efficiency ${pct(r.Efficiency)}`, width));
  lines.push(fit(`  Wasted ${humanSize(r.WastedBytes)}  user wasted ${pct(r.UserWastedPercent)}`, width));
  lines.push(fit(`  Hidden by later layers ${humanSize(r.Waste.HiddenBytes)}`, width));
  lines.push(fit(`  Duplicated ${humanSize(r.Waste.DuplicateBytes)}`, width));
  for (const h of r.Waste.Hidden.slice(0, Math.max(0, height - lines.length - 1))) {
    lines.push(fit(`   ${humanSize(h.Size).padStart(8)} ${h.Path} (${h.How} in ${h.By})`, width));
  }
  while (lines.length < height) lines.push(fit('', width));
  return lines.slice(0, height);
}

function rightPane(s: State, width: number, height: number): string[] {
  const title = s.view === 'layer' ? ` Layer ${s.layer}: its changes` : ` Image after layer ${s.layer}`;
  const lines = [`${s.focus === 'tree' ? BOLD : ''}${fit(title + (s.changesOnly ? ' (changes only)' : ''), width)}${RESET}`];
  if (!s.tree) {
    lines.push(fit(' loading…', width));
  } else {
    const rows = visibleRows(s);
    if (rows.length === 0) lines.push(fit(' (nothing here)', width));
    for (let i = s.top; i < Math.min(rows.length, s.top + height - 1); i++) {
      const row = rows[i];
      if (!row) continue;
      const text = fit(rowText(row), width);
      const color = COLOR[row.node.Change ?? ''] ?? '';
      const sel = i === s.cursor ? (s.focus === 'tree' ? INVERSE : BOLD) : '';
      lines.push(`${sel}${color}${text}${RESET}`);
    }
  }
  while (lines.length < height) lines.push(fit('', width));
  return lines.slice(0, height);
}

export function render(s: State, width: number, height: number): string[] {
  const r = s.report;
  const header = `${INVERSE}${fit(` berth image explore ${s.image}  ${r.Layers.length} layers  ${humanSize(r.Size)}  efficiency ${pct(r.Efficiency)}  wasted ${humanSize(r.WastedBytes)}`, width)}${RESET}`;
  const footer = `${INVERSE}${fit(' ↑↓ move  Tab pane  space fold  a layer/image  c changes only  q quit', width)}${RESET}`;
  const bodyHeight = Math.max(1, height - 2);
  const leftWidth = Math.max(20, Math.min(56, Math.floor(width * 0.4)));
  const rightWidth = Math.max(10, width - leftWidth - 1);
  const left = leftPane(s, leftWidth, bodyHeight);
  const right = rightPane(s, rightWidth, bodyHeight);
  const body = left.map((l, i) => `${l}│${right[i] ?? ''}`);
  return [header, ...body, footer];
}
