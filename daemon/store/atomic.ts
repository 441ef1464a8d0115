/**
 * The one way berth writes state to disk: write a temp file in the same directory, fsync it,
 * rename it over the target, fsync the directory. A crash leaves either the old or the new
 * file, never a torn one. Temp files are named `.tmp-*` so start-up can sweep leftovers.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';

export const TEMP_PREFIX = '.tmp-';

export function tempNameFor(target: string): string {
  return path.join(path.dirname(target), `${TEMP_PREFIX}${path.basename(target)}-${randomBytes(6).toString('hex')}`);
}

/** fsyncs a directory so a rename inside it survives power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Atomically replaces `target` with `data`. Idempotent; safe to call concurrently (last wins). */
export async function atomicWrite(target: string, data: string | Buffer, mode = 0o644): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempNameFor(target);
  const handle = await fs.open(tmp, 'w', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(target));
}

export async function atomicWriteJson(target: string, value: unknown): Promise<void> {
  await atomicWrite(target, JSON.stringify(value, null, 1) + '\n');
}

/** Reads and parses a JSON file; `undefined` when it does not exist. The caller validates the shape. */
export async function readJsonIfExists(file: string): Promise<unknown | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Removes `.tmp-*` leftovers of interrupted writes directly inside `dir`. */
export async function sweepTemps(dir: string): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (name.startsWith(TEMP_PREFIX)) {
      await fs.rm(path.join(dir, name), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
