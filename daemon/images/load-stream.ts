/**
 * Receiving an image archive in one pass: as the tar streams in, small entries (manifest.json,
 * index.json, configs, OCI manifests) are kept in memory and every large entry (a layer) goes
 * straight into the content store under its own digest — the only write of those bytes.
 * The result is a SourceTree that load-archive.ts reads like any other; whether each stored
 * blob is the one the archive's config and manifests name is checked by the loader.
 * Blobs of an archive that then fails to load stay unreferenced until the next GC.
 */
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar';
import { invalid } from '../errors';
import type { Digest } from '../oci/digest';
import type { Stores } from '../store/stores';
import { SourceEntry, SourceTree } from '../layers/source-tree';

const IN_MEMORY = 256 * 1024;

interface Node extends SourceEntry {
  data?: Buffer;
  blob?: Digest;
}

interface TarEntry {
  path: string;
  type: string;
  size?: number;
  linkpath?: string;
  resume(): void;
  [Symbol.asyncIterator](): AsyncIterator<Buffer>;
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

  private constructor(private readonly stores: Stores) {
    super();
    this.nodes.set('/', { path: '/', kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 });
  }

  /** Reads the whole (plain) tar stream, storing layers as it goes. */
  static async receive(stores: Stores, source: Readable): Promise<StreamedArchive> {
    const a = new StreamedArchive(stores);
    const parser = new tar.Parse({ strict: true }) as unknown as NodeJS.WritableStream & NodeJS.EventEmitter;
    const work: Promise<void>[] = [];
    await new Promise<void>((resolve, reject) => {
      const fail = (err: unknown) => {
        source.unpipe(parser);
        source.destroy();
        // A client that goes away mid-layer leaves that entry without an end: without this
        // its ingest would wait forever, keeping a partial file in the ingest directory.
        for (const body of a.live) body.destroy(err instanceof Error ? err : new Error(String(err)));
        reject(err);
      };
      parser.on('entry', (e: TarEntry) => {
        // Entries are consumed one at a time: the parser waits while a layer is stored.
        const job = a.take(e);
        work.push(job);
        job.catch(fail);
      });
      parser.on('error', fail);
      parser.on('end', resolve);
      source.on('error', fail);
      source.pipe(parser);
    });
    await Promise.all(work);
    return a;
  }

  private add(node: Node): void {
    const parent = path.posix.dirname(node.path);
    if (this.nodes.get(parent)?.kind !== 'dir') this.add({ path: parent, kind: 'dir', mode: 0o755, uid: 0, gid: 0, mtime: 0, size: 0 });
    let k = this.kids.get(parent);
    if (!k) this.kids.set(parent, (k = new Set()));
    k.add(path.posix.basename(node.path));
    this.nodes.set(node.path, node);
  }

  private async take(e: TarEntry): Promise<void> {
    const p = clean(e.path);
    const base = { path: p, mode: 0o644, uid: 0, gid: 0, mtime: 0, size: e.size ?? 0 };
    if (p === '/') return e.resume();
    if (e.type === 'Directory') {
      this.add({ ...base, kind: 'dir', size: 0 });
      return e.resume();
    }
    if (e.type === 'SymbolicLink') {
      this.add({ ...base, kind: 'symlink', size: 0, linkTarget: e.linkpath ?? '' });
      return e.resume();
    }
    if (e.type === 'Link') {
      const target = this.nodes.get(clean(e.linkpath ?? ''));
      if (target) this.add({ ...target, path: p });
      return e.resume();
    }
    if (e.type !== 'File' && e.type !== 'OldFile' && e.type !== 'ContiguousFile') return e.resume();
    if ((e.size ?? 0) <= IN_MEMORY) {
      const chunks: Buffer[] = [];
      for await (const c of e) chunks.push(c);
      const data = Buffer.concat(chunks);
      this.add({ ...base, kind: 'file', size: data.length, data });
      return;
    }
    const body = Readable.from(e);
    this.live.add(body);
    try {
      const { digest, size } = await this.stores.content.ingest(body);
      this.add({ ...base, kind: 'file', size, blob: digest });
    } finally {
      this.live.delete(body);
    }
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
    throw new Error('StreamedArchive.copyTo is not used');
  }
}
