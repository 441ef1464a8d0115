/**
 * Routes for hijacked connections (attach, exec start). Requests carrying `Upgrade: tcp`
 * never reach express in Node: they arrive on the server's 'upgrade' event with the socket
 * and whatever body bytes came along in `head`. Handlers registered here get them after the
 * version prefix is stripped, and answer `HTTP/1.1 101 UPGRADED` themselves.
 */
import { DEFAULT_STALL_MS } from './stall-timeouts';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { BerthError } from '../errors';
import { writeError } from './write-error';
import { splitVersion } from './version';

export interface UpgradeRequest {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  /** Path params by name, from the route pattern's named groups. */
  params: Record<string, string>;
  query: URLSearchParams;
  apiVersion: string;
  /** How long the client may stay silent while it still owes body bytes (stall-timeouts.ts). */
  stallMs: number;
}

export interface UpgradeRoute {
  method: string;
  /** Matched against the unversioned path; named groups become params. */
  pattern: RegExp;
  handle(u: UpgradeRequest): Promise<void>;
}

export function dispatchUpgrade(routes: readonly UpgradeRoute[], req: IncomingMessage, socket: Duplex, head: Buffer, stallMs = DEFAULT_STALL_MS): void {
  const url = new URL(req.url ?? '/', 'http://berth');
  let pathname: string;
  let apiVersion: string;
  try {
    ({ version: apiVersion, path: pathname } = splitVersion(url.pathname));
  } catch (err) {
    writeError(socket, err, { method: req.method, url: req.url });
    return;
  }
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(match.groups ?? {})) params[k] = decodeURIComponent(v);
    route.handle({ req, socket, head, params, query: url.searchParams, apiVersion, stallMs }).catch((err) => {
      writeError(socket, err, { method: req.method, url: req.url });
    });
    return;
  }
  writeError(socket, new BerthError('NotFound', `page not found: ${req.method} ${pathname}`), { method: req.method, url: req.url });
}
