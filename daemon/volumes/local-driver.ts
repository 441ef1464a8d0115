/**
 * The `local` driver's options (`-o type=...,device=...,o=...`), checked with Docker's words,
 * and what a volume becomes in a container's mount list. Pure.
 *
 * `type=tmpfs` is one tmpfs on the volume's _data while containers use it (mounted by
 * active-mounts.ts; a tmpfs per container where berthd has no mounter), and
 * `type=none,o=bind,device=DIR` binds DIR; any other
 * type (a block device, nfs) is refused with 501 rather than accepted and ignored.
 */
import * as path from 'node:path';
import { invalid, notImplemented } from '../errors';
import type { MountSpec } from '../runtime/types';

const KEYS = ['type', 'device', 'o', 'size'];

/** Checks a create request's DriverOpts; returns them normalised (a copy). */
export function checkLocalOptions(opts: Record<string, string>): Record<string, string> {
  for (const k of Object.keys(opts)) if (!KEYS.includes(k)) throw invalid(`invalid option key: "${k}"`);
  const type = opts.type ?? '';
  const o = (opts.o ?? '').split(',').filter(Boolean);
  if (opts.size !== undefined && type !== 'tmpfs') throw invalid('size option is only supported for tmpfs');
  if (type === '' && (opts.device || o.length)) throw invalid('missing required option: "type"');
  if (type === 'tmpfs') {
    if (opts.device && opts.device !== 'tmpfs') throw invalid('invalid device for type tmpfs: only "tmpfs" is allowed');
  } else if (type === 'none' || o.includes('bind')) {
    if (!o.includes('bind')) throw invalid('type=none needs o=bind (berth mounts only tmpfs and bind volumes)');
    if (!opts.device) throw invalid('missing required option: "device"');
    if (!path.isAbsolute(opts.device)) throw invalid(`invalid device "${opts.device}": a bind volume's device must be an absolute path`);
  } else if (type !== '') {
    throw notImplemented(`berth's local volume driver supports type=tmpfs and type=none,o=bind, not type=${type}`);
  }
  return { ...opts };
}

/** A tmpfs volume's mount(8) -o list: its `o` and its `size`. */
export function tmpfsOptions(opts: Record<string, string>): string {
  const o = (opts.o ?? '').split(',').filter(Boolean);
  if (opts.size) o.push(`size=${opts.size}`);
  return o.join(',');
}

/**
 * The mount a container gets for a volume of these options at `destination`. A tmpfs volume
 * `mounted` on its data directory (volumes/active-mounts.ts) is bound from there like any
 * other, so containers share it; else the container gets a tmpfs of its own.
 */
export function localMount(dataDir: string, opts: Record<string, string>, destination: string, readonly: boolean, seed: boolean, mounted = false): MountSpec {
  if (opts.type === 'tmpfs' && !mounted) {
    const o = tmpfsOptions(opts).split(',').filter(Boolean);
    if (readonly) o.push('ro');
    return { type: 'tmpfs', destination, options: o.join(',') };
  }
  const bindTo = (opts.o ?? '').split(',').includes('bind') && opts.device ? opts.device : dataDir;
  return { type: 'bind', source: bindTo, destination, readonly, ...(seed ? { seed: true } : {}) };
}
