/**
 * Routes for hijacked connections (attach, exec start). Requests carrying `Upgrade: tcp`
 * never reach express in Node: they arrive on the server's 'upgrade' event with the socket
 * and whatever body bytes came along in `head`. Handlers registered here get them after the
 * version prefix is stripped, and answer `HTTP/1.1 101 UPGRADED` themselves.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { BerthError, describe } from '../errors';
import { log } from '../log';
import { API_VERSION, splitVersion } from './version';
import { BERTH_VERSION } from '../version-info';

export interface UpgradeRequest {
  req: IncomingMessage;
  socket: Duplex;
  head: Buffer;
  /** Path params by name, from the route pattern's named groups. */
  params: Record<string, string>;
  query: URLSearchParams;
  apiVersion: string;
}

export interface UpgradeRoute {
  method: string;
  /** Matched against the unversioned path; named groups become params. */
  pattern: RegExp;
  handle(u: UpgradeRequest): Promise<void>;
}

/** Writes a plain HTTP error on a socket that was never upgraded. */
export function rejectUpgrade(socket: Duplex, err: unknown): void {
  const status = err instanceof BerthError ? err.status : 500;
  const body = JSON.stringify({ message: describe(err) });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Content-Type: application/json\r\nApi-Version: ${API_VERSION}\r\nOstype: linux\r\nServer: berth/${BERTH_VERSION} (linux)\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export function dispatchUpgrade(routes: readonly UpgradeRoute[], req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const url = new URL(req.url ?? '/', 'http://berth');
  let pathname: string;
  let apiVersion: string;
  try {
    ({ version: apiVersion, path: pathname } = splitVersion(url.pathname));
  } catch (err) {
    rejectUpgrade(socket, err);
    return;
  }
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const match = route.pattern.exec(pathname);
    if (!match) continue;
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(match.groups ?? {})) params[k] = decodeURIComponent(v);
    route.handle({ req, socket, head, params, query: url.searchParams, apiVersion }).catch((err) => {
      log.warn('upgrade request failed', { url: req.url, error: describe(err) });
      if (socket.writable) rejectUpgrade(socket, err);
    });
    return;
  }
  rejectUpgrade(socket, new BerthError('NotFound', `page not found: ${req.method} ${pathname}`));
}
