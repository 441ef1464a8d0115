/**
 * PUT /containers/{id}/archive: a tar extracted into a directory of the container. The tar is
 * unpacked by the hardened layer unpacker (layers/unpack.ts: no entry leaves its directory,
 * no write through a symlink) into a fresh scratch directory, then merged into the container
 * entry by entry: every target is resolved inside the container's root again
 * (layers/in-root.ts) and only ever created new (rename, or `cp -a -T` across filesystems),
 * never written through what exists there, so a symlink in the container pointing at the
 * host cannot redirect the copy. An existing directory is merged into (taking the tar's
 * owner and mode, as tar does); `noOverwriteDirNonDir` refuses to replace a directory with a
 * non-directory or the reverse, with Docker's words.
 */
import { execFile } from 'node:child_process';
import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { invalid, systemError } from '../errors';
import { resolveInRoot, type RootView } from '../layers/in-root';
import { unpackLayer } from '../layers/unpack';

const run = promisify(execFile);

export interface PutOptions {
  noOverwriteDirNonDir: boolean;
  /** Give every entry this owner (copyUIDGID with a container user). */
  owner?: { uid: number; gid: number };
}

async function moveInto(src: string, target: string): Promise<void> {
  try {
    await fs.rename(src, target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    // -T: `target` is the new entry itself, never a directory to copy into; -a: no dereference
    await run('cp', ['-a', '-T', '--', src, target], { maxBuffer: 1 << 20 }).catch((e: { stderr?: string }) => {
      throw systemError(`copying into the container failed: ${String(e.stderr ?? e).trim()}`, e);
    });
  }
}

async function applyMeta(target: string, st: Stats): Promise<void> {
  await fs.lchown(target, st.uid, st.gid);
  await fs.chmod(target, st.mode & 0o7777);
  await fs.utimes(target, st.atime, st.mtime);
}

/** Merges the directory `srcDir` into container directory `ctrDir`. */
async function merge(view: RootView, srcDir: string, ctrDir: string, opts: PutOptions): Promise<void> {
  for (const name of await fs.readdir(srcDir)) {
    const src = path.join(srcDir, name);
    const sst = await fs.lstat(src);
    const ctr = path.posix.join(ctrDir, name);
    const { host: target } = await resolveInRoot(view, ctr, false);
    const tst = await fs.lstat(target).catch(() => undefined);
    if (tst) {
      if (tst.isDirectory() && sst.isDirectory()) {
        await merge(view, src, ctr, opts);
        await applyMeta(target, sst);
        continue;
      }
      if (opts.noOverwriteDirNonDir && tst.isDirectory() !== sst.isDirectory()) {
        throw invalid(tst.isDirectory()
          ? `cannot overwrite directory "${ctr}" with non-directory "${name}"`
          : `cannot overwrite non-directory "${ctr}" with directory "${name}"`);
      }
      // unlink/rm of a symlink removes the link, never what it points at
      await fs.rm(target, { recursive: true, force: true });
    }
    await moveInto(src, target);
  }
}

/**
 * Extracts `tar` into container directory `ctrDir` (already resolved and checked to be a
 * directory). `scratch` is an empty directory of berthd's, removed by the caller.
 */
export async function extractInto(view: RootView, ctrDir: string, tar: Readable, scratch: string, opts: PutOptions): Promise<void> {
  await unpackLayer(tar, scratch, { whiteouts: false, chown: true, ...(opts.owner ? { owner: opts.owner } : {}) });
  await merge(view, scratch, ctrDir, opts);
}
