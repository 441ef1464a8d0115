/**
 * POST /containers/{id}/attach: hijacked (`Upgrade: tcp` → `101 UPGRADED`) or plain. The CLI
 * attaches *before* start: such an attach makes the start ask the monitor to keep early
 * output (awaitAttach), then connects with `replay`, so nothing is lost however fast the
 * process, and bytes arrive exactly as written (binary output survives). If the monitor is
 * already gone, the run's output is read from the json-file log instead. Stdin goes to the
 * monitor; at the client's half-close the container's stdin is closed (StdinOnce) and output
 * keeps flowing until the container exits, then the socket ends. Detach keys (tty) end the
 * attach only.
 */
import type { Duplex } from 'node:stream';
import type { Request, Response } from 'express';
import { promises as fs } from 'node:fs';
import type { ContainerService } from '../containers/service';
import type { ContainerRecord } from '../containers/record';
import type { AttachConnection } from '../runtime/types';
import { describe } from '../errors';
import { log } from '../log';
import type { UpgradeRequest, UpgradeRoute } from './upgrade';
import { DetachScanner, parseDetachKeys, pumpLogs, streamMediaType, writeUpgraded } from './containers-stream';
import { boolParam } from './containers-params';

const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

export interface AttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  stream: boolean;
  logs: boolean;
  detachKeys: Buffer;
}

export function attachOptions(q: (name: string) => string | undefined): AttachOptions {
  return {
    stdin: boolParam(q('stdin')),
    stdout: boolParam(q('stdout')),
    stderr: boolParam(q('stderr')),
    stream: boolParam(q('stream')),
    logs: boolParam(q('logs')),
    detachKeys: parseDetachKeys(q('detachKeys') || DEFAULT_DETACH_KEYS),
  };
}

interface Io {
  write(b: Buffer): void;
  end(): void;
  /** Client input (hijacked only). */
  input?: Duplex;
  early?: Buffer;
  /** Registers a callback for the client going away (plain responses). */
  onClose?: (fn: () => void) => void;
}

/** Waits until the container is running; false when it ended or went away instead. */
function whenRunning(svc: ContainerService, rec: ContainerRecord, closed: AbortSignal): Promise<boolean> {
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

/** Streams one attach; auto-removal of the container waits for it to drain (see service). */
export function runAttach(svc: ContainerService, rec: ContainerRecord, o: AttachOptions, io: Io): Promise<void> {
  return svc.trackStream(rec.Id, attach(svc, rec, o, io));
}

async function attach(svc: ContainerService, rec: ContainerRecord, o: AttachOptions, io: Io): Promise<void> {
  const closer = new AbortController();
  const tty = rec.Config.Tty === true;
  const logFile = svc.store.pathsOf(rec.Id).log;
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
    if (o.logs) await pumpLogs(logFile, out, () => true, closer.signal, io.write);
    if (!o.stream || closer.signal.aborted) return;
    const wasRunning = rec.State.Running;
    const offset = wasRunning ? await fs.stat(logFile).then((s) => s.size, () => 0) : undefined;
    if (!(await whenRunning(svc, rec, closer.signal))) return;
    release();
    const wantStdin = o.stdin && rec.Config.OpenStdin === true;
    // The monitor's stream carries the exact bytes (binary output survives); a client that
    // attached before start gets the output from the first byte (replay).
    conn = await svc.runtime.attach(rec.Id, { stdin: wantStdin, stdout: o.stdout, stderr: o.stderr, replay: !wasRunning }).catch((err) => {
      log.debug('attach to the monitor failed; following the log instead', { id: rec.Id, error: describe(err) });
      return undefined;
    });
    if (conn) {
      for (const b of queued.splice(0)) conn.writeStdin(b);
      if (inputEnded && rec.Config.StdinOnce) conn.closeStdin();
      const bytes = await pipeOutput(conn.output, io.write, closer.signal);
      if (bytes > 0 || wasRunning || closer.signal.aborted) return;
      // Nothing came: the monitor may have dropped us at the exit before reading our hello.
      // It then still holds the output for one replay client, or it is gone and the log has it.
      conn.close();
      conn = await svc.runtime.attach(rec.Id, { stdout: o.stdout, stderr: o.stderr, replay: true }).catch(() => undefined);
      if (conn) {
        await pipeOutput(conn.output, io.write, closer.signal);
        return;
      }
    }
    // The monitor is gone (the container already ended): what it printed is in the log.
    const from = offset ?? svc.logOffsetOfRun(rec.Id);
    await pumpLogs(logFile, { ...out, follow: true, offset: from }, ended, closer.signal, io.write, (fn) => svc.onExitOrRemoved(rec.Id, fn));
  } finally {
    release();
    conn?.close();
    io.end();
  }
}

/** Copies the monitor's output to the client until it ends or the client goes away; resolves with the byte count. */
function pipeOutput(output: NodeJS.ReadableStream, write: (b: Buffer) => void, closed: AbortSignal): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0;
    const done = () => {
      output.off('data', onData);
      closed.removeEventListener('abort', done);
      resolve(bytes);
    };
    const onData = (b: Buffer) => {
      bytes += b.length;
      write(b);
    };
    output.on('data', onData);
    output.once('end', done);
    output.once('error', done);
    closed.addEventListener('abort', done);
  });
}

export function attachUpgradeRoute(svc: ContainerService): UpgradeRoute {
  return {
    method: 'POST',
    pattern: /^\/containers\/(?<id>[^/]+)\/attach$/,
    async handle(u: UpgradeRequest): Promise<void> {
      const rec = svc.get(u.params.id ?? '');
      const o = attachOptions((n) => u.query.get(n) ?? undefined);
      const socket = u.socket;
      writeUpgraded(socket, streamMediaType(rec.Config.Tty === true, u.apiVersion));
      if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
      await runAttach(svc, rec, o, {
        write: (b) => {
          if (socket.writable) socket.write(b);
        },
        end: () => {
          if (socket.writable) socket.end();
        },
        input: socket,
        early: u.head,
      });
    },
  };
}

/** Attach without an upgrade (some clients): output only, as a plain streaming response. */
export async function attachPlain(svc: ContainerService, req: Request, res: Response): Promise<void> {
  const rec = svc.get(req.params.id ?? '');
  const o = attachOptions((n) => (typeof req.query[n] === 'string' ? (req.query[n] as string) : undefined));
  res.status(200);
  res.setHeader('Content-Type', streamMediaType(rec.Config.Tty === true, String(res.locals.apiVersion ?? '1.47')));
  res.flushHeaders();
  await runAttach(svc, rec, { ...o, stdin: false }, {
    write: (b) => void res.write(b),
    end: () => res.end(),
    onClose: (fn) => res.on('close', fn),
  });
}
