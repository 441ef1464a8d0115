/**
 * Stalled connections are closed; long-lived streams are not. A client that opens the socket
 * and never finishes its headers, or stops half way through its body, or leaves a kept-alive
 * connection idle, holds a socket and memory forever unless something ends it. But a quiet
 * response is normal here: `logs -f` of a silent container, `events`, `wait`, a long build
 * step, a hijacked attach. So the rule is about the *client's* side only:
 *
 * - headers must arrive within the stall time (Node's headersTimeout; 408);
 * - while a request body is being received, the socket may be silent at most the stall time
 *   (408 and close): a slow upload that keeps moving (docker load from a pipe) is never cut;
 * - an idle kept-alive connection with no request in flight is closed after the stall time;
 * - once the request is complete, its response may stay quiet forever. Upgraded (hijacked)
 *   sockets leave the HTTP server's care at the 101 and are never timed out here.
 *
 * The stall time is 60 s; BERTH_HTTP_STALL_TIMEOUT_MS overrides it (tests use a short one).
 */
import type * as http from 'node:http';
import type { Socket } from 'node:net';
import { invalid } from '../errors';
import { log } from '../log';

export const DEFAULT_STALL_MS = 60_000;

/** The stall time from the environment, validated. */
export function stallTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BERTH_HTTP_STALL_TIMEOUT_MS;
  if (raw === undefined || raw === '') return DEFAULT_STALL_MS;
  const ms = Number(raw);
  if (!Number.isSafeInteger(ms) || ms < 100) throw invalid(`invalid BERTH_HTTP_STALL_TIMEOUT_MS "${raw}": expected a whole number of milliseconds, at least 100`);
  return ms;
}

/** Node's options for http.createServer that go with applyStallTimeouts. */
export function stallServerOptions(ms: number): http.ServerOptions {
  // keepAliveTimeout 0: idle kept-alive sockets fall under server.timeout, handled below.
  // The connections check runs often enough for the headers timeout to be near its value.
  return { keepAliveTimeout: 0, connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(ms / 4))) };
}

export function applyStallTimeouts(server: http.Server, ms: number): void {
  server.headersTimeout = ms;
  server.requestTimeout = 0; // no cap on a whole upload: only silence counts (below)
  server.timeout = ms; // socket inactivity; 'timeout' comes to the handler below
  const inFlight = new WeakMap<Socket, { req: http.IncomingMessage; res: http.ServerResponse }>();
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    inFlight.set(req.socket, { req, res });
    res.once('close', () => {
      if (inFlight.get(req.socket)?.res === res) inFlight.delete(req.socket);
    });
  });
  server.on('timeout', (socket: Socket) => {
    const current = inFlight.get(socket);
    if (current && current.req.complete) return; // the response may be quiet (follow, events, wait)
    if (current) {
      log.warn('closing a connection whose request body stalled', { method: current.req.method, url: current.req.url, stalledMs: ms });
      if (!current.res.headersSent) {
        current.res.shouldKeepAlive = false;
        current.res.writeHead(408, { 'Content-Type': 'application/json', Connection: 'close' });
        current.res.end(JSON.stringify({ message: `the request body stalled: nothing arrived for ${ms / 1000} s` }));
      }
      setImmediate(() => socket.destroy());
      return;
    }
    socket.destroy(); // idle between requests
  });
}
