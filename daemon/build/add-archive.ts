/**
 * ADD of a local tar archive (plain, gzip, bzip2, xz, zstd): unpacked by the same hardened
 * unpacker as pull, load and import (layers/unpack.ts — names cleaned and a leading `/`
 * stripped, symlinked parents resolved inside the archive, hard links only to files the
 * archive itself holds, so a link to /etc/shadow can never reach a host file) into a fresh
 * staging directory beside the step's layer dir, then moved under the destination. The move
 * only renames (same filesystem), never follows a symlink already in the layer, and lets the
 * archive's entries replace what the step wrote before, as extracting over it would.
 * `.wh.` names are ordinary files here, as in Docker.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, Stats } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
// Unpacking runs on a worker thread so a big archive never blocks other API requests.
import { unpackLayerInWorker as unpackLayer } from '../layers/unpack-pool';
import type { Owner } from './copy-write';

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  return fs.lstat(p).catch(() => undefined);
}

/** Moves the entries of `src` into the directory `dst`, merging directories. */
async function mergeInto(src: string, dst: string): Promise<void> {
  for (const name of await fs.readdir(src)) {
    const from = path.join(src, name);
    const to = path.join(dst, name);
    const st = await fs.lstat(from);
    const there = await lstatOrUndefined(to);
    if (st.isDirectory() && there?.isDirectory()) {
      // An existing directory keeps its attributes (the staging copy may be an implicit parent
      // the archive never listed).
      await mergeInto(from, to);
      continue;
    }
    if (there) await fs.rm(to, { recursive: true, force: true });
    await fs.rename(from, to);
    // Moving a directory rewrites its `..` entry; keep the archive's mtime.
    if (st.isDirectory()) await fs.utimes(to, st.atime, st.mtime);
  }
}

/**
 * Unpacks the archive `source` into `hostDest` (an existing directory inside `layerDir`).
 * With `owner` (ADD --chown) every entry gets it; else the archive's owners are kept.
 */
export async function addArchive(source: Readable, layerDir: string, hostDest: string, owner: Owner | undefined): Promise<void> {
  const staging = `${layerDir}.add-${randomBytes(6).toString('hex')}`;
  await fs.mkdir(staging, 0o700);
  try {
    await unpackLayer(source, staging, { whiteouts: false, ...(owner ? { owner } : {}) });
    await mergeInto(staging, hostDest);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
