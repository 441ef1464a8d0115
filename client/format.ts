/**
 * Output formatting exactly as the Docker CLI prints it: a table writer with the settings of
 * Go's text/tabwriter in docker/cli (minwidth 10, tabwidth 1, padding 3, pad with spaces),
 * go-units HumanSize / HumanSizeWithPrecision (base 1000, Go's %.Ng) and HumanDuration
 * ("About a minute", "3 months"), 12-hex short ids and Go's default time layout.
 */

/**
 * Go text/tabwriter (minwidth 10, padding 3): each tab-terminated cell is padded to the widest
 * cell of its column plus 3, at least 10; the cell after the last tab is left as is. Columns
 * are aligned over consecutive lines that have that column (tabwriter's column blocks).
 */
export function tabwrite(lines: readonly string[], minWidth = 10, padding = 3): string {
  const rows = lines.map((l) => l.split('\t'));
  const widths: number[][] = rows.map((r) => r.map(() => 0));
  const maxCols = Math.max(0, ...rows.map((r) => r.length - 1));
  for (let col = 0; col < maxCols; col++) {
    let start = 0;
    while (start < rows.length) {
      if ((rows[start] as string[]).length - 1 <= col) {
        start++;
        continue;
      }
      let end = start;
      let width = 0;
      while (end < rows.length && (rows[end] as string[]).length - 1 > col) {
        width = Math.max(width, textWidth((rows[end] as string[])[col] as string) + padding);
        end++;
      }
      width = Math.max(width, minWidth);
      for (let k = start; k < end; k++) (widths[k] as number[])[col] = width;
      start = end;
    }
  }
  return rows
    .map((cells, r) =>
      cells
        .map((c, i) => (i < cells.length - 1 ? c + ' '.repeat(Math.max(0, ((widths[r] as number[])[i] as number) - textWidth(c))) : c))
        .join(''),
    )
    .map((l) => l + '\n')
    .join('');
}

function textWidth(s: string): number {
  return [...s].length;
}

/** Go's fmt %.<prec>g for a non-negative number (no '#' flag: trailing zeros dropped). */
export function goG(x: number, prec: number): string {
  if (x === 0) return '0';
  const [mant, expText] = x.toExponential(prec - 1).split('e') as [string, string];
  const exp = Number(expText);
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exp < -4 || exp >= prec) {
    const e = Math.abs(exp);
    return `${trim(mant)}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return trim(x.toFixed(Math.max(0, prec - 1 - exp)));
}

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function customSize(size: number, prec: number, base: number, units: string[]): string {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return `${goG(size, prec)}${units[i]}`;
}

/** go-units HumanSizeWithPrecision: `docker images` uses precision 3 ("683kB", "1.99MB"). */
export function humanSizeWithPrecision(bytes: number, prec: number): string {
  return customSize(bytes, prec, 1000, DECIMAL_UNITS);
}

/** go-units HumanSize (precision 4): "682.7kB", "201.6MB", "0B". */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 4);
}

/** go-units BytesSize (base 1024): "23.54GiB" (docker info's Total Memory). */
export function bytesSize(bytes: number): string {
  return customSize(bytes, 4, 1024, BINARY_UNITS);
}

/** go-units HumanDuration for a duration in milliseconds. */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** "3 months ago" for a unix time in seconds, as `docker images` prints CREATED. */
export function timeAgo(unixSeconds: number, now = Date.now()): string {
  if (!unixSeconds || unixSeconds <= 0) return 'N/A';
  return `${humanDuration(now - unixSeconds * 1000)} ago`;
}

/** The 12-hex short id (any `sha256:` prefix removed). */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Go's time.Time default String layout in local time: "2026-11-23 12:27:28 +0000 UTC". */
export function goTime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  const zone = off === 0 ? 'UTC' : `${sign}${pad(Math.trunc(abs / 60))}${pad(abs % 60)}`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ${sign}${pad(Math.trunc(abs / 60))}${pad(abs % 60)} ${zone}`;
}

/** JSON pretty-printed the way `docker inspect` prints it (4-space indent, no HTML escaping). */
export function prettyJson(v: unknown): string {
  return JSON.stringify(v, null, 4);
}
