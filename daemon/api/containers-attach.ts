/**
 * POST /containers/{id}/attach, the HTTP side: hijacked (`Upgrade: tcp` → `101 UPGRADED`,
 * stdin from the socket) or plain (output only, as a streaming response). The query picks the
 * streams and detach keys; what flows is the containers service's (containers/attach.ts).
 * A request body (dockerode sends its options as JSON) is read and dropped.
 */
import type { Request, Response } from 'express';
import type { AttachIo, AttachOptions } from '../containers/attach';
import { parseDetachKeys } from '../containers/detach-keys';
import type { UpgradeRequest, UpgradeRoute } from './upgrade';
import { readUpgradeBody, streamMediaType, writeUpgraded } from './containers-stream';
import { qbool, qopt, type QuerySource } from './query';

/** What the attach routes need of the containers service. */
export interface AttachBackend {
  /** The container, looked up as Docker does; NotFound otherwise. */
  get(ref: string): { Id: string; Config: { Tty?: boolean } };
  /** Streams one attach to the end (exit, client gone, detach keys). */
  attach(id: string, o: AttachOptions, io: AttachIo): Promise<void>;
}

const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

export function attachOptions(q: QuerySource): AttachOptions {
  return {
    stdin: qbool(q, 'stdin'),
    stdout: qbool(q, 'stdout'),
    stderr: qbool(q, 'stderr'),
    stream: qbool(q, 'stream'),
    logs: qbool(q, 'logs'),
    detachKeys: parseDetachKeys(qopt(q, 'detachKeys') ?? DEFAULT_DETACH_KEYS),
  };
}

export function attachUpgradeRoute(svc: AttachBackend): UpgradeRoute {
  return {
    method: 'POST',
    pattern: /^\/containers\/(?<id>[^/]+)\/attach$/,
    async handle(u: UpgradeRequest): Promise<void> {
      const rec = svc.get(u.params.id ?? '');
      const o = attachOptions(u.query);
      const socket = u.socket;
      // Some clients (dockerode: `{stream, stdin, hijack}`) send their options as a JSON body
      // with Content-Length; those bytes are the request's, not the container's stdin.
      const { rest } = await readUpgradeBody(socket, u.head, Number(u.req.headers['content-length'] ?? 0) || 0, u.stallMs);
      writeUpgraded(socket, streamMediaType(rec.Config.Tty === true, u.apiVersion), rec.Config.Tty !== true);
      if ('setNoDelay' in socket && typeof socket.setNoDelay === 'function') socket.setNoDelay(true);
      await svc.attach(rec.Id, o, {
        write: (b) => (socket.writable ? socket.write(b) : true),
        drained: () => whenDrained(socket),
        end: () => {
          if (socket.writable) socket.end();
        },
        input: socket,
        early: rest,
      });
    },
  };
}

/** Attach without an upgrade (some clients): output only, as a plain streaming response. */
export async function attachPlain(svc: AttachBackend, req: Request, res: Response): Promise<void> {
  const rec = svc.get(req.params.id ?? '');
  const o = attachOptions(req);
  res.status(200);
  res.setHeader('Content-Type', streamMediaType(rec.Config.Tty === true, String(res.locals.apiVersion ?? '1.47')));
  res.flushHeaders();
  await svc.attach(rec.Id, { ...o, stdin: false }, {
    write: (b) => (res.writable ? res.write(b) : true),
    drained: () => whenDrained(res),
    end: () => res.end(),
    onClose: (fn) => res.on('close', fn),
  });
}

/** Resolves at the stream's next 'drain', or when it closes or fails (nothing will drain then). */
function whenDrained(s: NodeJS.WritableStream & { once(ev: string, fn: () => void): unknown; off(ev: string, fn: () => void): unknown }): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      s.off('drain', done);
      s.off('close', done);
      s.off('error', done);
      resolve();
    };
    s.once('drain', done);
    s.once('close', done);
    s.once('error', done);
  });
}
