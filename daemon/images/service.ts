/**
 * The images service: list, inspect, tag, remove, history, prune, search and disk usage over
 * the local stores. Pull and push live beside it (registry engineer); this service owns what
 * happens to images once they are stored. Throws BerthError; knows nothing of HTTP.
 * Containers are reached only through the injected `ImageUsers`.
 */
import { BerthError, invalid } from '../errors';
import type { EventBus } from '../events';
import { Digest } from '../oci/digest';
import { familiarName } from '../oci/reference';
import type { AuthConfig } from '../registry';
import type { Stores } from '../store/stores';
import { GarbageCollector } from '../store/gc';
import { Catalog, familiar, loadCatalog } from './catalog';
import { Filters, labelsMatch, pruneUntil } from '../filters';
import { HistoryItem, historyOf } from './history';
import { selectImages, sharedSizes } from './list';
import { requireImageId } from '../store/lookup';
import { DeleteItem, ImageRemover, tagReference } from './remove';
import { CatalogSource, SearchResult, search } from './search';
import { NO_IMAGE_USERS, ImageUsers } from './users';
import { ImageSummary, inspectOf, summaryOf } from './view';
import type { ImagePruneReport } from '../wire/types';

export type PruneReport = ImagePruneReport;

export const PRUNE_FILTERS = ['dangling', 'until', 'label', 'label!'] as const;

export class ImagesService {
  readonly gc: GarbageCollector;
  private users: ImageUsers;
  private readonly remover: ImageRemover;
  /** When each image was last tagged by this daemon (inspect's Metadata.LastTagTime). */
  private readonly lastTagTime = new Map<Digest, string>();

  constructor(
    private readonly stores: Stores,
    private readonly opts: { events?: EventBus; registries?: CatalogSource; gc?: GarbageCollector; users?: ImageUsers } = {},
  ) {
    this.users = opts.users ?? NO_IMAGE_USERS;
    this.gc = opts.gc ?? new GarbageCollector(stores, this.users);
    this.remover = new ImageRemover(stores, this.gc, () => this.users, opts.events);
  }

  /** Replaces the containers' view (conflicts, counts, layers in use): a seam for tests. */
  setUsers(users: ImageUsers): void {
    this.users = users;
    this.gc.setUsers(users);
  }

  catalog(): Promise<Catalog> {
    return loadCatalog(this.stores);
  }

  /** `sharedSize` fills SharedSize (shared-size=1, API 1.42+); otherwise it is -1 as in Docker. */
  async list(opts: { all?: boolean; filters?: Filters; apiVersion: string; sharedSize?: boolean }): Promise<ImageSummary[]> {
    const catalog = await this.catalog();
    const selected = await selectImages(this.stores, catalog, opts.filters ?? Filters.empty(), !!opts.all);
    const shared = opts.sharedSize ? sharedSizes(catalog) : undefined;
    return selected.map((e) => summaryOf(e, opts.apiVersion, { sharedSize: shared?.get(e.id) }));
  }

  async inspect(name: string, apiVersion: string): Promise<Record<string, unknown>> {
    const id = await requireImageId(this.stores, name);
    const entry = (await this.catalog()).images.get(id);
    if (!entry) throw new BerthError('NotFound', `No such image: ${name}`);
    return inspectOf(entry, apiVersion, this.stores.layers, this.lastTagTime.get(id));
  }

  /** Points `repo[:tag]` at the image `name`. Idempotent; moves a tag that pointed elsewhere. */
  async tag(name: string, repo: string, tag?: string): Promise<void> {
    if (!repo) throw invalid('repository name must have at least one component');
    const id = await requireImageId(this.stores, name);
    const ref = tagReference(repo, tag || undefined);
    if (ref.digest) throw invalid('refusing to create a tag with a digest reference');
    if (familiarName(ref) === 'scratch' && ref.domain === 'docker.io') throw invalid("'scratch' is a reserved name");
    await this.stores.refs.set(ref, id);
    this.lastTagTime.set(id, new Date().toISOString());
    this.opts.events?.emit('image', 'tag', id, { name: familiar(ref) });
  }

  async remove(name: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<DeleteItem[]> {
    return (await this.remover.remove(name, opts)).items;
  }

  async history(name: string): Promise<HistoryItem[]> {
    const id = await requireImageId(this.stores, name);
    return historyOf(await this.catalog(), id);
  }

  /** Docker's image prune (moby daemon/images/image_prune.go). */
  async prune(filters: Filters): Promise<PruneReport> {
    filters.validate(PRUNE_FILTERS);
    const danglingOnly = filters.bool('dangling', true);
    const until = pruneUntil(filters);
    const catalog = await this.catalog();
    const deleted: DeleteItem[] = [];
    let reclaimed = 0;
    for (const e of catalog.images.values()) {
      if (danglingOnly && e.children.length > 0) continue;
      const refs = this.stores.refs.keysFor(e.id);
      if (refs.length === 0 && e.children.length > 0) continue;
      if (until !== undefined && e.created * 1000 > until) continue;
      const labels = e.config.config?.Labels;
      if (!labelsMatch(filters, labels)) continue;
      const targets = refs.length === 0 ? [e.id] : !danglingOnly || e.tags.length === 0 ? refs : [];
      for (const target of targets) {
        try {
          const r = await this.remover.remove(target, { force: false, noprune: false });
          deleted.push(...r.items);
          reclaimed += r.reclaimed;
        } catch (err) {
          // Docker skips images it may not delete (in use, gone meanwhile) and goes on.
          if (err instanceof BerthError && (err.kind === 'Conflict' || err.kind === 'NotFound')) continue;
          throw err;
        }
      }
    }
    return { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  async search(term: string, limit: number, filters: Filters, creds: AuthConfig = {}): Promise<SearchResult[]> {
    if (!this.opts.registries) throw invalid('search needs a registry client, and none is configured');
    return search(this.opts.registries, term, limit, filters, creds);
  }

  /** The image half of GET /system/df. */
  async diskUsage(apiVersion: string): Promise<{ LayersSize: number; Images: ImageSummary[] }> {
    const catalog = await this.catalog();
    let layersSize = 0;
    for (const chain of await this.stores.layers.list()) {
      layersSize += catalog.layerSizes.get(chain) ?? (await this.stores.layers.get(chain))?.size ?? 0;
    }
    const shared = sharedSizes(catalog);
    const images: ImageSummary[] = [];
    const sorted = [...catalog.images.values()].sort((a, b) => b.created - a.created);
    for (const e of sorted) {
      const containers = (await this.users.containersUsing(e.id)).length;
      images.push(summaryOf(e, apiVersion, { containers, sharedSize: shared.get(e.id) ?? 0 }));
    }
    return { LayersSize: layersSize, Images: images };
  }

  /**
   * Collects image layers a removed container was the last user of (after `rmi -f` of its
   * image). Only the given chain ids are candidates; anything an image still needs is kept.
   */
  async releaseLayers(chainIds: readonly Digest[]): Promise<number> {
    if (chainIds.length === 0) return 0;
    const r = await this.gc.collect({ candidates: chainIds });
    return r.layers.reduce((n, l) => n + l.size, 0);
  }

  async count(): Promise<number> {
    return (await this.stores.images.list()).length;
  }
}
