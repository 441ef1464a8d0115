/**
 * What ADD does beyond COPY, apart from unpacking (add-archive.ts) and downloads
 * (images/url-download.ts): telling archives from plain files, and --chown name resolution
 * from the image's /etc/passwd and /etc/group.
 */
import { invalid } from '../errors';
import { detectCompression, looksLikeTar, plainStream } from '../layers/decompress';
import type { SourceEntry, SourceTree } from '../layers/source-tree';
import type { Owner } from './copy-write';

/**
 * Whether a file is a tar archive ADD unpacks, decided by content as Docker does (not by name):
 * a tar, plain or compressed (gzip, bzip2, xz, zstd). A compressed file that is not a tar, or
 * does not decompress, is copied as it is. Unpacking is add-archive.ts.
 */
export async function isArchive(tree: SourceTree, e: SourceEntry): Promise<boolean> {
  const head = await tree.head(e, 512);
  if (detectCompression(head) === 'none') return looksLikeTar(head);
  const source = tree.openRead(e);
  try {
    const { head: plain, stream } = await plainStream(source);
    stream.destroy();
    return looksLikeTar(plain);
  } catch {
    return false;
  } finally {
    source.destroy();
  }
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
