/**
 * The archive API's path rules and its `X-Docker-Container-Path-Stat` value, as Docker has
 * them: a path is resolved inside the container's root (layers/in-root.ts); its last
 * component is followed only when the path ends in `/` or `/.`; the stat is of what the path
 * names (a symlink itself, with `linkTarget` its resolved container path); `name` is the
 * base of the path as given (`.` for `dir/.`); `mode` is Go's os.FileMode bits.
 */
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import { notFound } from '../errors';
import { resolveInRoot, type RootView } from '../layers/in-root';

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** Go's os.FileMode type bits. */
const GO = { dir: 2 ** 31, symlink: 2 ** 27, device: 2 ** 26, pipe: 2 ** 25, socket: 2 ** 24, setuid: 2 ** 23, setgid: 2 ** 22, char: 2 ** 21, sticky: 2 ** 20 };

export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m += GO.dir;
  else if (st.isSymbolicLink()) m += GO.symlink;
  else if (st.isFIFO()) m += GO.pipe;
  else if (st.isSocket()) m += GO.socket;
  else if (st.isCharacterDevice()) m += GO.device + GO.char;
  else if (st.isBlockDevice()) m += GO.device;
  if (st.mode & 0o4000) m += GO.setuid;
  if (st.mode & 0o2000) m += GO.setgid;
  if (st.mode & 0o1000) m += GO.sticky;
  return m;
}

/** True when the path asks for a directory's content (`dir/` or `dir/.`). */
export function wantsContent(p: string): boolean {
  return p.endsWith('/') || p.endsWith('/.') || p === '.';
}

/** Docker's `filepath.Base(absPath)` with the trailing `/.` kept: `.` for `dir/.`. */
export function baseName(p: string): string {
  if (p.endsWith('/.')) return '.';
  const clean = path.posix.normalize('/' + p);
  return clean === '/' ? '/' : path.posix.basename(clean);
}

export interface ResolvedPath {
  /** The host path of what the container path names. */
  host: string;
  /** Its container path (symlinks of the parents resolved). */
  container: string;
  stat: Stats;
}

/** Resolves and lstats a container path; 404 with Docker's message when it does not exist. */
export async function resolvePath(view: RootView, p: string, containerName: string): Promise<ResolvedPath> {
  const r = await resolveInRoot(view, p, wantsContent(p));
  const stat = await fs.lstat(r.host).catch(() => undefined);
  if (!stat) throw notFound(`Could not find the file ${p} in container ${containerName}`);
  return { host: r.host, container: r.container, stat };
}

/** The stat header value for a resolved path (base64 of the JSON). */
export async function pathStat(view: RootView, p: string, r: ResolvedPath): Promise<PathStat> {
  let linkTarget = '';
  if (r.stat.isSymbolicLink()) linkTarget = (await resolveInRoot(view, r.container, true)).container;
  return { name: baseName(p), size: r.stat.size, mode: goFileMode(r.stat), mtime: r.stat.mtime.toISOString(), linkTarget };
}

export function encodeStat(s: PathStat): string {
  return Buffer.from(JSON.stringify(s)).toString('base64');
}
