/**
 * Receiving an image archive in one pass: as the tar streams in, small entries (manifest.json,
 * index.json, configs, OCI manifests) are kept in memory and every large entry (a layer) goes
 * straight into the content store under its own digest — the only write of those bytes.
 * The result is a SourceTree that load-archive.ts reads like any other; whether each stored
 * blob is the one the archive's config and manifests name is checked by the loader.
 * Blobs of an archive that then fails to load stay unreferenced until the next GC.
 */
import * as path from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid, systemError } from '../errors';
import type { Digest } from '../oci/digest';
import type { Stores } from '../store/stores';
import { SourceEntry, SourceTree } from '../layers/source-tree';
import { BodySink, TarHeader, TarReader } from '../layers/tar-reader';

const IN_MEMORY = 256 * 1024;

interface Node extends SourceEntry {
  data?: Buffer;
  blob?: Digest;
}

function clean(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw invalid(`the archive contains a path outside it: ${name}`);
  return '/' + parts.join('/');
}

export class StreamedArchive extends SourceTree {
  private readonly nodes = new Map<string, Node>();
  private readonly kids = new Map<string, Set<string>>();
  /** Layer bodies being stored: destroyed when the archive fails, so their ingest files go. */
  private readonly live = new Set<Readable>();
  /** Stores in progress, the first failure among them, and a wait for room in the current one. */
  private readonly work: Promise<void>[] = [];
  private failure: Error | undefined;
  private drain: Promise<void> | undefined;

  private constructor(private readonly stores: Stores) {
    super();
    this.nodes.set('/', { path: '/', kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 });
  }

  /** Reads the whole (plain) tar stream, storing layers as it goes. */
  static async receive(stores: Stores, source: Readable): Promise<StreamedArchive> {
    const a = new StreamedArchive(stores);
    const reader = new TarReader((h) => a.onEntry(h));
    // The archive is read at the pace its layers are stored: a chunk is acknowledged only once
    // the layer being stored has room for it, so the request is paused meanwhile.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        try {
          reader.write(chunk);
        } catch (err) {
          done(err as Error);
          return;
        }
        a.settle().then(() => done(), done);
      },
      final(done) {
        try {
          reader.end();
        } catch (err) {
          done(err as Error);
          return;
        }
        // Storing errors were recorded, not thrown: the first one fails the archive.
        Promise.all(a.work).then(() => done(a.failure), done);
      },
    });
    try {
      await pipeline(source, sink);
    } catch (err) {
      // A client that goes away mid-layer leaves that entry without an end: without this
      // its ingest would wait forever, keeping a partial file in the ingest directory.
      for (const body of a.live) body.destroy(err instanceof Error ? err : new Error(String(err)));
      await Promise.allSettled(a.work);
      throw err;
    }
    return a;
  }

  /** Resolves once the layer being stored can take more bytes; rejects when storing failed. */
  private settle(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const wait = this.drain;
    if (!wait) return Promise.resolve();
    return wait.then(() => {
      if (this.failure) throw this.failure;
    });
  }

  private onEntry(h: TarHeader): BodySink | undefined {
    const p = clean(h.path);
    if (p === '/') return undefined;
    const base = { path: p, mode: 0o644, uid: 0, gid: 0, mtime: 0, size: h.size };
    if (h.kind === 'dir') this.add({ ...base, kind: 'dir', size: 0 });
    else if (h.kind === 'symlink') this.add({ ...base, kind: 'symlink', size: 0, linkTarget: h.linkpath });
    else if (h.kind === 'hardlink') {
      const target = this.nodes.get(clean(h.linkpath));
      if (target) this.add({ ...target, path: p });
    }
    if (h.kind !== 'file' || h.sparse) return undefined;
    if (h.size <= IN_MEMORY) {
      const chunks: Buffer[] = [];
      return {
        data: (c) => chunks.push(Buffer.from(c)),
        end: () => {
          const data = Buffer.concat(chunks);
          this.add({ ...base, kind: 'file', size: data.length, data });
        },
      };
    }
    const body = new PassThrough({ highWaterMark: 1 << 20 });
    this.live.add(body);
    const stored = this.stores.content
      .ingest(body)
      .then(({ digest, size }) => this.add({ ...base, kind: 'file', size, blob: digest }))
      .catch((err: unknown) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
        body.destroy();
      })
      .finally(() => this.live.delete(body));
    this.work.push(stored);
    return {
      data: (c) => {
        // A failed store has torn its body down; the failure is reported by settle().
        if (body.destroyed) return;
        if (!body.write(c) && !this.drain && !body.destroyed) {
          // The body holds this chunk; the archive waits until the store catches up (or fails).
          this.drain = new Promise<void>((resolve) => {
            const go = () => {
              body.off('drain', go);
              body.off('close', go);
              this.drain = undefined;
              resolve();
            };
            body.on('drain', go);
            body.on('close', go);
          });
        }
      },
      end: () => body.end(),
    };
  }

  private add(node: Node): void {
    const parent = path.posix.dirname(node.path);
    if (this.nodes.get(parent)?.kind !== 'dir') this.add({ path: parent, kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 });
    let k = this.kids.get(parent);
    if (!k) this.kids.set(parent, (k = new Set()));
    k.add(path.posix.basename(node.path));
    this.nodes.set(node.path, node);
  }

  /** The content-store digest a large entry was stored under (undefined for small ones). */
  blobOf(e: SourceEntry): Digest | undefined {
    return (e as Node).blob;
  }

  async lookupLiteral(p: string): Promise<SourceEntry | undefined> {
    return this.nodes.get(path.posix.normalize('/' + p).replace(/(.)\/$/, '$1'));
  }

  async readdir(dir: string): Promise<string[]> {
    return [...(this.kids.get(await this.resolve(dir)) ?? [])].sort();
  }

  openRead(e: SourceEntry): Readable {
    const n = e as Node;
    return n.blob ? this.stores.content.openRead(n.blob) : Readable.from([n.data ?? Buffer.alloc(0)]);
  }

  readSmall(e: SourceEntry): Buffer {
    const n = e as Node;
    if (!n.data) throw invalid(`${e.path} in the archive is too large to be metadata`);
    return n.data;
  }

  async copyTo(): Promise<void> {
    throw systemError('StreamedArchive.copyTo is not used');
  }
}
