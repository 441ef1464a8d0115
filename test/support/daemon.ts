/**
 * The built berthd on a temp socket with temp roots, for e2e tests, plus runners for the
 * clients that talk to it: `bin/berth`, the real `docker` CLI (own DOCKER_CONFIG), dockerode.
 * The daemon's stderr goes to a log file whose tail is printed when a test fails.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, promises as fs } from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type Dockerode from 'dockerode';
import { track, untrack } from './lifecycle';
import { acquireNetSlot, cleanSlotNetwork, releaseNetSlot, type NetSlot } from './netpool';
import { makeTempDir, removeTree, repoRoot, run, waitFor, type RunOptions, type RunResult } from './proc';

export interface DaemonOptions {
  /** Use these roots instead of fresh ones under the daemon's temp dir (the caller owns them). */
  dataRoot?: string;
  execRoot?: string;
  /** Extra berthd flags, e.g. ['--insecure-registry', 'example:5000']. */
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Descriptors berthd inherits besides stdio: child fd number → an open fd of ours. */
  inheritFds?: Record<number, number>;
}

export interface ClientOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface TestDaemon {
  /** Temp dir holding the socket, roots (unless given), log and docker config. */
  dir: string;
  socket: string;
  /** `unix://<socket>` */
  host: string;
  dataRoot: string;
  execRoot: string;
  logFile: string;
  /** The daemon's network slot (bridge name, address pool), when running as root. */
  netSlot?: NetSlot;
  /** pid of the running berthd, undefined when stopped. */
  readonly pid: number | undefined;
  /** SIGTERM, wait for exit (SIGKILL after 30 s), then remove the temp dir unless keepDirs. */
  stop(opts?: { keepDirs?: boolean }): Promise<ExitInfo>;
  /** SIGKILL, wait for exit; keeps all state (for crash-recovery tests, then restart()). */
  kill(): Promise<ExitInfo>;
  /** Stops gracefully if running (keeping state) and starts again on the same roots and socket. */
  restart(): Promise<void>;
  /** `node bin/berth -H <host> ...args` */
  berth(args: readonly string[], opts?: ClientOptions): Promise<RunResult>;
  /** The real `docker` CLI with DOCKER_HOST=<host>, a private DOCKER_CONFIG, DOCKER_BUILDKIT=0. */
  docker(args: readonly string[], opts?: ClientOptions): Promise<RunResult>;
  /** A dockerode client on the socket. */
  dockerode(): Dockerode;
  /** Runs a Python script with docker-py (Debian's python3-docker) and DOCKER_HOST set:
   *  `import docker; c = docker.from_env(); ...` */
  dockerPy(script: string, opts?: ClientOptions): Promise<RunResult>;
  /** The environment the client runners use (BERTH_HOST, DOCKER_HOST, DOCKER_CONFIG, …) plus
   *  `extra`: for running other clients yourself, e.g. runInPty('docker', [...], { env: d.env() }). */
  env(extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  /** The last `lines` lines of the daemon's log. */
  logTail(lines?: number): string;
}

/** Resolves true when GET /_ping on `socket` answers 200 OK. */
export function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath: socket, path: '/_ping', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

function berthdPath(): string {
  return path.join(repoRoot(), 'bin', 'berthd');
}

/** Runs berthd to completion (for start-up failures); killed after timeoutMs (default 20 s). */
export function runBerthd(args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return run(process.execPath, [berthdPath(), ...args], { timeoutMs: 20_000, ...opts });
}

function tailOf(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Starts berthd and resolves once `/_ping` answers; rejects with its log if it exits first. */
export async function startDaemon(opts: DaemonOptions = {}): Promise<TestDaemon> {
  const dir = await makeTempDir('daemon');
  const socket = path.join(dir, 'berth.sock');
  const dataRoot = opts.dataRoot ?? path.join(dir, 'data');
  const execRoot = opts.execRoot ?? path.join(dir, 'run');
  const logFile = path.join(dir, 'berthd.log');
  const configFile = path.join(dir, 'daemon.json');
  const dockerConfig = path.join(dir, 'docker-config');
  await fs.writeFile(configFile, '{}\n'); // never pick up the host's /etc/berth/daemon.json
  await fs.mkdir(dockerConfig);
  // Its own bridge name and address pool, so concurrent suites never share a bridge or subnet.
  const slot: NetSlot | undefined = opts.args?.includes('--bridge') || process.getuid?.() !== 0 ? undefined : acquireNetSlot();
  const args = ['-H', `unix://${socket}`, '--data-root', dataRoot, '--exec-root', execRoot, '--config-file', configFile, ...(slot?.args ?? []), ...(opts.args ?? [])];

  let child: ChildProcess | undefined;
  let exited: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  let removed = false;

  const launch = async (): Promise<void> => {
    const fd = openSync(logFile, 'a');
    const stdio: (number | 'ignore')[] = ['ignore', fd, fd];
    for (const [n, from] of Object.entries(opts.inheritFds ?? {})) {
      while (stdio.length <= Number(n)) stdio.push('ignore');
      stdio[Number(n)] = from;
    }
    const c = spawn(process.execPath, [berthdPath(), ...args], { stdio, env: { ...process.env, ...opts.env } });
    closeSync(fd);
    child = c;
    exited = new Promise((resolve) => c.once('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(`berthd to answer /_ping on ${socket}`, () => ping(socket), {
      timeoutMs: 30_000,
      abort: () => {
        if (c.exitCode !== null || c.signalCode !== null) throw new Error(`berthd exited (${c.exitCode ?? c.signalCode}) during start-up:\n${tailOf(logFile, 30)}`);
      },
    });
  };

  const running = (): boolean => !!child && child.exitCode === null && child.signalCode === null;

  const terminate = async (signal: NodeJS.Signals): Promise<ExitInfo> => {
    if (!child) return { code: null, signal: null };
    if (running()) {
      child.kill(signal);
      const guard = setTimeout(() => child?.kill('SIGKILL'), 30_000);
      const info = await exited;
      clearTimeout(guard);
      return info;
    }
    return exited;
  };

  const clientEnv = (extra?: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    const env: NodeJS.ProcessEnv = { ...process.env, BERTH_HOST: `unix://${socket}`, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: dockerConfig, DOCKER_BUILDKIT: '0', DOCKER_CLI_HINTS: 'false' };
    for (const k of ['DOCKER_CONTEXT', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_API_VERSION']) delete env[k];
    return { ...env, ...extra };
  };

  const daemon: TestDaemon = {
    dir, socket, host: `unix://${socket}`, dataRoot, execRoot, logFile, netSlot: slot,
    get pid() {
      return running() ? child?.pid : undefined;
    },
    async stop(o = {}) {
      const info = await terminate('SIGTERM');
      if (slot && !o.keepDirs && !removed) {
        cleanSlotNetwork(slot, execRoot, dataRoot);
        releaseNetSlot(slot);
      }
      if (!o.keepDirs && !removed) {
        removed = true;
        untrack(tracked);
        await removeTree(dir); // roots passed in opts belong to the caller and stay
      }
      return info;
    },
    kill: () => terminate('SIGKILL'),
    async restart() {
      await terminate('SIGTERM');
      await launch();
    },
    berth: (a, o = {}) => run(process.execPath, [path.join(repoRoot(), 'bin', 'berth'), '-H', `unix://${socket}`, ...a], { ...o, env: clientEnv(o.env) }),
    docker: (a, o = {}) => run('docker', a, { ...o, env: clientEnv(o.env) }),
    dockerode() {
      // Loaded lazily: only the tests that use it pay for it.
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      const Docker = require('dockerode') as typeof Dockerode;
      return new Docker({ socketPath: socket });
    },
    // Debian's interpreter: python3-docker is installed for it, not for other pythons on PATH.
    dockerPy: (script, o = {}) => run(existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3', ['-c', script], { ...o, env: clientEnv(o.env) }),
    env: clientEnv,
    logTail: (lines = 40) => tailOf(logFile, lines),
  };
  const tracked = {
    stop: () => daemon.stop(),
    child: () => child,
    failureReport: () => `\n----- berthd log (${logFile}), last 40 lines -----\n${tailOf(logFile, 40)}\n-----\n`,
  };
  track(tracked);
  try {
    await launch();
  } catch (err) {
    await daemon.stop();
    throw err;
  }
  return daemon;
}
