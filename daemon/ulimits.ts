/**
 * Resource limits as Docker spells them (HostConfig.Ulimits, `--ulimit`, daemon.json
 * `default-ulimits`): validation in one place, and the merge dockerd does at start (a
 * container's own limits win over the daemon's defaults, by name). Pure.
 */
import { invalid } from './errors';

/** Field order as dockerd's JSON (go-units Ulimit: Name, Hard, Soft). */
export interface Ulimit {
  Name: string;
  Hard: number;
  Soft: number;
}

/** The RLIMIT_* names dockerd accepts (the helper's rlimits.c knows the same list). */
export const ULIMIT_NAMES = ['as', 'core', 'cpu', 'data', 'fsize', 'locks', 'memlock', 'msgqueue', 'nice', 'nofile', 'nproc', 'rss', 'rtprio', 'rttime', 'sigpending', 'stack'];

/** Checks one limit; `where` names it in the error ("HostConfig.Ulimits[0]"). */
export function checkUlimit(u: unknown, where: string): Ulimit {
  const o = u as Partial<Ulimit> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw invalid(`${where} must be an object with Name, Soft and Hard`);
  if (typeof o.Name !== 'string' || !ULIMIT_NAMES.includes(o.Name)) throw invalid(`${where}: unknown ulimit "${String(o.Name)}" (one of ${ULIMIT_NAMES.join(', ')})`);
  for (const f of ['Soft', 'Hard'] as const) {
    const n = o[f];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < -1) throw invalid(`${where}.${f} must be a whole number (-1 for unlimited)`);
  }
  const soft = o.Soft as number;
  const hard = o.Hard as number;
  if (hard !== -1 && (soft === -1 || soft > hard)) throw invalid(`ulimit ${o.Name}: the soft limit ${soft} is above the hard limit ${hard}`);
  return { Name: o.Name, Hard: hard, Soft: soft };
}

/** HostConfig.Ulimits (null/undefined → none); one error naming the bad entry. */
export function checkUlimits(v: unknown, where = 'HostConfig.Ulimits'): Ulimit[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where} must be a list of {Name, Soft, Hard}`);
  return v.map((u, i) => checkUlimit(u, `${where}[${i}]`));
}

/** The limits a container starts with: the daemon's defaults, overridden by name by its own. */
export function mergeUlimits(own: readonly Ulimit[], defaults: readonly Ulimit[]): Ulimit[] {
  const byName = new Map<string, Ulimit>();
  for (const u of [...defaults, ...own]) byName.set(u.Name, u);
  return [...byName.values()];
}
