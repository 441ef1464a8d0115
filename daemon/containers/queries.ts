/**
 * Read-side operations over the containers service: inspect, list (ps), diff, export, top,
 * sizes, prune, and the counts /info and /system/df need. Nothing here changes a container
 * except prune, which goes through the service's remove.
 */
import type { Readable } from 'node:stream';
import { resolveImageId } from '../store/lookup';
import type { ContainerService } from './service';
import type { ContainerRecord } from './record';
import { Filters, matches, parseFilters, PRUNE_FILTERS } from './filters';
import { mustBeRunning } from './lifecycle';
import { inspectView, listView } from './views';
import { changes, Change, directorySize } from './changes';
import { exportTar } from './export';
import { topRows, TOP_TITLES } from './top';
import { psTop } from './top-ps';
import type { ContainersView } from '../info';

export interface ListOptions {
  all: boolean;
  limit?: number;
  size: boolean;
  filters?: string;
}

export interface ContainerCounts {
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
}

export class ContainerQueries {
  /** Exec ids per container, from the exec service. */
  private readonly execIdsOf: (containerId: string) => string[];

  constructor(
    private readonly svc: ContainerService,
    deps: { execIdsOf?: (containerId: string) => string[] } = {},
  ) {
    this.execIdsOf = deps.execIdsOf ?? (() => []);
  }

  private lowerDirs(rec: ContainerRecord): string[] {
    return rec.LayerChainIds.map((c) => this.svc.images.layers.diffDir(c)).reverse();
  }

  async size(rec: ContainerRecord): Promise<{ rw: number; rootFs: number }> {
    const rw = await directorySize(this.svc.store.pathsOf(rec.Id).upper);
    let image = 0;
    for (const c of rec.LayerChainIds) image += (await this.svc.images.layers.get(c))?.size ?? 0;
    return { rw, rootFs: rw + image };
  }

  async inspect(ref: string, withSize: boolean): Promise<Record<string, unknown>> {
    const rec = this.svc.get(ref);
    const size = withSize ? await this.size(rec) : undefined;
    return inspectView(rec, this.svc.store.pathsOf(rec.Id), {
      execIds: this.execIdsOf(rec.Id),
      lowerDirs: this.lowerDirs(rec),
      sizeRw: size?.rw,
      sizeRootFs: size?.rootFs,
    });
  }

  private async select(filters: Filters): Promise<ContainerRecord[]> {
    const ancestors = new Map<string, string[]>();
    for (const a of filters.get('ancestor') ?? []) {
      const id = await resolveImageId(this.svc.images, a).catch(() => undefined);
      ancestors.set(a, id ? [id] : []);
    }
    const ctx = { imageIdsFor: (r: string) => ancestors.get(r) ?? [], find: (r: string) => this.svc.find(r), now: Date.now() };
    return this.svc.all().filter((r) => matches(r, filters, ctx));
  }

  async list(o: ListOptions): Promise<Record<string, unknown>[]> {
    const filters = parseFilters(o.filters);
    let recs = (await this.select(filters)).sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created));
    const limited = o.limit !== undefined && o.limit > 0;
    if (!o.all && !limited && !filters.has('status') && !filters.has('exited')) recs = recs.filter((r) => r.State.Running);
    if (limited) recs = recs.slice(0, o.limit);
    const now = Date.now();
    const out: Record<string, unknown>[] = [];
    const resolved = new Map<string, Promise<string | undefined>>();
    for (const r of recs) {
      const ref = r.Config.Image;
      if (!resolved.has(ref)) resolved.set(ref, resolveImageId(this.svc.images, ref).catch(() => undefined));
      // Docker (refreshImage): once the name no longer points at the container's image (untagged,
      // re-tagged, re-pulled), the list shows the image id instead of a name that would mislead.
      const image = ref === r.Image || (await resolved.get(ref)) === r.Image ? ref : r.Image;
      out.push(listView(r, now, o.size ? await this.size(r) : undefined, image));
    }
    return out;
  }

  async diff(ref: string): Promise<Change[]> {
    const rec = this.svc.get(ref);
    return changes(this.svc.store.pathsOf(rec.Id).upper, this.lowerDirs(rec));
  }

  export(ref: string): Readable {
    const rec = this.svc.get(ref);
    return exportTar(this.svc.store.pathsOf(rec.Id).upper, this.lowerDirs(rec));
  }

  /** `ps -ef`-like rows from /proc, or the host's `ps PS_ARGS` filtered to the container. */
  async top(ref: string, psArgs?: string): Promise<{ Titles: string[]; Processes: string[][] }> {
    const rec = this.svc.get(ref);
    mustBeRunning(rec);
    const pids = await this.svc.runtime.pids(rec.Id);
    if (psArgs !== undefined && psArgs.trim() !== '' && psArgs.trim() !== '-ef') return psTop(psArgs, pids);
    return { Titles: TOP_TITLES, Processes: await topRows(pids) };
  }

  async prune(rawFilters: string | undefined): Promise<{ ContainersDeleted: string[] | null; SpaceReclaimed: number }> {
    const filters = parseFilters(rawFilters, PRUNE_FILTERS);
    const deleted: string[] = [];
    let reclaimed = 0;
    for (const r of await this.select(filters)) {
      if (r.State.Running || r.State.Status === 'removing') continue;
      const { rw } = await this.size(r);
      try {
        await this.svc.remove(r.Id, false);
      } catch {
        continue;
      }
      deleted.push(r.Id);
      reclaimed += rw;
    }
    return { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  counts(): ContainerCounts {
    const all = this.svc.all();
    const running = all.filter((r) => r.State.Running && !r.State.Paused).length;
    const paused = all.filter((r) => r.State.Paused).length;
    return { Containers: all.length, ContainersRunning: running, ContainersPaused: paused, ContainersStopped: all.length - running - paused };
  }

  /** GET /system/df's Containers entries (list shape with sizes). */
  async diskUsage(): Promise<Record<string, unknown>[]> {
    return this.list({ all: true, size: true });
  }

  /** For /info and /system/df. */
  containersView(): ContainersView {
    return {
      counts: async () => {
        const c = this.counts();
        return { total: c.Containers, running: c.ContainersRunning, paused: c.ContainersPaused, stopped: c.ContainersStopped };
      },
      diskUsage: () => this.diskUsage(),
    };
  }
}
