/**
 * berthd's configuration: command-line flags named as dockerd names them, merged over
 * /etc/berth/daemon.json (same keys as dockerd's daemon.json; parsed in config-file.ts).
 * Validated once, here; the rest of the daemon receives a typed Config. The settings a SIGHUP
 * may change are listed in RELOADABLE; config-live.ts swaps them in place.
 */
import { describe, invalid } from './errors';
import { validateLogConfig } from './log-config';
import { FileConfig, normaliseMirror, readFileConfig, Ulimit } from './config-file';
import { AddressPool, checkPool, DEFAULT_POOLS, parsePoolFlag } from './networks/pools';
import { checkCgroupParent } from './runtime/cgroup-place';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';

export interface Config {
  /** Listen addresses: `unix:///path` or `fd://` (systemd socket activation). */
  hosts: string[];
  dataRoot: string;
  execRoot: string;
  /** Group owning the unix sockets berthd creates; undefined: `berth` when that group exists. */
  group?: string;
  /** host:port (or CIDR) of registries spoken to over plain HTTP. */
  insecureRegistries: string[];
  /** Docker Hub mirrors, scheme://host[:port], tried in order before Docker Hub itself. */
  registryMirrors: string[];
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  /** Engine labels (`key=value`), shown by `docker info`. */
  labels: string[];
  defaultUlimits: Record<string, Ulimit>;
  logDriver: string;
  logOpts: Record<string, string>;
  configFile: string;
  logLevel: LogLevel;
  logFormat: LogFormat;
  /** Path of the C helper binary; default: native/helper/build/berth-helper next to the code. */
  helperPath?: string;
  /** The default network's Linux bridge (dockerd's -b/--bridge). */
  bridge: string;
  /** The default network's gateway/prefix (dockerd's --bip); unset: first free pool subnet. */
  bip?: string;
  /** Where new networks' subnets come from (dockerd's default-address-pools). */
  defaultAddressPools: AddressPool[];
  /** dockerd's --cgroup-parent: the parent of containers that name none (berth's own: /berth). */
  cgroupParent?: string;
}

/** What SIGHUP reloads from daemon.json (the rest needs a restart). */
export const RELOADABLE = [
  'logLevel', 'insecureRegistries', 'registryMirrors', 'maxConcurrentDownloads', 'maxConcurrentUploads', 'labels', 'defaultUlimits', 'logDriver', 'logOpts',
] as const satisfies readonly (keyof Config)[];

export const DEFAULTS = {
  host: 'unix:///run/berth/berth.sock',
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  configFile: '/etc/berth/daemon.json',
  bridge: 'berth0',
  group: 'berth',
  maxConcurrentDownloads: 3,
  maxConcurrentUploads: 5,
} as const;

export const USAGE = `Usage: berthd [OPTIONS]

A container engine that speaks the Docker Engine API.

Options:
  -H, --host list                   Daemon socket to listen on (default ${DEFAULTS.host}; fd:// under systemd)
  -G, --group string                Group for the unix socket (default "${DEFAULTS.group}" when that group exists)
      --data-root string            Root directory of persistent state (default ${DEFAULTS.dataRoot})
      --exec-root string            Root directory for runtime state (default ${DEFAULTS.execRoot})
      --insecure-registry list      Registries to reach over plain HTTP (localhost and 127.0.0.0/8 always are)
      --registry-mirror list        Preferred Docker Hub mirror (scheme://host[:port])
      --max-concurrent-downloads int  Parallel layer downloads per pull (default ${DEFAULTS.maxConcurrentDownloads})
      --max-concurrent-uploads int  Parallel layer uploads per push (default ${DEFAULTS.maxConcurrentUploads})
      --label list                  Engine labels (key=value)
      --config-file string          Daemon configuration file (default ${DEFAULTS.configFile})
  -b, --bridge string               Linux bridge of the default network (default "${DEFAULTS.bridge}")
      --bip string                  Default network's gateway address and prefix, e.g. 10.20.0.1/24
      --default-address-pool list   Subnet pool for networks: base=10.10.0.0/16,size=24
      --cgroup-parent string        Parent cgroup of containers that name none (default /berth)
  -l, --log-level string            debug, info, warn or error (default "info")
      --log-format string           text or json (default "json")
  -D, --debug                       Same as --log-level debug
      --validate                    Check the flags and the configuration file, print "configuration OK" and exit
  -v, --version                     Print version information and quit
  -h, --help                        Print usage

Signals: SIGTERM/SIGINT stop berthd (containers keep running); SIGHUP reloads the reloadable
settings of the configuration file (debug, log-level, insecure-registries, registry-mirrors,
max-concurrent-downloads, max-concurrent-uploads, labels, default-ulimits, log-driver, log-opts).`;

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const FORMATS = ['text', 'json'] as const;
/** Log drivers berth's containers have. */

/** `validateOnly`: --validate, check the configuration and exit (as dockerd --validate). */
export type ParseResult = { kind: 'run'; config: Config; validateOnly?: boolean } | { kind: 'help' } | { kind: 'version' };

function positive(flag: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw invalid(`invalid argument "${v}" for "${flag}" flag: expected a whole number of at least 1`);
  return n;
}

function checkLabels(labels: string[]): string[] {
  for (const l of labels) if (!/^[^=\s]+=/.test(l)) throw invalid(`invalid label "${l}": use key=value`);
  return labels;
}

/** The daemon's default LogConfig must be one a container could use (log-config.ts). */
function checkLogging(file: FileConfig): void {
  try {
    validateLogConfig({ Type: file['log-driver'] ?? 'json-file', Config: file['log-opts'] ?? {} });
  } catch (err) {
    throw invalid(`invalid log-driver/log-opts in the config file: ${describe(err)}`);
  }
}

export function parseArgs(argv: readonly string[]): ParseResult {
  const hosts: string[] = [];
  const insecure: string[] = [];
  const mirrors: string[] = [];
  const labels: string[] = [];
  let dataRoot: string | undefined;
  let execRoot: string | undefined;
  let configFile: string | undefined;
  let logLevel: string | undefined;
  let logFormat: string | undefined;
  let helperPath: string | undefined;
  let group: string | undefined;
  let validateOnly = false;
  let downloads: number | undefined;
  let uploads: number | undefined;
  let bridge: string | undefined;
  let bip: string | undefined;
  let cgroupParent: string | undefined;
  const pools: AddressPool[] = [];
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
      case '-G': case '--group': group = value(); break;
      case '--data-root': dataRoot = value(); break;
      case '--exec-root': execRoot = value(); break;
      case '--insecure-registry': insecure.push(value()); break;
      case '--registry-mirror': mirrors.push(value()); break;
      case '--max-concurrent-downloads': downloads = positive(flag, value()); break;
      case '--max-concurrent-uploads': uploads = positive(flag, value()); break;
      case '--label': labels.push(value()); break;
      case '--config-file': configFile = value(); break;
      case '-l': case '--log-level': logLevel = value(); break;
      case '--log-format': logFormat = value(); break;
      case '--helper': helperPath = value(); break;
      case '-b': case '--bridge': bridge = value(); break;
      case '--bip': bip = value(); break;
      case '--cgroup-parent': cgroupParent = value(); break;
      case '--default-address-pool': pools.push(parsePoolFlag(value())); break;
      case '-D': case '--debug': logLevel = 'debug'; break;
      case '--validate': validateOnly = true; break;
      case '-h': case '--help': return { kind: 'help' };
      case '-v': case '--version': return { kind: 'version' };
      default: throw invalid(`unknown flag: ${raw}\nSee 'berthd --help'.`);
    }
  }
  const file = readFileConfig(configFile ?? DEFAULTS.configFile, configFile !== undefined);
  checkLogging(file);
  const level = logLevel ?? (file.debug ? 'debug' : file['log-level']) ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level)) throw invalid(`invalid log level "${level}": use debug, info, warn or error`);
  const format = logFormat ?? file['log-format'] ?? 'json';
  if (!(FORMATS as readonly string[]).includes(format)) throw invalid(`invalid log format "${format}": use text or json`);
  const allHosts = hosts.length ? hosts : file.hosts?.length ? file.hosts : [DEFAULTS.host];
  for (const h of allHosts) {
    if (!h.startsWith('unix://') && !h.startsWith('fd://')) throw invalid(`unsupported host "${h}": berthd listens on unix:///path or fd://`);
  }
  return {
    kind: 'run',
    validateOnly,
    config: Object.freeze({
      hosts: allHosts,
      dataRoot: dataRoot ?? file['data-root'] ?? DEFAULTS.dataRoot,
      execRoot: execRoot ?? file['exec-root'] ?? DEFAULTS.execRoot,
      group: group ?? file.group,
      insecureRegistries: [...(file['insecure-registries'] ?? []), ...insecure],
      registryMirrors: [...(file['registry-mirrors'] ?? []), ...mirrors].map(normaliseMirror),
      maxConcurrentDownloads: downloads ?? file['max-concurrent-downloads'] ?? DEFAULTS.maxConcurrentDownloads,
      maxConcurrentUploads: uploads ?? file['max-concurrent-uploads'] ?? DEFAULTS.maxConcurrentUploads,
      labels: checkLabels([...(file.labels ?? []), ...labels]),
      defaultUlimits: Object.fromEntries(Object.entries(file['default-ulimits'] ?? {}).map(([k, u]) => [k, { ...u, Name: k }])),
      logDriver: file['log-driver'] ?? 'json-file',
      logOpts: file['log-opts'] ?? {},
      configFile: configFile ?? DEFAULTS.configFile,
      logLevel: level as LogLevel,
      logFormat: format as LogFormat,
      helperPath,
      ...networkSettings(bridge ?? file.bridge, bip ?? file.bip, pools.length ? pools : file['default-address-pools']),
      ...defaultCgroupParent(cgroupParent ?? file['cgroup-parent']),
    }),
  };
}

function defaultCgroupParent(parent: string | undefined): Pick<Config, 'cgroupParent'> {
  if (!parent) return {};
  checkCgroupParent(parent);
  return { cgroupParent: parent };
}

function networkSettings(bridge: string | undefined, bip: string | undefined, pools: AddressPool[] | undefined): Pick<Config, 'bridge' | 'bip' | 'defaultAddressPools'> {
  const name = bridge ?? DEFAULTS.bridge;
  if (!/^[a-zA-Z0-9_.-]{1,15}$/.test(name)) throw invalid(`invalid bridge name "${name}": at most 15 characters of [a-zA-Z0-9_.-]`);
  if (bip !== undefined && !/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(bip)) throw invalid(`invalid --bip "${bip}": expected an address with a prefix such as 10.20.0.1/24`);
  const list = pools === undefined ? DEFAULT_POOLS : pools.map(checkPool);
  return { bridge: name, ...(bip !== undefined ? { bip } : {}), defaultAddressPools: list };
}
