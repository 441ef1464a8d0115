/**
 * Typed checks of what an orchestrator reads from a response, with the rules of the decoder it
 * uses (Go's encoding/json into the moby API types): a field declared `int64` must be a JSON
 * integer (a float or a string fails the whole decode), `time.Time` fields must parse as
 * RFC 3339 (Go's `time.RFC3339Nano` layout), and so on. Also the framings a Go client
 * decodes by hand: stdcopy (pkg/stdcopy), NDJSON progress (jsonmessage), and error texts the
 * orchestrators match with their own regular expressions.
 *
 * Independent of berthd's code on purpose: the replay must not judge the daemon with the
 * daemon's own decoder.
 */
import { isIP } from 'node:net';

/**
 * A shape the Go decoder and the orchestrator need. Leaves:
 *   'string' 'bool' 'int' (any JSON integer) 'uint' (integer ≥ 0) 'number' (int or float)
 *   'time' (RFC3339Nano string Go's time.Time accepts) 'object' 'array' 'any' (present, any value)
 *   'ip' 'cidr' 'mac' (netip.Addr, netip.Prefix, network.HardwareAddr of moby api ≥ 1.52: a
 *   string that is empty or parses, or the whole decode fails)
 * A leading '?' makes the field optional (absent or null is fine; present must match).
 * Objects: `{ Field: shape }` (other fields are ignored, as Go does). Arrays: `[shape]` (each
 * element). Maps: `{ '*': shape }` (every value).
 */
export type Shape = string | Shape[] | { [field: string]: Shape };

// Go's time.RFC3339Nano parse layout: fraction optional (1-9 digits), Z or ±hh:mm.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isRFC3339Nano(v: unknown): v is string {
  return typeof v === 'string' && RFC3339.test(v) && !Number.isNaN(Date.parse(v.replace(/\.(\d{3})\d*/, '.$1')));
}

// netip.ParseAddr: dotted IPv4 without leading zeros, or IPv6 (node's net.isIP agrees on both).
function isGoAddr(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (v === '') return true; // the zero Addr's text
  const [addr, zone] = v.split('%');
  if (zone !== undefined && (zone === '' || !addr?.includes(':'))) return false;
  if (addr === undefined || isIP(addr) === 0) return false;
  return !/(^|\.)0\d/.test(addr) || addr.includes(':');
}

// netip.ParsePrefix: an address, '/', a decimal length within the family's bits.
function isGoPrefix(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (v === '') return true;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  if (!m || !isGoAddr(m[1]) || m[1]?.includes('%')) return false;
  return Number(m[2]) <= (m[1]?.includes(':') ? 128 : 32);
}

// net.ParseMAC: 6, 8 or 20 bytes as hex pairs split by ':' or '-', or dotted quads.
function isGoMac(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  if (v === '') return true;
  return /^([0-9a-fA-F]{2})([:-][0-9a-fA-F]{2}){5}$/.test(v) || /^([0-9a-fA-F]{2})([:-][0-9a-fA-F]{2}){7}$/.test(v) || /^([0-9a-fA-F]{2})([:-][0-9a-fA-F]{2}){19}$/.test(v)
    || /^[0-9a-fA-F]{4}(\.[0-9a-fA-F]{4}){2}$/.test(v);
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Returns the mismatches of `value` against `shape` as "path: expected X, got Y" lines. */
export function shapeErrors(value: unknown, shape: Shape, at = '$'): string[] {
  if (typeof shape === 'string') {
    const optional = shape.startsWith('?');
    const t = optional ? shape.slice(1) : shape;
    if (value === undefined || value === null) {
      return optional || (value === null && t === 'any') ? [] : [`${at}: expected ${t}, got ${typeName(value)}`];
    }
    const ok = ((): boolean => {
      switch (t) {
        case 'string': return typeof value === 'string';
        case 'bool': return typeof value === 'boolean';
        case 'int': return typeof value === 'number' && Number.isInteger(value);
        case 'uint': return typeof value === 'number' && Number.isInteger(value) && value >= 0;
        case 'number': return typeof value === 'number' && Number.isFinite(value);
        case 'time': return isRFC3339Nano(value);
        case 'object': return typeName(value) === 'object';
        case 'array': return Array.isArray(value);
        case 'any': return true;
        case 'ip': return isGoAddr(value);
        case 'cidr': return isGoPrefix(value);
        case 'mac': return isGoMac(value);
        default: throw new Error(`unknown shape leaf '${shape}' at ${at}`);
      }
    })();
    return ok ? [] : [`${at}: expected ${t}, got ${JSON.stringify(value)}`];
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${at}: expected array, got ${typeName(value)}`];
    const el = shape[0] ?? 'any';
    return value.flatMap((v, i) => shapeErrors(v, el, `${at}[${i}]`));
  }
  if (typeName(value) !== 'object') return [`${at}: expected object, got ${typeName(value)}`];
  const obj = value as Record<string, unknown>;
  if ('*' in shape) return Object.entries(obj).flatMap(([k, v]) => shapeErrors(v, shape['*'] as Shape, `${at}.${k}`));
  return Object.entries(shape).flatMap(([k, s]) => shapeErrors(obj[k], s, `${at}.${k}`));
}

/** Throws listing every mismatch. */
export function assertShape(value: unknown, shape: Shape, what: string): void {
  const errs = shapeErrors(value, shape);
  if (errs.length) throw new Error(`${what} does not decode as the orchestrator expects:\n  ${errs.join('\n  ')}`);
}

/** A value at a dotted path (`State.Pid`, `Names.0`); undefined if any step is missing. */
export function at(value: unknown, path: string): unknown {
  let v: unknown = value;
  for (const k of path.split('.')) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

export interface StdFrame {
  /** 0 stdin, 1 stdout, 2 stderr, 3 systemerr (pkg/stdcopy's Systemerr). */
  stream: number;
  payload: Buffer;
}

/**
 * Decodes stdcopy framing strictly as pkg/stdcopy's StdCopy does: 8-byte header
 * `[stream, 0, 0, 0, size BE32]`, stream 0..3, no trailing partial frame.
 */
export function decodeStdcopy(buf: Buffer): StdFrame[] {
  const frames: StdFrame[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 8) throw new Error(`stdcopy: ${buf.length - off} trailing bytes, less than a header`);
    const stream = buf[off] ?? 0;
    if (stream > 3) throw new Error(`stdcopy: unknown stream type ${stream} at byte ${off} (is the stream a raw tty stream?)`);
    if (buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0) throw new Error(`stdcopy: header bytes 1-3 not zero at byte ${off}`);
    const size = buf.readUInt32BE(off + 4);
    if (buf.length - off - 8 < size) throw new Error(`stdcopy: frame at byte ${off} says ${size} bytes, ${buf.length - off - 8} left`);
    frames.push({ stream, payload: buf.subarray(off + 8, off + 8 + size) });
    off += 8 + size;
  }
  return frames;
}

/** stdout and stderr of a stdcopy stream, as StdCopy would write them. Systemerr frames throw. */
export function demux(buf: Buffer): { stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  for (const f of decodeStdcopy(buf)) {
    if (f.stream === 3) throw new Error(`stdcopy: systemerr frame: ${f.payload.toString()}`);
    if (f.stream === 2) stderr += f.payload.toString();
    else stdout += f.payload.toString();
  }
  return { stdout, stderr };
}

/**
 * Parses a newline-delimited JSON stream (pull/push/load progress, stats stream, events) the
 * way json.Decoder reads it: one JSON value after another; a trailing partial value throws.
 * A jsonmessage with `error`/`errorDetail` is returned like any other; use progressErrors().
 */
export function parseNdjson(buf: Buffer): unknown[] {
  return buf
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      try {
        return JSON.parse(l) as unknown;
      } catch {
        throw new Error(`NDJSON line ${i + 1} is not JSON: ${JSON.stringify(l.slice(0, 200))}`);
      }
    });
}

/** The in-band errors of a jsonmessage progress stream (what DisplayJSONMessagesStream returns). */
export function progressErrors(messages: unknown[]): string[] {
  return messages.flatMap((m) => {
    const e = at(m, 'errorDetail.message') ?? at(m, 'error');
    return typeof e === 'string' ? [e] : [];
  });
}

/** The `message` of a Docker error body (`{"message": "..."}`), as the Go client surfaces it. */
export function errorMessage(body: Buffer): string {
  try {
    const m = at(JSON.parse(body.toString('utf8')), 'message');
    if (typeof m === 'string') return m;
  } catch {
    /* not JSON: the Go client shows the body text */
  }
  return body.toString('utf8').trim();
}
