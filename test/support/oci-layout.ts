/**
 * Writes OCI image layouts (image-spec `image-layout.md`) for test fixtures, with no daemon and
 * no network: layer tars from staging directories (GNU tar, fixed mtime, sorted, numeric
 * owners), gzip, sha256, then config, manifest and index JSON. The output is what `skopeo copy
 * oci:DIR:TAG ...` reads. Test code only: inputs are trusted.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  inToto: 'application/vnd.in-toto+json',
} as const;

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface Layer {
  /** The compressed blob as stored in the layout. */
  desc: Descriptor;
  /** sha256 of the uncompressed tar (a diff id). */
  diffId: string;
}

/** A fixed creation time keeps fixtures reproducible: same inputs, same digests. */
export const FIXED_TIME = '2024-01-01T00:00:00Z';
const FIXED_EPOCH = String(Date.parse(FIXED_TIME) / 1000);

const sha256 = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

/** Entries of `dir` relative to it, parents before children, sorted by name. */
async function listEntries(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  const names = (await fs.readdir(path.join(dir, rel))).sort();
  for (const name of names) {
    const r = rel ? `${rel}/${name}` : name;
    out.push(r);
    const st = await fs.lstat(path.join(dir, r));
    if (st.isDirectory()) out.push(...(await listEntries(dir, r)));
  }
  return out;
}

/** An uncompressed tar of everything in `dir` (names without a leading `./`). */
export async function tarDirectory(dir: string): Promise<Buffer> {
  const entries = await listEntries(dir);
  const args = ['--create', '--file=-', '--format=gnu', '--numeric-owner', `--mtime=@${FIXED_EPOCH}`, '-C', dir, '--no-recursion', '--null', '--files-from=-'];
  // Not root: staged files belong to us; claim root in the tar as Docker's builder would.
  if (process.getuid?.() !== 0) args.unshift('--owner=0', '--group=0');
  return new Promise((resolve, reject) => {
    const child = spawn('tar', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`tar of ${dir} failed: ${err}`))));
    child.stdin.end(entries.map((e) => e + '\0').join(''));
  });
}

export class OciLayoutWriter {
  private readonly tags: Descriptor[] = [];

  constructor(readonly dir: string) {}

  async init(): Promise<void> {
    await fs.mkdir(path.join(this.dir, 'blobs', 'sha256'), { recursive: true });
    await fs.writeFile(path.join(this.dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  }

  /** Stores a blob (idempotent: same bytes, same file) and returns its descriptor. */
  async blob(data: Buffer, mediaType: string): Promise<Descriptor> {
    const digest = sha256(data);
    await fs.writeFile(path.join(this.dir, 'blobs', 'sha256', digest.slice(7)), data);
    return { mediaType, digest, size: data.length };
  }

  async json(value: unknown, mediaType: string): Promise<Descriptor> {
    return this.blob(Buffer.from(JSON.stringify(value)), mediaType);
  }

  /** A gzip layer from the contents of a staging directory. */
  async layerFromDir(staging: string): Promise<Layer> {
    const tar = await tarDirectory(staging);
    const desc = await this.blob(gzipSync(tar), MT.ociLayerGzip);
    return { desc, diffId: sha256(tar) };
  }

  /** Config + manifest for one platform; returns the manifest descriptor (with platform). */
  async image(opts: { layers: Layer[]; architecture: string; variant?: string; config: Record<string, unknown>; history: { created_by: string; empty_layer?: boolean }[] }): Promise<{ manifest: Descriptor; config: Descriptor }> {
    const config = await this.json(
      {
        created: FIXED_TIME,
        architecture: opts.architecture,
        ...(opts.variant ? { variant: opts.variant } : {}),
        os: 'linux',
        config: opts.config,
        rootfs: { type: 'layers', diff_ids: opts.layers.map((l) => l.diffId) },
        history: opts.history.map((h) => ({ created: FIXED_TIME, ...h })),
      },
      MT.ociConfig,
    );
    const manifest = await this.json({ schemaVersion: 2, mediaType: MT.ociManifest, config, layers: opts.layers.map((l) => l.desc) }, MT.ociManifest);
    const platform = { architecture: opts.architecture, os: 'linux', ...(opts.variant ? { variant: opts.variant } : {}) };
    return { manifest: { ...manifest, platform }, config };
  }

  /** An OCI index over `manifests` (their platform/annotations kept). */
  async index(manifests: Descriptor[]): Promise<Descriptor> {
    return this.json({ schemaVersion: 2, mediaType: MT.ociIndex, manifests }, MT.ociIndex);
  }

  /** Names `desc` as `tag` in the layout's index.json (written by finish()). */
  tag(tag: string, desc: Descriptor): void {
    const { platform: _platform, ...plain } = desc;
    this.tags.push({ ...plain, annotations: { 'org.opencontainers.image.ref.name': tag } });
  }

  async finish(): Promise<void> {
    await fs.writeFile(path.join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MT.ociIndex, manifests: this.tags }));
  }
}
