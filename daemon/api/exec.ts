/**
 * The /exec API group: POST /containers/{id}/exec, POST /exec/{id}/start (hijacked, or plain
 * for `Detach: true`), POST /exec/{id}/resize, GET /exec/{id}/json. A start that fails after
 * the 101 writes the error into the stream, as Docker does, and the exec records exit 126.
 */
import express, { Router } from 'express';
import type { ExecInstance } from '../exec/service';
import type { ExecProcess } from '../runtime/types';
import { describe, invalid } from '../errors';
import { frame, StdStream } from '../stdcopy';
import { asyncHandler } from './errors';
import { qint } from './query';
import type { UpgradeRequest, UpgradeRoute } from './upgrade';
import { readUpgradeBody, streamMediaType, writeUpgraded } from './containers-stream';
import { parseDetachKeys } from '../containers/detach-keys';
import { attachExec } from '../exec/attach';

/** What the exec routes need of the exec service (exec/service.ts). */
export interface ExecBackend {
  create(containerRef: string, body: unknown): { Id: string };
  inspect(id: string): Record<string, unknown>;
  resize(id: string, rows: number, cols: number): Promise<void>;
  /** Conflict/NotFound before a hijacked connection is upgraded. */
  checkStartable(id: string): ExecInstance;
  /** Rejects (recording exit code 126) when the process cannot be started. */
  start(id: string, tty?: boolean): Promise<ExecProcess>;
}

interface StartBody {
  Detach: boolean;
  Tty?: boolean;
}

function parseStartBody(raw: unknown): StartBody {
  if (raw === undefined || raw === null) return { Detach: false };
  if (typeof raw !== 'object') throw invalid('invalid exec start body: expected a JSON object');
  const b = raw as Record<string, unknown>;
  return { Detach: b.Detach === true, Tty: typeof b.Tty === 'boolean' ? b.Tty : undefined };
}

export function execRouter(execs: ExecBackend): Router {
  const r = Router();
  const json = express.json({ limit: '1mb', strict: false, type: () => true });

  r.post('/containers/:id/exec', json, asyncHandler(async (req, res) => {
    res.status(201).json(execs.create(req.params.id ?? '', req.body));
  }));

  r.get('/exec/:id/json', asyncHandler(async (req, res) => {
    res.json(execs.inspect(req.params.id ?? ''));
  }));

  r.post('/exec/:id/resize', asyncHandler(async (req, res) => {
    await execs.resize(req.params.id ?? '', qint(req, 'h') ?? 0, qint(req, 'w') ?? 0);
    res.status(200).end();
  }));

  // Without an upgrade: `docker exec -d`, or a client that reads the output as a plain body.
  r.post('/exec/:id/start', json, asyncHandler(async (req, res) => {
    const body = parseStartBody(req.body);
    const e = execs.checkStartable(req.params.id ?? '');
    const tty = body.Tty ?? e.config.Tty;
    let proc: ExecProcess;
    try {
      proc = await execs.start(e.id, body.Tty);
    } catch (err) {
      if (body.Detach) throw err;
      // As after an upgrade: the error is the output, the exec records its exit code (126);
      // clients that probe with commands the image may lack (testcontainers) read it so.
      const msg = Buffer.from(`${describe(err)}\r\n`);
      res.status(200).setHeader('Content-Type', streamMediaType(tty, String(res.locals.apiVersion ?? '1.47')));
      res.end(tty ? msg : frame(StdStream.Stdout, msg));
      return;
    }
    if (body.Detach) {
      proc.stream.resume();
      res.status(200).end();
      return;
    }
    res.status(200).setHeader('Content-Type', streamMediaType(tty, String(res.locals.apiVersion ?? '1.47')));
    res.flushHeaders();
    proc.closeStdin();
    proc.stream.on('data', (b: Buffer) => res.write(b));
    await proc.exited.catch(() => undefined);
    await new Promise<void>((resolve) => (proc.stream.readableEnded ? resolve() : proc.stream.once('end', resolve)));
    res.end();
  }));
  return r;
}

export function execStartUpgradeRoute(execs: ExecBackend): UpgradeRoute {
  return {
    method: 'POST',
    pattern: /^\/exec\/(?<id>[^/]+)\/start$/,
    async handle(u: UpgradeRequest): Promise<void> {
      const length = Number(u.req.headers['content-length'] ?? 0) || 0;
      const { body, rest } = await readUpgradeBody(u.socket, u.head, length, u.stallMs);
      let parsed: unknown;
      try {
        parsed = body.length ? JSON.parse(body.toString('utf8')) : undefined;
      } catch {
        throw invalid('invalid JSON in exec start body');
      }
      const start = parseStartBody(parsed);
      const e = execs.checkStartable(u.params.id ?? '');
      const tty = start.Tty ?? e.config.Tty;
      writeUpgraded(u.socket, streamMediaType(tty, u.apiVersion), !tty);
      // A start that fails now is written in-band by the dispatcher's writeError (Docker's
      // "OCI runtime exec failed ..." line), and the exec records exit code 126.
      const proc = await execs.start(e.id, tty);
      attachExec(proc, u.socket, rest, e.config.AttachStdin, tty ? parseDetachKeys(e.config.DetachKeys || 'ctrl-p,ctrl-q') : Buffer.alloc(0));
    },
  };
}
