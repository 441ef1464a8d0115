/**
 * The HTTP side of the containers' streams, shared by attach (hijacked or plain), logs and
 * exec start: the stream's media type, writing Docker's `101 UPGRADED` answer, reading a body
 * that arrived with an upgrade request, and waiting for a response to drain. What goes into
 * the streams (attach, logs, detach keys) is the containers service's (containers/attach.ts).
 */
import type { Duplex } from 'node:stream';
import { BerthError } from '../errors';
import { API_VERSION, compareVersions } from './version';
import { BERTH_VERSION } from '../version-info';
import { markUpgraded } from './write-error';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** The media type of an output stream: multiplexed (framed) without a tty, for API ≥ 1.42. */
export function streamMediaType(tty: boolean, apiVersion: string): string {
  return !tty && compareVersions(apiVersion, '1.42') >= 0 ? MULTIPLEXED_STREAM : RAW_STREAM;
}

/**
 * Answers `101 UPGRADED`. `framed`: the stream is stdcopy-framed — always without a tty, even
 * when an old API version's media type says raw-stream — so a later error goes in-band framed.
 */
export function writeUpgraded(socket: Duplex, mediaType: string, framed = mediaType === MULTIPLEXED_STREAM): void {
  markUpgraded(socket, framed);
  socket.write(
    `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${mediaType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n` +
      `Api-Version: ${API_VERSION}\r\nOstype: linux\r\nServer: berth/${BERTH_VERSION} (linux)\r\n\r\n`,
  );
}

/** The most an attach or exec start body may hold (a few options in JSON). */
export const UPGRADE_BODY_LIMIT = 1024 * 1024;

/**
 * Reads the request body that came with an upgrade request: first from `head`, then from the
 * socket until Content-Length bytes. Returns the body and any bytes beyond it (early stdin).
 * A declared length over UPGRADE_BODY_LIMIT is refused (413) before anything is buffered; a
 * body that stalls (nothing for `stallMs`) is refused too: the HTTP server's own timeouts no
 * longer cover a socket once it is handed over for the upgrade.
 */
export function readUpgradeBody(socket: Duplex, head: Buffer, contentLength: number, stallMs: number): Promise<{ body: Buffer; rest: Buffer }> {
  if (contentLength > UPGRADE_BODY_LIMIT) return Promise.reject(new BerthError('TooLarge', `request body too large (the limit is ${UPGRADE_BODY_LIMIT / 1024} KiB)`));
  return new Promise((resolve, reject) => {
    let buf = head;
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', reject);
    };
    const done = () => {
      stop();
      socket.pause();
      resolve({ body: buf.subarray(0, contentLength), rest: buf.subarray(contentLength) });
    };
    const stalled = () => {
      stop();
      reject(new BerthError('InvalidParameter', `the request body stalled: nothing arrived for ${stallMs / 1000} s`));
    };
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= contentLength) return done();
      timer?.refresh();
    };
    if (buf.length >= contentLength) return done();
    timer = setTimeout(stalled, stallMs);
    socket.on('data', onData);
    socket.once('error', reject);
  });
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
