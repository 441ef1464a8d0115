/**
 * The registry client's HTTP layer over node:http/https with keep-alive agents: one request,
 * redirects followed (the Authorization header is dropped when a redirect leaves the host,
 * as blob storage redirects do), network errors turned into Unavailable BerthErrors.
 * Callers own the response body: consume it or call `res.resume()`/`destroy()`.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Readable } from 'node:stream';
import { networkError } from './errors';
import { BerthError, unavailable } from '../errors';

const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 16 });

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  /** A buffer, or a stream factory (called once per attempt). */
  body?: Buffer | (() => Readable);
  /** Follow 3xx redirects (GET/HEAD only). Default true. */
  followRedirects?: boolean;
  /** Milliseconds without any socket activity before the request fails. Default 60 s. */
  idleTimeoutMs?: number;
}

export type Response = http.IncomingMessage;

function once(url: URL, opts: SendOptions & { retried?: boolean }): Promise<Response> {
  return new Promise((resolve, reject) => {
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, {
      method: opts.method ?? 'GET',
      headers: { 'User-Agent': 'berth/0.1', ...opts.headers },
      agent: url.protocol === 'https:' ? httpsAgent : httpAgent,
    });
    req.setTimeout(opts.idleTimeoutMs ?? 60_000, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('response', (res) => {
      // The idle timeout keeps guarding the body while the caller reads it.
      res.on('error', () => undefined);
      resolve(res);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive socket the registry closed meanwhile: retry once on a fresh one.
      const stale = req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE');
      if (stale && !opts.retried && (body === undefined || Buffer.isBuffer(body))) {
        once(url, { ...opts, retried: true }).then(resolve, reject);
        return;
      }
      reject(networkError(url.host, err));
    });
    const body = opts.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      const stream = body();
      stream.on('error', (err) => req.destroy(err));
      stream.pipe(req);
    }
  });
}

/** Sends a request, following up to 5 redirects for GET and HEAD. */
export async function send(target: string, opts: SendOptions = {}): Promise<Response> {
  let url = new URL(target);
  const headers = { ...opts.headers };
  const method = opts.method ?? 'GET';
  for (let hop = 0; ; hop++) {
    const res = await once(url, { ...opts, headers });
    const status = res.statusCode ?? 0;
    const location = res.headers.location;
    if (status < 300 || status >= 400 || !location || opts.followRedirects === false || (method !== 'GET' && method !== 'HEAD')) return res;
    res.resume();
    if (hop >= 5) throw unavailable(`registry ${url.host} redirected too many times`);
    const next = new URL(location, url);
    if (next.host !== url.host) delete headers.Authorization;
    url = next;
  }
}

/** Reads a whole (small) body, refusing more than `limit` bytes. */
export async function readBody(res: Response, limit = 8 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const c of res) {
      n += (c as Buffer).length;
      if (n > limit) {
        res.destroy();
        throw unavailable(`registry reply is larger than ${limit} bytes`);
      }
      chunks.push(c as Buffer);
    }
  } catch (err) {
    if (err instanceof BerthError) throw err;
    throw unavailable('the registry closed the connection before its reply was complete', err);
  }
  return Buffer.concat(chunks);
}
