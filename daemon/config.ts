/**
 * berthd's configuration: command-line flags named as dockerd names them, merged over
 * /etc/berth/daemon.json (same keys as dockerd's daemon.json). Validated once, here; the rest
 * of the daemon receives a typed, frozen Config.
 */
import { readFileSync } from 'node:fs';
import { invalid } from './errors';

export interface Config {
  /** Listen addresses: `unix:///path` or `fd://` (systemd socket activation). */
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  /** host:port (or CIDR) of registries spoken to over plain HTTP. */
  insecureRegistries: string[];
  configFile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Path of the C helper binary; default: native/helper/build/berth-helper next to the code. */
  helperPath?: string;
}

export const DEFAULTS = {
  host: 'unix:///run/berth/berth.sock',
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  configFile: '/etc/berth/daemon.json',
} as const;

export const USAGE = `Usage: berthd [OPTIONS]

A container engine that speaks the Docker Engine API.

Options:
  -H, --host list                 Daemon socket to listen on (default ${DEFAULTS.host})
      --data-root string          Root directory of persistent state (default ${DEFAULTS.dataRoot})
      --exec-root string          Root directory for runtime state (default ${DEFAULTS.execRoot})
      --insecure-registry list    Registries to reach over plain HTTP (localhost and 127.0.0.0/8 always are)
      --config-file string        Daemon configuration file (default ${DEFAULTS.configFile})
  -l, --log-level string          debug, info, warn or error (default "info")
  -D, --debug                     Same as --log-level debug
  -v, --version                   Print version information and quit
  -h, --help                      Print usage`;

interface FileConfig {
  hosts?: string[];
  'data-root'?: string;
  'exec-root'?: string;
  'insecure-registries'?: string[];
  'log-level'?: string;
  debug?: boolean;
}

function readFileConfig(file: string, required: boolean): FileConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw invalid(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw invalid(`config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalid(`config file ${file} must hold a JSON object`);
  const known = new Set(['hosts', 'data-root', 'exec-root', 'insecure-registries', 'log-level', 'debug']);
  for (const key of Object.keys(parsed)) {
    if (!known.has(key)) throw invalid(`config file ${file}: unknown key "${key}"`);
  }
  return parsed as FileConfig;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

export type ParseResult = { kind: 'run'; config: Config } | { kind: 'help' } | { kind: 'version' };

export function parseArgs(argv: readonly string[]): ParseResult {
  const hosts: string[] = [];
  const insecure: string[] = [];
  let dataRoot: string | undefined;
  let execRoot: string | undefined;
  let configFile: string | undefined;
  let logLevel: string | undefined;
  let helperPath: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const raw = argv[i] as string;
    const eq = raw.startsWith('--') ? raw.indexOf('=') : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    const value = (): string => {
      if (eq > 0) return raw.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw invalid(`flag needs an argument: ${flag}`);
      return v;
    };
    switch (flag) {
      case '-H': case '--host': hosts.push(value()); break;
      case '--data-root': dataRoot = value(); break;
      case '--exec-root': execRoot = value(); break;
      case '--insecure-registry': insecure.push(value()); break;
      case '--config-file': configFile = value(); break;
      case '-l': case '--log-level': logLevel = value(); break;
      case '--helper': helperPath = value(); break;
      case '-D': case '--debug': logLevel = 'debug'; break;
      case '-h': case '--help': return { kind: 'help' };
      case '-v': case '--version': return { kind: 'version' };
      default: throw invalid(`unknown flag: ${raw}\nSee 'berthd --help'.`);
    }
  }
  const file = readFileConfig(configFile ?? DEFAULTS.configFile, configFile !== undefined);
  const level = logLevel ?? (file.debug ? 'debug' : file['log-level']) ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level)) throw invalid(`invalid log level "${level}": use debug, info, warn or error`);
  const allHosts = hosts.length ? hosts : file.hosts?.length ? file.hosts : [DEFAULTS.host];
  for (const h of allHosts) {
    if (!h.startsWith('unix://') && h !== 'fd://' && !h.startsWith('fd://')) throw invalid(`unsupported host "${h}": berthd listens on unix:///path or fd://`);
  }
  return {
    kind: 'run',
    config: Object.freeze({
      hosts: allHosts,
      dataRoot: dataRoot ?? file['data-root'] ?? DEFAULTS.dataRoot,
      execRoot: execRoot ?? file['exec-root'] ?? DEFAULTS.execRoot,
      insecureRegistries: [...(file['insecure-registries'] ?? []), ...insecure],
      configFile: configFile ?? DEFAULTS.configFile,
      logLevel: level as Config['logLevel'],
      helperPath,
    }),
  };
}
