/**
 * Raw HTTP/1.1 over berthd's Unix socket, written by hand on node's `net` module so that the
 * bytes on the wire are exactly the ones a transcript names (no client library adds, reorders
 * or normalises headers). One connection per request, like a fresh Go `http.Transport` dial.
 *
 * It owns: writing the request, parsing the status line and headers, decoding the body
 * (Content-Length, chunked, or up to the close), reading a stream only until a caller's
 * predicate is satisfied (follow logs, stats streams), and the `Upgrade: tcp` hijack (attach,
 * exec start): after `101 UPGRADED` the socket carries raw bytes both ways.
 */
import * as net from 'node:net';

export interface RawRequest {
  method: string;
  /** Path and query exactly as sent, e.g. `/v1.42/containers/json?all=1&filters=...`. */
  path: string;
  /** Sent in this order, after the request line; `Host` is added first unless given.
   *  `['Content-Length', '']` is replaced by the body's length (0 without a body). */
  headers?: [string, string][];
  body?: Buffer;
}

export interface RawResponse {
  statusCode: number;
  statusText: string;
  /** Header names lower-cased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The decoded body (chunked framing removed). For a hijack: every byte after the 101. */
  body: Buffer;
  /** True when reading stopped because `until` was satisfied, not at the body's end. */
  cutShort: boolean;
}

export interface ReadOptions {
  /** Stop reading (and close the connection) once the decoded body so far satisfies this. */
  until?: (bodySoFar: Buffer) => boolean;
  /** Guard against a hang, not an assertion (default 60 s). */
  timeoutMs?: number;
  /** Hijack only: bytes to write once the 101 arrived, then half-close (stdin EOF) if `closeStdin`. */
  stdin?: Buffer;
  closeStdin?: boolean;
  /** Hijack only: the socket once the 101 arrived, for writing later (a held interactive session). */
  onUpgrade?: (sock: net.Socket) => void;
}

/** The part of a response seen before the body: status line and headers. */
interface Head {
  statusCode: number;
  statusText: string;
  headers: Record<string, string>;
}

function parseHead(text: string): Head {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0] ?? '');
  if (!m) throw new Error(`not an HTTP/1.1 status line: ${JSON.stringify(lines[0])}`);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    if (!line) continue;
    const i = line.indexOf(':');
    if (i <= 0) throw new Error(`malformed header line: ${JSON.stringify(line)}`);
    const k = line.slice(0, i).trim().toLowerCase();
    const v = line.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  return { statusCode: Number(m[1]), statusText: m[2] ?? '', headers };
}

/**
 * Incremental chunked-transfer decoder: feed raw bytes, read `body`; `done` after the last
 * (zero) chunk and its trailer. Strict about the framing: a bad size line throws.
 */
export class ChunkedDecoder {
  private raw: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  done = false;

  push(chunk: Buffer): void {
    this.raw = this.raw.length ? Buffer.concat([this.raw, chunk]) : chunk;
    while (!this.done) {
      const eol = this.raw.indexOf('\r\n');
      if (eol < 0) return;
      const sizeLine = this.raw.subarray(0, eol).toString('latin1');
      const sizeHex = sizeLine.split(';')[0]?.trim() ?? '';
      if (!/^[0-9a-fA-F]+$/.test(sizeHex)) throw new Error(`bad chunk size line ${JSON.stringify(sizeLine)}`);
      const size = parseInt(sizeHex, 16);
      if (size === 0) {
        // Last chunk: optional trailers, then an empty line.
        const end = this.raw.indexOf('\r\n\r\n', eol);
        if (end < 0 && !this.raw.subarray(eol + 2, eol + 4).equals(Buffer.from('\r\n'))) return;
        this.done = true;
        return;
      }
      if (this.raw.length < eol + 2 + size + 2) return;
      this.parts.push(this.raw.subarray(eol + 2, eol + 2 + size));
      if (this.raw.subarray(eol + 2 + size, eol + 4 + size).toString('latin1') !== '\r\n') throw new Error('chunk not followed by CRLF');
      this.raw = this.raw.subarray(eol + 4 + size);
    }
  }

  get body(): Buffer {
    if (this.parts.length > 1) this.parts = [Buffer.concat(this.parts)];
    return this.parts[0] ?? Buffer.alloc(0);
  }
}

function serialise(req: RawRequest, extra: [string, string][] = []): Buffer {
  const headers = [...(req.headers ?? [])];
  if (!headers.some(([k]) => k.toLowerCase() === 'host')) headers.unshift(['Host', 'docker']);
  // An empty Content-Length value is a placeholder: the body's length goes there, in the
  // position the transcript chose (Go writes it right after Host and User-Agent).
  const cl = headers.findIndex(([k, v]) => k.toLowerCase() === 'content-length' && v === '');
  if (cl >= 0) headers[cl] = ['Content-Length', String(req.body?.length ?? 0)];
  else if (req.body && !headers.some(([k]) => k.toLowerCase() === 'content-length' || k.toLowerCase() === 'transfer-encoding')) {
    headers.push(['Content-Length', String(req.body.length)]);
  }
  headers.push(...extra);
  const head = `${req.method} ${req.path} HTTP/1.1\r\n${headers.map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  return req.body ? Buffer.concat([Buffer.from(head, 'latin1'), req.body]) : Buffer.from(head, 'latin1');
}

/** Sends one request on a new connection to `socketPath` and reads the response. */
export function request(socketPath: string, req: RawRequest, opts: ReadOptions = {}): Promise<RawResponse> {
  return exchange(socketPath, req, opts, false);
}

/**
 * Sends a hijacking request (the caller's headers must carry `Connection: Upgrade` and
 * `Upgrade: tcp`, as the Go client's `postHijacked` does). Resolves with the status: on 101 the
 * body is the raw stream up to the server's close (or `until`); otherwise the ordinary
 * response (an error before the upgrade is a plain HTTP answer).
 */
export function hijack(socketPath: string, req: RawRequest, opts: ReadOptions = {}): Promise<RawResponse> {
  return exchange(socketPath, req, opts, true);
}

function exchange(socketPath: string, req: RawRequest, opts: ReadOptions, upgrade: boolean): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(socketPath);
    let headBuf: Buffer = Buffer.alloc(0);
    let head: Head | undefined;
    let settled = false;
    let raw101 = false;
    let chunked: ChunkedDecoder | undefined;
    let length: number | undefined;
    const plain: Buffer[] = [];
    let plainLen = 0;

    const timer = setTimeout(() => fail(new Error(`${req.method} ${req.path}: no complete answer within ${opts.timeoutMs ?? 60_000} ms`)), opts.timeoutMs ?? 60_000);

    const body = (): Buffer => (chunked ? chunked.body : Buffer.concat(plain));
    const finish = (cutShort: boolean): void => {
      if (settled || !head) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      resolve({ ...head, body: body(), cutShort });
    };
    function fail(err: Error): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      reject(err);
    }
    const complete = (): boolean => {
      if (!head) return false;
      if (raw101) return false; // a hijacked stream ends at the close
      if (chunked) return chunked.done;
      if (length !== undefined) return plainLen >= length;
      return false;
    };
    const onBody = (chunk: Buffer): void => {
      if (chunk.length === 0) return;
      if (chunked) chunked.push(chunk);
      else {
        plain.push(chunk);
        plainLen += chunk.length;
      }
      if (opts.until?.(body())) finish(true);
      else if (complete()) finish(false);
    };

    sock.on('connect', () => sock.write(serialise(req)));
    sock.on('data', (chunk: Buffer) => {
      try {
        if (head) return onBody(chunk);
        headBuf = Buffer.concat([headBuf, chunk]);
        const end = headBuf.indexOf('\r\n\r\n');
        if (end < 0) return;
        head = parseHead(headBuf.subarray(0, end).toString('latin1'));
        const rest = headBuf.subarray(end + 4);
        const te = head.headers['transfer-encoding']?.toLowerCase();
        const noBody = req.method === 'HEAD' || head.statusCode === 204 || head.statusCode === 304;
        if (upgrade && head.statusCode === 101) {
          raw101 = true;
          if (opts.stdin?.length) sock.write(opts.stdin);
          if (opts.closeStdin) sock.end();
          opts.onUpgrade?.(sock);
        } else if (noBody) {
          length = 0;
        } else if (te === 'chunked') {
          chunked = new ChunkedDecoder();
        } else if (head.headers['content-length'] !== undefined) {
          length = Number(head.headers['content-length']);
        }
        // Upgraded streams without a 101 (Docker sends 200 + raw stream when the client did
        // not ask to upgrade) and bodies without a length are read to the close.
        if (rest.length) onBody(rest);
        else if (complete()) finish(false);
      } catch (e) {
        fail(e as Error);
      }
    });
    sock.on('end', () => {
      if (!head) return fail(new Error(`${req.method} ${req.path}: connection closed before a response`));
      if (chunked && !chunked.done) return fail(new Error(`${req.method} ${req.path}: connection closed inside a chunked body`));
      if (length !== undefined && plainLen < length) return fail(new Error(`${req.method} ${req.path}: connection closed after ${plainLen} of ${length} body bytes`));
      finish(false);
    });
    sock.on('error', (e) => fail(e));
  });
}
