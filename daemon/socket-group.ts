/**
 * Which group owns the unix sockets berthd creates itself (`-H unix://…`), as dockerd's
 * `--group`: the named group, or by default `berth` when that group exists (the Debian
 * package creates it) and root's group otherwise. Members of that group can drive berthd,
 * which makes them root-equivalent. Node has no getgrnam, so /etc/group is read directly.
 */
import { readFileSync } from 'node:fs';
import { invalid } from './errors';

/** The gid of `name` (or of a numeric gid given as text) in a group file, or undefined. */
export function lookupGroup(name: string, groupFile = '/etc/group'): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  let text = '';
  try {
    text = readFileSync(groupFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [n, , gid] = line.split(':');
    if (n === name && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  return undefined;
}

/**
 * The gid for the sockets: `explicit` must exist (one clear sentence if not); without it,
 * the default group when present, else undefined (the socket stays in root's group).
 */
export function socketGroup(explicit: string | undefined, fallback: string, groupFile?: string): number | undefined {
  if (explicit !== undefined) {
    const gid = lookupGroup(explicit, groupFile);
    if (gid === undefined) throw invalid(`group "${explicit}" for the API socket does not exist (create it with \`groupadd --system ${explicit}\` or choose another --group)`);
    return gid;
  }
  return lookupGroup(fallback, groupFile);
}
