/**
 * The one way an error reaches a client: Docker's `{"message": "..."}` body with the status of
 * the error's kind, on an express response or on a socket that asked for an upgrade (attach,
 * exec start). On a socket already answered with 101 the message goes in-band, as dockerd
 * writes it: one line, stdcopy-framed as stdout when the stream is multiplexed. Anything that
 * is not a BerthError is a System error (500, logged with its stack); the message is still one
 * sentence, never a stack trace. JSON streams (pull, push, build, load) put theirs in-band as
 * errorDetail (json-stream.ts).
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Response } from 'express';
import { BerthError, describe, toBerthError } from '../errors';
import { log } from '../log';
import { BERTH_VERSION } from '../version-info';
import { frame, StdStream } from '../stdcopy';
import { API_VERSION } from './version';

/** Sockets answered with 101, and whether their stream is stdcopy-framed. */
const upgraded = new WeakMap<Duplex, { framed: boolean }>();

/** Called as a socket is answered with 101 (containers-stream.ts writeUpgraded). */
export function markUpgraded(socket: Duplex, framed: boolean): void {
  upgraded.set(socket, { framed });
}

/** The error as the client will see it. */
export function replyOf(err: unknown): BerthError {
  return bodyReadError(err) ?? toBerthError(err);
}

/**
 * The client's fault while its body was read (express.json's errors carry a 4xx `status` and
 * a `type`): bad JSON is a 400, a body over the route's limit a 413, an unsupported charset
 * or encoding a 415 — never a 500, which would blame the daemon.
 */
function bodyReadError(err: unknown): BerthError | undefined {
  if (!err || typeof err !== 'object' || err instanceof BerthError) return undefined;
  const e = err as { type?: unknown; status?: unknown; limit?: unknown };
  if (typeof e.type !== 'string' || typeof e.status !== 'number' || e.status < 400 || e.status > 499) return undefined;
  if (e.type === 'entity.parse.failed') return new BerthError('InvalidParameter', `invalid JSON in request body: ${describe(err)}`, { cause: err, code: 'INVALID_JSON' });
  if (e.type === 'entity.too.large') {
    const limit = typeof e.limit === 'number' ? ` (the limit is ${Math.floor(e.limit / 1024)} KiB)` : '';
    return new BerthError('TooLarge', `request body too large${limit}`, { cause: err });
  }
  const message = `cannot read the request body: ${describe(err)}`;
  if (e.status === 415) return new BerthError('UnsupportedMediaType', message, { cause: err });
  return new BerthError('InvalidParameter', message, { cause: err, code: 'BODY_UNREADABLE' });
}

function isResponse(target: Response | Duplex): target is Response {
  return typeof (target as Response).status === 'function' && typeof (target as Response).setHeader === 'function';
}

/** Writes `err` to the client and logs what is ours to fix. `where` names the request for the log. */
export function writeError(target: Response | Duplex, err: unknown, where: { method?: string; url?: string }): void {
  const e = replyOf(err);
  const status = e.status;
  // Only unexpected failures (500) carry a stack; 503 (registry down) is a user-facing condition.
  if (status === 500) log.error('request failed', { ...where, code: e.code, error: e.message, stack: (e.cause as Error | undefined)?.stack ?? e.stack });
  else if (status >= 500) log.warn('request failed', { ...where, code: e.code, error: e.message });
  const body = JSON.stringify({ message: e.message });
  if (isResponse(target)) {
    if (target.headersSent) {
      target.end();
      return;
    }
    if (status === 304) {
      target.status(304).end();
      return;
    }
    // Exactly `application/json` (no charset): the Go client only decodes error bodies whose
    // Content-Type is exactly that, and otherwise prints the raw JSON to the user.
    target.status(status).setHeader('Content-Type', 'application/json');
    target.end(body);
    return;
  }
  if (!target.writable) return;
  const up = upgraded.get(target);
  if (up) {
    const line = Buffer.from(`${e.message}\r\n`);
    target.end(up.framed ? frame(StdStream.Stdout, line) : line);
    return;
  }
  target.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Content-Type: application/json\r\nApi-Version: ${API_VERSION}\r\nOstype: linux\r\nServer: berth/${BERTH_VERSION} (linux)\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
