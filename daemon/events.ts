/**
 * A tiny in-process event bus in Docker's event shape (`GET /events` can stream from it).
 * Services emit (image tag/untag/delete, container start/die ...); listeners never throw back
 * into the emitter. Keeps a short backlog so `since=` can replay recent events.
 */

export interface DockerEvent {
  Type: 'image' | 'container' | 'network' | 'volume' | 'daemon' | 'builder';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

export type EventListener = (e: DockerEvent) => void;

const BACKLOG = 256;

export class EventBus {
  private readonly listeners = new Set<EventListener>();
  private readonly recent: DockerEvent[] = [];

  emit(type: DockerEvent['Type'], action: string, id: string, attributes: Record<string, string> = {}): DockerEvent {
    const nowMs = Date.now();
    const e: DockerEvent = {
      Type: type,
      Action: action,
      Actor: { ID: id, Attributes: attributes },
      scope: 'local',
      time: Math.floor(nowMs / 1000),
      timeNano: nowMs * 1_000_000,
    };
    this.recent.push(e);
    if (this.recent.length > BACKLOG) this.recent.shift();
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        // a broken listener (a closed HTTP stream) must not break the emitter
      }
    }
    return e;
  }

  /** Subscribes; returns the unsubscribe function. */
  on(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events still in the backlog with time >= sinceSeconds. */
  since(sinceSeconds: number): DockerEvent[] {
    return this.recent.filter((e) => e.time >= sinceSeconds);
  }
}
