/**
 * Docker's wire shapes for images: the ImageSummary of GET /images/json and the ImageInspect
 * of GET /images/{name}/json, built from a catalog entry. Field names and order follow what
 * dockerd returns (see research transcripts); version-dependent fields follow the API history
 * (VirtualSize gone in 1.44, Container/ContainerConfig gone in 1.45, `<none>` placeholders
 * replaced by empty lists in 1.44).
 */
import * as path from 'node:path';
import { ContainerConfig } from '../oci/types';
import type { LayerStore } from '../store/layers';
import { ImageEntry, familiar } from './catalog';

export interface ImageSummary {
  Containers: number;
  Created: number;
  Id: string;
  Labels: Record<string, string> | null;
  ParentId: string;
  RepoDigests: string[];
  RepoTags: string[];
  SharedSize: number;
  Size: number;
  VirtualSize?: number;
}

/** True when API version `apiVersion` is older than `v` (both "1.NN"). */
function before(apiVersion: string, v: string): boolean {
  const [aMaj = 0, aMin = 0] = apiVersion.split('.').map(Number);
  const [bMaj = 0, bMin = 0] = v.split('.').map(Number);
  return aMaj - bMaj < 0 || (aMaj === bMaj && aMin < bMin);
}

export function summaryOf(e: ImageEntry, apiVersion: string, extra: { containers?: number; sharedSize?: number } = {}): ImageSummary {
  const placeholders = before(apiVersion, '1.44') && e.tags.length === 0 && e.digests.length === 0;
  const s: ImageSummary = {
    Containers: extra.containers ?? -1,
    Created: e.created,
    Id: e.id,
    Labels: e.config.config?.Labels ?? null,
    ParentId: e.record.parent ?? '',
    RepoDigests: placeholders ? ['<none>@<none>'] : e.digests.map(familiar),
    RepoTags: placeholders ? ['<none>:<none>'] : e.tags.map(familiar),
    SharedSize: extra.sharedSize ?? -1,
    Size: e.size,
  };
  if (before(apiVersion, '1.44')) s.VirtualSize = e.size;
  return s;
}

/** The full container-config shape Docker prints, with Docker's zero values for absent fields. */
export function fullContainerConfig(c: ContainerConfig | undefined): Record<string, unknown> {
  return {
    Hostname: '',
    Domainname: '',
    User: '',
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    StdinOnce: false,
    Env: null,
    Cmd: null,
    Image: '',
    Volumes: null,
    WorkingDir: '',
    Entrypoint: null,
    OnBuild: null,
    Labels: null,
    ...c,
  };
}

/** Where the overlay driver's directories would be, like Docker's GraphDriver.Data. */
export function graphDriverOf(e: ImageEntry, layers: Pick<LayerStore, 'diffDir' | 'dirOf'>): { Data: Record<string, string>; Name: string } {
  const chains = e.record.layers.map((l) => l.chainId);
  const top = chains[chains.length - 1];
  const data: Record<string, string> = {};
  if (top) {
    const lower = chains.slice(0, -1).reverse().map((c) => layers.diffDir(c));
    if (lower.length) data.LowerDir = lower.join(':');
    data.MergedDir = path.join(layers.dirOf(top), 'merged');
    data.UpperDir = layers.diffDir(top);
    data.WorkDir = path.join(layers.dirOf(top), 'work');
  }
  return { Data: data, Name: 'overlay2' };
}

export function inspectOf(e: ImageEntry, apiVersion: string, layers: Pick<LayerStore, 'diffDir' | 'dirOf'>, lastTagTime?: string): Record<string, unknown> {
  const c = e.config;
  const out: Record<string, unknown> = {
    Id: e.id,
    RepoTags: e.tags.map(familiar),
    RepoDigests: e.digests.map(familiar),
    Parent: e.record.parent ?? c.parent ?? '',
    Comment: c.comment ?? '',
    Created: c.created ?? '0001-01-01T00:00:00Z',
  };
  if (before(apiVersion, '1.45')) {
    out.Container = c.container ?? '';
    out.ContainerConfig = fullContainerConfig(c.container_config);
  }
  Object.assign(out, {
    DockerVersion: c.docker_version ?? '',
    Author: c.author ?? '',
    Config: fullContainerConfig(c.config),
    Architecture: c.architecture,
  });
  if (c.variant) out.Variant = c.variant;
  out.Os = c.os;
  out.Size = e.size;
  if (before(apiVersion, '1.44')) out.VirtualSize = e.size;
  out.GraphDriver = graphDriverOf(e, layers);
  out.RootFS = { Type: 'layers', Layers: e.record.layers.map((l) => l.diffId) };
  out.Metadata = { LastTagTime: lastTagTime ?? '0001-01-01T00:00:00Z' };
  return out;
}
