/**
 * `image explore --format table` (the default without a terminal): the image's figures, one
 * line per layer, each layer's change tree down to `--depth` levels (directories deeper than
 * that show their totals), then the waste lists biggest first. Stable: columns are only added
 * at the end.
 */
import { humanSize, tabwrite } from '../format';
import { rowText, treeRows } from './tree-text';
import { instruction, type ExploreReport, type Tally } from './types';

const pct = (v: number) => `${(v * 100).toFixed(4)} %`;
const tally = (t: Tally) => (t.Files === 0 ? '0' : `${t.Files} (${humanSize(t.Bytes)})`);

export function renderTable(r: ExploreReport, opts: { depth: number }): string {
  const out: string[] = [];
  out.push(`Image: ${r.Id}${r.RepoTags.length ? ` (${r.RepoTags.join(', ')})` : ''}`);
  out.push(`Total size: ${humanSize(r.Size)}  user size: ${humanSize(r.UserSize)}  layers: ${r.Layers.length}`);
  out.push(`Efficiency: ${pct(r.Efficiency)}  wasted bytes: ${r.WastedBytes} (${humanSize(r.WastedBytes)})  user wasted: ${pct(r.UserWastedPercent)}`);
  out.push(`Waste: ${humanSize(r.Waste.HiddenBytes)} overwritten or deleted by later layers, ${humanSize(r.Waste.DuplicateBytes)} duplicated across layers, ${humanSize(r.Waste.TotalBytes)} in all`);
  out.push('');
  const lines = ['LAYER\tSIZE\tADDED\tMODIFIED\tREMOVED\tCOMMAND'];
  for (const l of r.Layers) lines.push([l.Index, humanSize(l.Size), tally(l.Added), tally(l.Modified), tally(l.Removed), instruction(l.CreatedBy).replace(/\s+/g, ' ')].join('\t'));
  out.push(tabwrite(lines).trimEnd());
  for (const l of r.Layers) {
    if (!l.Tree) continue;
    out.push('', `Layer ${l.Index}: ${instruction(l.CreatedBy).replace(/\s+/g, ' ')}`);
    const rows = treeRows(l.Tree, { maxDepth: opts.depth });
    if (rows.length === 0) out.push('  (no files)');
    for (const row of rows) out.push(rowText(row));
  }
  if (r.Waste.Hidden.length) {
    out.push('', 'Overwritten or deleted later (biggest first):');
    const t = ['SIZE\tLAYER\tBY\tHOW\tPATH'];
    for (const h of r.Waste.Hidden) t.push([humanSize(h.Size), h.Layer, h.By, h.How, h.Path].join('\t'));
    out.push(tabwrite(t).trimEnd());
  }
  if (r.Waste.Duplicates.length) {
    out.push('', 'Same content in several layers (biggest first):');
    const t = ['WASTED\tSIZE\tCOPIES\tPATHS'];
    for (const d of r.Waste.Duplicates) t.push([humanSize(d.Bytes), humanSize(d.Size), d.Copies.length, d.Copies.map((c) => `${c.Path}@${c.Layer}`).join(' ')].join('\t'));
    out.push(tabwrite(t).trimEnd());
  }
  if (r.Inefficiencies.length) {
    out.push('', 'Inefficient paths (dive\'s definition, biggest first):');
    const t = ['COUNT\tWASTED\tPATH'];
    for (const i of r.Inefficiencies) t.push([i.Count, humanSize(i.Bytes), i.Path].join('\t'));
    out.push(tabwrite(t).trimEnd());
  }
  return out.join('\n') + '\n';
}
