/**
 * `docker save`: one or more images as a tar that both Docker's loader and OCI tools read,
 * laid out as Docker ≥ 25 writes it — `blobs/sha256/<hex>` (configs, uncompressed layers named
 * by diff id, OCI manifests), `index.json` + `oci-layout` (an OCI image layout), and the
 * docker-archive files `manifest.json` ([{Config, RepoTags, Layers}]) and `repositories`.
 * Everything is resolved and every layer tar located (and verified) before the first byte
 * is sent, so a missing image is a plain 404 and not a truncated tar.
 */
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { notFound, unavailable } from '../errors';
import { Digest, hexOf, sha256Of } from '../oci/digest';
import { familiarName, formatReference, fullName, parseReference, Reference } from '../oci/reference';
import { MediaType } from '../oci/types';
import { dataPadding, encodeHeader, END_OF_ARCHIVE } from '../layers/diff-tar';
import type { Stores } from '../store/stores';
import { resolveImageId } from '../store/lookup';
import { layerFile, LayerFile } from './save-layers';

interface SavedImage {
  id: Digest;
  config: Buffer;
  tags: Reference[];
  layers: LayerFile[];
}

export interface SavePlan {
  images: SavedImage[];
  /** Scratch directory to remove when the tar has been written. */
  tmpDir: string;
}

/** Tags of `name`: one tag, or every tag of a repository given without a tag. */
function tagsFor(stores: Stores, name: string, id: Digest): Reference[] {
  let ref: Reference;
  try {
    ref = parseReference(name);
  } catch {
    return [];
  }
  if (ref.digest) return [];
  if (ref.tag) return [ref];
  const repo = fullName(ref);
  const all = stores.refs.entries().filter(([k, v]) => v === id && k.startsWith(`${repo}:`)).map(([k]) => parseReference(k));
  return all.length > 0 ? all : [{ ...ref, tag: 'latest' }];
}

export async function planSave(stores: Stores, names: string[]): Promise<SavePlan> {
  if (names.length === 0) throw notFound('no image names given to save');
  const tmpDir = path.join(stores.paths.tmp, `save-${randomBytes(6).toString('hex')}`);
  await fs.mkdir(tmpDir, { recursive: true });
  try {
    const byId = new Map<Digest, SavedImage>();
    const files = new Map<Digest, LayerFile>();
    for (const name of names) {
      const id = await resolveImageId(stores, name);
      const record = id ? await stores.images.get(id) : undefined;
      if (!id || !record) throw notFound(`reference does not exist: ${name}`);
      let img = byId.get(id);
      if (!img) {
        const layers: LayerFile[] = [];
        for (const l of record.layers) {
          const f = files.get(l.diffId) ?? (await layerFile(stores, l, tmpDir));
          files.set(l.diffId, f);
          layers.push(f);
        }
        img = { id, config: await stores.content.read(id), tags: [], layers };
        byId.set(id, img);
      }
      const isId = /^(sha256:)?[a-f0-9]{6,64}$/.test(name) && hexOf(id).startsWith(name.replace(/^sha256:/, ''));
      if (!isId) for (const t of tagsFor(stores, name, id)) if (!img.tags.some((x) => formatReference(x) === formatReference(t))) img.tags.push(t);
    }
    return { images: [...byId.values()], tmpDir };
  } catch (err) {
    await fs.rm(tmpDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Writes with backpressure. A client that goes away (`docker save | head`) closes the response
 * without an 'error' and without 'drain': waiting for 'close' too is what lets the save end
 * and its scratch files be removed instead of hanging forever.
 */
async function writeChunk(out: Writable, chunk: Buffer): Promise<void> {
  if (out.destroyed) throw unavailable('the client closed the connection during save');
  if (!out.write(chunk)) await new Promise<void>((resolve, reject) => {
    const settle = (err?: Error) => {
      out.off('error', onErr);
      out.off('drain', onDrain);
      out.off('close', onClose);
      if (err) reject(err);
      else resolve();
    };
    const onErr = (e: Error) => settle(e);
    const onDrain = () => settle();
    const onClose = () => settle(unavailable('the client closed the connection during save'));
    out.once('error', onErr);
    out.once('drain', onDrain);
    out.once('close', onClose);
  });
}

async function addFile(out: Writable, name: string, data: Buffer): Promise<void> {
  await writeChunk(out, encodeHeader({ path: name, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.length, mtime: 0 }));
  await writeChunk(out, data);
  await writeChunk(out, dataPadding(data.length));
}

async function addDir(out: Writable, name: string): Promise<void> {
  await writeChunk(out, encodeHeader({ path: name, type: 'dir', mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0 }));
}

/** Writes the archive to `out` (not ended here). */
export async function writeSave(plan: SavePlan, out: Writable): Promise<void> {
  const written = new Set<string>();
  const blob = async (hex: string, data: Buffer | LayerFile) => {
    if (written.has(hex)) return;
    written.add(hex);
    if (Buffer.isBuffer(data)) return addFile(out, `blobs/sha256/${hex}`, data);
    await writeChunk(out, encodeHeader({ path: `blobs/sha256/${hex}`, type: 'file', mode: 0o644, uid: 0, gid: 0, size: data.size, mtime: 0 }));
    for await (const chunk of createReadStream(data.path)) await writeChunk(out, chunk as Buffer);
    await writeChunk(out, dataPadding(data.size));
  };
  await addDir(out, 'blobs/');
  await addDir(out, 'blobs/sha256/');
  const manifestJson: unknown[] = [];
  const index: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const img of plan.images) {
    await blob(hexOf(img.id), img.config);
    for (const l of img.layers) await blob(hexOf(l.diffId), l);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, digest: img.id, size: img.config.length },
      layers: img.layers.map((l) => ({ mediaType: MediaType.OciLayer, digest: l.diffId, size: l.size })),
    }));
    const mdigest = sha256Of(manifest);
    await blob(hexOf(mdigest), manifest);
    const desc = { mediaType: MediaType.OciManifest, digest: mdigest, size: manifest.length };
    if (img.tags.length === 0) index.push(desc);
    for (const t of img.tags) {
      index.push({ ...desc, annotations: { 'io.containerd.image.name': `${fullName(t)}:${t.tag}`, 'org.opencontainers.image.ref.name': t.tag } });
      (repositories[familiarName(t)] ??= {})[t.tag as string] = hexOf(img.id);
    }
    manifestJson.push({
      Config: `blobs/sha256/${hexOf(img.id)}`,
      RepoTags: img.tags.length ? img.tags.map(formatReference) : null,
      Layers: img.layers.map((l) => `blobs/sha256/${hexOf(l.diffId)}`),
    });
  }
  await addFile(out, 'index.json', Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: index }) + '\n'));
  await addFile(out, 'manifest.json', Buffer.from(JSON.stringify(manifestJson) + '\n'));
  await addFile(out, 'oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
  await addFile(out, 'repositories', Buffer.from(JSON.stringify(repositories) + '\n'));
  await writeChunk(out, END_OF_ARCHIVE);
}
