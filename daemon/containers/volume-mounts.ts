/**
 * A container's volumes: resolved once at create into the record's `MountPoints` (Docker's
 * own model), then turned into runtime mounts at each start and into inspect's `Mounts`.
 *
 * Where they come from, lowest precedence first (a later one at the same destination wins,
 * as in Docker): `--volumes-from` (the other container's volumes and binds), the merged
 * Config.Volumes (the image's VOLUMEs and `-v /path`: anonymous volumes), then `-v NAME:/p`
 * and `--mount type=volume`. A destination taken by a bind or tmpfs of this container gets no
 * volume. The volumes service is reached through `ContainerVolumes`, wired in by compose.ts.
 */
import * as path from 'node:path';
import { invalid, notFound } from '../errors';
import type { MountSpec } from '../runtime/types';
import type { VolumeRef } from './mounts-api';
import { allMountsOf, parseBind } from './mounts';
import type { ContainerRecord, HostConfig } from './record';
import type { MountPoint } from './mount-point';

/** What containers need of the volumes service. */
export interface ContainerVolumes {
  /** The named volume, made when missing; no name: a new anonymous volume. */
  ensure(name: string | undefined, labels?: Record<string, string>, opts?: Record<string, string>): Promise<{ Name: string }>;
  /** The volume's content directory (inspect's Source). */
  dataDir(name: string): string;
  /** The runtime mount for a volume (a bind of its data; a tmpfs of its own for type=tmpfs without a mounter). */
  mountOf(name: string, destination: string, readonly: boolean, seed: boolean): MountSpec;
  remove(name: string, force: boolean): Promise<void>;
  /** Copies the image's content at each destination into the (empty) volumes, inside `rootfs`. */
  seed(rootfs: string, mounts: readonly { source: string; destination: string }[]): Promise<void>;
  /** At start (and re-attach): volumes with a filesystem of their own (tmpfs) get it mounted, once for all users. */
  activate?(containerId: string, names: readonly string[]): Promise<void>;
  /** At the container's end: what no other running container uses is unmounted. */
  release?(containerId: string): Promise<void>;
  /** After recovery: volume mounts no running container uses go. */
  sweepMounts?(): Promise<void>;
}

/** `--volumes-from CTR[:ro|:rw]` entries. */
function parseVolumesFrom(spec: string): { ref: string; mode: '' | 'ro' | 'rw' } {
  const i = spec.lastIndexOf(':');
  if (i < 0) return { ref: spec, mode: '' };
  const mode = spec.slice(i + 1);
  if (mode !== 'ro' && mode !== 'rw') throw invalid(`invalid mode: ${mode}`);
  return { ref: spec.slice(0, i), mode };
}

/** The binds and volumes another container has, as MountPoints (for --volumes-from). */
function inheritedFrom(src: ContainerRecord): MountPoint[] {
  const binds: MountPoint[] = [];
  for (const b of (src.HostConfig.Binds ?? [])) {
    const m = parseBind(b);
    if (m.type === 'bind') binds.push({ Type: 'bind', Source: m.source, Destination: m.destination, RW: !m.readonly, Mode: m.readonly ? 'ro' : '' });
  }
  return [...binds, ...(src.MountPoints ?? [])];
}

/**
 * Resolves (and makes) the volumes of a new container. `made` collects anonymous volumes
 * created here so a failing create can remove them again.
 */
export async function resolveMountPoints(
  hc: HostConfig, configVolumes: Record<string, unknown> | null | undefined, volumes: ContainerVolumes,
  lookup: (ref: string) => ContainerRecord | undefined, made: string[],
): Promise<MountPoint[]> {
  const own = allMountsOf(hc);
  const taken = new Set(own.filter((m) => m.type !== 'volume').map((m) => m.destination));
  const byDest = new Map<string, MountPoint>();
  for (const spec of (hc.VolumesFrom as string[] | null | undefined) ?? []) {
    const { ref, mode } = parseVolumesFrom(spec);
    const src = lookup(ref);
    if (!src) throw notFound(`No such container: ${ref}`);
    for (const m of inheritedFrom(src)) {
      const rw = mode === '' ? m.RW : mode === 'rw';
      byDest.set(m.Destination, { ...m, RW: rw, Mode: mode || m.Mode, Anonymous: undefined });
    }
  }
  const add = async (ref: VolumeRef | { name: ''; destination: string; readonly: false; nocopy: false; mode: '' }): Promise<void> => {
    const vol = await volumes.ensure(ref.name || undefined, 'labels' in ref ? ref.labels : undefined, 'driverOpts' in ref ? ref.driverOpts : undefined);
    if (!ref.name) made.push(vol.Name);
    byDest.set(ref.destination, {
      Type: 'volume', Name: vol.Name, Source: volumes.dataDir(vol.Name), Destination: ref.destination, RW: !ref.readonly,
      Mode: ref.name ? ref.mode || 'z' : '', ...(ref.nocopy ? { NoCopy: true } : {}), ...(!ref.name ? { Anonymous: true } : {}),
    });
  };
  const named = own.filter((m): m is VolumeRef => m.type === 'volume');
  const namedDests = new Set(named.map((m) => m.destination));
  for (const dest of Object.keys(configVolumes ?? {})) {
    if (!dest.startsWith('/')) throw invalid(`invalid volume specification: '${dest}': mount path must be absolute`);
    const d = path.posix.normalize(dest).replace(/(.)\/+$/, '$1');
    if (taken.has(d) || namedDests.has(d) || byDest.has(d)) continue;
    await add({ name: '', destination: d, readonly: false, nocopy: false, mode: '' });
  }
  for (const ref of named) await add(ref);
  for (const d of taken) byDest.delete(d);
  return [...byDest.values()];
}

/** Parents before children, so a mount inside another volume lands on top of it. */
export function sortMounts(mounts: MountSpec[]): MountSpec[] {
  const depth = (m: MountSpec) => m.destination.split('/').filter(Boolean).length;
  return [...mounts].sort((a, b) => depth(a) - depth(b));
}

/** The runtime mounts for a record's MountPoints (volumes seeded unless nocopy). */
export function volumeMountSpecs(points: readonly MountPoint[], volumes: ContainerVolumes): MountSpec[] {
  return points.map((m) => (m.Type === 'volume' && m.Name
    ? volumes.mountOf(m.Name, m.Destination, !m.RW, !m.NoCopy)
    : { type: 'bind', source: m.Source, destination: m.Destination, readonly: !m.RW }));
}

/** Docker's inspect `Mounts` entries for the record's MountPoints. */
export function inspectMountPoints(points: readonly MountPoint[] | undefined): Record<string, unknown>[] {
  return (points ?? []).map((m) => (m.Type === 'volume'
    ? { Type: 'volume', Name: m.Name, Source: m.Source, Destination: m.Destination, Driver: 'local', Mode: m.Mode, RW: m.RW, Propagation: '' }
    : { Type: 'bind', Source: m.Source, Destination: m.Destination, Mode: m.Mode, RW: m.RW, Propagation: 'rprivate' }));
}
