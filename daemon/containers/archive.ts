/**
 * The archive API of a container (`docker cp`, docker-py get_archive/put_archive, dockerode
 * getArchive/putArchive): stat (HEAD), tar of a path (GET), extraction of a tar into a
 * directory (PUT), for running and stopped containers, through the rootfs and the container's
 * mounts. Path rules: archive-stat.ts; the tar: archive-tar.ts; extraction: archive-put.ts.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { BerthError, invalid, notFound } from '../errors';
import { resolveInRoot, type RootView } from '../layers/in-root';
import { encodeStat, pathStat, resolvePath, type PathStat } from './archive-stat';
import { archiveStream } from './archive-tar';
import { extractInto } from './archive-put';
import type { ContainerRecord } from './record';

export interface ArchiveContainers {
  withFilesystem<T>(ref: string, fn: (view: RootView, rec: ContainerRecord) => Promise<T>): Promise<T>;
}

export interface PutArchiveOptions {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
}

const nameOf = (rec: ContainerRecord) => rec.Name.replace(/^\//, '');

function needPath(p: string | undefined): string {
  if (!p) throw invalid('bad parameter: path cannot be empty');
  return p;
}

/** The uid/gid of the container's Config.User, read from its /etc/passwd and /etc/group. */
async function userOf(view: RootView, user: string): Promise<{ uid: number; gid: number } | undefined> {
  if (!user) return undefined;
  const [u = '', g] = user.split(':');
  const lookup = async (file: string, name: string): Promise<string[] | undefined> => {
    const { host } = await resolveInRoot(view, file);
    const text = await fs.readFile(host, 'utf8').catch(() => '');
    return text.split('\n').map((l) => l.split(':')).find((f) => f[0] === name);
  };
  let uid: number;
  let gid = 0;
  if (/^\d+$/.test(u)) uid = Number(u);
  else {
    const pw = await lookup('/etc/passwd', u);
    if (!pw) throw invalid(`unable to find user ${u}: no matching entries in passwd file`);
    uid = Number(pw[2]);
    gid = Number(pw[3]);
  }
  if (g !== undefined) {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const gr = await lookup('/etc/group', g);
      if (!gr) throw invalid(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(gr[2]);
    }
  }
  return { uid, gid };
}

export class ContainerArchives {
  constructor(
    private readonly containers: ArchiveContainers,
    /** berthd's scratch directory (emptied at start): extractions are staged below it. */
    private readonly scratchRoot: string,
  ) {}

  /** HEAD: the path's stat, encoded for the X-Docker-Container-Path-Stat header. */
  async stat(ref: string, p: string | undefined): Promise<string> {
    const want = needPath(p);
    return this.containers.withFilesystem(ref, async (view, rec) => encodeStat(await pathStat(view, want, await resolvePath(view, want, nameOf(rec)))));
  }

  /**
   * GET: calls `send` with the stat header and the tar stream and waits for it: a stopped
   * container's rootfs stays mounted until the stream is consumed.
   */
  async get(ref: string, p: string | undefined, send: (stat: string, tar: Readable) => Promise<void>): Promise<void> {
    const want = needPath(p);
    await this.containers.withFilesystem(ref, async (view, rec) => {
      const r = await resolvePath(view, want, nameOf(rec));
      const st: PathStat = await pathStat(view, want, r);
      const tarName = st.name === '/' ? '.' : st.name;
      await send(encodeStat(st), archiveStream(view, r.host, r.container, tarName, r.stat));
    });
  }

  /** PUT: extracts `tar` into the directory `p` names. */
  async put(ref: string, p: string | undefined, tar: Readable, opts: PutArchiveOptions): Promise<void> {
    const want = needPath(p);
    await this.containers.withFilesystem(ref, async (view, rec) => {
      const dest = await resolveInRoot(view, want, true);
      const st = await fs.lstat(dest.host).catch(() => undefined);
      if (!st) throw notFound(`Could not find the file ${want} in container ${nameOf(rec)}`);
      if (!st.isDirectory()) throw invalid('extraction point is not a directory');
      if (rec.HostConfig.ReadonlyRootfs === true && !this.inWritableMount(rec, dest.container)) {
        throw new BerthError('Forbidden', 'container rootfs is marked read-only');
      }
      const owner = opts.copyUIDGID ? await userOf(view, rec.Config.User ?? '') : undefined;
      const scratch = path.join(this.scratchRoot, `archive-${randomBytes(8).toString('hex')}`);
      await fs.mkdir(scratch, { recursive: true, mode: 0o700 });
      try {
        await extractInto(view, dest.container, tar, scratch, { noOverwriteDirNonDir: opts.noOverwriteDirNonDir, ...(owner ? { owner } : {}) });
      } finally {
        await fs.rm(scratch, { recursive: true, force: true });
      }
    });
  }

  /** With a read-only rootfs, only writable volumes and binds take a PUT. */
  private inWritableMount(rec: ContainerRecord, ctr: string): boolean {
    const under = (d: string) => ctr === d || ctr.startsWith(d.replace(/\/+$/, '') + '/');
    if ((rec.MountPoints ?? []).some((m) => m.RW && under(m.Destination))) return true;
    return (rec.HostConfig.Binds ?? []).some((b) => {
      const [src = '', dst = '', mode = ''] = b.split(':');
      return src.startsWith('/') && !mode.split(',').includes('ro') && under(dst);
    });
  }
}
