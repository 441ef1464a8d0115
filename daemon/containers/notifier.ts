/**
 * Who hears about a container's life: in-process listeners (attach and logs streams, wait
 * conditions, stop's timeout) and Docker's event bus (`docker events`). Also tracks the
 * output streams still reading a container's log, so waiters and auto-remove can let them
 * drain first — Docker reports an exit only after attached clients have all the output.
 */
import { EventEmitter } from 'node:events';
import type { EventBus } from '../events';
import type { ContainerRecord } from './record';

/** `stopped` fires at the exit for streams; `exited` after they drained, for waiters. */
export type LifeEvent = 'started' | 'stopped' | 'exited' | 'removed';

/** How long an exit waits for attached clients to read the last output. */
const STREAM_DRAIN_MS = 5000;

export class ContainerNotifier {
  private readonly emitter = new EventEmitter();
  private readonly streams = new Map<string, Set<Promise<void>>>();
  /** Clients attached before start, per container: the monitor keeps early output for them. */
  private readonly pendingAttaches = new Map<string, number>();

  constructor(private readonly bus?: EventBus) {
    this.emitter.setMaxListeners(0);
  }

  emit(kind: LifeEvent, id: string, code = 0): void {
    this.emitter.emit(`${kind}:${id}`, code);
  }

  /** A Docker event (`docker events`) about a container. */
  publish(action: string, rec: Pick<ContainerRecord, 'Id' | 'Name' | 'Config'>, extra: Record<string, string> = {}): void {
    const attrs: Record<string, string> = { ...extra, name: rec.Name.slice(1), image: rec.Config.Image };
    for (const [k, v] of Object.entries(rec.Config.Labels ?? {})) attrs[k] = v;
    this.bus?.emit('container', action, rec.Id, attrs);
  }

  /**
   * A volume's `mount`/`unmount` event for a container using it (dockerd logs them as it sets
   * up and tears down the container's mounts).
   */
  publishVolume(action: 'mount' | 'unmount', name: string, attrs: Record<string, string>): void {
    this.bus?.emit('volume', action, name, attrs);
  }

  /** Resolves at the container's next event of this kind, with its exit code. */
  next(kind: LifeEvent, id: string): Promise<number> {
    return new Promise((resolve) => this.emitter.once(`${kind}:${id}`, resolve));
  }

  /** Calls `fn` once at the first of `kinds`; returns the unsubscribe function. */
  onceAny(kinds: LifeEvent[], id: string, fn: () => void): () => void {
    const off = () => kinds.forEach((k) => this.emitter.off(`${k}:${id}`, h));
    const h = () => {
      off();
      fn();
    };
    kinds.forEach((k) => this.emitter.once(`${k}:${id}`, h));
    return off;
  }

  /** An attach waits for the container's start; returns the release function (idempotent). */
  expectAttach(id: string): () => void {
    this.pendingAttaches.set(id, (this.pendingAttaches.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.pendingAttaches.get(id) ?? 1) - 1;
      if (n > 0) this.pendingAttaches.set(id, n);
      else this.pendingAttaches.delete(id);
    };
  }

  attachPending(id: string): boolean {
    return (this.pendingAttaches.get(id) ?? 0) > 0;
  }

  /** Registers an output stream of a container until it settles. */
  trackStream(id: string, p: Promise<void>): Promise<void> {
    const set = this.streams.get(id) ?? new Set();
    this.streams.set(id, set);
    const settled = p.catch(() => undefined);
    set.add(settled);
    void settled.then(() => {
      set.delete(settled);
      if (set.size === 0 && this.streams.get(id) === set) this.streams.delete(id);
    });
    return p;
  }

  /** Waits (bounded) for the container's attached streams to finish. */
  async drainStreams(id: string): Promise<void> {
    const set = this.streams.get(id);
    if (!set || set.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(set), new Promise((r) => (timer = setTimeout(r, STREAM_DRAIN_MS)))]);
    clearTimeout(timer);
  }
}
