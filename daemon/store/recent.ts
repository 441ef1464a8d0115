/**
 * A small bounded map of recently read small files' text, oldest dropped first (LRU). The
 * stores keep immutable-by-name things in it (image records between writes, config blobs by
 * digest), so the build cache's per-step look-ups read memory instead of the disk (each
 * async file read is four thread-pool round trips; a fully cached rebuild made ~20).
 * Bounded so the daemon's memory does not grow with the number of images
 * (bench/RESULTS.md, "idle RSS"). Holders must drop an entry when they change or remove
 * the file behind it.
 */
export class RecentTexts {
  private readonly map = new Map<string, string>();

  /** `maxEntries` texts, each at most `maxChars` long (longer ones are never kept). */
  constructor(private readonly maxEntries: number, private readonly maxChars: number) {}

  get(key: string): string | undefined {
    const text = this.map.get(key);
    if (text !== undefined) {
      // most recently used goes last: Map keeps insertion order
      this.map.delete(key);
      this.map.set(key, text);
    }
    return text;
  }

  set(key: string, text: string): void {
    if (text.length > this.maxChars) return;
    this.map.delete(key);
    this.map.set(key, text);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value as string);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}
