/**
 * Resolving a path of a container's filesystem to a host path, as if the container's root
 * were `/` (Docker's FollowSymlinkInScope): symlinks are followed inside the root, absolute
 * targets restart at the root, and `..` stops there, so the result never leaves the root or
 * one of the container's mounts. Used by volume seeding and the archive API (`cp`).
 *
 * `mounts` (destination → host directory, for a stopped container whose volumes and binds
 * are not mounted) switches the host base when the walk enters a mount's destination.
 * The walk is lstat-by-lstat; a process of the container racing to swap a component for a
 * symlink after the walk is beyond this check (the copy tools then refuse to follow the
 * final component: callers open it with lstat semantics).
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { invalid } from '../errors';

export interface RootView {
  /** The host directory that is the container's `/`. */
  root: string;
  /** Mounts not visible under `root` (stopped container): container path → host path. */
  mounts?: readonly { destination: string; source: string }[];
}

const MAX_LINKS = 255;

/** The host path of `p` (an absolute container path, already split of a trailing slash). */
function hostOf(view: RootView, parts: readonly string[]): string {
  const ctr = '/' + parts.join('/');
  let best: { destination: string; source: string } | undefined;
  for (const m of view.mounts ?? []) {
    const d = m.destination.replace(/\/+$/, '') || '/';
    if ((ctr === d || ctr.startsWith(d + '/')) && (!best || d.length > best.destination.length)) best = { destination: d, source: m.source };
  }
  if (best) return path.join(best.source, ctr.slice(best.destination.length));
  return path.join(view.root, ctr);
}

/**
 * Resolves container path `p`. `followLast`: a symlink as the last component is followed too
 * (else the link itself is returned). Returns the host path and the resolved container path.
 */
export async function resolveInRoot(view: RootView, p: string, followLast = true): Promise<{ host: string; container: string }> {
  const pending = p.split('/').filter((x) => x !== '' && x !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length) {
    const part = pending.shift() as string;
    if (part === '..') {
      done.pop();
      continue;
    }
    if (part === '.') continue;
    const candidate = [...done, part];
    const isLast = pending.length === 0;
    const st = await fs.lstat(hostOf(view, candidate)).catch(() => undefined);
    if (st?.isSymbolicLink() && (!isLast || followLast)) {
      if (++links > MAX_LINKS) throw invalid(`too many levels of symbolic links in ${p}`);
      const target = await fs.readlink(hostOf(view, candidate));
      if (target.startsWith('/')) done.length = 0;
      pending.unshift(...target.split('/').filter((x) => x !== '' && x !== '.'));
      continue;
    }
    done.push(part);
  }
  return { host: hostOf(view, done), container: '/' + done.join('/') };
}
