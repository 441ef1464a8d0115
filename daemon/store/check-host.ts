/**
 * The parts of `system check` outside the image store: container records (minimally parsed:
 * the containers service owns their full shape, and store/ must not import it) and what the
 * host keeps for containers — mounts under the data root, cgroups, network namespace files,
 * runtime directories — found against the containers that are active.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { type Digest, isDigest } from '../oci/digest';
import type { Findings, Quarantine } from './check-report';
import type { StorePaths } from './paths';

/** The host side: mounts, cgroups, netns files (runtime/check-probe.ts). */
export interface RuntimeChecks {
  /** Mount points at or below `dir`. */
  mountsUnder(dir: string): Promise<string[]>;
  unmount(mountPoint: string): Promise<void>;
  /** Container cgroups (by id) that have no process left. */
  idleCgroups(): Promise<string[]>;
  removeCgroup(id: string): Promise<void>;
  /** Network namespace files kept for containers (by id). */
  netnsFiles(): Promise<{ id: string; file: string }[]>;
  removeNetns(file: string): Promise<void>;
}

export interface ContainerInfo {
  id: string;
  image: string;
  layers: Digest[];
  /** A state in which its mounts, cgroup and network namespace may legitimately exist. */
  active: boolean;
}

const ACTIVE = new Set(['running', 'paused', 'restarting', 'created', 'removing']);

/** Reads the container records; an unreadable one is moved to quarantine, files and all. */
export async function readContainers(paths: StorePaths, f: Findings, q: Quarantine): Promise<ContainerInfo[]> {
  const out: ContainerInfo[] = [];
  const root = paths.containers;
  for (const name of await fs.readdir(root).catch(() => [] as string[])) {
    if (!/^[a-f0-9]{64}$/.test(name)) continue;
    const file = path.join(root, name, 'container.json');
    let raw: Record<string, unknown> | undefined;
    try {
      raw = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // a create in flight, or its leftover (swept at start)
    }
    const layers = raw?.LayerChainIds;
    const state = raw?.State as { Status?: unknown } | undefined;
    if (!raw || raw.Id !== name || !Array.isArray(layers) || !layers.every((l) => typeof l === 'string' && isDigest(l))) {
      await f.fix({ Object: 'container', Id: name, Problem: 'the container record cannot be read', Severity: 'error', Repair: 'container directory (its files included) moved to quarantine, not deleted' }, async () => {
        await q.move(path.join(root, name), 'containers');
      });
      continue;
    }
    const image = typeof (raw.Config as { Image?: unknown } | undefined)?.Image === 'string' ? String((raw.Config as { Image: string }).Image) : String(raw.Image);
    out.push({ id: name, image, layers: layers as Digest[], active: ACTIVE.has(String(state?.Status)) });
  }
  return out;
}

/** Mounts, cgroups, netns files and runtime directories no active container owns. */
export async function hostLeftovers(paths: StorePaths, runtime: RuntimeChecks, f: Findings, containers: ContainerInfo[]): Promise<void> {
  const byId = new Map(containers.map((c) => [c.id, c]));
  // Only below containers/<id>/: the data root itself may well be a mount of its own (a disk
  // for /var/lib/berth), and other owners may mount elsewhere under it.
  for (const m of await runtime.mountsUnder(paths.containers)) {
    const rel = path.relative(paths.containers, m).split(path.sep);
    if (rel.length < 2 || !/^[a-f0-9]{64}$/.test(rel[0] as string)) continue;
    const owner = byId.get(rel[0] as string);
    if (owner?.active) continue;
    await f.fix({ Object: 'mount', Id: m, Problem: owner ? 'still mounted, but its container has stopped' : 'mounted, but no container owns it', Severity: 'warning', Repair: 'unmounted' }, () => runtime.unmount(m));
  }
  for (const id of await runtime.idleCgroups()) {
    if (byId.get(id)?.active) continue;
    await f.fix({ Object: 'cgroup', Id: id, Problem: 'a container cgroup with no processes and no running container', Severity: 'warning', Repair: 'removed' }, () => runtime.removeCgroup(id));
  }
  for (const n of await runtime.netnsFiles()) {
    if (byId.get(n.id)?.active) continue;
    await f.fix({ Object: 'netns', Id: n.file, Problem: 'a network namespace file no running container uses', Severity: 'warning', Repair: 'unmounted and removed' }, () => runtime.removeNetns(n.file));
  }
  for (const name of await fs.readdir(paths.runContainers).catch(() => [] as string[])) {
    if (!/^[a-f0-9]{64}$/.test(name) || byId.has(name)) continue;
    const dir = paths.containerRunDir(name);
    await f.fix({ Object: 'runtime', Id: dir, Problem: 'runtime files of a container that no longer exists', Severity: 'warning', Repair: 'removed (runtime state only)' }, () => fs.rm(dir, { recursive: true, force: true }));
  }
}
