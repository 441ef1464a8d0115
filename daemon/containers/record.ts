/**
 * Container records: the on-disk truth about each container, `<data-root>/containers/<id>/
 * container.json`, in Docker's own inspect shape (PascalCase) plus the few private fields berth
 * needs (the image's layer chain ids). Also owns the per-container directory layout: the
 * writable layer (upper/, work/), the rootfs mountpoint, the /etc files and the json-file log.
 * Contract: records are written only with atomicWrite; a record that does not parse is
 * skipped with a warning, never half-used.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ContainerConfig } from '../oci/types';
import type { Digest } from '../oci/digest';
import { isDigest } from '../oci/digest';
import { atomicWriteJson, readJsonIfExists, sweepTemps } from '../store/atomic';
import type { StorePaths } from '../store/paths';
import type { ContainerNetworkState } from '../networks/record';
import { log } from '../log';
import { parseMountPoints, type MountPoint } from './mount-point';
import type { HealthState } from './health';

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export const ZERO_TIME = '0001-01-01T00:00:00Z';

export interface ContainerState {
  Status: ContainerStatus;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
  /** Only for a container with a health check (health.ts writes it). */
  Health?: HealthState;
}

/** The HostConfig fields berth acts on; the rest of the request's HostConfig is kept verbatim. */
export interface HostConfig {
  Binds?: string[] | null;
  AutoRemove?: boolean;
  ReadonlyRootfs?: boolean;
  Init?: boolean | null;
  Tmpfs?: Record<string, string> | null;
  NetworkMode?: string;
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  ExtraHosts?: string[] | null;
  ConsoleSize?: number[] | null;
  RestartPolicy?: { Name?: string; MaximumRetryCount?: number };
  [key: string]: unknown;
}

export interface ContainerRecord {
  Id: string;
  Created: string;
  /** With Docker's leading slash: "/name". */
  Name: string;
  Path: string;
  Args: string[];
  Config: ContainerConfig & { Image: string };
  HostConfig: HostConfig;
  NetworkingConfig?: unknown;
  /** Networks, addresses, published ports, namespace path (daemon/networks keeps it current). */
  NetworkSettings?: ContainerNetworkState;
  /** The container's volumes (and binds inherited by --volumes-from), resolved at create. */
  MountPoints?: MountPoint[];
  /** The image id the container was created from. */
  Image: Digest;
  State: ContainerState;
  RestartCount: number;
  /** Docker's HasBeenManuallyStopped: a user stopped or killed it (unless-stopped stays down). */
  ManuallyStopped?: boolean;
  /** Chain ids of the image's layers, lowest first (the overlay's lowerdirs). */
  LayerChainIds: Digest[];
}

export function initialState(): ContainerState {
  return {
    Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
    Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME,
  };
}

/** Where a container's files live. */
export class ContainerPaths {
  constructor(readonly dir: string, readonly id: string) {}
  get record(): string { return path.join(this.dir, 'container.json'); }
  get upper(): string { return path.join(this.dir, 'upper'); }
  get work(): string { return path.join(this.dir, 'work'); }
  get rootfs(): string { return path.join(this.dir, 'rootfs'); }
  get hosts(): string { return path.join(this.dir, 'hosts'); }
  get hostname(): string { return path.join(this.dir, 'hostname'); }
  get resolvConf(): string { return path.join(this.dir, 'resolv.conf'); }
  get log(): string { return path.join(this.dir, `${this.id}-json.log`); }
}

function parseRecord(v: unknown): ContainerRecord | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const r = v as Partial<ContainerRecord>;
  if (typeof r.Id !== 'string' || !/^[a-f0-9]{64}$/.test(r.Id)) return undefined;
  if (typeof r.Name !== 'string' || typeof r.Path !== 'string' || !Array.isArray(r.Args)) return undefined;
  if (!r.Config || typeof r.Config !== 'object' || !r.HostConfig || typeof r.HostConfig !== 'object') return undefined;
  if (typeof r.Image !== 'string' || !isDigest(r.Image) || !r.State || typeof r.State !== 'object') return undefined;
  if (!Array.isArray(r.LayerChainIds) || !r.LayerChainIds.every((c) => typeof c === 'string' && isDigest(c))) return undefined;
  return {
    Id: r.Id, Created: typeof r.Created === 'string' ? r.Created : ZERO_TIME, Name: r.Name, Path: r.Path,
    Args: r.Args.filter((a): a is string => typeof a === 'string'), Config: r.Config, HostConfig: r.HostConfig,
    NetworkingConfig: r.NetworkingConfig, NetworkSettings: r.NetworkSettings, MountPoints: parseMountPoints(r.MountPoints), Image: r.Image, State: { ...initialState(), ...r.State },
    RestartCount: typeof r.RestartCount === 'number' ? r.RestartCount : 0, LayerChainIds: r.LayerChainIds,
    ...(r.ManuallyStopped === true ? { ManuallyStopped: true } : {}),
  };
}

/** Reads and writes container records under <data-root>/containers. */
export class ContainerStore {
  constructor(private readonly paths: StorePaths) {}

  pathsOf(id: string): ContainerPaths {
    return new ContainerPaths(this.paths.containerDir(id), id);
  }

  async init(): Promise<void> {
    await fs.mkdir(this.paths.containers, { recursive: true });
    await sweepTemps(this.paths.containers);
  }

  /** Every parseable record. Directories without one (an interrupted create) are removed. */
  async loadAll(): Promise<ContainerRecord[]> {
    const out: ContainerRecord[] = [];
    const names = await fs.readdir(this.paths.containers).catch(() => [] as string[]);
    for (const name of names) {
      if (!/^[a-f0-9]{64}$/.test(name)) continue;
      const p = this.pathsOf(name);
      await sweepTemps(p.dir);
      const raw = await readJsonIfExists(p.record).catch((err) => {
        log.warn('unreadable container record', { id: name, error: String(err) });
        return undefined;
      });
      const rec = parseRecord(raw);
      if (rec && rec.Id === name) out.push(rec);
      else if (raw === undefined) {
        // A create that never finished. A mount left inside (a crash) must not stop start-up:
        // `system check --repair` detaches it, and the next start sweeps the directory.
        await fs.rm(p.dir, { recursive: true, force: true }).catch((err: unknown) => log.warn('cannot remove an unfinished container directory', { id: name, error: String(err) }));
      }
      else log.warn('skipping malformed container record', { id: name });
    }
    return out;
  }

  async save(rec: ContainerRecord): Promise<void> {
    await atomicWriteJson(this.pathsOf(rec.Id).record, rec);
  }

  /**
   * Deletes a container's directory. The record goes first, so a crash in the
   * middle leaves a directory without a record, which loadAll sweeps.
   */
  async delete(id: string): Promise<void> {
    const p = this.pathsOf(id);
    await fs.rm(p.record, { force: true });
    await fs.rm(p.dir, { recursive: true, force: true });
  }
}
