/**
 * Committing one build step: the new image's config (history line, parent, diff ids) on top of
 * the stage's current image, registered through registerImage. The intermediate images this
 * makes are the legacy builder's cache. The stage data itself is dockerfile/stage.ts.
 */
import { ContainerConfig, HistoryEntry, ImageConfig } from '../oci/types';
import { registerImage } from '../images/register';
import type { Stores } from '../store/stores';
import type { ImageLayerRef } from '../store/images';
import type { StageImage } from '../dockerfile/stage';

export interface StepCommit {
  cc: ContainerConfig;
  createdBy: string;
  /** The layer the step added, if any (metadata-only steps add none). */
  layer?: ImageLayerRef;
  author?: string;
}

/** Makes and registers the image of one step on top of the stage's current image. */
export async function commitStep(stores: Stores, image: StageImage, step: StepCommit): Promise<StageImage> {
  const created = new Date().toISOString();
  const entry: HistoryEntry = { created, created_by: step.createdBy };
  if (!step.layer) entry.empty_layer = true;
  const prev = image.config;
  const layers = step.layer ? [...image.layers, step.layer] : image.layers;
  const author = step.author ?? prev.author;
  const config: ImageConfig = {
    architecture: prev.architecture,
    ...(author ? { author } : {}),
    config: step.cc,
    created,
    history: [...(prev.history ?? []), entry],
    os: prev.os,
    ...(prev.variant ? { variant: prev.variant } : {}),
    ...(image.id ? { parent: image.id } : {}),
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
  };
  const record = await registerImage(stores, config, { parent: image.id, blobs: layers.map((l) => l.blob) });
  return { id: record.id, config, layers: record.layers };
}
