/**
 * Logging drivers and their options (`--log-driver`, `--log-opt`, daemon.json `log-driver` and
 * `log-opts`), validated with Docker's messages, merged as dockerd merges a container's
 * LogConfig with the daemon's default, and turned into what the monitor needs.
 *
 * berth writes Docker's json-file format and reads it back for `logs`:
 * - json-file: one file, or rotated at `max-size` keeping `max-file` files (Docker's rules);
 * - local: the same files with the local driver's defaults (20m x 5). Docker's local driver
 *   stores protobuf and compresses rotated files; berth keeps them as plain json-file, which
 *   only changes what is on disk, not what `logs` shows;
 * - none: no log at all; `logs` answers Docker's "configured logging driver does not support
 *   reading" (attach still streams).
 * Drivers that ship logs elsewhere (syslog, journald, gelf, fluentd, ...) are refused: berth
 * would otherwise accept them and silently keep nothing where the user looks.
 */
import { BerthError, invalid } from './errors';

export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

export type LogDriver = 'json-file' | 'local' | 'none';

/** What the monitor is told: where to write (none: nowhere) and when to rotate. */
export interface LogSettings {
  driver: LogDriver;
  /** Rotate when the file reaches this many bytes; 0: never. */
  maxSize: number;
  /** Files kept, the one being written included (1: truncate instead of rotating). */
  maxFiles: number;
}

export const LOG_DRIVERS: readonly LogDriver[] = ['json-file', 'local', 'none'];

/** Docker's drivers that berth does not have. */
const ELSEWHERE = ['syslog', 'journald', 'gelf', 'fluentd', 'awslogs', 'splunk', 'etwlogs', 'gcplogs', 'logentries'];

const OPTS: Record<LogDriver, readonly string[]> = {
  'json-file': ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
  local: ['max-size', 'max-file', 'compress'],
  none: [],
};

/** Options Docker's drivers take that change what each entry holds; berth's entries do not. */
const NOT_SUPPORTED = ['labels', 'labels-regex', 'env', 'env-regex', 'tag'];

function driverOf(type: string): LogDriver {
  if ((LOG_DRIVERS as readonly string[]).includes(type)) return type as LogDriver;
  if (ELSEWHERE.includes(type)) {
    throw new BerthError('NotImplemented', `berth does not support the ${type} logging driver: use json-file, local or none`);
  }
  throw invalid(`logger: no log driver named '${type}' is registered`);
}

/** Docker's units.FromHumanSize: decimal multiples (1k = 1000), an optional "b"/"ib". */
export function parseHumanSize(v: string): number {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(v.trim());
  if (!m) throw invalid(`invalid size: '${v}'`);
  const mult = { '': 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g' | 't' | 'p'];
  return Math.floor(Number(m[1]) * mult);
}

/** Checks a driver and its options; throws Docker's message (or berth's, for what it lacks). */
export function validateLogConfig(lc: LogConfig): LogSettings {
  const driver = driverOf(lc.Type);
  for (const key of Object.keys(lc.Config)) {
    if (!OPTS[driver].includes(key)) throw invalid(`unknown log opt '${key}' for ${driver} log driver`);
    if (NOT_SUPPORTED.includes(key)) throw new BerthError('NotImplemented', `log opt '${key}' is not supported by berth: its log entries carry no extra attributes`);
  }
  const compress = lc.Config.compress;
  if (compress !== undefined) {
    if (!/^(1|t|true|0|f|false)$/i.test(compress)) throw invalid(`error reading compress log option: invalid boolean '${compress}'`);
    if (/^(1|t|true)$/i.test(compress)) throw new BerthError('NotImplemented', 'log opt compress=true is not supported by berth: rotated log files are kept uncompressed');
  }
  const local = driver === 'local';
  let maxSize = local ? 20e6 : 0;
  const size = lc.Config['max-size'];
  if (size !== undefined && size !== '-1') {
    maxSize = parseHumanSize(size);
    if (maxSize <= 0) throw invalid('max-size must be a positive number');
  } else if (size === '-1') maxSize = 0;
  let maxFiles = local ? 5 : 1;
  const files = lc.Config['max-file'];
  if (files !== undefined) {
    if (!/^-?\d+$/.test(files)) throw invalid(`invalid max-file '${files}': expected a whole number`);
    maxFiles = Number(files);
    if (maxFiles < 1) throw invalid('max-file cannot be less than 1');
  }
  return { driver, maxSize, maxFiles };
}

/**
 * The container's effective LogConfig (dockerd's mergeAndVerifyLogConfig): no type means the
 * daemon's; with the daemon's type, the daemon's options fill what the container left unset.
 */
export function mergeLogConfig(requested: Partial<LogConfig> | null | undefined, daemonDefault: LogConfig): LogConfig {
  const type = requested?.Type || daemonDefault.Type;
  const config: Record<string, string> = { ...(requested?.Config ?? {}) };
  if (type === daemonDefault.Type) for (const [k, v] of Object.entries(daemonDefault.Config)) if (!(k in config)) config[k] = v;
  const out = { Type: type, Config: config };
  validateLogConfig(out);
  return out;
}

/** The settings of a stored record's LogConfig (records made before drivers existed: json-file). */
export function logSettingsOf(lc: Partial<LogConfig> | null | undefined): LogSettings {
  try {
    return validateLogConfig({ Type: lc?.Type || 'json-file', Config: lc?.Config ?? {} });
  } catch {
    return { driver: 'json-file', maxSize: 0, maxFiles: 1 };
  }
}
