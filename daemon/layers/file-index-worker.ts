/**
 * The worker-thread side of file-index-pool.ts: walks (and hashes) one layer directory, or
 * hashes a list of its files, with synchronous syscalls and posts the result back, or {error}.
 * One message in, one out.
 */
import { parentPort } from 'node:worker_threads';
import { hashFiles, walkLayer } from './file-index';

const port = parentPort;
if (port) {
  port.once('message', (m: { dir: string; hash: boolean; paths?: string[] }) => {
    try {
      if (m.paths) port.postMessage({ hashes: hashFiles(m.dir, m.paths) });
      else port.postMessage({ entries: walkLayer(m.dir, { hash: m.hash }) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      port.postMessage({ error: { message: err instanceof Error ? err.message : String(err), code } });
    }
  });
}
