/**
 * Unpacking a layer on a worker thread (unpack-worker.ts), with the same contract as
 * unpackLayer: stream in, {diffId, size} out, BerthError kinds kept. The source is fed to the
 * worker in transferred chunks with a small window of unacknowledged chunks, so memory stays
 * bounded and the source is paused while the disk is slower than the network. Each unpack gets
 * its own short-lived worker; several layers are written at once, and the daemon's event loop
 * stays free for other requests meanwhile.
 */
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { BerthError, ErrorKind } from '../errors';
import { asErrorCode } from '../errors/codes';
import { asLayerError, layerError, LayerCode } from './errors';
import type { UnpackOptions, UnpackResult } from './unpack';

/** A BerthError as it crosses the thread boundary (structured clone drops the class). */
export interface WireError {
  kind: ErrorKind;
  code?: string;
  message: string;
}

/** Chunks in flight to the worker before the source is paused. */
const WINDOW = 16;

export function unpackLayerInWorker(source: Readable, dir: string, opts: UnpackOptions = {}): Promise<UnpackResult> {
  return new Promise<UnpackResult>((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'unpack-worker.js'));
    let inFlight = 0;
    let settled = false;
    const finish = (err: Error | undefined, result?: UnpackResult) => {
      if (settled) return;
      settled = true;
      source.off('data', onData);
      if (err) source.destroy();
      void worker.terminate();
      if (err) reject(err);
      else resolve(result as UnpackResult);
    };
    const onData = (chunk: Buffer) => {
      // Copy into a buffer of our own: stream chunks may share pooled memory, which cannot move.
      const own = new Uint8Array(chunk.length);
      own.set(chunk);
      worker.postMessage({ chunk: own }, [own.buffer]);
      if (++inFlight >= WINDOW) source.pause();
    };
    worker.on('message', (m: { ack?: number; done?: boolean; result?: UnpackResult; error?: WireError }) => {
      if (m.ack) {
        inFlight -= m.ack;
        if (inFlight < WINDOW && source.isPaused() && !settled) source.resume();
      } else if (m.done) finish(undefined, m.result);
      else if (m.error) finish(new BerthError(m.error.kind, m.error.message, { code: asErrorCode(m.error.code) }));
    });
    worker.on('error', (err) => finish(asLayerError(err)));
    worker.on('exit', (code) => finish(layerError('System', LayerCode.WorkerDied, `the layer unpacking thread exited early (code ${code})`)));
    source.on('error', (err) => {
      if (!settled) worker.postMessage({ abort: err.message });
      finish(err);
    });
    source.on('end', () => worker.postMessage({ end: true }));
    worker.postMessage({ dir, opts });
    source.on('data', onData);
  });
}
