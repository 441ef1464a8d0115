/**
 * The files of one json-file log and a cursor over them that survives rotation. The monitor
 * rotates PATH -> PATH.1 -> PATH.2 ... (native/helper/log.c); PATH is always the newest file,
 * and each file holds whole entries. A cursor reads one file through its own descriptor, so a
 * rename does not disturb it; at the end of a file that was rotated away, it reads that file
 * to its real end and goes on with the file that came after it (found by inode), so a
 * follower loses no line across any number of rotations, as long as the file it is in still
 * exists. A file truncated under it (max-file 1) is read again from its start.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';

export const READ_CHUNK = 1 << 20;

const inodeOf = (p: string): Promise<number | undefined> => fs.stat(p).then((s) => s.ino, () => undefined);

/** PATH, PATH.1, PATH.2, ... that exist (PATH is listed even when it does not), newest first. */
export async function logFilesNewestFirst(file: string): Promise<string[]> {
  const out = [file];
  for (let i = 1; i < 10_000; i++) {
    const p = `${file}.${i}`;
    if ((await inodeOf(p)) === undefined) break;
    out.push(p);
  }
  return out;
}

/** Every file of the log, oldest first, with their sizes (`docker inspect` sizes, tests). */
export async function logFilesOldestFirst(file: string): Promise<string[]> {
  return (await logFilesNewestFirst(file)).reverse();
}

export class LogFile {
  private constructor(private readonly handle: FileHandle, readonly ino: number, public pos: number) {}

  static async open(p: string, pos = 0): Promise<LogFile | undefined> {
    let h: FileHandle;
    try {
      h = await fs.open(p, 'r');
    } catch {
      return undefined;
    }
    return new LogFile(h, (await h.stat()).ino, pos);
  }

  /** The next bytes from pos (at most READ_CHUNK); empty at the end. */
  async read(): Promise<Buffer> {
    const { size } = await this.handle.stat();
    if (size < this.pos) this.pos = 0; // truncated under us (max-file 1): its new content is new
    if (size <= this.pos) return Buffer.alloc(0);
    const buf = Buffer.alloc(Math.min(size - this.pos, READ_CHUNK));
    const { bytesRead } = await this.handle.read(buf, 0, buf.length, this.pos);
    this.pos += bytesRead;
    return buf.subarray(0, bytesRead);
  }

  /** The offset where this file's last `n` lines start, and how many lines it has when fewer. */
  async tail(n: number): Promise<{ offset: number; lines: number }> {
    const { size } = await this.handle.stat();
    if (n <= 0) return { offset: size, lines: 0 };
    let end = size;
    let newlines = 0;
    const block = Buffer.alloc(64 * 1024);
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await this.handle.read(block, 0, end - start, start);
      for (let i = bytesRead - 1; i >= 0; i--) {
        // The file ends with a newline: the (n+1)-th one from the end precedes the last n lines.
        if (block[i] === 10 && ++newlines === n + 1) return { offset: start + i + 1, lines: n };
      }
      end = start;
    }
    return { offset: 0, lines: newlines };
  }

  close(): Promise<void> {
    return this.handle.close().catch(() => undefined);
  }
}

/**
 * Opens the file that follows `current` (which `path` no longer names): the one rotated in just
 * after it, or, when it fell off the end (deleted), the oldest one left. Names shift under us
 * while the monitor rotates, so the file is identified by inode and the opened descriptor is
 * checked against it (a rename between the look-up and the open makes us look again).
 * Undefined while the newer file is not there yet (between the monitor's rename and its open).
 */
export async function openFileAfter(path: string, current: LogFile): Promise<LogFile | undefined> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const newestFirst = await logFilesNewestFirst(path);
    const inodes = await Promise.all(newestFirst.map(inodeOf));
    const at = inodes.indexOf(current.ino);
    if (at === 0) return undefined; // not rotated
    const pick = at > 0 ? at - 1 : newestFirst.length - 1;
    const name = newestFirst[pick];
    const ino = inodes[pick];
    if (name === undefined || ino === undefined) return undefined;
    const f = await LogFile.open(name);
    if (f && f.ino === ino) return f;
    await f?.close();
  }
  return undefined;
}

/** True when `path` names another file than `current` (the monitor rotated). */
export async function rotatedAway(path: string, current: LogFile): Promise<boolean> {
  const ino = await inodeOf(path);
  return ino !== undefined && ino !== current.ino;
}
