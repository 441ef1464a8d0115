/**
 * Making a new container: resolve the image (Docker's 404 "No such image" makes the CLI pull
 * and retry), merge its config with the request, check the mounts, then lay out the
 * container's directory (writable layer, /etc files) and write its record last, so an
 * interrupted create leaves no record (the directory is swept at the next start).
 */
import { promises as fs } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { BerthError, notFound } from '../errors';
import { requireImageId, loadImage } from '../store/lookup';
import type { Stores } from '../store/stores';
import { parseReference, familiarName, withDefaultTag } from '../oci/reference';
import { CreateRequest, entrypointAndArgs, mergeWithImage } from './create-config';
import { checkBindSources, mountsOf } from './mounts';
import { resolveMountPoints, type ContainerVolumes } from './volume-mounts';
import { notImplemented } from '../errors';
import { writeEtcFiles } from './etc-files';
import { ContainerRecord, ContainerStore, initialState } from './record';

export type ImageStores = Pick<Stores, 'images' | 'refs' | 'content' | 'layers'>;

/** Docker names a missing image in its familiar form with the tag: "busybox:latest". */
function missingImageName(image: string): string {
  if (image.startsWith('sha256:')) return image;
  try {
    const ref = withDefaultTag(parseReference(image));
    return `${familiarName(ref)}${ref.digest ? `@${ref.digest}` : `:${ref.tag}`}`;
  } catch {
    return image;
  }
}

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** Volumes for a new container: the service, and the lookup --volumes-from needs. */
export interface CreateVolumes {
  service: ContainerVolumes;
  lookup: (ref: string) => ContainerRecord | undefined;
}

export async function buildContainer(stores: ImageStores, store: ContainerStore, id: string, name: string, req: CreateRequest, volumes?: CreateVolumes): Promise<ContainerRecord> {
  let imageId;
  try {
    imageId = await requireImageId(stores, req.config.Image);
  } catch (err) {
    if (err instanceof BerthError && err.kind === 'NotFound') throw notFound(`No such image: ${missingImageName(req.config.Image)}`, err);
    throw err;
  }
  const image = await loadImage(stores, imageId);
  const config = mergeWithImage(req.config, image.config.config);
  const { path, args } = entrypointAndArgs(config);
  if (!config.Hostname) config.Hostname = req.hostConfig.NetworkMode === 'host' ? (await import('node:os')).hostname() : id.slice(0, 12);
  config.Domainname = config.Domainname ?? '';
  const mounts = mountsOf(req.hostConfig);
  await checkBindSources(mounts);
  // Anonymous volumes made for this create, removed again when it fails.
  const made: string[] = [];
  let mountPoints;
  if (volumes) {
    mountPoints = await resolveMountPoints(req.hostConfig, config.Volumes, volumes.service, volumes.lookup, made).catch(async (err) => {
      await dropVolumes(volumes.service, made);
      throw err;
    });
  } else if ((req.hostConfig.Binds ?? []).some((b) => !b.startsWith('/'))) {
    throw notImplemented('named volumes need the volumes service');
  }
  const hostConfig = { ...req.hostConfig };
  if (!hostConfig.NetworkMode) hostConfig.NetworkMode = 'default';
  // The service merged the request's LogConfig with the daemon's default (log-config.ts).
  hostConfig.LogConfig ??= { Type: 'json-file', Config: {} };
  const rec: ContainerRecord = {
    Id: id,
    Created: new Date().toISOString(),
    Name: name,
    Path: path,
    Args: args,
    Config: config,
    HostConfig: hostConfig,
    NetworkingConfig: req.networkingConfig,
    ...(mountPoints && mountPoints.length ? { MountPoints: mountPoints } : {}),
    ...(req.networkState ? { NetworkSettings: req.networkState } : {}),
    Image: imageId,
    State: initialState(),
    RestartCount: 0,
    LayerChainIds: image.record.layers.map((l) => l.chainId),
  };
  const p = store.pathsOf(id);
  try {
    await fs.mkdir(p.dir, { recursive: true });
    await Promise.all([
      fs.mkdir(p.upper),
      fs.mkdir(p.work),
      fs.mkdir(p.rootfs),
      writeEtcFiles(p, config.Hostname, config.Domainname, hostConfig),
    ]);
    await store.save(rec);
  } catch (err) {
    await fs.rm(p.dir, { recursive: true, force: true });
    if (volumes) await dropVolumes(volumes.service, made);
    throw err;
  }
  return rec;
}

async function dropVolumes(service: ContainerVolumes, names: string[]): Promise<void> {
  for (const n of names) await service.remove(n, true).catch(() => undefined);
}
