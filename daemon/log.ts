/**
 * Structured logging to stderr (journald picks it up under systemd): one JSON object per line,
 * or with `--log-format text` logfmt lines like dockerd's (`time=… level=info msg="…" key=value`).
 * Fields, not interpolation, so logs can be filtered; never log secrets (auth headers,
 * passwords, tokens).
 */

type Level = 'debug' | 'info' | 'warn' | 'error';
type Format = 'text' | 'json';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let threshold: Level = (process.env.BERTH_LOG_LEVEL as Level | undefined) ?? 'info';
let format: Format = 'json';

export function setLogLevel(level: Level): void {
  threshold = level;
}

export function setLogFormat(f: Format): void {
  format = f;
}

/** A logfmt value: bare when it is a plain word, else quoted; lists of words joined by commas. */
function textValue(v: unknown): string {
  const plain = (x: unknown) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
  const s = typeof v === 'string' ? v : Array.isArray(v) && v.every(plain) ? v.join(',') : JSON.stringify(v) ?? String(v);
  return /^[\w./:@+,=-]+$/.test(s) ? s : JSON.stringify(s);
}

export function formatLine(f: Format, time: string, level: Level, msg: string, fields?: Record<string, unknown>): string {
  if (f === 'json') return JSON.stringify({ time, level, msg, ...fields });
  const parts = [`time=${JSON.stringify(time)}`, `level=${level}`, `msg=${JSON.stringify(msg)}`];
  for (const [k, v] of Object.entries(fields ?? {})) if (v !== undefined) parts.push(`${k}=${textValue(v)}`);
  return parts.join(' ');
}

function emit(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (ORDER[level] < ORDER[threshold]) return;
  process.stderr.write(formatLine(format, new Date().toISOString(), level, msg, fields) + '\n');
}

export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => emit('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => emit('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => emit('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => emit('error', msg, fields),
};
