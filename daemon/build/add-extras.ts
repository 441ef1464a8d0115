/**
 * What ADD does beyond COPY: local tar archives (plain, gzip, bzip2, xz — the last two through
 * the `bzip2`/`xz` programs) are unpacked into the destination, and http(s) URLs are
 * downloaded. Also --chown name resolution from the image's /etc/passwd and /etc/group.
 */
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar';
import { invalid } from '../errors';
import type { SourceTree } from '../layers/source-tree';
import type { Owner } from './copy-write';

export type ArchiveKind = 'tar' | 'gzip' | 'bzip2' | 'xz';

/** Sniffs a file's first bytes: which kind of tar archive it is (Docker decides by content, not name). */
export function archiveKind(head: Buffer): ArchiveKind | undefined {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head.subarray(0, 3).toString('latin1') === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 262 && head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  return undefined;
}

/** A decompressing stream of the archive's tar bytes. */
function tarBytes(file: Readable, kind: ArchiveKind): Readable {
  if (kind === 'tar') return file;
  if (kind === 'gzip') return file.pipe(createGunzip());
  const prog = spawn(kind === 'bzip2' ? 'bzip2' : 'xz', ['-dc'], { stdio: ['pipe', 'pipe', 'ignore'] });
  file.pipe(prog.stdin);
  prog.stdin.on('error', () => undefined);
  prog.on('error', (e) => prog.stdout.destroy(invalid(`cannot decompress with ${kind}: ${e.message}`)));
  return prog.stdout;
}

/** Unpacks an archive into `hostDir` (already created). Paths cannot escape it. */
export async function extractArchive(source: Readable, kind: ArchiveKind, hostDir: string, owner: Owner | undefined): Promise<void> {
  const extractor = tar.x({
    cwd: hostDir,
    preserveOwner: owner === undefined,
    ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    strict: true,
    unlink: true,
    noMtime: false,
  });
  await pipeline(tarBytes(source, kind), extractor);
}

function findEntry(text: string | undefined, key: string, byName: boolean): string[] | undefined {
  for (const line of (text ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 3) continue;
    if (byName ? f[0] === key : f[2] === key) return f;
  }
  return undefined;
}

/** Resolves `--chown=user[:group]` (names or ids) in the image being built. */
export async function resolveOwner(spec: string, view: SourceTree): Promise<Owner> {
  const [user = '', group] = spec.split(':');
  if (user === '') throw invalid(`invalid --chown value "${spec}"`);
  let uid: number;
  let gid: number | undefined;
  if (/^\d+$/.test(user)) uid = Number(user);
  else {
    const passwd = (await view.readFile('/etc/passwd'))?.toString();
    const e = findEntry(passwd, user, true);
    if (!e) throw invalid(`unable to convert uid/gid chown string to host mapping: can't find uid for user ${user}: no such user: ${user}`);
    uid = Number(e[2]);
    gid = Number(e[3]);
  }
  if (group !== undefined && group !== '') {
    if (/^\d+$/.test(group)) gid = Number(group);
    else {
      const e = findEntry((await view.readFile('/etc/group'))?.toString(), group, true);
      if (!e) throw invalid(`unable to convert uid/gid chown string to host mapping: can't find gid for group ${group}: no such group: ${group}`);
      gid = Number(e[2]);
    }
  }
  return { uid, gid: gid ?? uid };
}
