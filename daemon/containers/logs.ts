/**
 * Reading Docker json-file logs (one `{"log":"...","stream":"stdout","time":"..."}` per line,
 * written by the container's monitor, rotated at --log-opt max-size): `tail`, `since`/`until`,
 * stream selection, and `follow`, which keeps reading appended lines — across rotations —
 * until the container has ended and the log is drained. Used by GET /containers/{id}/logs and to feed attach output.
 */
import { watch, FSWatcher } from 'node:fs';
import * as path from 'node:path';
import { LogFile, logFilesOldestFirst, openFileAfter, READ_CHUNK, rotatedAway } from './log-files';

export interface LogEntry {
  stream: 'stdout' | 'stderr';
  /** The bytes the container wrote (a line including its "\n", or a partial line). */
  data: Buffer;
  /** RFC 3339 with nanoseconds, as the monitor wrote it. */
  time: string;
}

export interface LogOptions {
  stdout: boolean;
  stderr: boolean;
  /** Epoch ms; entries before are skipped. */
  since?: number;
  until?: number;
  /** Only the last n lines of the file (undefined: all). */
  tail?: number;
  follow: boolean;
  /** Start reading at this byte offset (attach streams only the current run). */
  offset?: number;
}

export function parseLogLine(line: string): LogEntry | undefined {
  if (!line) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.log !== 'string') return undefined;
  return { stream: o.stream === 'stderr' ? 'stderr' : 'stdout', data: Buffer.from(o.log, 'utf8'), time: typeof o.time === 'string' ? o.time : '' };
}

/** Epoch ms of an RFC 3339 time with up to nanosecond precision. */
export function timeMs(t: string): number {
  return Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));
}

function wanted(e: LogEntry, o: LogOptions): boolean {
  if (e.stream === 'stdout' ? !o.stdout : !o.stderr) return false;
  if (o.since !== undefined || o.until !== undefined) {
    const t = timeMs(e.time);
    if (o.since !== undefined && t < o.since) return false;
    if (o.until !== undefined && t > o.until) return false;
  }
  return true;
}

/** Subscribes to "the container may have ended"; returns the unsubscribe function. */
export type EndNotifier = (fn: () => void) => () => void;

/** Waits for the log to grow or rotate, the container to end, or a short poll interval. */
function waitForChange(file: string, ended: () => boolean, signal: AbortSignal, onEnd?: EndNotifier): Promise<void> {
  return new Promise((resolve) => {
    let watcher: FSWatcher | undefined;
    let unsubscribe: (() => void) | undefined;
    const done = () => {
      clearInterval(timer);
      unsubscribe?.();
      watcher?.close();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setInterval(() => {
      if (ended()) done();
    }, 100);
    // The directory, not the file: a rotation renames the file we would be watching and
    // creates a new one, and the follower must hear of both at once (it falls behind otherwise).
    const base = path.basename(file);
    try {
      watcher = watch(path.dirname(file), { persistent: false }, (_event, name) => {
        if (name === null || String(name).startsWith(base)) done();
      });
      watcher.on('error', done);
    } catch {
      // The directory does not exist (yet): the timeout below looks again.
      watcher = undefined;
    }
    signal.addEventListener('abort', done);
    unsubscribe = onEnd?.(done);
    setTimeout(done, 1000).unref();
  });
}

/**
 * Yields log entries, from the oldest rotated file (PATH.N) to PATH. With `follow`, keeps
 * going — across rotations (log-files.ts) — until `ended()` is true and everything written
 * before that has been read, or until `signal` aborts (the client went away). `offset`
 * (attach's current run) reads PATH alone from that byte.
 */
export async function* readLogs(file: string, o: LogOptions, ended: () => boolean, signal: AbortSignal, onEnd?: EndNotifier): AsyncGenerator<LogEntry> {
  const names = o.offset !== undefined ? [file] : await logFilesOldestFirst(file);
  // Open them all at once: a rotation while we read renames files, never our descriptors.
  const opened = (await Promise.all(names.map((n, i) => LogFile.open(n, i === names.length - 1 ? (o.offset ?? 0) : 0)))).filter((f): f is LogFile => !!f);
  let current: LogFile | undefined;
  try {
    // Like Docker's json-file reader, `tail` counts lines of the log (all streams), across files.
    if (o.tail !== undefined) {
      let want = o.tail;
      let first = opened.length;
      while (first > 0 && want >= 0) {
        const f = opened[first - 1] as LogFile;
        const t = await f.tail(want);
        f.pos = t.offset;
        first--;
        want -= t.lines;
        if (want <= 0) break;
      }
      for (const f of opened.splice(0, first)) await f.close();
    }
    current = opened.shift();
    let pending = '';
    let sawRotation = false;
    for (;;) {
      const finished = ended();
      if (!current) current = await LogFile.open(file);
      const chunk = current ? await current.read() : Buffer.alloc(0);
      const text = pending + chunk.toString('utf8');
      const lines = text.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const e = parseLogLine(line);
        if (e && wanted(e, o)) yield e;
      }
      if (chunk.length === READ_CHUNK) continue;
      if (chunk.length > 0 && o.follow) continue; // drain before deciding anything
      // The end of this file: go on with the next one we opened, or the one rotated in after it
      // (once the rename is seen, this file is read to its end once more: the monitor wrote
      // its last entries here just before renaming it).
      let next = opened.shift();
      if (!next && o.follow && current && (await rotatedAway(file, current))) {
        if (!sawRotation) {
          sawRotation = true;
          continue;
        }
        next = await openFileAfter(file, current);
      }
      if (next) {
        await current?.close();
        current = next;
        pending = '';
        sawRotation = false;
        continue;
      }
      if (!o.follow || signal.aborted) return;
      if (finished && chunk.length === 0) return;
      if (chunk.length === 0) await waitForChange(file, ended, signal, onEnd);
      if (signal.aborted) return;
    }
  } finally {
    await current?.close();
    for (const f of opened) await f.close();
  }
}

/** The byte offset where the file's last `n` lines start (0 when it has fewer). */
export async function tailOffset(file: string, n: number): Promise<number> {
  const f = await LogFile.open(file);
  if (!f) return 0;
  try {
    return (await f.tail(n)).offset;
  } finally {
    await f.close();
  }
}
