/**
 * Tags and digest references → image ids (`repositories.json`), like Docker's reference
 * store. Keys are fully qualified (`docker.io/library/busybox:latest`,
 * `localhost:5000/x@sha256:...`). The whole map is rewritten atomically on each change and
 * changes are serialised, so concurrent tags never lose one another.
 */
import { Digest, isDigest } from '../oci/digest';
import { Reference, fullName } from '../oci/reference';
import { atomicWriteJson, readJsonIfExists } from './atomic';
import { StorePaths } from './paths';

export function referenceKey(ref: Reference): string {
  const name = fullName(ref);
  if (ref.digest) return `${name}@${ref.digest}`;
  return `${name}:${ref.tag ?? 'latest'}`;
}

export class ReferenceStore {
  private refs = new Map<string, Digest>();
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly paths: StorePaths) {}

  async init(): Promise<void> {
    const raw = await readJsonIfExists(this.paths.repositories);
    this.refs.clear();
    if (raw && typeof raw === 'object') {
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof v === 'string' && isDigest(v)) this.refs.set(k, v);
      }
    }
  }

  get(ref: Reference): Digest | undefined {
    return this.refs.get(referenceKey(ref));
  }

  /** All (key, id) pairs. */
  entries(): [string, Digest][] {
    return [...this.refs.entries()];
  }

  /** The keys that point at an image id. */
  keysFor(id: Digest): string[] {
    return this.entries().filter(([, v]) => v === id).map(([k]) => k);
  }

  set(ref: Reference, id: Digest): Promise<void> {
    return this.mutate((m) => m.set(referenceKey(ref), id));
  }

  delete(ref: Reference): Promise<void> {
    return this.mutate((m) => m.delete(referenceKey(ref)));
  }

  deleteKey(key: string): Promise<void> {
    return this.mutate((m) => m.delete(key));
  }

  /**
   * Applies a change and persists the whole map; changes run one at a time. A change that
   * changes nothing (re-tagging a tag with the image it names, as every cached rebuild does)
   * writes nothing: the file already holds that map, written and synced by the change before.
   */
  private mutate(change: (m: Map<string, Digest>) => void): Promise<void> {
    const next = this.queue.then(async () => {
      const copy = new Map(this.refs);
      change(copy);
      if (copy.size === this.refs.size && [...copy].every(([k, v]) => this.refs.get(k) === v)) return;
      await atomicWriteJson(this.paths.repositories, Object.fromEntries([...copy.entries()].sort()));
      this.refs = copy;
    });
    this.queue = next.catch(() => undefined);
    return next;
  }
}
