/**
 * Client side of the monitor's attach socket (<exec-root>/containers/<id>/attach.sock).
 * Produces stdcopy-framed output without a tty and raw bytes with one (types.ts).
 * Back-pressure: while `output` is full (its reader is slow) the socket is paused, so the
 * monitor's queue for us fills and it stops reading the container's output (the container
 * blocks, as under Docker); nothing piles up in the daemon.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { conflict } from '../errors';
import { ATTACH, FRAME, FrameDecoder, frame, resizeFrame, stdinFrames } from './frames';
import type { AttachConnection, AttachStreams } from './types';

const SUN_PATH_MAX = 107;

/**
 * Connects to rundir/attach.sock. A path longer than sun_path is reached through
 * /proc/self/fd/<dirfd>/ (the monitor binds it relative to its cwd for the same reason).
 */
export function connectMonitor(rundir: string, id: string): Promise<net.Socket> {
  const full = path.join(rundir, 'attach.sock');
  let dirfd: number | undefined;
  let target = full;
  if (Buffer.byteLength(full) > SUN_PATH_MAX) {
    try {
      dirfd = fs.openSync(rundir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch {
      return Promise.reject(conflict(`container ${id} is not running`));
    }
    target = `/proc/self/fd/${dirfd}/attach.sock`;
  }
  return new Promise((resolve, reject) => {
    const sock = net.connect(target);
    const done = () => {
      if (dirfd !== undefined) fs.closeSync(dirfd);
      dirfd = undefined;
    };
    sock.once('connect', () => {
      done();
      resolve(sock);
    });
    sock.once('error', (err: NodeJS.ErrnoException) => {
      done();
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(conflict(`container ${id} is not running`));
      else reject(err);
    });
  });
}

export async function attachMonitor(rundir: string, id: string, tty: boolean, streams: AttachStreams): Promise<AttachConnection> {
  const sock = await connectMonitor(rundir, id);
  const flags =
    (streams.stdin ? ATTACH.stdin : 0) | (streams.stdout ? ATTACH.stdout : 0) | (streams.stderr ? ATTACH.stderr : 0) | (streams.replay ? ATTACH.replay : 0);
  sock.write(frame(FRAME.hello, Buffer.from([flags])));
  const output = new PassThrough();
  const decoder = new FrameDecoder();
  let ended = false;
  const end = () => {
    if (!ended) {
      ended = true;
      output.end();
    }
  };
  output.on('drain', () => sock.resume());
  sock.on('data', (chunk: Buffer) => {
    let full = false;
    for (const f of decoder.push(chunk)) {
      if (ended) break;
      if (f.type === FRAME.stdout || f.type === FRAME.stderr) {
        full = !output.write(tty ? f.payload : frame(f.type, f.payload)) || full;
      } else if (f.type === FRAME.exit) {
        end();
      }
    }
    if (full && !ended) sock.pause();
  });
  sock.on('close', end);
  sock.on('error', end);
  return {
    output,
    writeStdin(data: Buffer) {
      if (!sock.destroyed) for (const f of stdinFrames(data)) sock.write(f);
    },
    closeStdin() {
      if (!sock.destroyed) sock.write(frame(FRAME.closeStdin));
    },
    close() {
      sock.destroy();
      end();
    },
  };
}

/** One-shot resize over a control connection. */
export async function resizeMonitor(rundir: string, id: string, rows: number, cols: number): Promise<void> {
  const sock = await connectMonitor(rundir, id);
  await new Promise<void>((resolve) => {
    sock.on('error', () => resolve());
    sock.end(Buffer.concat([frame(FRAME.hello, Buffer.from([0])), resizeFrame(rows, cols)]), () => resolve());
  });
  sock.destroy();
}
