/**
 * `docker push`: for each layer (top first, 5 at a time) HEAD the blob ("Layer already
 * exists"), else mount it from another repository of the same registry that it came from
 * ("Mounted from x"), else upload it ("Pushing" ... "Pushed"); then the config, then the
 * manifest under the tag. Progress ids are the first 12 hex of each layer's diff id, as
 * dockerd's. The manifest digest is recorded as a repo digest of the image.
 */
import { notFound } from '../errors';
import { Digest, shortId } from '../oci/digest';
import { familiarName, fullName, parseReference, Reference } from '../oci/reference';
import { AuthConfig, mountBlob, putManifest, Registries, RegistryClient, uploadBlob } from '../registry';
import type { Stores } from '../store/stores';
import type { EventBus } from '../events';
import { layerBlobs, Blob } from './push-blob';
import { manifestFor } from './push-manifest';
import { ByteProgress, ProgressSink, statusMessage } from './pull-progress';

export interface PushRequest {
  /** `localhost:5000/x` or `localhost:5000/x:tag`. */
  name: string;
  /** The API's `tag` parameter; when neither gives a tag, every local tag of the repository is pushed. */
  tag?: string;
  auth?: AuthConfig;
}

export interface PushResult {
  tag: string;
  digest: Digest;
  size: number;
}

export const MAX_CONCURRENT_UPLOADS = 5;

export class PushService {
  constructor(
    private readonly stores: Stores,
    private readonly registries: Registries,
    private readonly events?: EventBus,
    /** Read at each push, so a daemon.json reload applies to the next one. */
    private readonly limits: { readonly maxConcurrentUploads: number } = { maxConcurrentUploads: MAX_CONCURRENT_UPLOADS },
  ) {}

  /** The tags to push: the given one, or all local tags of the repository. */
  private tagsToPush(req: PushRequest): Reference[] {
    const ref = parseReference(req.name);
    const tag = req.tag || ref.tag;
    const repo = { domain: ref.domain, path: ref.path };
    // dockerd names the repository in its familiar form, without the tag.
    const missing = () => notFound(`An image does not exist locally with the tag: ${familiarName(repo)}`);
    if (tag) {
      const withTag = { ...repo, tag };
      if (!this.stores.refs.get(withTag)) throw missing();
      return [withTag];
    }
    const prefix = `${fullName(repo)}:`;
    const tags = this.stores.refs.entries().filter(([k]) => k.startsWith(prefix)).map(([k]) => k.slice(prefix.length)).sort();
    if (!tags.length) throw missing();
    return tags.map((t) => ({ ...repo, tag: t }));
  }

  async push(req: PushRequest, sink: ProgressSink): Promise<PushResult[]> {
    const refs = this.tagsToPush(req);
    const client = this.registries.client((refs[0] as Reference).domain, req.auth ?? {});
    const results: PushResult[] = [];
    let announced = false;
    for (const ref of refs) {
      const id = this.stores.refs.get(ref) as Digest;
      const record = await this.stores.images.require(id);
      const blobs = await layerBlobs(this.stores, record);
      const fresh = await this.stores.images.require(id);
      if (!announced) {
        // Checked credentials first (above work is local), as dockerd, so a refusal is an HTTP error.
        await client.ping();
        sink({ status: `The push refers to repository [${fullName(ref)}]` });
        announced = true;
      }
      results.push(await this.pushOne(client, ref, fresh.repoDigests, id, blobs, sink));
      const updated = await this.stores.images.require(id);
      const digest = (results[results.length - 1] as PushResult).digest;
      await this.stores.images.put({ ...updated, repoDigests: { ...updated.repoDigests, [fullName(ref)]: digest } });
      this.events?.emit('image', 'push', `${fullName(ref)}:${ref.tag}`, { name: `${fullName(ref)}:${ref.tag}` });
    }
    return results;
  }

  private async pushOne(client: RegistryClient, ref: Reference, repoDigests: Record<string, Digest>, id: Digest, blobs: Blob[], sink: ProgressSink): Promise<PushResult> {
    const record = await this.stores.images.require(id);
    const repo = ref.path;
    const jobs = record.layers.map((l, i) => ({ id: shortId(l.diffId), blob: blobs[i] as Blob })).reverse();
    const seen = new Set<string>();
    const unique = jobs.filter((j) => !seen.has(j.blob.digest) && seen.add(j.blob.digest));
    for (const j of unique) sink(statusMessage('Preparing', j.id));
    const parallel = this.limits.maxConcurrentUploads;
    for (const j of unique.slice(parallel)) sink(statusMessage('Waiting', j.id));
    // Other repositories of this registry the image came from: candidates for a blob mount.
    const sources = Object.keys(repoDigests)
      .filter((n) => n.startsWith(`${ref.domain}/`) && n !== fullName(ref))
      .map((n) => n.slice(ref.domain.length + 1));
    let next = 0;
    const worker = async () => {
      while (next < unique.length) {
        const j = unique[next++] as (typeof unique)[number];
        await this.pushLayer(client, repo, j.id, j.blob, sources, sink);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, unique.length) }, worker));

    const configSize = await this.stores.content.size(id);
    if (!(await client.hasBlob(repo, id))) {
      await uploadBlob(client, repo, id, configSize, () => this.stores.content.openRead(id));
    }
    const manifest = await manifestFor(this.stores, record, blobs, configSize);
    const tag = ref.tag as string;
    const digest = await putManifest(client, repo, tag, manifest.bytes, manifest.mediaType);
    await this.stores.content.put(manifest.bytes);
    sink({ status: `${tag}: digest: ${digest} size: ${manifest.bytes.length}` });
    sink({ progressDetail: {}, aux: { Tag: tag, Digest: digest, Size: manifest.bytes.length } });
    return { tag, digest, size: manifest.bytes.length };
  }

  private async pushLayer(client: RegistryClient, repo: string, id: string, blob: Blob, sources: string[], sink: ProgressSink): Promise<void> {
    if (await client.hasBlob(repo, blob.digest)) {
      sink(statusMessage('Layer already exists', id));
      return;
    }
    for (const from of sources) {
      if (await mountBlob(client, repo, blob.digest, from).catch(() => false)) {
        sink(statusMessage(`Mounted from ${from}`, id));
        return;
      }
    }
    const progress = new ByteProgress(sink, 'Pushing', id, blob.size);
    await uploadBlob(client, repo, blob.digest, blob.size, () => this.stores.content.openRead(blob.digest), (n) => progress.update(n));
    sink(statusMessage('Pushed', id));
  }
}
