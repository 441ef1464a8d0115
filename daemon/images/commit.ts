/**
 * `docker commit`: a container's changes (its overlay upper dir, whiteouts included, mount
 * placeholders left out) become a new layer on top of its image; the image config is the
 * container's config, overridden by the request's config and then `--change` instructions.
 * The container may be paused meanwhile so nothing changes while its files are read.
 */
import { ContainerConfig, ImageConfig } from '../oci/types';
import { Digest } from '../oci/digest';
import { parseReference, withDefaultTag } from '../oci/reference';
import { invalid } from '../errors';
import type { Stores } from '../store/stores';
import { applyChanges } from './changes';
import { commitDirAsLayer } from '../layers/commit';
import { loadImage } from '../store/lookup';
import { registerImage } from './register';

/** What commit needs to know about a container (the containers service provides it). */
export interface CommitSource {
  id: string;
  imageId: Digest;
  config: ContainerConfig;
  /** The command the container runs, for the history line. */
  cmd: string[];
  upperDir: string;
  running: boolean;
  paused: boolean;
}

export interface CommitOptions {
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  changes: string[];
  /** Fields that override the container's config (the request body). */
  config?: ContainerConfig;
  pause: boolean;
}

export interface ContainerAccess {
  source(ref: string): Promise<CommitSource>;
  pause(id: string): Promise<void>;
  unpause(id: string): Promise<void>;
}

function merged(base: ContainerConfig, over: ContainerConfig | undefined): ContainerConfig {
  const out: ContainerConfig = { ...base };
  for (const [k, v] of Object.entries(over ?? {})) {
    const empty = v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v as object).length === 0);
    if (!empty) (out as Record<string, unknown>)[k] = v;
  }
  return out;
}

export async function commitContainer(stores: Stores, access: ContainerAccess, ref: string, opts: CommitOptions): Promise<Digest> {
  const target = opts.repo ? withDefaultTag(parseReference(opts.tag ? `${opts.repo}:${opts.tag}` : opts.repo)) : undefined;
  if (target?.digest) throw invalid('cannot commit to a digest reference');
  const src = await access.source(ref);
  const cc = applyChanges(merged(src.config, opts.config), opts.changes);
  const { record, config: base } = await loadImage(stores, src.imageId);
  const pauseNow = opts.pause && src.running && !src.paused;
  if (pauseNow) await access.pause(src.id);
  let layer;
  try {
    const parent = record.layers[record.layers.length - 1]?.chainId;
    layer = await commitDirAsLayer(stores, src.upperDir, parent, { move: false, xattrs: true, skipPlaceholders: true });
  } finally {
    if (pauseNow) await access.unpause(src.id).catch(() => undefined);
  }
  const created = new Date().toISOString();
  const layers = [...record.layers, layer];
  const config: ImageConfig = {
    architecture: base.architecture,
    ...(opts.author ? { author: opts.author } : {}),
    ...(opts.comment ? { comment: opts.comment } : {}),
    config: cc,
    container: src.id,
    created,
    history: [...(base.history ?? []), { created, created_by: src.cmd.join(' '), ...(opts.author ? { author: opts.author } : {}), ...(opts.comment ? { comment: opts.comment } : {}) }],
    os: base.os,
    ...(base.variant ? { variant: base.variant } : {}),
    parent: src.imageId,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  };
  const rec = await registerImage(stores, config, { parent: src.imageId, blobs: layers.map((l) => l.blob) });
  if (target) await stores.refs.set(target, rec.id);
  return rec.id;
}
