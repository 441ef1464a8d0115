/**
 * The CLI's HTTP client: Docker Engine API requests over the daemon's unix socket, with JSON
 * helpers, streaming of JSON-lines responses, and hijacked (upgraded) connections. Errors from
 * the daemon become CliError with the daemon's one-sentence message.
 */
import * as http from 'node:http';
import * as net from 'node:net';
import type { Duplex, Readable } from 'node:stream';

export const API_PREFIX = '/v1.47';

export class CliError extends Error {
  constructor(message: string, readonly status?: number, readonly exitCode = 1) {
    super(message);
  }
}

export interface RequestOptions {
  method?: string;
  query?: Record<string, string | number | boolean | string[] | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
  /** A raw body stream (tar uploads); sent chunked. */
  bodyStream?: Readable;
}

export class DaemonClient {
  constructor(readonly socketPath: string) {}

  private buildPath(p: string, query?: RequestOptions['query']): string {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) {
      if (v === undefined) continue;
      if (Array.isArray(v)) for (const x of v) qs.append(k, x);
      else qs.append(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    }
    const s = qs.toString();
    return `${API_PREFIX}${p}${s ? `?${s}` : ''}`;
  }

  /** Sends a request and resolves with the response once headers arrive (status not checked). */
  raw(p: string, opts: RequestOptions = {}): Promise<http.IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...opts.headers };
      let payload: Buffer | undefined;
      if (opts.body !== undefined) {
        payload = Buffer.from(JSON.stringify(opts.body));
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(payload.length);
      }
      const req = http.request({ ...this.connection(), path: this.buildPath(p, opts.query), method: opts.method ?? 'GET', headers }, resolve);
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectError(err)));
      if (opts.bodyStream) {
        opts.bodyStream.on('error', (e) => req.destroy(e));
        opts.bodyStream.pipe(req);
      } else req.end(payload);
    });
  }

  /**
   * A fresh unix socket per request, without http's Agent: the Agent's first socket costs the
   * CLI 6-10 ms (it checks the host name with net.isIP, whose IPv6 regex V8 compiles on first
   * use), more than a whole `berth images` spends in the daemon. Requests then carry
   * `Connection: close`, which suits a process that makes a handful of them.
   */
  private connection(): Pick<http.RequestOptions, 'socketPath' | 'createConnection'> {
    return { socketPath: this.socketPath, createConnection: () => net.createConnection(this.socketPath) };
  }

  private connectError(err: NodeJS.ErrnoException): CliError {
    if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') {
      return new CliError(`Cannot connect to the berth daemon at unix://${this.socketPath}. Is berthd running?`);
    }
    if (err.code === 'EACCES') return new CliError(`permission denied while connecting to the berth daemon at unix://${this.socketPath}`);
    return new CliError(`talking to the berth daemon failed: ${err.message}`);
  }

  /** Reads the whole body; throws CliError for status >= 400. */
  async request(p: string, opts: RequestOptions = {}): Promise<{ status: number; body: Buffer; headers: http.IncomingHttpHeaders }> {
    const res = await this.raw(p, opts);
    const body = await readAll(res);
    const status = res.statusCode ?? 0;
    if (status >= 400) throw new CliError(errorMessage(body, status), status);
    return { status, body, headers: res.headers };
  }

  async json<T>(p: string, opts: RequestOptions = {}): Promise<T> {
    const { body } = await this.request(p, opts);
    return (body.length ? JSON.parse(body.toString('utf8')) : undefined) as T;
  }

  /**
   * Streams a JSON-lines response (pull, push, build, load), calling `onMessage` per object.
   * An in-band `error` becomes a thrown CliError once the stream is read.
   */
  async stream(p: string, opts: RequestOptions, onMessage: (m: Record<string, unknown>) => void): Promise<void> {
    const res = await this.raw(p, opts);
    const status = res.statusCode ?? 0;
    if (status >= 400) throw new CliError(errorMessage(await readAll(res), status), status);
    let buffered = '';
    let failure: string | undefined;
    const handle = (line: string) => {
      if (!line.trim()) return;
      let m: Record<string, unknown>;
      try {
        m = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      if (typeof m.error === 'string' || m.errorDetail) {
        const detail = m.errorDetail as { message?: string } | undefined;
        failure = (typeof m.error === 'string' ? m.error : undefined) ?? detail?.message ?? 'unknown error';
        return;
      }
      onMessage(m);
    };
    for await (const chunk of res) {
      buffered += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        handle(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    }
    handle(buffered);
    if (failure !== undefined) throw new CliError(failure);
  }

  /** Opens a hijacked connection (attach, exec start): resolves with the raw socket after 101. */
  upgrade(p: string, opts: RequestOptions = {}): Promise<{ socket: Duplex; head: Buffer; headers: http.IncomingHttpHeaders }> {
    return new Promise((resolve, reject) => {
      const payload = opts.body !== undefined ? Buffer.from(JSON.stringify(opts.body)) : undefined;
      const headers: Record<string, string> = { Connection: 'Upgrade', Upgrade: 'tcp', ...opts.headers };
      if (payload) {
        headers['Content-Type'] = 'application/json';
        headers['Content-Length'] = String(payload.length);
      }
      const req = http.request({ ...this.connection(), path: this.buildPath(p, opts.query), method: opts.method ?? 'POST', headers });
      req.on('upgrade', (res, socket, head) => resolve({ socket, head, headers: res.headers }));
      req.on('response', async (res) => {
        const body = await readAll(res);
        reject(new CliError(errorMessage(body, res.statusCode ?? 0), res.statusCode));
      });
      req.on('error', (err: NodeJS.ErrnoException) => reject(this.connectError(err)));
      req.end(payload);
    });
  }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function errorMessage(body: Buffer, status: number): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: string };
    if (parsed.message) return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.toString('utf8').trim();
  return text || `the daemon answered HTTP ${status}`;
}
