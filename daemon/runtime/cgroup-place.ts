/**
 * Where a container's cgroup goes (`--cgroup-parent`, HostConfig.CgroupParent), with the
 * cgroupfs driver's rules as dockerd and runc apply them: the container's cgroup is
 * PARENT/<id>; a parent with a leading slash is taken from each hierarchy's root, a relative
 * one from berthd's own cgroup (v1: berthd's cgroup in that hierarchy; v2: its parent, as
 * runc does, since berthd's own cgroup holds a process and so can have no controllers
 * enabled for children). Paths are cleaned as runc cleans them: `..` never climbs above the
 * hierarchy's root or above berthd's cgroup. Pure: the daemon's /proc/self/cgroup is passed in.
 */
import * as path from 'node:path';
import { invalid } from '../errors';

/** berth's parent when the container names none (dockerd's is /docker). */
export const DEFAULT_CGROUP_PARENT = '/berth';

/**
 * One container's cgroup path in each hierarchy, from the hierarchy's root ('/berth/<id>').
 * v1: keyed by controller; v2: its single hierarchy keyed ''. Resolved once at start and kept
 * in the container's run directory, so a berthd restarted in another cgroup still finds it.
 */
export interface CgroupPlace {
  readonly paths: Readonly<Record<string, string>>;
}

/**
 * Refuses what the cgroupfs driver cannot honour, with one sentence: systemd's
 * "slice:prefix:name" form (berthd has no systemd driver: /info says cgroupfs) and NUL bytes.
 */
export function checkCgroupParent(parent: unknown): void {
  if (parent === undefined || parent === null || parent === '') return;
  if (typeof parent !== 'string') throw invalid('invalid HostConfig.CgroupParent: expected a string');
  if (parent.includes('\0')) throw invalid('invalid cgroup-parent: it contains a NUL byte');
  if (parent.split(':').length === 3) {
    throw invalid(`cgroup-parent "${parent}" is in systemd's "slice:prefix:name" form, but berthd's cgroup driver is cgroupfs: give a cgroup path, such as /kubepods/pod1 (from the hierarchy's root) or pods/pod1 (under berthd's own cgroup)`);
  }
}

/** runc's CleanPath: normalised, and `..` stops at the top (relative paths stay relative). */
function clean(p: string): string {
  const abs = path.posix.normalize('/' + p);
  return p.startsWith('/') ? abs : abs.slice(1);
}

/**
 * /proc/<pid>/cgroup as a map: each v1 controller of a line ("4:cpu,cpuacct:/x") to its path,
 * named hierarchies as "name=systemd", the v2 line ("0::/x") as ''.
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, ctrls = '', p = '/'] = m;
    if (ctrls === '') out.set('', p);
    else for (const c of ctrls.split(',')) out.set(c, p);
  }
  return out;
}

/**
 * The container's place in each of `hierarchies` (v1 controller names, or [''] for v2).
 * `own` is berthd's /proc/self/cgroup, read only when the parent is relative.
 */
export function placeFor(id: string, parent: string | undefined, hierarchies: readonly string[], own: () => Map<string, string>): CgroupPlace {
  const p = parent || DEFAULT_CGROUP_PARENT;
  const paths: Record<string, string> = {};
  if (p.startsWith('/')) {
    for (const h of hierarchies) paths[h] = path.posix.join(clean(p), id);
    return { paths };
  }
  const mine = own();
  for (const h of hierarchies) {
    const self = mine.get(h) ?? '/';
    const base = h === '' ? path.posix.dirname(self) : self;
    paths[h] = path.posix.join(base, clean(p), id);
  }
  return { paths };
}

/** Reads a place back from its file; undefined when it is not one (never trusts the shape). */
export function parsePlace(text: string): CgroupPlace | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    const paths = (v as { paths?: unknown })?.paths;
    if (!paths || typeof paths !== 'object') return undefined;
    const out: Record<string, string> = {};
    for (const [k, s] of Object.entries(paths)) {
      if (typeof s !== 'string' || !s.startsWith('/') || clean(s) !== s) return undefined;
      out[k] = s;
    }
    return { paths: out };
  } catch {
    return undefined;
  }
}
