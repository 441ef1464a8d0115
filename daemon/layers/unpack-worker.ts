/**
 * The worker-thread side of layer unpacking (see unpack-pool.ts). Unpacking a layer is
 * thousands of short blocking syscalls; run on the daemon's main thread they would stall every
 * API request for the length of a pull, and several layers could not be written at once.
 * Protocol (messages from the parent): {dir, opts} first, then {chunk} (transferred buffers),
 * then {end} or {abort}; the worker answers {ack} per chunk consumed, then {done, result} or
 * {error: WireError} (a BerthError's kind, stable code and message: errors.ts asLayerError has
 * already turned whatever failed into one, so the parent never re-reads messages).
 */
import { parentPort } from 'node:worker_threads';
import { PassThrough } from 'node:stream';
import { asLayerError } from './errors';
import { unpackLayer, UnpackOptions } from './unpack';
import type { WireError } from './unpack-pool';

interface StartMessage {
  dir: string;
  opts: UnpackOptions;
}

type Incoming = StartMessage | { chunk: Uint8Array } | { end: true } | { abort: string };

const port = parentPort;
if (port) {
  const input = new PassThrough({ highWaterMark: 4 << 20 });
  let started = false;
  let owed = 0;
  port.on('message', (m: Incoming) => {
    if ('dir' in m && !started) {
      started = true;
      unpackLayer(input, m.dir, m.opts).then(
        (result) => port.postMessage({ done: true, result }),
        (err: unknown) => {
          const e = asLayerError(err);
          const wire: WireError = { kind: e.kind, message: e.message, ...(e.code ? { code: e.code } : {}) };
          port.postMessage({ error: wire });
        },
      );
    } else if ('chunk' in m) {
      const buf = Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength);
      if (input.write(buf) && owed === 0) {
        port.postMessage({ ack: 1 });
        return;
      }
      // Full: acknowledge this chunk and any others held back once the buffer drains.
      if (owed++ === 0) {
        input.once('drain', () => {
          port.postMessage({ ack: owed });
          owed = 0;
        });
      }
    } else if ('end' in m) {
      input.end();
    } else if ('abort' in m) {
      input.destroy(new Error(m.abort));
    }
  });
}
