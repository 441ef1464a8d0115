/**
 * The containers' resource operations for the API (stats and update) over the containers
 * service: finds the container, ends a stats stream at its removal, applies updates under
 * the container's lock (service.updateRecord).
 */
import type { ContainerService } from './service';
import { pumpStats, type StatsOptions } from './stats';
import { updateContainer } from './update';

export class ContainerResourceOps {
  constructor(private readonly svc: ContainerService) {}

  checkExists(ref: string): void {
    this.svc.get(ref);
  }

  stats(ref: string, o: StatsOptions, sink: (obj: Record<string, unknown>) => Promise<void> | void, signal: AbortSignal): Promise<void> {
    const id = this.svc.get(ref).Id;
    return pumpStats({
      record: () => this.svc.find(id),
      runtime: this.svc.runtime,
      onRemoved: (fn) => this.svc.onRemoved(id, fn),
    }, o, sink, signal);
  }

  update(ref: string, body: unknown): Promise<{ Warnings: string[] }> {
    return updateContainer(this.svc, ref, body);
  }
}
