/**
 * GET /containers/{id}/logs: the json-file log as a stream — stdcopy frames without a tty,
 * raw bytes with one — with tail, since/until, timestamps, and follow (until the container
 * exits or the client goes away). Rotated files are read in order (containers/logs.ts).
 */
import type { Request, Response } from 'express';
import { BerthError, invalid } from '../errors';
import type { LogStreamOptions } from '../containers/log-stream';
import { parseTimestamp } from '../containers/filters';
import { drainedOrClosed, streamMediaType } from './containers-stream';
import { qbool, qstr } from './query';

/**
 * `tail`: a line count; "all", a negative number, or anything that is not an integer means every
 * line, as in moby (`strconv.Atoi` failing gives -1), so `docker logs --tail abc` is not an error.
 */
export function parseTail(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^[+-]?\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n < 0 ? undefined : n;
}

/** What GET /containers/{id}/logs needs of the containers service. */
export interface LogsBackend {
  get(ref: string): { Id: string; Config: { Tty?: boolean } };
  /** The container's logging driver (json-file, local or none). */
  logDriver(id: string): string;
  logs(id: string, o: LogStreamOptions, sink: (b: Buffer) => boolean | void, signal: AbortSignal, drained?: () => Promise<void>): Promise<void>;
}

export async function logsHandler(svc: LogsBackend, req: Request, res: Response): Promise<void> {
  const rec = svc.get(req.params.id ?? '');
  // --log-driver none keeps nothing to read: Docker's 501 and its words.
  if (svc.logDriver(rec.Id) === 'none') {
    throw new BerthError('NotImplemented', 'configured logging driver does not support reading');
  }
  const stdout = qbool(req, 'stdout');
  const stderr = qbool(req, 'stderr');
  if (!stdout && !stderr) throw invalid('Bad parameters: you must choose at least one stream');
  const tail = parseTail(qstr(req, 'tail'));
  const now = Date.now();
  const sinceRaw = qstr(req, 'since');
  const untilRaw = qstr(req, 'until');
  const since = sinceRaw && sinceRaw !== '0' ? parseTimestamp(sinceRaw, now) : undefined;
  const until = untilRaw && untilRaw !== '0' ? parseTimestamp(untilRaw, now) : undefined;
  const tty = rec.Config.Tty === true;
  const follow = qbool(req, 'follow');
  res.status(200);
  res.setHeader('Content-Type', streamMediaType(tty, String(res.locals.apiVersion ?? '1.47')));
  res.flushHeaders();
  const closer = new AbortController();
  res.on('close', () => closer.abort());
  await svc.logs(
    rec.Id,
    { stdout, stderr, since, until, tail, follow, timestamps: qbool(req, 'timestamps'), tty },
    (b) => res.write(b),
    closer.signal,
    drainedOrClosed(res),
  );
  res.end();
}
