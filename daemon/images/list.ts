/**
 * GET /images/json: which images to show and with which references, as dockerd decides
 * (moby daemon/images/images.go). Without `all`, untagged images that are parents of others
 * (intermediate build images) are hidden. Filters: dangling, reference (glob on the familiar
 * `name:tag` or `name`), label (`key`, `key=value`, all must hold), label! (not all of these
 * hold: `-f label!=KEY`), before, since, until
 * (created strictly before a timestamp or duration ago; `docker images -f until=24h`).
 */
import { invalid } from '../errors';
import type { Stores } from '../store/stores';
import { Catalog, ImageEntry, familiar } from './catalog';
import { Filters, globMatch, labelsMatch, parseUntil } from '../filters';
import { requireImageId } from '../store/lookup';

export const LIST_FILTERS = ['dangling', 'reference', 'label', 'label!', 'before', 'since', 'until'] as const;

/** A catalog entry as listed: possibly with only the references that matched `reference=`. */
export type ListedImage = ImageEntry;

export async function selectImages(stores: Pick<Stores, 'images' | 'refs'>, catalog: Catalog, filters: Filters, all: boolean): Promise<ListedImage[]> {
  filters.validate(LIST_FILTERS);
  const danglingOnly = filters.has('dangling') && filters.bool('dangling', false);
  const danglingFalse = filters.has('dangling') && !danglingOnly;
  const bound = async (key: 'before' | 'since'): Promise<number | undefined> => {
    const [v] = filters.get(key);
    if (v === undefined) return undefined;
    const id = await requireImageId(stores, v);
    const e = catalog.images.get(id);
    if (!e) throw invalid(`invalid filter '${key}=${v}': no such image`);
    return e.created;
  };
  const beforeT = await bound('before');
  const sinceT = await bound('since');
  // Several until values: the earliest wins, as in moby.
  const untils = filters.get('until').map((v) => parseUntil(v));
  const untilMs = untils.length ? Math.min(...untils) : undefined;
  const patterns = filters.get('reference');
  const out: ListedImage[] = [];
  for (const e of catalog.images.values()) {
    if (danglingOnly && e.children.length > 0) continue;
    if (beforeT !== undefined && !(e.created < beforeT)) continue;
    if (sinceT !== undefined && !(e.created > sinceT)) continue;
    if (untilMs !== undefined && !(e.created * 1000 < untilMs)) continue;
    if (!labelsMatch(filters, e.config.config?.Labels)) continue;
    let tags = e.tags;
    let digests = e.digests;
    if (patterns.length) {
      const match = (r: (typeof tags)[number]) =>
        patterns.some((p) => globMatch(p, familiar(r)) || globMatch(p, familiar({ domain: r.domain, path: r.path })));
      tags = tags.filter(match);
      digests = digests.filter(match);
    }
    if (tags.length === 0 && digests.length === 0) {
      if (!(all || e.children.length === 0)) continue;
      if (danglingFalse || patterns.length) continue;
    } else if (danglingOnly && tags.length > 0) {
      continue;
    }
    out.push({ ...e, tags, digests });
  }
  out.sort((a, b) => b.created - a.created || (a.id < b.id ? -1 : 1));
  return out;
}

/** Bytes of each image shared with at least one other image (for /system/df). */
export function sharedSizes(catalog: Catalog): Map<string, number> {
  const users = new Map<string, number>();
  for (const e of catalog.images.values()) for (const l of new Set(e.record.layers.map((x) => x.chainId))) users.set(l, (users.get(l) ?? 0) + 1);
  const out = new Map<string, number>();
  for (const e of catalog.images.values()) {
    let shared = 0;
    for (const l of new Set(e.record.layers.map((x) => x.chainId))) if ((users.get(l) ?? 0) > 1) shared += catalog.layerSizes.get(l) ?? 0;
    out.set(e.id, shared);
  }
  return out;
}
