/**
 * `--mount` (HostConfig.Mounts, Docker's mount.Mount objects): bind and tmpfs mounts turned into
 * the runtime's MountSpecs, with Docker's validation messages, and their inspect `Mounts`
 * entries. Named volumes are not supported, as with `-v NAME:/path`. No I/O here: bind sources
 * are checked at create with the `-v` ones.
 */
import * as path from 'node:path';
import { invalid, notImplemented } from '../errors';
import type { MountSpec } from '../runtime/types';

interface ApiMount {
  Type: string;
  Source: string;
  Target: string;
  ReadOnly: boolean;
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
  VolumeOptions?: { NoCopy?: boolean; Labels?: Record<string, string>; DriverConfig?: { Name?: string; Options?: Record<string, string> } };
}

/** A volume a container asks for (`-v NAME:/p`, `--mount type=volume`); no name: anonymous. */
export interface VolumeRef {
  type: 'volume';
  name: string;
  destination: string;
  readonly: boolean;
  nocopy: boolean;
  /** The `-v` mode as typed ('' for --mount), for inspect's Mode. */
  mode: string;
  labels?: Record<string, string>;
  driverOpts?: Record<string, string>;
}

const bad = (type: string, msg: string) => invalid(`invalid mount config for type "${type}": ${msg}`);

function parseOne(v: unknown): ApiMount {
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid('invalid HostConfig.Mounts: expected a list of objects');
  const m = v as Record<string, unknown>;
  const str = (k: string): string => {
    const x = m[k];
    if (x === undefined || x === null) return '';
    if (typeof x !== 'string') throw invalid(`invalid HostConfig.Mounts: ${k} must be a string`);
    return x;
  };
  const type = str('Type');
  const opts = m.TmpfsOptions;
  let tmpfs: ApiMount['TmpfsOptions'];
  if (opts && typeof opts === 'object' && !Array.isArray(opts)) {
    const o = opts as Record<string, unknown>;
    tmpfs = {};
    if (o.SizeBytes !== undefined && o.SizeBytes !== null) {
      if (!Number.isInteger(o.SizeBytes) || (o.SizeBytes as number) < 0) throw bad(type, 'invalid tmpfs size');
      tmpfs.SizeBytes = o.SizeBytes as number;
    }
    if (o.Mode !== undefined && o.Mode !== null) {
      if (!Number.isInteger(o.Mode) || (o.Mode as number) < 0) throw bad(type, 'invalid tmpfs mode');
      tmpfs.Mode = o.Mode as number;
    }
  }
  let volume: ApiMount['VolumeOptions'];
  const vo = m.VolumeOptions;
  if (vo && typeof vo === 'object' && !Array.isArray(vo)) {
    const o = vo as Record<string, unknown>;
    const strMap = (x: unknown): Record<string, string> | undefined => (x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).filter(([, y]) => typeof y === 'string')) as Record<string, string> : undefined);
    const dc = o.DriverConfig as Record<string, unknown> | null | undefined;
    volume = {
      NoCopy: o.NoCopy === true, Labels: strMap(o.Labels),
      DriverConfig: dc && typeof dc === 'object' ? { Name: typeof dc.Name === 'string' ? dc.Name : undefined, Options: strMap(dc.Options) } : undefined,
    };
  }
  return { Type: type, Source: str('Source'), Target: str('Target'), ReadOnly: m.ReadOnly === true, TmpfsOptions: tmpfs, VolumeOptions: volume };
}

/** The parsed `--mount` list (empty when absent). */
export function apiMounts(value: unknown): ApiMount[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid('invalid HostConfig.Mounts: expected a list');
  return value.map(parseOne);
}

/** MountSpecs for the runtime (VolumeRefs for volumes), validated as Docker validates `--mount`. */
export function mountSpecsOf(mounts: ApiMount[]): (MountSpec | VolumeRef)[] {
  return mounts.map((m) => {
    if (!m.Target) throw bad(m.Type, 'field Target must not be empty');
    if (!m.Target.startsWith('/')) throw bad(m.Type, `invalid mount path: '${m.Target}' mount path must be absolute`);
    const destination = path.normalize(m.Target);
    if (destination === '/') throw bad(m.Type, 'invalid specification: destination can\'t be \'/\'');
    switch (m.Type) {
      case 'bind':
        if (!m.Source) throw bad('bind', 'field Source must not be empty');
        if (!m.Source.startsWith('/')) throw bad('bind', `invalid mount path: '${m.Source}' mount path must be absolute`);
        return { type: 'bind', source: path.normalize(m.Source), destination, readonly: m.ReadOnly };
      case 'tmpfs': {
        if (m.Source) throw bad('tmpfs', 'field Source must not be specified');
        const opts: string[] = [];
        if (m.ReadOnly) opts.push('ro');
        if (m.TmpfsOptions?.SizeBytes) opts.push(`size=${m.TmpfsOptions.SizeBytes}`);
        if (m.TmpfsOptions?.Mode !== undefined) opts.push(`mode=${(m.TmpfsOptions.Mode & 0o7777).toString(8)}`);
        return { type: 'tmpfs', destination, options: opts.join(',') };
      }
      case 'volume': {
        const driver = m.VolumeOptions?.DriverConfig?.Name;
        if (driver && driver !== 'local') throw notImplemented(`berth has only the local volume driver, not "${driver}"`);
        if (m.Source.startsWith('/')) throw bad('volume', `invalid volume name: '${m.Source}' (a host path needs type=bind)`);
        return {
          type: 'volume', name: m.Source, destination, readonly: m.ReadOnly, nocopy: m.VolumeOptions?.NoCopy === true, mode: '',
          labels: m.VolumeOptions?.Labels, driverOpts: m.VolumeOptions?.DriverConfig?.Options,
        };
      }
      case '':
        throw invalid('invalid mount config: mount type must be set');
      default:
        throw invalid(`invalid mount config: mount type unknown: "${m.Type}"`);
    }
  });
}

/** Docker's inspect `Mounts` entries for `--mount` (tmpfs ones included, unlike `--tmpfs`). */
export function inspectApiMounts(mounts: ApiMount[]): Record<string, unknown>[] {
  return mounts
    .filter((m) => m.Type === 'bind' || m.Type === 'tmpfs')
    .map((m) => ({
      Type: m.Type, Source: m.Type === 'bind' ? path.normalize(m.Source) : '', Destination: path.normalize(m.Target),
      Mode: '', RW: !m.ReadOnly, Propagation: m.Type === 'bind' ? 'rprivate' : '',
    }));
}
