/**
 * Docker's progress messages for pull and push, byte for byte: the message shape of the
 * Engine API's JSON streams, `units.HumanSize` (4 significant digits, decimal units) and the
 * server-side progress bar (`JSONProgress.String()` at width 200:
 * `[=====>       ]  32.77kB/313.8kB`). Services emit through a ProgressSink and never see HTTP.
 */

import type { JsonMessage } from '../wire/types';

export type ProgressMessage = JsonMessage;

export type ProgressSink = (msg: ProgressMessage) => void;

const UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];

/** Go's `%.4g`: 4 significant digits, trailing zeros dropped. */
function g4(n: number): string {
  if (n === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 4) {
    const [m, e] = n.toExponential(3).split('e') as [string, string];
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m;
    const en = Number(e);
    return `${mant}e${en < 0 ? '-' : '+'}${String(Math.abs(en)).padStart(2, '0')}`;
  }
  const s = n.toPrecision(4);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** docker/go-units HumanSize: `3.645kB`, `313.8kB`, `512B`, `1.2MB`. */
export function humanSize(bytes: number): string {
  let size = bytes;
  let i = 0;
  while (size >= 1000 && i < UNITS.length - 1) {
    size /= 1000;
    i++;
  }
  return `${g4(size)}${UNITS[i]}`;
}

/** The `progress` string Docker's daemon sends with a progressDetail. */
export function progressBar(current: number, total?: number): string {
  if (current <= 0 && (!total || total <= 0)) return '';
  if (!total || total <= 0) return humanSize(current).padStart(8);
  let pct = Math.floor(Math.floor((current / total) * 100) / 2);
  if (pct > 50) pct = 50;
  const bar = `[${'='.repeat(pct)}>${' '.repeat(Math.max(0, 50 - pct))}] `;
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}

/** A progress message with detail and bar. */
export function progressMessage(status: string, id: string, current: number, total?: number): ProgressMessage {
  const detail: { current: number; total?: number } = { current };
  if (total !== undefined) detail.total = total;
  return { status, progressDetail: detail, progress: progressBar(current, total), id };
}

/** A plain per-id status (`Pull complete`, `Waiting` ...) with Docker's empty progressDetail. */
export function statusMessage(status: string, id: string): ProgressMessage {
  return { status, progressDetail: {}, id };
}

/**
 * Rate-limits byte progress for one id: a message at the first bytes, then every 512 kB
 * (Docker's progress reader granularity), and at the end.
 */
export class ByteProgress {
  private last = -1;

  constructor(
    private readonly sink: ProgressSink,
    private readonly status: string,
    private readonly id: string,
    private readonly total?: number,
  ) {}

  update(current: number): void {
    const done = this.total !== undefined && current >= this.total;
    if (this.last >= 0 && !done && current - this.last < 512 * 1024) return;
    if (current === this.last) return;
    this.last = current;
    this.sink(progressMessage(this.status, this.id, current, this.total));
  }
}
