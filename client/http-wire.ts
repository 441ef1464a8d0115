/**
 * HTTP/1.1 on the wire for the CLI, over a plain node:net socket: the request head (and a
 * chunked body for uploads) and a push parser for the response (status line, headers, a body
 * framed by Content-Length, chunked encoding or the end of the connection, and 101 upgrades).
 *
 * Why not node:http: loading it and its ClientRequest machinery costs the CLI ~4 ms of a
 * ~10 ms budget over Node's own start (bench/RESULTS.md, "CLI start-up"), and the CLI needs
 * only one request per connection (`Connection: close`) to one trusted peer, the daemon. The
 * parser is strict where a mistake would hand wrong bytes to a command (status line, chunk
 * sizes, Content-Length) and bounded (a head over 1 MiB is refused).
 */
import { Transform, type TransformCallback } from 'node:stream';

/** Response headers, names in lower case; repeated headers joined with ", " (set-cookie: a list). */
export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface ResponseHead {
  statusCode: number;
  statusMessage: string;
  headers: ResponseHeaders;
}

const MAX_HEAD = 1 << 20;
const CRLF = Buffer.from('\r\n');

/** Request head for one request on its own connection. Header values must not hold CR/LF. */
export function requestHead(method: string, path: string, headers: Record<string, string>): string {
  let head = `${method} ${path} HTTP/1.1\r\nHost: localhost\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${k} holds a line break`);
    head += `${k}: ${v}\r\n`;
  }
  return head + '\r\n';
}

/** Frames a byte stream as an HTTP/1.1 chunked body (ends with the zero chunk). */
export class ChunkedEncoder extends Transform {
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (chunk.length) this.push(Buffer.concat([Buffer.from(chunk.length.toString(16) + '\r\n'), chunk, CRLF]));
    done();
  }

  override _flush(done: TransformCallback): void {
    this.push('0\r\n\r\n');
    done();
  }
}

type State = 'head' | 'length' | 'size' | 'data' | 'data-crlf' | 'trailer' | 'eof' | 'done' | 'upgraded';

export interface ParserEvents {
  /** The head is complete. For a 101 the parser stops; the bytes after the head are in `rest`. */
  onHead(head: ResponseHead): void;
  onBody(chunk: Buffer): void;
  onEnd(): void;
}

/**
 * A push parser for one response. `push` takes the socket's bytes as they come, `finish` is
 * called at the socket's end (it completes a body that runs to the end of the connection and
 * throws for a body cut short). Throws an Error for bytes that are not a valid response.
 */
export class ResponseParser {
  private state: State = 'head';
  private buf: Buffer = Buffer.alloc(0);
  private remaining = 0;
  /** After a 101: the bytes that followed the head (the start of the upgraded stream). */
  rest: Buffer = Buffer.alloc(0);

  /** `noBody`: the request was HEAD (a response to it never has a body, whatever it says). */
  constructor(private readonly events: ParserEvents, private readonly noBody = false) {}

  get complete(): boolean {
    return this.state === 'done' || this.state === 'upgraded';
  }

  push(chunk: Buffer): void {
    if (this.state === 'upgraded') {
      this.rest = Buffer.concat([this.rest, chunk]);
      return;
    }
    if (this.state === 'done') return; // bytes after the response on a closing connection
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    while (this.step());
  }

  finish(): void {
    if (this.state === 'eof') {
      this.state = 'done';
      this.events.onEnd();
      return;
    }
    if (!this.complete) throw new Error('the daemon closed the connection before the response was complete');
  }

  /** Consumes what it can of `buf`; true when it changed state and may go on. */
  private step(): boolean {
    switch (this.state) {
      case 'head':
        return this.head();
      case 'length': {
        if (!this.buf.length) return false;
        const n = Math.min(this.remaining, this.buf.length);
        this.emit(n);
        this.remaining -= n;
        if (this.remaining === 0) this.end();
        return !this.complete;
      }
      case 'eof':
        if (this.buf.length) this.emit(this.buf.length);
        return false;
      case 'size': {
        const line = this.line(4096, 'chunk size');
        if (line === undefined) return false;
        const hex = (line.split(';')[0] as string).trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw new Error(`the daemon sent a bad chunk size "${hex.slice(0, 20)}"`);
        this.remaining = parseInt(hex, 16);
        this.state = this.remaining === 0 ? 'trailer' : 'data';
        return true;
      }
      case 'data': {
        if (!this.buf.length) return false;
        const n = Math.min(this.remaining, this.buf.length);
        this.emit(n);
        this.remaining -= n;
        if (this.remaining === 0) this.state = 'data-crlf';
        return true;
      }
      case 'data-crlf': {
        if (this.buf.length < 2) return false;
        if (this.buf[0] !== 13 || this.buf[1] !== 10) throw new Error('the daemon sent a chunk without its closing CRLF');
        this.buf = this.buf.subarray(2);
        this.state = 'size';
        return true;
      }
      case 'trailer': {
        const line = this.line(MAX_HEAD, 'trailer');
        if (line === undefined) return false;
        if (line === '') this.end();
        return !this.complete;
      }
      default:
        return false;
    }
  }

  /** The next CRLF-terminated line (without it), or undefined until one is complete. */
  private line(max: number, what: string): string | undefined {
    const i = this.buf.indexOf(CRLF);
    if (i < 0) {
      if (this.buf.length > max) throw new Error(`the daemon sent an over-long ${what} line`);
      return undefined;
    }
    const s = this.buf.toString('latin1', 0, i);
    this.buf = this.buf.subarray(i + 2);
    return s;
  }

  private emit(n: number): void {
    const part = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    this.events.onBody(part);
  }

  private end(): void {
    this.state = 'done';
    this.buf = Buffer.alloc(0);
    this.events.onEnd();
  }

  private head(): boolean {
    const i = this.buf.indexOf('\r\n\r\n');
    if (i < 0) {
      if (this.buf.length > MAX_HEAD) throw new Error('the daemon sent a response head over 1 MiB');
      return false;
    }
    const lines = this.buf.toString('latin1', 0, i).split('\r\n');
    this.buf = this.buf.subarray(i + 4);
    const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0] as string);
    if (!m) throw new Error(`the daemon sent a bad status line "${(lines[0] as string).slice(0, 40)}"`);
    const statusCode = Number(m[1]);
    const headers: ResponseHeaders = {};
    for (const l of lines.slice(1)) {
      const c = l.indexOf(':');
      if (c <= 0) throw new Error(`the daemon sent a bad header line "${l.slice(0, 40)}"`);
      const name = l.slice(0, c).trim().toLowerCase();
      const value = l.slice(c + 1).trim();
      const prev = headers[name];
      if (name === 'set-cookie') headers[name] = [...((prev as string[] | undefined) ?? []), value];
      else headers[name] = prev === undefined ? value : `${prev as string}, ${value}`;
    }
    if (statusCode === 101) {
      this.state = 'upgraded';
      this.rest = this.buf;
      this.buf = Buffer.alloc(0);
      this.events.onHead({ statusCode, statusMessage: m[2] ?? '', headers });
      return false;
    }
    if (statusCode < 200) return true; // an interim response (100 Continue): the real one follows
    const te = String(headers['transfer-encoding'] ?? '').toLowerCase();
    const cl = headers['content-length'];
    if (this.noBody || statusCode === 204 || statusCode === 304) this.state = 'done';
    else if (te.split(',').some((t) => t.trim() === 'chunked')) this.state = 'size';
    else if (cl !== undefined) {
      if (!/^\d{1,15}$/.test(String(cl))) throw new Error(`the daemon sent a bad Content-Length "${String(cl).slice(0, 20)}"`);
      this.remaining = Number(cl);
      this.state = this.remaining === 0 ? 'done' : 'length';
    } else this.state = 'eof';
    this.events.onHead({ statusCode, statusMessage: m[2] ?? '', headers });
    if (this.state === 'done') {
      this.buf = Buffer.alloc(0);
      this.events.onEnd();
      return false;
    }
    return true;
  }
}
