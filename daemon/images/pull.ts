/**
 * `docker pull`: resolve the reference, fetch the manifest (or index, then the manifest for the
 * wanted platform), the config, and the layers 3 at a time — layers already in the layer store
 * are "Already exists" and never downloaded. The image record is written after every layer is
 * stored and the tag last, so an interrupted pull leaves nothing that looks complete and the
 * same pull then simply resumes. Progress goes out in Docker's exact messages.
 */
import { invalid, notFound, systemError } from '../errors';
import { chainIds, Digest, shortId } from '../oci/digest';
import { formatPlatform, hostPlatform, parsePlatform, PlatformSpec, platformMatches, requireLinuxImage, selectManifest } from '../oci/platform';
import { formatReference, fullName, parseReference, Reference, withDefaultTag } from '../oci/reference';
import type { Manifest } from '../oci/types';
import { parseImageConfig } from '../oci/validate';
import type { AuthConfig, FetchedManifest, Registries, RegistryClient } from '../registry';
import { describe } from '../errors';
import { log } from '../log';
import type { Stores } from '../store/stores';
import type { EventBus } from '../events';
import { fetchLayer, LayerJob } from './pull-layer';
import { ProgressSink, statusMessage } from './pull-progress';
import { storedBlobFor } from './layer-source';
import { registerImage } from './register';

export interface PullRequest {
  /** What the user typed (`busybox`, `localhost:5000/x:1`, `x@sha256:...`). */
  image: string;
  /** The API's separate `tag` parameter (a tag or a digest). */
  tag?: string;
  /** `os/arch[/variant]`; the host's platform when absent. */
  platform?: string;
  auth?: AuthConfig;
}

export interface PullResult {
  id: Digest;
  ref: Reference;
  /** Digest of the top-level manifest or index. */
  digest: Digest;
  /** False when the reference already pointed at this image ("Image is up to date"). */
  updated: boolean;
}

/** Parallel layer downloads, as dockerd's default --max-concurrent-downloads. */
export const MAX_CONCURRENT_DOWNLOADS = 3;

/** Combines `fromImage` and `tag` the way the Engine API does. */
export function pullReference(image: string, tag?: string): Reference {
  let ref = parseReference(image);
  if (tag) {
    if (tag.startsWith('sha256:')) ref = parseReference(`${formatName(ref)}@${tag}`);
    else ref = parseReference(`${formatName(ref)}:${tag}`);
  }
  return withDefaultTag(ref);
}

function formatName(ref: Reference): string {
  return `${ref.domain}/${ref.path}`;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < items.length) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (err) {
        failed ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

export class PullService {
  constructor(
    private readonly stores: Stores,
    private readonly registries: Registries,
    private readonly events?: EventBus,
    /** Read at each pull, so a daemon.json reload applies to the next one. */
    private readonly limits: { readonly maxConcurrentDownloads: number } = { maxConcurrentDownloads: MAX_CONCURRENT_DOWNLOADS },
  ) {}

  /**
   * The top manifest from the first source that has it: Docker Hub mirrors first, then the
   * registry itself (dockerd's fallback). The rest of the pull reads from the same source.
   */
  private async firstSource(ref: Reference, auth: AuthConfig, display: string): Promise<{ client: RegistryClient; top: FetchedManifest }> {
    const sources = this.registries.pullSources(ref.domain, auth);
    for (const [i, client] of sources.entries()) {
      try {
        return { client, top: await client.getManifest(ref.path, ref.digest ?? (ref.tag as string), display) };
      } catch (err) {
        if (i === sources.length - 1) throw err;
        log.info('registry mirror failed, trying the next source', { image: display, mirror: client.endpoint.baseUrl, error: describe(err) });
      }
    }
    throw systemError('unreachable: pullSources returns at least the registry itself');
  }

  async pull(req: PullRequest, sink: ProgressSink): Promise<PullResult> {
    const ref = pullReference(req.image, req.tag);
    const want = req.platform ? parsePlatform(req.platform) : hostPlatform();
    const display = formatReference(ref);
    const { client, top } = await this.firstSource(ref, req.auth ?? {}, display);
    sink({ status: `Pulling from ${ref.path}`, id: ref.tag ?? ref.digest });
    await this.stores.content.put(top.bytes);
    let manifest: Manifest;
    if (top.parsed.kind === 'index') {
      const picked = selectManifest(top.parsed.index.manifests, want);
      const child = await client.getManifest(ref.path, picked.digest, display);
      if (child.parsed.kind !== 'manifest') throw invalid(`manifest ${picked.digest} for ${display} is a nested index, which berth does not support`);
      await this.stores.content.put(child.bytes);
      manifest = child.parsed.manifest;
    } else {
      manifest = top.parsed.manifest;
    }
    const configBytes = await this.config(client, ref, manifest, display);
    const config = parseImageConfig(configBytes, `image config of ${display}`);
    // Before any layer is fetched: a Windows image is refused, not stored half-usable.
    requireLinuxImage(config.os, display);
    if (top.parsed.kind === 'manifest' && req.platform && !platformMatches(want, { os: config.os, architecture: config.architecture, variant: config.variant })) {
      throw notFound(`image ${display} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform({ os: config.os, architecture: config.architecture, variant: config.variant })}`);
    }
    const diffIds = config.rootfs.diff_ids;
    if (diffIds.length !== manifest.layers.length) {
      throw invalid(`image ${display} is inconsistent: its manifest has ${manifest.layers.length} layers but its config ${diffIds.length}`);
    }
    const chains = chainIds(diffIds);
    const jobs: LayerJob[] = [];
    for (const [i, desc] of manifest.layers.entries()) {
      const chainId = chains[i] as Digest;
      if (await this.stores.layers.has(chainId)) {
        sink(statusMessage('Already exists', shortId(desc.digest)));
        continue;
      }
      sink(statusMessage('Pulling fs layer', shortId(desc.digest)));
      jobs.push({ desc, diffId: diffIds[i] as Digest, chainId, parent: i > 0 ? chains[i - 1] : undefined });
    }
    const parallel = this.limits.maxConcurrentDownloads;
    for (const job of jobs.slice(parallel)) sink(statusMessage('Waiting', shortId(job.desc.digest)));
    await mapLimit(jobs, parallel, (job) => fetchLayer(this.stores, client, ref.path, job, sink));

    // Each layer's blob as this registry serves it; for a layer that already existed from
    // other bytes (another registry's compression), the stored blob of the same diff id, so
    // save and push of this image always have bytes to send (layer-source.ts).
    const before = await this.stores.images.get(manifest.config.digest);
    const blobs = await Promise.all(
      manifest.layers.map(async (d, i) =>
        (await this.stores.content.has(d.digest))
          ? { digest: d.digest, size: d.size, mediaType: d.mediaType }
          : storedBlobFor(this.stores, diffIds[i] as Digest, before?.layers[i]?.blob),
      ),
    );
    const name = fullName(ref);
    // A pull by tag records the manifest digest too (dockerd's addDigestReference), so pulling
    // the same image again by that digest is "up to date", not "newer".
    const known = ref.digest !== undefined && (await this.stores.images.get(manifest.config.digest))?.repoDigests[name] === top.digest;
    const record = await registerImage(this.stores, configBytes, { blobs, repoDigests: { [name]: top.digest } });
    const previous = this.stores.refs.get(ref) ?? (known ? record.id : undefined);
    if (previous !== record.id) await this.stores.refs.set(ref, record.id);
    const updated = previous !== record.id;
    sink({ status: `Digest: ${top.digest}` });
    sink({ status: `Status: ${updated ? 'Downloaded newer image' : 'Image is up to date'} for ${display}` });
    this.events?.emit('image', 'pull', display, { name: display });
    return { id: record.id, ref, digest: top.digest, updated };
  }

  /** The config blob: from the content store when present, else downloaded and stored. */
  private async config(client: RegistryClient, ref: Reference, manifest: Manifest, display: string): Promise<Buffer> {
    const d = manifest.config.digest;
    if (await this.stores.content.has(d)) return this.stores.content.read(d);
    const bytes = await client.getBlob(ref.path, d).catch((err) => {
      if ((err as { kind?: string }).kind === 'NotFound') throw notFound(`config ${d} of ${display} is missing from the registry`);
      throw err;
    });
    await this.stores.content.put(bytes);
    return bytes;
  }
}

export { PlatformSpec };
