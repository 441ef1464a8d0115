/**
 * The streaming side of the containers API, shared by attach (hijacked or plain) and exec
 * start: writing Docker's `101 UPGRADED` answer, reading a body that arrived with an upgrade
 * request, Docker's detach keys (ctrl-p ctrl-q by default) on a tty's stdin, and following a
 * container's output (from its json-file log) into a socket until the container ends.
 */
import type { Duplex } from 'node:stream';
import { invalid } from '../errors';
import { API_VERSION, compareVersions } from './version';
import { BERTH_VERSION } from '../version-info';
import { frame, StdStream } from '../stdcopy';
import { readLogs, LogOptions, EndNotifier } from '../containers/logs';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** The media type of an output stream: multiplexed (framed) without a tty, for API ≥ 1.42. */
export function streamMediaType(tty: boolean, apiVersion: string): string {
  return !tty && compareVersions(apiVersion, '1.42') >= 0 ? MULTIPLEXED_STREAM : RAW_STREAM;
}

export function writeUpgraded(socket: Duplex, mediaType: string): void {
  socket.write(
    `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${mediaType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
      `Api-Version: ${API_VERSION}\r\nOstype: linux\r\nServer: berth/${BERTH_VERSION} (linux)\r\n\r\n`,
  );
}

/**
 * Reads the request body that came with an upgrade request: first from `head`, then from the
 * socket until Content-Length bytes. Returns the body and any bytes beyond it (early stdin).
 */
export function readUpgradeBody(socket: Duplex, head: Buffer, contentLength: number): Promise<{ body: Buffer; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = head;
    const done = () => {
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      resolve({ body: buf.subarray(0, contentLength), rest: buf.subarray(contentLength) });
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= contentLength) done();
    };
    if (buf.length >= contentLength) return done();
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** Parses Docker's detach-keys syntax ("ctrl-p,ctrl-q", "a,ctrl-@") into bytes. */
export function parseDetachKeys(spec: string): Buffer {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    const k = key.trim();
    if (k.length === 1) out.push(k.charCodeAt(0));
    else if (/^ctrl-[a-z@[\\\]^_]$/.test(k)) {
      const c = k.charCodeAt(5);
      out.push(c >= 97 ? c - 96 : c - 64);
    } else throw invalid(`Invalid detach keys (${spec}) provided`);
  }
  return Buffer.from(out);
}

/**
 * Watches stdin bytes for the detach sequence. `push` returns the bytes to forward and
 * whether the sequence was completed (the bytes of a partial match are held back, then
 * released if the sequence breaks, as Docker's escape proxy does).
 */
export class DetachScanner {
  private matched = 0;
  constructor(private readonly keys: Buffer) {}

  push(chunk: Buffer): { forward: Buffer; detach: boolean } {
    if (this.keys.length === 0) return { forward: chunk, detach: false };
    const out: number[] = [];
    for (const byte of chunk) {
      if (byte === this.keys[this.matched]) {
        this.matched++;
        if (this.matched === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      for (let i = 0; i < this.matched; i++) out.push(this.keys[i] as number);
      this.matched = 0;
      if (byte === this.keys[0]) this.matched = 1;
      else out.push(byte);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

/**
 * Writes log entries into `sink`: stdcopy-framed without a tty, raw with. When the sink says
 * its buffer is full (returns false), waits for `drained` so a slow client does not make the
 * daemon hold a whole log in memory.
 */
export async function pumpLogs(
  file: string,
  o: LogOptions & { timestamps: boolean; tty: boolean },
  ended: () => boolean,
  signal: AbortSignal,
  sink: (b: Buffer) => boolean | void,
  onEnd?: EndNotifier,
  drained?: () => Promise<void>,
): Promise<void> {
  for await (const e of readLogs(file, o, ended, signal, onEnd)) {
    const data = o.timestamps ? Buffer.concat([Buffer.from(`${e.time} `), e.data]) : e.data;
    const ok = sink(o.tty ? data : frame(e.stream === 'stderr' ? StdStream.Stderr : StdStream.Stdout, data));
    if (ok === false && drained && !signal.aborted) await drained();
  }
}

/** Resolves when `w` drains or closes. */
export function drainedOrClosed(w: NodeJS.EventEmitter): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      const done = () => {
        w.off('drain', done);
        w.off('close', done);
        resolve();
      };
      w.once('drain', done);
      w.once('close', done);
    });
}
