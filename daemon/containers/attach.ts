/**
 * Attaching a client to a container (POST /containers/{id}/attach, hijacked or plain). The CLI
 * attaches *before* start: such an attach makes the start ask the monitor to keep early output
 * (awaitAttach), then connects with `replay`, so nothing is lost however fast the process, and
 * bytes arrive exactly as written (binary output survives). If the monitor is already gone,
 * the run's output is read from the json-file log instead. Stdin goes to the monitor; at the
 * client's half-close the container's stdin is closed (StdinOnce) and output keeps flowing
 * until the container exits, then the stream ends. Detach keys (tty) end the attach only.
 * The HTTP side (upgrade, media type) is api/containers-attach.ts.
 */
import type { Duplex } from 'node:stream';
import { promises as fs } from 'node:fs';
import type { AttachConnection, AttachStreams } from '../runtime/types';
import { describe } from '../errors';
import { log } from '../log';
import type { ContainerRecord } from './record';
import { DetachScanner } from './detach-keys';
import { pumpLogs } from './log-stream';

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  stream: boolean;
  logs: boolean;
  detachKeys: Buffer;
}

/** What an attach needs of the containers service (ContainerService implements it). */
export interface AttachHost {
  find(ref: string): ContainerRecord | undefined;
  logFileOf(id: string): string;
  /** Log size when the current run started: attach-before-start streams from there. */
  logOffsetOfRun(id: string): number;
  onStarted(id: string, fn: () => void): () => void;
  onExitOrRemoved(id: string, fn: () => void): () => void;
  /** Tells the next start that an attach waits; returns the release (idempotent). */
  expectAttach(id: string): () => void;
  /** Connects to the container's monitor. */
  connect(id: string, streams: AttachStreams): Promise<AttachConnection>;
}

export interface AttachIo {
  /** Returns false when the client's socket is full: wait for drained() before more. */
  write(b: Buffer): boolean;
  /** Resolves once the client's socket has room again (or is gone). */
  drained?: () => Promise<void>;
  end(): void;
  /** Client input (hijacked only). */
  input?: Duplex;
  early?: Buffer;
  /** Registers a callback for the client going away (plain responses). */
  onClose?: (fn: () => void) => void;
}

/** Waits until the container is running; false when it ended or went away instead. */
function whenRunning(svc: AttachHost, rec: ContainerRecord, closed: AbortSignal): Promise<boolean> {
  if (rec.State.Running) return Promise.resolve(true);
  return new Promise((resolve) => {
    const offStart = svc.onStarted(rec.Id, () => finish(true));
    const offEnd = svc.onExitOrRemoved(rec.Id, () => finish(false));
    const onAbort = () => finish(false);
    closed.addEventListener('abort', onAbort);
    function finish(ok: boolean) {
      offStart();
      offEnd();
      closed.removeEventListener('abort', onAbort);
      resolve(ok);
    }
  });
}

/**
 * Streams one attach until the container ends, the client goes away or it detaches. The
 * caller (ContainerService.attach) registers the returned promise with the notifier, so the
 * container's exit is reported, and auto-removal happens, only after it drained.
 */
export async function attachContainer(svc: AttachHost, rec: ContainerRecord, o: AttachOptions, io: AttachIo): Promise<void> {
  const closer = new AbortController();
  const tty = rec.Config.Tty === true;
  const logFile = svc.logFileOf(rec.Id);
  const ended = () => !svc.find(rec.Id)?.State.Running;
  const out = { stdout: o.stdout, stderr: o.stderr, timestamps: false, tty, follow: false };
  let conn: AttachConnection | undefined;
  const queued: Buffer[] = [];
  let inputEnded = false;
  const scanner = new DetachScanner(tty ? o.detachKeys : Buffer.alloc(0));
  const detach = () => {
    conn?.close();
    closer.abort();
  };
  const onInput = (chunk: Buffer) => {
    const { forward, detach: wantsDetach } = scanner.push(chunk);
    if (forward.length) {
      if (conn) conn.writeStdin(forward);
      else queued.push(forward);
    }
    if (wantsDetach) detach();
  };
  const onInputEnd = () => {
    inputEnded = true;
    if (conn && rec.Config.StdinOnce) conn.closeStdin();
  };
  io.onClose?.(() => closer.abort());
  if (io.input) {
    io.input.on('close', () => closer.abort());
    io.input.on('error', () => closer.abort());
    if (o.stdin && rec.Config.OpenStdin) {
      if (io.early?.length) onInput(io.early);
      io.input.on('data', onInput);
      io.input.on('end', onInputEnd);
    } else {
      io.input.on('data', () => undefined);
    }
    io.input.resume();
  }
  const release = rec.State.Running ? () => undefined : svc.expectAttach(rec.Id);
  try {
    if (o.logs) await pumpLogs(logFile, out, () => true, closer.signal, io.write, undefined, io.drained);
    if (!o.stream || closer.signal.aborted) return;
    const wasRunning = rec.State.Running;
    const offset = wasRunning ? await fs.stat(logFile).then((s) => s.size, () => 0) : undefined;
    if (!(await whenRunning(svc, rec, closer.signal))) return;
    release();
    const wantStdin = o.stdin && rec.Config.OpenStdin === true;
    // The monitor's stream carries the exact bytes (binary output survives); a client that
    // attached before start gets the output from the first byte (replay).
    conn = await svc.connect(rec.Id, { stdin: wantStdin, stdout: o.stdout, stderr: o.stderr, replay: !wasRunning }).catch((err) => {
      log.debug('attach to the monitor failed; following the log instead', { id: rec.Id, error: describe(err) });
      return undefined;
    });
    if (conn) {
      for (const b of queued.splice(0)) conn.writeStdin(b);
      if (inputEnded && rec.Config.StdinOnce) conn.closeStdin();
      // The monitor serves every client it accepted, including one whose hello arrives just
      // as the container exits, and the exit path waits for this stream before it ends the
      // monitor (service.onExit), so what comes here is the whole output.
      await pipeOutput(conn.output, io, closer.signal);
      return;
    }
    // The monitor is already gone (a running container that ended before we connected, or a
    // monitor that died): what the run printed is in the json-file log.
    if (!wasRunning) log.warn('attach before start found no monitor; following the log instead', { id: rec.Id });
    const from = offset ?? svc.logOffsetOfRun(rec.Id);
    await pumpLogs(logFile, { ...out, follow: true, offset: from }, ended, closer.signal, io.write, (fn) => svc.onExitOrRemoved(rec.Id, fn), io.drained);
  } finally {
    release();
    conn?.close();
    io.end();
  }
}

/**
 * Copies the monitor's output to the client until it ends or the client goes away. When the
 * client's socket is full, the output is paused until it drains: the pause reaches the
 * monitor's socket (runtime/attach.ts) and from there the container, never our memory.
 */
function pipeOutput(output: NodeJS.ReadableStream, io: AttachIo, closed: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      output.off('data', onData);
      closed.removeEventListener('abort', done);
      resolve();
    };
    const onData = (b: Buffer) => {
      if (io.write(b) === false && io.drained && !closed.aborted) {
        output.pause();
        void io.drained().then(() => output.resume());
      }
    };
    output.on('data', onData);
    output.once('end', done);
    output.once('error', done);
    closed.addEventListener('abort', done);
  });
}
