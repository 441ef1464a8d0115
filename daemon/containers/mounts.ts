/**
 * Bind mounts (`-v HOST:CTR[:ro]`, HostConfig.Binds), `--mount` (mounts-api.ts) and tmpfs
 * mounts (`--tmpfs`, HostConfig.Tmpfs) turned into the runtime's MountSpecs. Checked at create
 * so a bad bind fails before anything is made: sources must be absolute and exist (named volumes
 * are not supported), destinations absolute.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { invalid, notImplemented } from '../errors';
import type { BindMount, MountSpec } from '../runtime/types';
import type { HostConfig } from './record';
import { apiMounts, inspectApiMounts, mountSpecsOf } from './mounts-api';

const BIND_MODES = new Set(['ro', 'rw', 'z', 'Z', 'private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave', 'nocopy', 'consistent', 'cached', 'delegated']);

/** Parses one `HOST:CTR[:MODES]` bind (no I/O). */
export function parseBind(spec: string): BindMount {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw invalid(`invalid volume specification: '${spec}'`);
  const [source = '', destination = '', modes = ''] = parts;
  if (!source.startsWith('/')) {
    throw notImplemented(`invalid volume specification: '${spec}': named volumes are not supported by berth, use an absolute host path`);
  }
  if (!destination.startsWith('/')) throw invalid(`invalid volume specification: '${spec}': mount path must be absolute`);
  const flags = modes ? modes.split(',') : [];
  for (const f of flags) if (!BIND_MODES.has(f)) throw invalid(`invalid mode: ${f}`);
  if (destination === '/') throw invalid(`invalid volume specification: '${spec}': destination can't be '/'`);
  return { type: 'bind', source: path.normalize(source), destination: path.normalize(destination), readonly: flags.includes('ro') };
}

/** All mounts of a HostConfig, in order: binds (-v), --mount ones, then tmpfs (--tmpfs). */
export function mountsOf(hc: HostConfig): MountSpec[] {
  const out: MountSpec[] = [...(hc.Binds ?? []).map(parseBind), ...mountSpecsOf(apiMounts(hc.Mounts))];
  for (const [destination, options] of Object.entries(hc.Tmpfs ?? {})) {
    if (!destination.startsWith('/')) throw invalid(`invalid tmpfs mount point "${destination}": must be an absolute path`);
    out.push({ type: 'tmpfs', destination: path.normalize(destination), options });
  }
  const seen = new Set<string>();
  for (const m of out) {
    if (seen.has(m.destination)) throw invalid(`Duplicate mount point: ${m.destination}`);
    seen.add(m.destination);
  }
  return out;
}

/** Checks that every bind source exists on the host. */
export async function checkBindSources(mounts: MountSpec[]): Promise<void> {
  for (const m of mounts) {
    if (m.type !== 'bind') continue;
    try {
      await fs.stat(m.source);
    } catch {
      throw invalid(`invalid mount config for type "bind": bind source path does not exist: ${m.source}`);
    }
  }
}

/**
 * Docker's inspect and list `Mounts` entries: the binds, and what `--mount` asked for. `--tmpfs`
 * mounts (HostConfig.Tmpfs) are not mount points in Docker and show only in HostConfig.Tmpfs;
 * listing them would also print an empty name in `docker ps --format {{.Mounts}}`.
 */
export function inspectMounts(hc: HostConfig): Record<string, unknown>[] {
  const binds = (hc.Binds ?? []).map(parseBind).map((m) => (
    { Type: 'bind', Source: m.source, Destination: m.destination, Mode: m.readonly ? 'ro' : '', RW: !m.readonly, Propagation: 'rprivate' }));
  return [...binds, ...inspectApiMounts(apiMounts(hc.Mounts))];
}
