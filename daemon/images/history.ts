/**
 * GET /images/{name}/history (moby daemon/images/image_history.go): one item per config
 * history entry, newest first; non-empty entries carry their own layer's unpacked size. The
 * newest item gets the image's id and tags, the next its parent's, and so on up the parent
 * chain; items no local image stands for are `<missing>`.
 */
import { Digest } from '../oci/digest';
import { HistoryEntry } from '../oci/types';
import { Catalog, ImageEntry, familiar } from './catalog';

import type { HistoryItem } from '../wire/types';

export type { HistoryItem };

function seconds(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

export function historyOf(catalog: Catalog, id: Digest): HistoryItem[] {
  const entry = catalog.images.get(id);
  if (!entry) return [];
  const layers = entry.record.layers;
  let entries: HistoryEntry[] = entry.config.history ?? [];
  if (entries.length === 0) entries = layers.map(() => ({ created: entry.config.created }));
  const items: HistoryItem[] = [];
  let layerIndex = 0;
  for (const h of entries) {
    let size = 0;
    if (!h.empty_layer) {
      const layer = layers[layerIndex++];
      size = layer ? catalog.layerSizes.get(layer.chainId) ?? 0 : 0;
    }
    items.unshift({ Id: '<missing>', Created: seconds(h.created), CreatedBy: h.created_by ?? '', Tags: null, Size: size, Comment: h.comment ?? '' });
  }
  let cur: Digest | undefined = id;
  for (const item of items) {
    const img: ImageEntry | undefined = cur ? catalog.images.get(cur) : undefined;
    if (!img) break;
    item.Id = img.id;
    item.Tags = img.tags.length ? img.tags.map(familiar) : null;
    cur = img.record.parent;
  }
  return items;
}
