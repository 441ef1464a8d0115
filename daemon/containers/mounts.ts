/**
 * Bind mounts (`-v HOST:CTR[:ro]`, HostConfig.Binds), `--mount` (mounts-api.ts) and tmpfs
 * mounts (`--tmpfs`, HostConfig.Tmpfs) turned into the runtime's MountSpecs. Checked at create
 * so a bad bind fails before anything is made: sources must be absolute and exist,
 * destinations absolute. `-v NAME:CTR` and `--mount type=volume` are VolumeRefs here; they
 * become the record's MountPoints at create (volume-mounts.ts).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { invalid } from '../errors';
import type { BindMount, MountSpec } from '../runtime/types';
import type { HostConfig } from './record';
import { apiMounts, inspectApiMounts, mountSpecsOf, type VolumeRef } from './mounts-api';

/** Docker's mode words by group; a mode may name at most one word of each group. */
const MODE_GROUPS: readonly (readonly string[])[] = [
  ['ro', 'rw'],
  ['z', 'Z'],
  ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'],
  ['nocopy'],
  ['consistent', 'cached', 'delegated'],
];

/** Docker's linuxValidMountMode: known words, one per group ("ro,rw" is refused). */
export function validBindMode(mode: string): boolean {
  if (mode === '') return true;
  const used = new Set<number>();
  for (const word of mode.split(',')) {
    const g = MODE_GROUPS.findIndex((words) => words.includes(word));
    if (g < 0 || used.has(g)) return false;
    used.add(g);
  }
  return true;
}

/**
 * runc's proc-safety rule, which Docker users meet at start: over /proc itself only a procfs
 * may be mounted, and nothing inside /proc but the few files lxcfs emulates.
 */
const PROC_FILES_ALLOWED = new Set(['/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps', '/proc/uptime',
  '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid', '/proc/sys/crypto/fips_enabled']);
const PROC_SUPER_MAGIC = 0x9fa0;

async function checkProcSafety(m: MountSpec): Promise<void> {
  const dest = m.destination.replace(/\/+$/, '') || '/';
  if (dest === '/proc') {
    const isProc = m.type === 'bind' && (await fs.statfs(m.source).then((s) => s.type === PROC_SUPER_MAGIC, () => false));
    if (!isProc) throw invalid(`invalid mount config: "${m.destination}" cannot be mounted because it is not of type proc`);
  } else if (dest.startsWith('/proc/') && !PROC_FILES_ALLOWED.has(dest)) {
    throw invalid(`invalid mount config: "${m.destination}" cannot be mounted because it is inside /proc`);
  }
}

/** Parses one `HOST:CTR[:MODES]` bind or `NAME:CTR[:MODES]` volume (no I/O). */
export function parseBind(spec: string): BindMount | VolumeRef {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3) throw invalid(`invalid volume specification: '${spec}'`);
  const [source = '', destination = '', modes = ''] = parts;
  if (!destination.startsWith('/')) throw invalid(`invalid volume specification: '${spec}': mount path must be absolute`);
  if (!validBindMode(modes)) throw invalid(`invalid mode: ${modes}`);
  const flags = modes ? modes.split(',') : [];
  if (destination === '/') throw invalid(`invalid volume specification: '${spec}': destination can't be '/'`);
  if (!source.startsWith('/')) {
    if (source === '') throw invalid(`invalid volume specification: '${spec}'`);
    return { type: 'volume', name: source, destination: path.normalize(destination), readonly: flags.includes('ro'), nocopy: flags.includes('nocopy'), mode: modes };
  }
  return { type: 'bind', source: path.normalize(source), destination: path.normalize(destination), readonly: flags.includes('ro') };
}

/** Every mount the HostConfig asks for, volumes included: binds (-v), --mount ones, tmpfs. */
export function allMountsOf(hc: HostConfig): (MountSpec | VolumeRef)[] {
  const out: (MountSpec | VolumeRef)[] = [...(hc.Binds ?? []).map(parseBind), ...mountSpecsOf(apiMounts(hc.Mounts))];
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

/** The HostConfig's binds and tmpfs mounts, in order (volumes come from the record's MountPoints). */
export function mountsOf(hc: HostConfig): MountSpec[] {
  return allMountsOf(hc).filter((m): m is MountSpec => m.type !== 'volume');
}

/** Checks the mounts against the host: every bind source exists, and /proc stays procfs. */
export async function checkBindSources(mounts: MountSpec[]): Promise<void> {
  for (const m of mounts) {
    await checkProcSafety(m);
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
export function inspectMounts(hc: HostConfig, volumes: Record<string, unknown>[] = []): Record<string, unknown>[] {
  const binds = (hc.Binds ?? []).map(parseBind).filter((m): m is BindMount => m.type === 'bind').map((m) => (
    { Type: 'bind', Source: m.source, Destination: m.destination, Mode: m.readonly ? 'ro' : '', RW: !m.readonly, Propagation: 'rprivate' }));
  return [...binds, ...inspectApiMounts(apiMounts(hc.Mounts)), ...volumes];
}
