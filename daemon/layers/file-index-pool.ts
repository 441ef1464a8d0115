/**
 * Walking a layer directory on a short-lived worker thread, so hashing a few hundred
 * megabytes never stalls the daemon's event loop. At most `MAX_WORKERS` walks run at once;
 * the rest wait their turn (the machine's disk and cores are shared with everything else).
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { IndexEntry } from './file-index';

const MAX_WORKERS = Math.max(1, Math.min(4, os.cpus().length));
let running = 0;
const waiting: (() => void)[] = [];

async function slot(): Promise<() => void> {
  if (running >= MAX_WORKERS) await new Promise<void>((r) => waiting.push(r));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

/** Error of a walk, with the errno code (ENOENT when the directory is gone). */
export class WalkError extends Error {
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

export function walkLayerInWorker(dir: string, opts: { hash?: boolean } = {}): Promise<IndexEntry[]> {
  return inWorker<IndexEntry[]>({ dir, hash: opts.hash ?? true }, (m) => m.entries ?? []);
}

/** sha256 of the named files (relative to `dir`), on a worker thread. */
export function hashFilesInWorker(dir: string, paths: string[]): Promise<Record<string, string>> {
  return inWorker({ dir, hash: true, paths }, (m) => m.hashes ?? {});
}

interface Reply {
  entries?: IndexEntry[];
  hashes?: Record<string, string>;
  error?: { message: string; code?: string };
}

async function inWorker<T>(message: { dir: string; hash: boolean; paths?: string[] }, pick: (m: Reply) => T): Promise<T> {
  const release = await slot();
  try {
    return await new Promise<T>((resolve, reject) => {
      const worker = new Worker(path.join(__dirname, 'file-index-worker.js'));
      let settled = false;
      const done = (err: Error | undefined, reply?: Reply) => {
        if (settled) return;
        settled = true;
        void worker.terminate();
        if (err) reject(err);
        else resolve(pick(reply ?? {}));
      };
      worker.on('message', (m: Reply) => {
        if (m.error) done(new WalkError(m.error.message, m.error.code));
        else done(undefined, m);
      });
      worker.on('error', (err) => done(err));
      worker.on('exit', (code) => done(new Error(`the layer walking thread exited early (code ${code})`)));
      worker.postMessage(message);
    });
  } finally {
    release();
  }
}
