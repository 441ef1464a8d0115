/**
 * Reading Docker json-file logs (one `{"log":"...","stream":"stdout","time":"..."}` per line,
 * written by the container's monitor): `tail`, `since`/`until`, stream selection, and
 * `follow`, which keeps reading appended lines until the container has ended and the file is
 * drained. Used by GET /containers/{id}/logs and to feed attach output.
 */
import { promises as fs, watch, FSWatcher } from 'node:fs';

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

/** Waits for the file to grow, the container to end, or a short poll interval (inotify can miss renames). */
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
    try {
      watcher = watch(file, { persistent: false }, done);
      watcher.on('error', done);
    } catch {
      // The file does not exist yet: the poll above notices when it does.
      watcher = undefined;
    }
    signal.addEventListener('abort', done);
    unsubscribe = onEnd?.(done);
    setTimeout(done, 1000).unref();
  });
}

/**
 * Yields log entries. With `follow`, keeps going until `ended()` is true and everything
 * written before that has been read, or until `signal` aborts (the client went away).
 */
export async function* readLogs(file: string, o: LogOptions, ended: () => boolean, signal: AbortSignal, onEnd?: EndNotifier): AsyncGenerator<LogEntry> {
  // Like Docker's json-file reader, `tail` counts lines of the file (all streams).
  let pos = o.tail !== undefined ? await tailOffset(file, o.tail) : (o.offset ?? 0);
  let pending = '';
  for (;;) {
    const finished = ended();
    const chunk = await readFrom(file, pos);
    pos += chunk.length;
    const text = pending + chunk.toString('utf8');
    const lines = text.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const e = parseLogLine(line);
      if (e && wanted(e, o)) yield e;
    }
    if (chunk.length === READ_CHUNK) continue;
    if (!o.follow || signal.aborted) return;
    if (finished && chunk.length === 0) return;
    if (chunk.length === 0) await waitForChange(file, ended, signal, onEnd);
    if (signal.aborted) return;
  }
}

const READ_CHUNK = 1 << 20;

/** The byte offset where the file's last `n` lines start (0 when it has fewer). */
export async function tailOffset(file: string, n: number): Promise<number> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return 0;
  }
  try {
    const { size } = await handle.stat();
    if (n <= 0) return size;
    let end = size;
    let newlines = 0;
    const block = Buffer.alloc(64 * 1024);
    while (end > 0) {
      const start = Math.max(0, end - block.length);
      const { bytesRead } = await handle.read(block, 0, end - start, start);
      for (let i = bytesRead - 1; i >= 0; i--) {
        // The file ends with a newline: the (n+1)-th one from the end precedes the last n lines.
        if (block[i] === 10 && ++newlines === n + 1) return start + i + 1;
      }
      end = start;
    }
    return 0;
  } finally {
    await handle.close();
  }
}

async function readFrom(file: string, pos: number): Promise<Buffer> {
  let handle;
  try {
    handle = await fs.open(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const { size } = await handle.stat();
    if (size <= pos) return Buffer.alloc(0);
    const buf = Buffer.alloc(Math.min(size - pos, READ_CHUNK));
    const { bytesRead } = await handle.read(buf, 0, buf.length, pos);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
