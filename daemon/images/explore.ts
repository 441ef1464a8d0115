/**
 * `image explore`: what each layer of a local image adds, changes and removes, where the
 * bytes go and which are wasted. Works from the layers' file indexes (layers/layer-indexes.ts),
 * so exploring an image reads a few small files instead of its trees; an image whose layers
 * predate indexes gets them built once. Results are cached per image id (images are immutable).
 * The JSON shapes here are the `/berth/v1/images/{name}/layers` extension of the API and are
 * documented in the README; fields are only ever added.
 */
import { invalid } from '../errors';
import type { Digest } from '../oci/digest';
import type { HistoryEntry, ImageConfig } from '../oci/types';
import type { IndexEntry, LayerIndex } from '../layers/file-index';
import type { Stores } from '../store/stores';
import type { ImageRecord } from '../store/images';
import { familiar, referencesOf } from './catalog';
import { DiveFigures } from './explore-dive';
import { HiddenFile, LayerChanges, Stack, Tally } from './explore-stack';
import { buildTree, TreeOptions } from './explore-tree';
import type { DuplicateJson, ExploreLayer, ExploreReport, HiddenJson, Tally as TallyJson, TreeNode } from '../wire/explore';
import { loadImage, requireImageId } from '../store/lookup';

export interface LayerIndexSource {
  get(chainId: Digest): Promise<LayerIndex>;
  /** Hashes the named files of an index built without hashes (see layer-indexes.ts). */
  fillHashes(chainId: Digest, index: LayerIndex, paths: Set<string>): Promise<void>;
}

/**
 * Files that could be duplicates across layers: same non-zero size in two or more layers.
 * Only those need a content hash when an index was built without hashes.
 */
function duplicateCandidates(indexes: LayerIndex[]): Set<string>[] {
  const layersBySize = new Map<number, Set<number>>();
  indexes.forEach((ix, layer) => {
    for (const e of ix.entries) {
      if (e.kind !== 'file' || e.size === 0) continue;
      const s = layersBySize.get(e.size) ?? new Set<number>();
      s.add(layer);
      layersBySize.set(e.size, s);
    }
  });
  return indexes.map((ix) => new Set(ix.entries.filter((e) => e.kind === 'file' && !e.sha256 && (layersBySize.get(e.size)?.size ?? 0) >= 2).map((e) => e.path)));
}

interface Analysis {
  report: ExploreReport;
  entries: IndexEntry[][];
  record: ImageRecord;
}

export interface ReportOptions {
  /** Include each layer's change tree. */
  trees?: boolean;
  /** Longest list of hidden files, duplicates and inefficiencies (0: all). Default 100. */
  limit?: number;
}

const CACHE_SLOTS = 4;

/** Pairs each layer with its history entry: the n-th non-empty entry for the n-th layer. */
export function historyForLayers(config: ImageConfig, layers: number): (HistoryEntry | undefined)[] {
  const nonEmpty = (config.history ?? []).filter((h) => !h.empty_layer);
  return Array.from({ length: layers }, (_, i) => nonEmpty[i]);
}

const tallyJson = (t: Tally): TallyJson => ({ Files: t.files, Bytes: t.bytes });

function duplicates(entries: IndexEntry[][], stack: Stack): { groups: DuplicateJson[]; visibleBytes: number } {
  const bySha = new Map<string, { size: number; copies: { Path: string; Layer: number }[] }>();
  entries.forEach((list, layer) => {
    for (const e of list) {
      if (e.kind !== 'file' || !e.sha256 || e.size === 0) continue;
      const g = bySha.get(e.sha256) ?? { size: e.size, copies: [] };
      g.copies.push({ Path: `/${e.path}`, Layer: layer });
      bySha.set(e.sha256, g);
    }
  });
  const groups: DuplicateJson[] = [];
  for (const [sha, g] of bySha) {
    if (new Set(g.copies.map((c) => c.Layer)).size < 2) continue;
    groups.push({ Sha256: sha, Size: g.size, Bytes: g.size * (g.copies.length - 1), Copies: g.copies });
  }
  groups.sort((a, b) => b.Bytes - a.Bytes || (a.Sha256 < b.Sha256 ? -1 : 1));
  const visible = new Map<string, { size: number; layers: number[] }>();
  for (const f of stack.visibleFiles()) {
    if (!f.entry.sha256 || f.entry.size === 0) continue;
    const v = visible.get(f.entry.sha256) ?? { size: f.entry.size, layers: [] };
    v.layers.push(f.layer);
    visible.set(f.entry.sha256, v);
  }
  let visibleBytes = 0;
  for (const v of visible.values()) {
    const lowest = Math.min(...v.layers);
    if (v.layers.every((l) => l === lowest)) continue;
    visibleBytes += v.size * v.layers.filter((l) => l !== lowest).length;
  }
  return { groups, visibleBytes };
}

const cap = <T>(list: T[], limit: number): T[] => (limit > 0 ? list.slice(0, limit) : list);

export class ExploreService {
  private readonly cache = new Map<Digest, Promise<Analysis>>();

  constructor(
    private readonly stores: Pick<Stores, 'images' | 'refs' | 'content'>,
    private readonly indexes: LayerIndexSource,
  ) {}

  /** The report of an image (by name, id or id prefix). */
  async report(name: string, opts: ReportOptions = {}): Promise<ExploreReport> {
    const id = await requireImageId(this.stores, name);
    const a = await this.analysis(id);
    const limit = opts.limit ?? 100;
    const r = a.report;
    const out: ExploreReport = {
      ...r,
      // Tags change while the image does not: read them for every report.
      RepoTags: referencesOf(this.stores, a.record).tags.map(familiar),
      Inefficiencies: cap(r.Inefficiencies, limit),
      Waste: { ...r.Waste, Hidden: cap(r.Waste.Hidden, limit), Duplicates: cap(r.Waste.Duplicates, limit) },
    };
    if (opts.trees) {
      const stack = new Stack();
      out.Layers = r.Layers.map((l, i) => {
        stack.clearMarks();
        const changes = stack.applyLayer(i, a.entries[i] ?? []);
        return { ...l, Tree: buildTree(stack, i, changes, { view: 'layer' }) };
      });
    }
    return out;
  }

  /** The tree of layer `layer` (its changes, or the image up to it). */
  async tree(name: string, layer: number, opts: TreeOptions): Promise<TreeNode> {
    const id = await requireImageId(this.stores, name);
    const a = await this.analysis(id);
    if (!Number.isInteger(layer) || layer < 0 || layer >= a.entries.length) {
      throw invalid(`image ${name} has ${a.entries.length} layers: layer ${layer} does not exist`);
    }
    const stack = new Stack();
    let changes: LayerChanges | undefined;
    for (let i = 0; i <= layer; i++) {
      stack.clearMarks();
      changes = stack.applyLayer(i, a.entries[i] ?? []);
    }
    return buildTree(stack, layer, changes as LayerChanges, opts);
  }

  private analysis(id: Digest): Promise<Analysis> {
    const hit = this.cache.get(id);
    if (hit) return hit;
    const work = this.analyse(id);
    this.cache.set(id, work);
    work.catch(() => this.cache.delete(id));
    while (this.cache.size > CACHE_SLOTS) this.cache.delete(this.cache.keys().next().value as Digest);
    return work;
  }

  private async analyse(id: Digest): Promise<Analysis> {
    const { record, config } = await loadImage(this.stores, id);
    const indexes = await Promise.all(record.layers.map((l) => this.indexes.get(l.chainId)));
    const candidates = duplicateCandidates(indexes);
    await Promise.all(record.layers.map((l, i) => this.indexes.fillHashes(l.chainId, indexes[i] as LayerIndex, candidates[i] as Set<string>)));
    const entries = indexes.map((ix) => ix.entries);
    const history = historyForLayers(config, record.layers.length);
    const stack = new Stack();
    const dive = new DiveFigures();
    const layers: ExploreLayer[] = [];
    entries.forEach((list, i) => {
      dive.addLayer(list, stack);
      stack.clearMarks();
      const ch = stack.applyLayer(i, list);
      const ref = record.layers[i];
      const h = history[i];
      const layer: ExploreLayer = {
        Index: i,
        ChainID: ref?.chainId as Digest,
        DiffID: ref?.diffId as Digest,
        CreatedBy: h?.created_by ?? '',
        Size: list.reduce((n, e) => n + e.size, 0),
        Entries: list.filter((e) => e.kind !== 'dir').length,
        Added: tallyJson(ch.added),
        Modified: tallyJson(ch.modified),
        Removed: tallyJson(ch.removed),
      };
      if (ref?.blob) layer.Digest = ref.blob.digest;
      if (h?.created) layer.Created = h.created;
      if (h?.comment) layer.Comment = h.comment;
      layers.push(layer);
    });
    const sizes = layers.map((l) => l.Size);
    const d = dive.result(sizes);
    const hidden: HiddenJson[] = stack.hidden
      .map((h: HiddenFile) => ({ Path: `/${h.path}`, Layer: h.layer, Size: h.size, By: h.by, How: h.how }))
      .sort((a, b) => b.Size - a.Size || (a.Path < b.Path ? -1 : 1));
    const hiddenBytes = hidden.reduce((n, h) => n + h.Size, 0);
    const dup = duplicates(entries, stack);
    const report: ExploreReport = {
      Id: id,
      RepoTags: [],
      Size: sizes.reduce((a, b) => a + b, 0),
      UserSize: d.userSize,
      Efficiency: d.efficiency,
      WastedBytes: d.wastedBytes,
      UserWastedPercent: d.userWastedPercent,
      Layers: layers,
      Inefficiencies: d.inefficiencies,
      Waste: { HiddenBytes: hiddenBytes, DuplicateBytes: dup.visibleBytes, TotalBytes: hiddenBytes + dup.visibleBytes, Hidden: hidden, Duplicates: dup.groups },
    };
    return { report, entries, record };
  }
}
