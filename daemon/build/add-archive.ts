/**
 * ADD of a local tar archive (plain, gzip, bzip2, xz, zstd): unpacked by the same hardened
 * unpacker as pull, load and import (layers/unpack.ts — names cleaned and a leading `/`
 * stripped, symlinked parents resolved inside the archive, hard links only to files the
 * archive itself holds, so a link to /etc/shadow can never reach a host file) into a fresh
 * staging directory beside the step's layer dir, then moved under the destination. The move
 * only renames (same filesystem), never follows a symlink already in the layer, and lets the
 * archive's entries replace what the step wrote before, as extracting over it would; a
 * directory the image below has as a symlink to a directory is merged where the link points
 * (resolved inside the image, as the source trees resolve every path).
 * `.wh.` names are ordinary files here, as in Docker.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs, Stats } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
// Unpacking runs on a worker thread so a big archive never blocks other API requests.
import { unpackLayerInWorker as unpackLayer } from '../layers/unpack-pool';
import type { SourceTree } from '../layers/source-tree';
import type { LayerWriter, Owner } from './copy-write';

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  return fs.lstat(p).catch(() => undefined);
}

/**
 * Moves the entries of the staging directory `src` under `viewDir` (a path in the image) in the
 * layer, merging directories.
 */
async function mergeInto(src: string, viewDir: string, writer: LayerWriter, base: SourceTree): Promise<void> {
  for (const name of await fs.readdir(src)) {
    const from = path.join(src, name);
    const view = path.posix.join(viewDir, name);
    const st = await fs.lstat(from);
    const there = await lstatOrUndefined(writer.host(view));
    if (st.isDirectory() && !there) {
      // In the image below, a symlink to a directory (merged /usr: lib -> usr/lib): the
      // archive's directory goes where it points, as extracting inside the image would,
      // instead of hiding the link (and all it reaches) behind a new directory.
      const below = await base.lookupLiteral(view);
      if (below?.kind === 'symlink') {
        const resolved = await base.resolve(view);
        if ((await base.lookupLiteral(resolved))?.kind === 'dir') {
          await writer.ensureDir(resolved);
          await mergeInto(from, resolved, writer, base);
          continue;
        }
      }
    }
    if (st.isDirectory() && there?.isDirectory()) {
      // An existing directory keeps its attributes (the staging copy may be an implicit parent
      // the archive never listed).
      await mergeInto(from, view, writer, base);
      continue;
    }
    const to = writer.host(view);
    if (there) await fs.rm(to, { recursive: true, force: true });
    await fs.rename(from, to);
    // Moving a directory rewrites its `..` entry; keep the archive's mtime.
    if (st.isDirectory()) await fs.utimes(to, st.atime, st.mtime);
  }
}

/**
 * Unpacks the archive `source` into `destView` (a directory of the image, already made in the
 * layer by the writer). With `owner` (ADD --chown) every entry gets it; else the archive's
 * owners are kept.
 */
export async function addArchive(source: Readable, writer: LayerWriter, base: SourceTree, destView: string, owner: Owner | undefined): Promise<void> {
  const staging = `${writer.layerDir}.add-${randomBytes(6).toString('hex')}`;
  await fs.mkdir(staging, 0o700);
  try {
    await unpackLayer(source, staging, { whiteouts: false, ...(owner ? { owner } : {}) });
    await mergeInto(staging, destView, writer, base);
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
