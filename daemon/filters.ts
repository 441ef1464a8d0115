/**
 * Docker's `filters` query parameter, for every list and prune endpoint (containers, images,
 * networks, volumes): a JSON object from key to values, in either of the two shapes clients
 * send — `{"dangling":{"true":true}}` (the Go CLI's map[string]map[string]bool) or
 * `{"dangling":["true"]}` (older clients, docker-py). Parsed once into `Filters`, whose
 * `validate` gives Docker's "invalid filter 'KEY'" for keys the endpoint does not know. Also the
 * matchers Docker's filters share: booleans, labels (`label` and `label!`, i.e. the CLI's
 * `--filter label!=KEY[=VALUE]`), globs (Go's path.Match), `until` timestamps.
 *
 * Typical use by an endpoint:
 *   const f = parseFilters(raw).validate(['label', 'label!', 'until']);
 *   keep = pruneLabelsMatch(f, labels) && untilMatches(f, createdMs);
 */
import { invalid } from './errors';

export class Filters {
  constructor(private readonly map: ReadonlyMap<string, readonly string[]>) {}

  static empty(): Filters {
    return new Filters(new Map());
  }

  has(key: string): boolean {
    return (this.map.get(key)?.length ?? 0) > 0;
  }

  get(key: string): readonly string[] {
    return this.map.get(key) ?? [];
  }

  keys(): string[] {
    return [...this.map.keys()];
  }

  /** Rejects keys the endpoint does not know, with Docker's message. */
  validate(allowed: readonly string[]): this {
    for (const k of this.map.keys()) {
      if (!allowed.includes(k)) throw invalid(`invalid filter '${k}'`);
    }
    return this;
  }

  /** A boolean filter (`dangling=true`): `dflt` when absent; Docker's error on bad values. */
  bool(key: string, dflt: boolean): boolean {
    const values = this.get(key);
    if (values.length === 0) return dflt;
    let result: boolean | undefined;
    for (const v of values) {
      const b = parseBool(v);
      if (b === undefined) throw invalid(`invalid filter '${key}=${v}'`);
      result = result === undefined ? b : result || b;
    }
    return result ?? dflt;
  }
}

function parseBool(v: string): boolean | undefined {
  const s = v.toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  return undefined;
}

/** Parses the raw `filters` query value (absent or empty means no filters). */
export function parseFilters(raw: unknown): Filters {
  if (raw === undefined || raw === null || raw === '') return Filters.empty();
  if (typeof raw !== 'string') throw invalid('invalid filters: expected one JSON object');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid(`invalid filters: ${raw} is not JSON`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid('invalid filters: expected a JSON object');
  const map = new Map<string, string[]>();
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    let values: string[];
    if (Array.isArray(value)) {
      values = value.map((v) => {
        if (typeof v !== 'string') throw invalid(`invalid filters: values of '${key}' must be strings`);
        return v;
      });
    } else if (value && typeof value === 'object') {
      values = Object.entries(value as Record<string, unknown>).filter(([, on]) => on === true).map(([v]) => v);
    } else {
      throw invalid(`invalid filters: '${key}' must map to a list or an object`);
    }
    map.set(key, values);
  }
  return new Filters(map);
}

/** Docker's MatchKVList: every `key` or `key=value` in `wanted` holds for `labels`. */
export function matchLabels(labels: Readonly<Record<string, string>> | null | undefined, wanted: readonly string[]): boolean {
  const l = labels ?? {};
  for (const w of wanted) {
    const eq = w.indexOf('=');
    const key = eq < 0 ? w : w.slice(0, eq);
    const holds = eq < 0 ? Object.prototype.hasOwnProperty.call(l, key) : l[key] === w.slice(eq + 1);
    if (!holds) return false;
  }
  return true;
}

/**
 * Docker's label rule for list and prune (moby `matchLabels`): every `label` value holds, and
 * not every `label!` value holds (`label!=a=1` drops what has a=1; with several `label!`
 * values, what has all of them).
 */
export function labelsMatch(f: Filters, labels: Readonly<Record<string, string>> | null | undefined): boolean {
  if (!matchLabels(labels, f.get('label'))) return false;
  return !(f.has('label!') && matchLabels(labels, f.get('label!')));
}

/**
 * A prune's `until` in ms (undefined when absent). Docker takes one: several are refused with
 * its message (moby getUntilFromPruneFilters).
 */
export function pruneUntil(f: Filters, now = Date.now()): number | undefined {
  const values = f.get('until');
  if (values.length > 1) throw invalid('more than one until filter specified');
  return values[0] === undefined ? undefined : parseUntil(values[0], now);
}

/** Docker's `until` for prune: created before it (everything when absent). */
export function untilMatches(f: Filters, createdMs: number, now = Date.now()): boolean {
  const until = pruneUntil(f, now);
  return until === undefined || createdMs < until;
}

/** Go's path.Match: `*` (any run of non-`/`), `?` (one non-`/`), `[...]` classes, `\` escapes. */
export function globMatch(pattern: string, text: string): boolean {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i] as string);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw invalid(`invalid reference filter pattern "${pattern}"`);
      let cls = pattern.slice(i + 1, end);
      if (cls.startsWith('^')) cls = '^' + cls.slice(1).replace(/[\]\\]/g, '\\$&');
      else cls = cls.replace(/[\]\\^]/g, '\\$&');
      re += `[${cls}]`;
      i = end;
    } else re += escapeRe(c);
  }
  return new RegExp(re + '$').test(text);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * Docker's `until` value: a unix timestamp (`1700000000`, fractional allowed), an RFC 3339
 * date or date-time, or a Go duration before now (`24h`, `90m`, `1h30m`). Returns ms since epoch.
 */
export function parseUntil(value: string, now = Date.now()): number {
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const dur = parseGoDuration(value);
  if (dur !== undefined) return now - dur;
  const t = Date.parse(value);
  if (!Number.isNaN(t) && /^\d{4}-\d{2}-\d{2}/.test(value)) return t;
  throw invalid(`invalid filter 'until=${value}': expected a timestamp, a date or a duration like 24h`);
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration for non-negative values, in milliseconds. */
export function parseGoDuration(s: string): number | undefined {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  if (s.length === 0) return undefined;
  let total = 0;
  let pos = 0;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    pos = re.lastIndex;
  }
  return total;
}
