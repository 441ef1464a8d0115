/**
 * The image figures as dive defines them, so a pipeline that gated images with `dive --ci`
 * gets the same verdicts from `berth image explore --ci`:
 * - every leaf path of every layer (a file, a symlink, an empty directory, a whiteout) is
 *   seen once per layer it appears in; its bytes are the file's size, for a whiteout of a
 *   directory the bytes of everything below it in the layers underneath, for a whiteout of
 *   a file 0;
 * - a path seen in two or more layers is an inefficiency; wasted bytes are the sum of all
 *   its sightings' bytes (the first copy included);
 * - efficiency = Σ smallest sighting per path / Σ all sightings (1 for an empty image);
 * - user size = all layers but the first; user wasted percent = wasted / user size (a ratio:
 *   0.1 means 10%).
 * Opaque-directory markers are not sightings (dive skips them too).
 */
import type { IndexEntry } from '../layers/file-index';
import { type Stack, subtreeTotals } from './explore-stack';
import type { Inefficiency } from '../wire/explore';

interface PathFigures {
  count: number;
  cumulative: number;
  min: number;
}

export class DiveFigures {
  private readonly paths = new Map<string, PathFigures>();

  /** Records layer entries; call before the layer is applied to `stack` (whiteouts look below). */
  addLayer(entries: IndexEntry[], stack: Stack): void {
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as IndexEntry;
      const next = entries[i + 1];
      if (next && next.path.startsWith(`${e.path}/`)) continue; // not a leaf in this layer
      let bytes = e.size;
      if (e.kind === 'whiteout') {
        const below = stack.find(e.path);
        bytes = below?.isDir ? subtreeTotals(below).bytes : 0;
      }
      const p = this.paths.get(e.path);
      if (p) {
        p.count++;
        p.cumulative += bytes;
        p.min = Math.min(p.min, bytes);
      } else {
        this.paths.set(e.path, { count: 1, cumulative: bytes, min: bytes });
      }
    }
  }

  result(layerSizes: number[]): { efficiency: number; wastedBytes: number; userSize: number; userWastedPercent: number; inefficiencies: Inefficiency[] } {
    let minimum = 0;
    let discovered = 0;
    let wasted = 0;
    const inefficiencies: Inefficiency[] = [];
    for (const [path, p] of this.paths) {
      minimum += p.min;
      discovered += p.cumulative;
      if (p.count >= 2) {
        wasted += p.cumulative;
        inefficiencies.push({ Path: `/${path}`, Count: p.count, Bytes: p.cumulative });
      }
    }
    inefficiencies.sort((a, b) => b.Bytes - a.Bytes || (a.Path < b.Path ? -1 : 1));
    const userSize = layerSizes.slice(1).reduce((a, b) => a + b, 0);
    return {
      efficiency: discovered === 0 ? 1 : minimum / discovered,
      wastedBytes: wasted,
      userSize,
      userWastedPercent: userSize === 0 ? 0 : wasted / userSize,
      inefficiencies,
    };
  }
}
