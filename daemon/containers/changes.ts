/**
 * What a container changed, read from its overlay upper dir: `docker diff` (A added, C changed,
 * D deleted; an overlay whiteout — a 0/0 character device — is a deletion), SizeRw (bytes in
 * the upper dir) and SizeRootFs (plus the image's layers). Read-only; works whether or not the
 * rootfs is mounted.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const enum ChangeKind {
  Modified = 0,
  Added = 1,
  Deleted = 2,
}

export interface Change {
  Path: string;
  Kind: ChangeKind;
}

/** Paths berth itself creates or binds in every container (Docker hides its init layer too). */
const HIDDEN = new Set(['/etc/hosts', '/etc/hostname', '/etc/resolv.conf', '/etc/mtab', '/.dockerenv', '/dev', '/proc', '/sys']);

export function isWhiteout(st: { isCharacterDevice(): boolean; rdev: number }): boolean {
  return st.isCharacterDevice() && st.rdev === 0;
}

async function existsInLower(lowers: string[], rel: string): Promise<boolean> {
  for (const dir of lowers) {
    try {
      const st = await fs.lstat(path.join(dir, rel));
      return !isWhiteout(st);
    } catch {
      // not in this layer; try the next one down
    }
  }
  return false;
}

/** Changes in `upper` relative to `lowers` (highest layer first), sorted by path. */
export async function changes(upper: string, lowersTopFirst: string[]): Promise<Change[]> {
  const out: Change[] = [];
  const walk = async (rel: string): Promise<void> => {
    let names: string[];
    try {
      names = await fs.readdir(path.join(upper, rel));
    } catch {
      return;
    }
    for (const name of names) {
      const childRel = path.posix.join(rel, name);
      const st = await fs.lstat(path.join(upper, childRel));
      if (isWhiteout(st)) out.push({ Path: childRel, Kind: ChangeKind.Deleted });
      else {
        out.push({ Path: childRel, Kind: (await existsInLower(lowersTopFirst, childRel)) ? ChangeKind.Modified : ChangeKind.Added });
        if (st.isDirectory()) await walk(childRel);
      }
    }
  };
  await walk('/');
  const visible = out.filter((c) => !HIDDEN.has(c.Path));
  // A directory that only appears because berth created one of the hidden files in it is no change.
  const kept = visible.filter((c) => {
    if (c.Kind !== ChangeKind.Modified) return true;
    const hadHidden = [...HIDDEN].some((h) => h.startsWith(c.Path + '/'));
    return !hadHidden || visible.some((o) => o.Path.startsWith(c.Path + '/'));
  });
  return kept.sort((a, b) => (a.Path < b.Path ? -1 : a.Path > b.Path ? 1 : 0));
}

/** Total bytes of the files under `dir` (regular files and symlinks), as Docker's SizeRw counts. */
export async function directorySize(dir: string): Promise<number> {
  let total = 0;
  const walk = async (d: string): Promise<void> => {
    let entries;
    try {
      entries = await fs.readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() || e.isSymbolicLink()) total += (await fs.lstat(p).catch(() => ({ size: 0 }))).size;
    }
  };
  await walk(dir);
  return total;
}
